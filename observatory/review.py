"""Review before publication (issue 26): a lead's submission waits for the programme team's approval.

With ``review: true`` in the programme file (:mod:`observatory.reporting`), or for a period already closed
(late entry, whatever the setting), a submission from the browser is checked as any other (the same
``preview_file``), then kept under ``data/submissions/pending/`` — the file as sent and ``<id>.json``: the
coalition, when it was sent, its preview (old → new values), whether it is late, its state — instead of
being applied. Nothing of it is published: pages and the data package read only ``data/observations/``.

The team approves it (the file is then imported by the very code of ``observatory import``, all or nothing,
dated when the lead sent it, so that timeliness counts the lead's time and the history names the same
submission) or returns it with a comment the lead reads on the submission page. Every step (submitted,
returned, approved; by which role; when) is a line of ``data/submissions/reviews.csv`` and of the leads'
audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from observatory import journal, root_paths, locking
from observatory.errors import ObservatoryError, Text

REVIEW_COLUMNS = ["at", "submission", "coalition", "action", "by", "late", "figures", "comment"]
STATES = ("submitted", "returned", "approved")


@dataclass
class Pending:
    id: str
    coalition: str
    original_name: str
    stored_as: str
    received_at: str
    replace: bool
    late: bool
    periods: list[str]
    changes: list[dict]
    state: str = "submitted"
    comment: str | None = None
    decided_at: str | None = None
    steps: list[dict] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _meta(ident: str) -> str:
    return f"{root_paths.PENDING}/{ident}.json"


def needs_review(programme, periods: list, today: dt.date) -> tuple[bool, bool]:
    """(held for review?, late?): late when a period of the figures is closed; late entry is always reviewed."""
    late = any(period.closed(today) for period in periods)
    return programme.review or late, late


def hold(root: Path, path: Path, coalition: str, replace: bool = False,
         expected_root: str | None = None, now: dt.datetime | None = None) -> Pending | None:
    """Keep the submission for review when the programme wants it reviewed; None when it is to be imported
    at once (review off and no closed period). Checked as an import would be: a bad file raises its problems."""
    from observatory import reporting
    from observatory.submissions import preview_file

    now = now or _now()
    plan = preview_file(root, path, coalition, replace)  # first: a wrong root (the programme file too) is named so
    programme = reporting.load_programme(root)
    if expected_root is not None and plan.root_digest != expected_root:
        raise ObservatoryError(Text("data_changed_since_check"))
    if not plan.changes:
        return None
    periods = {}
    import pandas as pd

    from observatory.dates import parse_period_end

    for day in parse_period_end(pd.Series([c.date for c in plan.changes])).dropna():
        period = programme.period_of(day.date())
        periods[period.id] = period
    held, late = needs_review(programme, list(periods.values()), now.date())
    if not held:
        return None
    content = path.read_bytes()
    ident = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{hashlib.sha256(content).hexdigest()[:12]}"
    stored = f"{root_paths.PENDING}/{ident}{path.suffix.lower()}"
    pending = Pending(ident, coalition, path.name, stored, now.isoformat(), bool(replace), late, sorted(periods),
                      [asdict(c) for c in plan.changes])
    _record(root, pending, "submitted", "lead", None, now, {stored: content})
    return pending


def _record(root: Path, pending: Pending, action: str, by: str, comment: str | None, now: dt.datetime,
            files: dict[str, bytes] | None = None) -> None:
    """One review step: the pending submission's file rewritten, a line in the review log and the step in the
    history of each of its figures, all or nothing."""
    from observatory.submissions import HISTORY_COLUMNS, _Change

    with locking.root_lock(root, f"review {action} {pending.id}"):
        journal.recover(root)
        change = _Change(dict(files or {}))
        change.add_records(root, root_paths.HISTORY, HISTORY_COLUMNS, _stage(root, change, pending, action, by, comment,
                                                                         now))
        change.commit(root)


def _stage(root: Path, change, pending: Pending, action: str, by: str, comment: str | None,
           now: dt.datetime) -> list[dict]:
    """Put one review step into ``change`` (the pending record, the review log); return its history lines."""
    pending.steps.append({"at": now.isoformat(), "action": action, "by": by, "comment": comment})
    change.files[_meta(pending.id)] = json.dumps(asdict(pending), ensure_ascii=False, indent=1).encode("utf-8")
    change.add_records(root, root_paths.REVIEW_LOG, REVIEW_COLUMNS, [{
        "at": now.isoformat(), "submission": pending.id, "coalition": pending.coalition, "action": action,
        "by": by, "late": "yes" if pending.late else "no", "figures": len(pending.changes), "comment": comment}])
    # One line per figure: `observatory history` and the figure's provenance read the history figure by figure.
    return [{"recorded_at": now.isoformat(), "submission": pending.id, "action": action,
             "indicator": c["indicator"], "territory": c["territory"], "coalition": pending.coalition,
             "date": c["date"], "value": c["value"], "previous_value": c.get("previous_value"),
             "previous_source": None, "source": None, "file": pending.original_name, "row": c.get("row"),
             "by": by, "comment": comment} for c in pending.changes]


def read(root: Path, ident: str) -> Pending:
    import re

    if not re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{12}", ident or ""):
        raise ObservatoryError(Text("review_bad_id", ident=repr(ident)))
    path = root_paths.at(root, _meta(ident))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ObservatoryError(Text("review_no_such", ident=ident, folder=root_paths.PENDING)) from None
    return Pending(**data)


def every(root: Path, coalition: str | None = None) -> list[Pending]:
    """Every submission kept for review (of one coalition), newest first."""
    folder = root_paths.at(root, root_paths.PENDING)
    if not folder.is_dir():
        return []
    found = [read(root, path.stem) for path in sorted(folder.glob("*.json"), reverse=True)]
    return [p for p in found if coalition is None or p.coalition == coalition]


def pending_figures(root: Path):
    """The figures of every submission awaiting review ('submitted'), as observation rows: what pages show as
    « provisoire, en cours de revue » when the programme sets ``show_pending: true``. Returned ones are not."""
    import pandas as pd

    from observatory.dates import parse_period_end

    rows = [{"indicator": c["indicator"], "territory": c["territory"], "coalition": p.coalition,
             "date_text": c["date"], "value": c["value"], "file": p.stored_as, "row": c.get("row"),
             "submission": p.id}
            for p in every(root) if p.state == "submitted" for c in p.changes]
    frame = pd.DataFrame(rows, columns=["indicator", "territory", "coalition", "date_text", "value", "file", "row",
                                        "submission"])
    frame["date"] = parse_period_end(frame["date_text"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def _audit(root: Path, leads_dir, pending: Pending, event: str, detail: str) -> None:
    from observatory.leads import Leads

    Leads.of(root, leads_dir).audit(pending.coalition, event, f"{pending.id}: {detail}")


def approve(root: Path, ident: str, leads_dir: Path | None = None, now: dt.datetime | None = None,
            by: str = "team"):
    """Import a pending submission (as sent, dated when sent); raise its problems if it no longer applies."""
    from observatory.submissions import import_file

    now = now or _now()
    pending = read(root, ident)
    if pending.state != "submitted":
        raise ObservatoryError(Text("review_not_waiting", ident=ident, state=repr(pending.state)))

    def approval(change) -> list[dict]:
        # Under the import's lock: approved by someone else meanwhile? Then nothing is written.
        current = read(root, ident)
        if current.state != "submitted":
            raise ObservatoryError(Text("review_not_waiting", ident=ident, state=repr(current.state)))
        current.state, current.decided_at = "approved", now.isoformat()
        staged = _stage(root, change, current, "approved", by, None, now)
        pending.__dict__.update(current.__dict__)
        return staged

    with tempfile.TemporaryDirectory(prefix="observatory-review-") as work:
        copy = Path(work) / pending.original_name
        copy.write_bytes(root_paths.at(root, pending.stored_as).read_bytes())
        # One commit: the figures, their history, the approval's record and review log line together, so that
        # an approval stopped halfway leaves the root as it was before or as it is after, never between.
        report = import_file(root, copy, pending.coalition, pending.replace,
                             now=dt.datetime.fromisoformat(pending.received_at), also=approval)
    _audit(root, leads_dir, pending, "approved", f"{report.added} added, {report.replaced} replaced"
           + (" (late)" if pending.late else ""))
    return pending, report


def send_back(root: Path, ident: str, comment: str, leads_dir: Path | None = None,
              now: dt.datetime | None = None, by: str = "team") -> Pending:
    """Return a pending submission to its lead with a comment; nothing of it is applied."""
    now = now or _now()
    comment = (comment or "").strip()
    if not comment:
        raise ObservatoryError(Text("review_empty_comment"))
    pending = read(root, ident)
    if pending.state != "submitted":
        raise ObservatoryError(Text("review_not_waiting", ident=ident, state=repr(pending.state)))
    pending.state, pending.comment, pending.decided_at = "returned", comment, now.isoformat()
    _record(root, pending, "returned", by, comment, now)
    _audit(root, leads_dir, pending, "returned", f"{len(comment)} characters of comment")
    return pending
