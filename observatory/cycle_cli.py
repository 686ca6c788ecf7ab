"""The reporting cycle's commands (issue 26): ``status``, ``remind``, ``review``; :mod:`observatory.cli` adds them.

Kept apart from ``cli.py`` so that it stays a list of thin layers; heavy imports happen when a command runs.
"""

from __future__ import annotations

import argparse

PERIOD_HELP = "the period: a year (2025) or a half-year (2025-S1) as the programme file's frequency says"


def add_arguments(add) -> None:
    from observatory import cli

    status = add("status", "the reporting cycle: per coalition and period, figures expected, received (on time, "
                           "late) and missing", cli.cmd_status)
    status.add_argument("--period", help=PERIOD_HELP + " (default: every period)")
    remind = add("remind", "e-mail each lead of a coalition with figures missing for a period", cli.cmd_remind)
    remind.add_argument("--period", required=True, help=PERIOD_HELP)
    remind.add_argument("--dry-run", action="store_true", help="print the messages instead of sending them")
    remind.add_argument("--leads-dir", metavar="DIR", help="where the leads' audit log is kept (default: as for "
                                                           "serve)")
    review = add("review", "submissions awaiting the team's review (programme file: review: true, or a closed "
                           "period): list, approve, return", cli.cmd_review)
    review.add_argument("action", choices=("list", "approve", "return", "token"),
                        help="what to do; token: a new secret for the team's review page (serve --submissions)")
    review.add_argument("submission", nargs="?", help="the submission's id (approve, return)")
    review.add_argument("--comment", help="return: what the lead should correct (shown on the submission page)")
    review.add_argument("--leads-dir", metavar="DIR", help="where the leads' audit log is kept (default: as for "
                                                           "serve)")


def _out(line: str = "") -> None:
    print(line, flush=True)


def status(args: argparse.Namespace, say) -> int:
    from observatory import reporting

    table, expected, _ = reporting.status(args.root, args.period)
    if table.empty:
        say("no figure expected" + (f" for {args.period}" if args.period else "") + " (no target spans it)")
        return 0
    head = ("coalition", "period", "due", "closes", "expected", "received", "on_time", "late", "missing")
    rows = [[str(r.coalition), r.period, r.due.strftime("%Y-%m-%d"),
             r.closes.strftime("%Y-%m-%d") if not _missing(r.closes) else "",
             *(str(getattr(r, c)) for c in head[4:])] for r in table.itertuples()]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    _out("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for row in rows:
        _out("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    if args.period:
        owed = expected[expected["state"] != "on_time"]
        if len(owed):
            _out()
            for r in owed.itertuples():
                when = f" (received {r.received_at})" if r.state == "late" else ""
                _out(f"{r.state}: {r.coalition} — {r.indicator} × {r.territory}{when}")
    return 0


def _missing(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)


def remind(args: argparse.Namespace, say) -> int:
    from observatory import remind as reminding

    if args.dry_run:
        reminding.dry_run(args.root, args.period, say)
    else:
        reminding.send(args.root, args.period, args.leads_dir, say)
    return 0


def review(args: argparse.Namespace, say) -> int:
    from observatory import review as reviewing
    from observatory.errors import ObservatoryError

    if args.action == "token":
        from observatory.leads import Leads
        from observatory.review_page import TEAM

        leads = Leads.of(args.root, args.leads_dir)
        replaced = leads.has_secret(TEAM)
        secret = leads.create(TEAM)
        print(secret, flush=True)  # alone on stdout, as `observatory leads token` does
        say(f"the secret of the team's review page is above; it is shown only now (kept hashed in {leads.where})"
            + ("; the previous secret no longer works" if replaced else ""))
        return 0
    if args.action == "list":
        found = reviewing.every(args.root)
        waiting = [p for p in found if p.state == "submitted"]
        if not waiting:
            say("no submission awaits review")
        for p in waiting:
            _out(f"{p.id}  {p.coalition}  sent {p.received_at}  {p.original_name}  periods {', '.join(p.periods)}"
                 + ("  LATE" if p.late else ""))
            for c in p.changes:
                before = c["previous_value"] if c["previous_value"] is not None else "—"
                _out(f"    row {c['row']}: {c['indicator']} × {c['territory']} {c['date']}: {before} → {c['value']}")
        return 0
    if not args.submission:
        raise ObservatoryError(f"review {args.action}: expected the submission's id (see `observatory review list`)")
    if args.action == "approve":
        pending, report = reviewing.approve(args.root, args.submission, args.leads_dir)
        say(f"approved {pending.id} ({pending.coalition}): {report.added} added, {report.replaced} replaced, "
            f"{report.unchanged} already recorded; published at the next build")
        return 0
    pending = reviewing.send_back(args.root, args.submission, args.comment, args.leads_dir)
    say(f"returned {pending.id} to coalition {pending.coalition}'s leads with the comment; nothing of it applied")
    return 0
