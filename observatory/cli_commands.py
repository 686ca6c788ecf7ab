"""What each sub-command of ``observatory`` does: a thin layer over a module, imported when the command runs (the
parser, :mod:`observatory.cli`, stays quick to load)."""

from __future__ import annotations

import argparse
import sys
import time

from observatory.errors import ObservatoryError, Text, say


def _say(message: str) -> None:
    print(say(message), file=sys.stderr, flush=True)


def cmd_validate(args: argparse.Namespace) -> int:
    from observatory.derive import with_derived_figures
    from observatory.validate import validated

    started = time.perf_counter()
    root = with_derived_figures(validated(args.root))
    _say(Text("cli_validate_ok", root=args.root, indicators=len(root.indicators),
              territories=len(root.territories), coalitions=len(root.coalitions), targets=len(root.targets),
              observations=len(root.observations), seconds=f"{time.perf_counter() - started:.1f}"))
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from observatory.derive import with_derived_figures
    from observatory.progress import compute_progress, summarise, to_csv
    from observatory.validate import validated

    root = with_derived_figures(validated(args.root))
    progress = compute_progress(root)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    to_csv(progress, out)
    counts = progress["status"].value_counts()
    _say(Text("cli_progress_wrote", out=out, count=len(progress),
              statuses=", ".join(f"{k} {v}" for k, v in counts.items())))
    if args.summary:
        summary_path = args.summary
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        to_csv(summarise(progress), summary_path)
        _say(Text("cli_summary_wrote", out=summary_path))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from observatory.build import build
    from observatory.i18n import LANGS

    langs = tuple(lang.strip() for lang in args.lang.split(",") if lang.strip())
    for lang in langs:
        if lang not in LANGS:
            raise ObservatoryError(Text("cli_build_lang", lang=lang, langs=", ".join(LANGS)))
    if args.watch:
        from observatory.watch import watch

        watch(args.root, lambda: build(args.root, args.out, jobs=args.jobs, only=args.only, langs=langs,
                                       force=False, say=_say, engine=args.engine,
                                       scheduler=args.scheduler), say=_say)
        return 0
    report = build(args.root, args.out, jobs=args.jobs, only=args.only, langs=langs, force=args.force, say=_say,
                   engine=args.engine, scheduler=args.scheduler)
    index = (report.out / "index.html").resolve()
    sizes = [b.size for b in report.built if b.size is not None]
    weight = Text("cli_built_weight", low=min(sizes) // 1024, high=max(sizes) // 1024) if sizes else ""
    _say(Text("cli_built", built=len(report.built), unchanged=len(report.skipped), failed=len(report.failed),
              seconds=f"{report.seconds:.0f}", weight=weight))
    for failure in report.failed:
        _say(Text("cli_build_failed", key=failure.key, error=failure.error))
    if index.exists():
        _say(Text("cli_open", uri=index.as_uri()))
    return 0 if report.ok else 1


def cmd_serve(args: argparse.Namespace) -> int:
    from observatory.leads import check_outside
    from observatory.serve import serve

    if args.leads_dir:  # refused before anything starts (issue 20: secrets never in the root nor the site)
        check_outside(args.root, args.leads_dir)

    return serve(args.root, port=args.port, ip=args.ip, pool_size=args.pool_size, token=args.token,
                 base_url=args.base_url, allow_hosts=args.allow_host, say=_say, submissions=args.submissions,
                 leads_dir=args.leads_dir, idle_timeout=args.idle_timeout, max_kernels=args.max_kernels,
                 static_url=args.static_url, explorer_pool_size=args.explorer_pool_size)


def cmd_lab(args: argparse.Namespace) -> int:
    from observatory.lab import lab

    return lab(args.root, port=args.port, token=args.token, say=_say)


def cmd_leads_token(args: argparse.Namespace) -> int:
    from observatory.leads import Leads
    from observatory.load import load_root

    known = set(load_root(args.root).coalitions["id"])
    if args.coalition not in known:
        raise ObservatoryError(Text("cli_no_coalition", coalition=args.coalition, known=", ".join(sorted(known))))
    leads = Leads.of(args.root, args.leads_dir)
    replaced = leads.has_secret(args.coalition)
    secret = leads.create(args.coalition)
    print(secret, flush=True)  # alone on stdout: `observatory leads token … > secret.txt` keeps only it
    said = Text("cli_secret", coalition=args.coalition, where=leads.where)
    _say(Text("cli_secret_replaced", text=said) if replaced else said)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from observatory.spreadsheet_template import write_template

    out = write_template(args.root, args.coalition, args.out)
    _say(Text("cli_template_wrote", out=out, coalition=args.coalition))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from observatory.submissions import import_file

    report = import_file(args.root, args.file, args.coalition, replace=args.replace, say=_say)
    for message in report.messages:
        _say(message)
    if report.submission:
        _say(Text("cli_imported", file=args.file, added=report.added, replaced=report.replaced,
                  unchanged=report.unchanged, stored=report.stored_as, submission=report.submission))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from observatory.submissions import undo_last

    report = undo_last(args.root, args.coalition, say=_say)
    _say(Text("cli_undone", name=report.original_name, at=report.received_at, undone=report.undone,
              removed=report.removed, restored=report.restored, submission=report.submission))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from observatory.submissions import history

    table = history(args.root, args.indicator, args.territory, args.coalition)
    if table.empty:
        _say(Text("cli_no_match"))
        return 0
    for line in history_lines(table):
        print(line)
    return 0


def history_lines(table, width: int = 100) -> list[str]:
    """One line per figure (indicator, territory, coalition, date, value: what one greps for), then its
    provenance and review steps indented below, wrapped to ``width`` columns: a terminal reads it whole."""
    import textwrap

    def wrapped(text: str, indent: str = "    ") -> list[str]:
        return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent="      ",
                             break_long_words=False, break_on_hyphens=False)

    from observatory.errors import current_lang
    from observatory.i18n import name_of, t

    lang = current_lang()  # the command's language (--lang, else the locale's)
    lines = []
    for row in table.itertuples(index=False):
        value = row.value if row.value != "" else t("history_not_published", lang)
        lines += wrapped(f"{row.indicator}  {row.territory}  {row.coalition or '-'}  {row.date}  {value}", "")
        if row.stored_in:
            lines += wrapped(t("history_stored_in", lang, where=row.stored_in)
                             + (t("history_source", lang, source=row.source) if row.source else ""))
        if row.submission:
            lines += wrapped(t("history_imported", lang, at=row.recorded_at, submission=row.submission)
                             + (t("history_replacing", lang, value=row.replacing) if row.replacing else ""))
        for step in row.steps:
            text = t("history_step", lang, at=step["recorded_at"], value=step["value"],
                     action=name_of("history_actions", step["action"], lang),
                     by=name_of("history_roles", step["by"] or "?", lang))
            text += t("history_step_submission", lang, submission=step["submission"], file=step["file"])
            if step["comment"]:
                text += t("history_comment", lang, comment=step["comment"])
            lines += wrapped(text)
    return lines


def cmd_import_source(args: argparse.Namespace) -> int:
    from observatory import sources

    source = sources.get(args.source)
    report = sources.import_source(args.root, source, args.file, source.options(args), say=_say)
    for line in report.messages:
        _say(line)
    return 0


# --- the reporting cycle (issue 26): status, remind, review -------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    from observatory.cycle_cli import status

    return status(args, _say)


def cmd_remind(args: argparse.Namespace) -> int:
    from observatory.cycle_cli import remind

    return remind(args, _say)


def cmd_review(args: argparse.Namespace) -> int:
    from observatory.cycle_cli import review

    return review(args, _say)
