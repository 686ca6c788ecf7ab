"""The reporting cycle's commands (issue 26): ``status``, ``remind``, ``review``; :mod:`observatory.cli` adds them.

Kept apart from ``cli.py`` so that it stays a list of thin layers; heavy imports happen when a command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from observatory.errors import Text
from observatory.errors import say as say_text

PERIOD_HELP = "the period: a year (2025) or a half-year (2025-S1) as the programme file's frequency says"


def add_arguments(add) -> None:
    from observatory import cli

    status = add("status", "the reporting cycle: per coalition and period, figures expected, received (on time, "
                           "late) and missing", cli.cmd_status)
    status.add_argument("--period", help=PERIOD_HELP + " (default: every period)")
    remind = add("remind", "e-mail each lead of a coalition with figures missing for a period", cli.cmd_remind)
    remind.add_argument("--period", required=True, help=PERIOD_HELP)
    remind.add_argument("--dry-run", action="store_true", help="print the messages instead of sending them")
    remind.add_argument("--leads-dir", metavar="DIR", type=Path,
                        help="where the leads' audit log is kept (default: as for serve)")
    review = add("review", "submissions awaiting the team's review (programme file: review: true, or a closed "
                           "period): list, approve, return", cli.cmd_review)
    review.add_argument("action", choices=("list", "approve", "return", "token"),
                        help="what to do; token: a new secret for the team's review page (serve --submissions)")
    review.add_argument("submission", nargs="?", help="the submission's id (approve, return)")
    review.add_argument("--comment", help="return: what the lead should correct (shown on the submission page)")
    review.add_argument("--leads-dir", metavar="DIR", type=Path,
                        help="where the leads' audit log is kept (default: as for serve)")


def _out(line: str = "") -> None:
    print(line, flush=True)


def status(args: argparse.Namespace, say) -> int:
    from observatory import reporting

    table, expected, _ = reporting.status(args.root, args.period)
    if table.empty:
        say(Text("cli_status_none_for", period=args.period) if args.period else Text("cli_status_none"))
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
                when = say_text(Text("cli_status_received", at=r.received_at)) if r.state == "late" else ""
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
        say(Text("cli_review_token_replaced" if replaced else "cli_review_token", where=leads.where))
        return 0
    if args.action == "list":
        found = reviewing.every(args.root)
        waiting = [p for p in found if p.state == "submitted"]
        if not waiting:
            say(Text("cli_review_none"))
        for p in waiting:
            _out(say_text(Text("cli_review_line", id=p.id, coalition=p.coalition, at=p.received_at,
                               name=p.original_name, periods=", ".join(p.periods)))
                 + (say_text(Text("cli_review_late")) if p.late else ""))
            for c in p.changes:
                before = c["previous_value"] if c["previous_value"] is not None else "—"
                _out("    " + say_text(Text("cli_review_change", row=c["row"], indicator=c["indicator"],
                                               territory=c["territory"], date=c["date"], before=before,
                                               value=c["value"])))
        return 0
    if not args.submission:
        raise ObservatoryError(Text("cli_review_needs_id", action=args.action))
    if args.action == "approve":
        pending, report = reviewing.approve(args.root, args.submission, args.leads_dir)
        say(Text("cli_review_approved", id=pending.id, coalition=pending.coalition, added=report.added,
                 replaced=report.replaced, unchanged=report.unchanged))
        return 0
    pending = reviewing.send_back(args.root, args.submission, args.comment, args.leads_dir)
    say(Text("cli_review_returned", id=pending.id, coalition=pending.coalition))
    return 0
