"""The ``observatory`` command. Each sub-command is a thin layer over a module.

No traceback reaches the user: problems in the data are listed one per line,
and an unexpected failure is reported in one line (``--debug`` shows more).

Here the parser and the handling of failures; what each command does is in :mod:`observatory.cli_commands`
(its ``cmd_*`` functions are also found here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from observatory import __version__, atomic, dask_address
from observatory.cli_commands import (  # noqa: F401 - cycle_cli reads cmd_status…
    _say, cmd_build, cmd_history, cmd_import, cmd_import_source, cmd_lab, cmd_leads_token, cmd_progress, cmd_remind,
    cmd_review, cmd_serve, cmd_status, cmd_template, cmd_undo, cmd_validate, history_lines)
from observatory.errors import InvalidDataRoot, ObservatoryError, Text, language, locale_lang
from observatory.i18n import LANGS
from observatory.root_paths import data_root

# jsonschema (under Great Expectations, nbformat, papermill, nbconvert) imports rfc3987-syntax when it is
# installed, which compiles a grammar at import: 2.1 s of every command's start (python -X importtime), for
# checks of the "iri" format that no schema of ours uses. The command does without it; jsonschema then skips
# that one format, as it does wherever the package is not installed. (Only the command: a program that
# imports observatory keeps its modules as they are.)
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


# What each command's --help shows under "examples".
EXAMPLES = {
    "validate": ["observatory validate --root ."],
    "progress": ["observatory progress --out reports/progress.csv --summary reports/compass.csv"],
    "build": ["observatory build                                    # both editions, every page, into reports/",
              "observatory build --only coalition:equite-scolaire --lang fr   # one page, quickly",
              "observatory build --watch                            # rebuild as the data are edited",
              "observatory build --scheduler tcp://10.0.0.5:8786    # pages run on a Dask cluster"],
    "template": ["observatory template --coalition equite-scolaire --out equite-scolaire.xlsx   # or .csv"],
    "import": ["observatory import equite-scolaire.xlsx --coalition equite-scolaire",
               "observatory import corrections.csv --coalition equite-scolaire --replace"],
    "undo": ["observatory undo --coalition equite-scolaire"],
    "import-source": ["observatory import-source barometre synthese-departementale.csv --coalition equite-scolaire "
                      "--accept-suggested",
                      "observatory import-source jgmd sites.json --date 2025-11-10",
                      "observatory import-source SOURCE --help       # that source's options"],
    "history": ["observatory history --indicator people-trained --territory rennes"],
    "leads": ["observatory leads token --coalition equite-scolaire   # a new secret for the coalition's leads"],
    "serve": ["observatory serve                                    # http://127.0.0.1:8866/",
              "observatory serve --submissions                      # with the leads' page to submit figures",
              "observatory serve --ip 0.0.0.0 --token SECRET --allow-host observatoire.example.org",
              "observatory serve --max-kernels 40 --idle-timeout 300 --static-url https://observatoire.example.org/"],
    "status": ["observatory status --period 2025         # expected, received, on time, late, missing"],
    "remind": ["observatory remind --period 2025 --dry-run   # print the reminders instead of sending them",
               "OBSERVATORY_SMTP_PASSWORD=… observatory remind --period 2025"],
    "review": ["observatory review token                # the secret of the review page of serve --submissions",
               "observatory review list", "observatory review approve 20260301T101500Z-0123456789ab",
               "observatory review return 20260301T101500Z-0123456789ab --comment \"La ligne 3 est en euros.\""],
    "lab": ["observatory lab                                      # JupyterLab on ./analysis/, with a token",
            "observatory lab --root ../my-root --port 8890"],
}
EXIT_CODES = """exit codes:
  0    done
  1    problems in the data, or input refused: nothing was written
  2    wrong command line
  3    unexpected failure (run again with --debug, and please report it)
  130  interrupted"""
UNEXPECTED = 3


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"found {text!r}, expected a whole number of at least 1")
    return value


def _root(text: str) -> Path:
    """--root: a folder; an empty one is refused (an unset variable in a script) rather than taken for
    $OBSERVATORY_ROOT or the repository, which a user did not name."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"found {text!r}, expected the data root's folder, e.g. --root .")
    return data_root(text)


def _epilog(*examples: str) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in examples) + "\n" + EXIT_CODES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory",
        description="#Reset impact observatory — observatoire d'impact du programme #Reset.",
        epilog=_epilog("observatory validate", "observatory build --only programme --lang fr",
                       "observatory COMMAND --help                # each command's options and examples"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"observatory {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    # Not build's --lang (the editions to build): the language of the messages, before the command's name.
    parser.add_argument("--lang", dest="language", choices=LANGS,
                        help=f"the language of the messages: {', '.join(LANGS)} (default: the locale's, LC_ALL, "
                             "LC_MESSAGES or LANG starting with its code, e.g. fr; else English); the help texts "
                             "stay in English. Not to be confused with `build --lang`, the editions to build")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, epilog=_epilog(*EXAMPLES[name]),
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("--root", default=".", type=_root, help="the data root (default: the current directory)")
        sub.set_defaults(func=func)
        if name in ("validate", "progress", "build"):
            sub.add_argument("--no-cache", action="store_true",
                             help="check the data root again even if it did not change since the last check "
                                  "(also: OBSERVATORY_NO_CACHE=1)")
        return sub

    add("validate", "check every file of the data root; list each problem", cmd_validate)
    progress = add("progress", "compute progress toward every target", cmd_progress)
    progress.add_argument("--out", required=True, type=Path, help="CSV file for one row per target")
    progress.add_argument("--summary", type=Path,
                          help="CSV file for the compass: status counts and mean progress per quality")
    build = add("build", "validate, compute and publish the dashboards as a static site", cmd_build)
    build.add_argument("--out", default="reports", type=Path, help="output folder (default: reports/)")
    build.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: cores)")
    build.add_argument("--only", action="append", metavar="KIND:ID",
                       help=f"build only this page: {_only_choices()} (repeatable)")
    _add_skipped_kinds(build)
    build.add_argument("--lang", default=",".join(LANGS), help=f"editions to build (default: {','.join(LANGS)})")
    build.add_argument("--force", action="store_true", help="run every dashboard even if its inputs did not change")
    build.add_argument("--engine", choices=("warm", "default"), default=None,
                       help="warm: kernels reused from page to page (default); default: papermill's engine, a new "
                            "kernel per page (also: OBSERVATORY_ENGINE)")
    build.add_argument("--scheduler", metavar="tcp://HOST:8786", type=dask_address.argument,
                       help="run the pages on the workers of this Dask scheduler (also: DASK_SCHEDULER_ADDRESS); "
                            "default: worker processes on this machine")
    build.add_argument("--watch", action="store_true",
                       help="after building, wait for changes under data/ and indicators/ and rebuild the pages "
                            "they touch (Ctrl-C to stop)")
    template = add("template", "write a spreadsheet for a coalition lead to fill in", cmd_template)
    template.add_argument("--coalition", required=True, help="the coalition id")
    template.add_argument("--out", required=True, type=Path, help="the file to write: .xlsx or .csv")
    imports = add("import", "import a coalition lead's spreadsheet: all of it, or nothing", cmd_import)
    imports.add_argument("file", type=Path, help="the .xlsx or .csv file sent by the lead")
    imports.add_argument("--coalition", required=True, help="the coalition the figures belong to")
    imports.add_argument("--replace", action="store_true", help="replace figures already recorded (kept in history)")
    undo = add("undo", "take back a coalition's last import: its figures leave, those it replaced come back",
               cmd_undo)
    undo.add_argument("--coalition", required=True, help="the coalition whose last import is taken back")
    _add_sources(add("import-source", "import a public source in its published format", cmd_import_source))
    hist = add("history", "where each figure came from: file, submission, what it replaced", cmd_history)
    hist.add_argument("--indicator", help="only this indicator")
    hist.add_argument("--territory", help="only this territory")
    hist.add_argument("--coalition", help="only this coalition's figures")
    serve = add("serve", "serve the dashboards and the explorer live with Voilà", cmd_serve)
    serve.add_argument("--port", type=int, default=8866, help="port (default: 8866)")
    serve.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: localhost only)")
    serve.add_argument("--pool-size", type=int, default=1,
                       help="preheated kernels per page and language, the explorer aside (default: 1; 0: none "
                            "preheated, the explorer's neither)")
    serve.add_argument("--explorer-pool-size", type=int, metavar="N",
                       help="preheated kernels of the explorer, in each language: a crowd of N arriving at once "
                            "is served at once (default: 10, fewer if 20%% of the memory available at start-up "
                            "does not hold 2 × 10 kernels of 160 MB; never fewer than --pool-size)")
    serve.add_argument("--token", help="require this token (?token=...) from visitors")
    serve.add_argument("--base-url", help="path prefix when served behind a reverse proxy, e.g. /observatoire/")
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                       help="accept visitors who reach the server by this host name (repeatable; besides "
                            "localhost and loopback addresses, all others get 403, against DNS rebinding); "
                            "'*' accepts any name: only with --token")
    serve.add_argument("--submissions", action="store_true",
                       help="also serve the page where coalition leads submit figures (submit.ipynb), each "
                            "coalition with its secret (see `observatory leads token`)")
    serve.add_argument("--leads-dir", metavar="DIR", type=Path,
                       help="where the leads' secrets are kept (default: $OBSERVATORY_LEADS_DIR, else the user's "
                            "configuration folder; never the data root nor the site)")
    serve.add_argument("--idle-timeout", type=_positive, default=120, metavar="SECONDS",
                       help="a visitor's kernel ends after this long without activity (default: 120); it also "
                            "ends a few seconds after its visitor leaves the page")
    serve.add_argument("--max-kernels", type=_positive, metavar="N",
                       help="visitors' kernels alive at most; the next visitors get a short 'busy' page (default: "
                            "as many as fit in 60%% of the memory available at start-up, at 160 MB each)")
    serve.add_argument("--static-url", metavar="URL",
                       help="the static site's address (observatory build), linked from the 'busy' page")
    lab = add("lab", "open JupyterLab on the root's analysis/ folder (made with two starter notebooks if missing)",
              cmd_lab)
    lab.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default: 8888)")
    lab.add_argument("--token", help="the token to open it with (default: a new random one, printed)")
    from observatory.cycle_cli import add_arguments  # issue 26: status, remind, review

    add_arguments(add)
    leads = add("leads", "coalition leads' secrets for the submission page", None)
    leads_commands = leads.add_subparsers(dest="leads_command", metavar="ACTION")
    leads_commands.required = True
    token = leads_commands.add_parser("token", help="create a coalition's secret (the previous one stops working)",
                                      description="Create a coalition's secret, print it once; it is kept hashed.",
                                      epilog=_epilog(*EXAMPLES["leads"]),
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
    token.add_argument("--root", default=argparse.SUPPRESS, type=_root,
                       help="the data root (default: the current directory)")
    token.add_argument("--coalition", required=True, help="the coalition id")
    token.add_argument("--leads-dir", metavar="DIR", type=Path,
                       help="where the secrets are kept (default: as for serve)")
    token.set_defaults(func=cmd_leads_token)
    return parser


def _only_choices() -> str:
    """The pages of build --only, kind by kind as pages/kinds declares them: "programme, …, territory:ID"."""
    from observatory.pages import kinds

    choices = kinds.choices()
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else "".join(choices)


def _add_skipped_kinds(command: argparse.ArgumentParser) -> None:
    """The page kinds of faulty plug-ins, told where the kinds are listed (as sources that could not be loaded)."""
    from observatory.pages import kinds

    if kinds.skipped():
        command.epilog += "\n\npage kinds left out:\n" + "".join(
            f"  {why}\n" for why in kinds.skipped())


def _add_sources(command: argparse.ArgumentParser) -> None:
    """One sub-command per installed source (observatory/sources: the entry points observatory.sources)."""
    from observatory.sources import registry

    found = registry()
    if found.broken:
        command.epilog += "\n\nsources that could not be loaded:\n" + "".join(
            f"  {name}: {why}\n" for name, why in found.broken.items())
    choices = command.add_subparsers(dest="source", metavar="SOURCE", title="sources")
    choices.required = True
    usages = []
    for name, source in found.sources.items():
        sub = choices.add_parser(name, help=source.description, description=source.description,
                                 epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("file", type=Path, help="the file as downloaded")
        # Also accepted after the source's name; given before it, it is kept (SUPPRESS: no default here).
        sub.add_argument("--root", default=argparse.SUPPRESS, type=_root,
                         help="the data root (default: the current directory)")
        source.add_arguments(sub)
        usages.append("  " + " ".join(sub.format_usage().split()[1:]) + "\n")
    command.epilog = "each source's options:\n" + "".join(usages) + "\n" + command.epilog


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # The messages' language, restored afterwards: main() is also run in-process (tests, notebooks).
    with language(args.language or locale_lang()):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from observatory import cache

    try:
        with cache.bypassed(getattr(args, "no_cache", False)):
            return args.func(args)
    except InvalidDataRoot as exc:
        _say(exc.report())
        # validate never writes: saying it wrote nothing would suggest it might have
        key = "cli_problems" if args.command == "validate" else "cli_problems_nothing_written"
        _say(Text(key, root=args.root, count=len(exc.problems)))
        return 1
    except ObservatoryError as exc:
        _say(Text("cli_error", message=exc.text()))
        return 1
    except KeyboardInterrupt:
        _say(Text("cli_interrupted"))
        return 130
    except OSError as exc:
        if exc.errno not in atomic.DISK_FULL or args.debug:
            return _unexpected(exc, args)
        _say(Text("cli_disk_full", where=exc.filename or Text("cli_a_file")))
        return 1
    except Exception as exc:  # noqa: BLE001 - last resort: no traceback for users
        return _unexpected(exc, args)


def _unexpected(exc: Exception, args: argparse.Namespace) -> int:
    if args.debug:
        raise exc
    _say(Text("cli_unexpected", error=f"{type(exc).__name__}: {exc}"))
    return UNEXPECTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
