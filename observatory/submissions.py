"""``observatory import``: a coalition lead's spreadsheet into the data root, whole or not at all.

The whole import — reading the root, checking, writing — runs under the root's
lock (:mod:`observatory.locking`): a second import waits, then checks its file
against the root as the first one left it. The file is validated with the same
checks and messages as ``observatory validate`` (rows as the lead's spreadsheet
numbers them), and so is the rest of the root. If anything is wrong nothing is
written. Otherwise the new figures are added atomically (:mod:`observatory.journal`).
The file as sent is kept under ``data/submissions/`` with its date and
checksum, every figure added or replaced is recorded in ``data/history.csv``,
and ``observatory undo`` takes a coalition's last import back.

Here, reading the lead's file, planning and writing the import; the files it touches and their columns are in
:mod:`observatory.submission_files`, undo and the history in :mod:`observatory.submission_history` (their names
are also found here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import journal, locking, root_paths, vocabulary
from observatory.errors import InvalidDataRoot, ObservatoryError, Problem, Text, say
from observatory.load import DataRoot, load_root
from observatory.sheets import Table, normalise_date, normalise_number, read_table
from observatory.spreadsheet_template import FORMER_INFO_COLUMNS, INFO_COLUMNS
from observatory.submission_files import (  # noqa: F401 - BASE_COLUMNS, LOG_COLUMNS, _read_csv_dicts: callers
    BASE_COLUMNS, EXTRA_COLUMNS, HISTORY_COLUMNS, LOG_COLUMNS, OBSERVATION_COLUMNS, _Change, _key, _known_coalition,
    _observation_file, _read_csv_dicts, _record_cells, _undo_record)
from observatory.submission_history import UndoReport, history, undo_last  # noqa: F401 - callers read them here
from observatory.validate import _dedupe, check_root


class InvalidRootBeforeImport(InvalidDataRoot):
    """The root is wrong before anything is imported: the same problems as ``observatory validate`` lists."""

    def report(self, lang: str | None = None) -> str:
        said = Text("root_before_import", count=len(self.problems))
        return say(said, lang) + "\n" + super().report(lang)


@dataclass
class ImportReport:
    submission: str | None
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    stored_as: str | None = None
    messages: list[str] = field(default_factory=list)


# --- reading a submission ----------------------------------------------------------------------

def rows_of(table: Table, coalition: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The submitted figures as observation rows (text, as typed, numbers and dates normalised)."""
    problems = list(table.problems)
    allowed = (*OBSERVATION_COLUMNS, *INFO_COLUMNS, *FORMER_INFO_COLUMNS)
    for column in table.header:
        if column not in allowed:
            problems.append(Problem(table.name, row=1, column=column, value=column,
                                    expected=Text("submission_columns", columns=", ".join(OBSERVATION_COLUMNS))))
    for column in vocabulary.OBSERVATION_REQUIRED:
        if column not in table.header:
            problems.append(Problem(table.name, row=1, column=column, value=None,
                                    expected=Text("required_column", columns=", ".join(vocabulary.OBSERVATION_REQUIRED))))
    records = []
    for number, cells in table.rows:
        record = dict(zip(table.header, cells))
        if all(record.get(c) is None for c in ("value", "source", "comment")):
            continue  # a template row left empty (its date is pre-filled): nothing reported for that period
        given = record.get("coalition")
        if given is not None and given != coalition:
            problems.append(Problem(table.name, row=number, column="coalition", value=given,
                                    expected=Text("other_coalition", coalition=coalition, given=given)))
        records.append({
            "indicator": record.get("indicator"), "territory": record.get("territory"),
            "date_text": normalise_date(record.get("date")), "value_text": normalise_number(record.get("value")),
            "coalition": coalition, "source": record.get("source"), "comment": record.get("comment"),
            "file": table.name, "row": number, "dataset": "submission",
            **{column: record.get(column) for column in EXTRA_COLUMNS},
        })
    frame = pd.DataFrame(records, columns=["indicator", "territory", "date_text", "value_text", "coalition",
                                           "source", "comment", "file", "row", "dataset", *EXTRA_COLUMNS])
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, problems


# --- the import ------------------------------------------------------------------------------

@dataclass
class Change:
    """One figure a submission adds or replaces, as the preview shows it."""
    indicator: str
    territory: str
    date: str
    value: str
    previous_value: str | None = None  # None: added
    row: int = 0  # the spreadsheet row it comes from


@dataclass
class Plan:
    """What importing a file would do, checked against the root as it is now; nothing written yet."""
    report: ImportReport
    changes: list[Change]
    root_digest: str | None  # the root's content the plan was made on


def import_file(root: Path, path: Path, coalition: str, replace: bool = False,
                now: dt.datetime | None = None, say=None, timeout: float | None = None,
                expected_root: str | None = None, also=None) -> ImportReport:
    """Validate the whole file, then add its figures atomically; raise InvalidDataRoot listing every wrong row.

    ``expected_root``: the root digest a :func:`preview_file` was made on; if the root changed since
    (another import), nothing is written and the lead is asked to check the file again.
    ``also(change) -> history records``: more to write in the same commit (a review's approval: its record and
    history lines), called under the root's lock; it may raise, then nothing is written.
    """
    # The file sent is read (and its size checked) before the root is locked: a slow file delays no one.
    table = read_table(path)
    with locking.root_lock(root, f"observatory import {path.name} --coalition {coalition}", timeout, say):
        journal.recover(root)
        if expected_root is not None and _root_digest(root) != expected_root:
            raise ObservatoryError(Text("data_changed_since_check"))
        plan = _plan(root, table, coalition, replace)
        if plan.candidates.empty:
            if also is not None:  # nothing new to import, yet the approval itself is recorded
                change = _Change()
                change.add_records(root, root_paths.HISTORY, HISTORY_COLUMNS, also(change))
                change.commit(root)
            return plan.report
        _write(root, path, coalition, table, plan.candidates, plan.current, plan.replacements, plan.report,
               now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0), also)
        return plan.report


def preview_file(root: Path, path: Path, coalition: str, replace: bool = False,
                 timeout: float | None = None) -> Plan:
    """What :func:`import_file` would add and replace, with the same checks and messages; writes nothing."""
    table = read_table(path)
    with locking.root_lock(root, f"preview of {path.name} for coalition {coalition}", timeout):
        journal.recover(root)  # an interrupted import is finished first, as the import itself would
        digest = _root_digest(root)
        plan = _plan(root, table, coalition, replace)
    changes = []
    previous_of = {position: index for index, position in plan.replacements.items()}
    for position in range(len(plan.candidates)):
        row = plan.candidates.iloc[position]
        previous = plan.current.iloc[previous_of[position]]["value_text"] if position in previous_of else None
        changes.append(Change(row["indicator"], row["territory"], row["date_text"], row["value_text"], previous,
                              int(row["row"])))
    return Plan(plan.report, changes, digest)


def _root_digest(root: Path) -> str | None:
    from observatory import cache

    return cache.root_digest(root)


@dataclass
class _Planned:
    report: ImportReport
    candidates: pd.DataFrame
    current: pd.DataFrame
    replacements: dict[int, int]


def _plan(root: Path, table: Table, coalition: str, replace: bool) -> _Planned:
    """Check the file against the root as it is (the caller holds the lock); raise listing every problem."""
    existing = load_root(root)
    _known_coalition(existing, coalition)
    candidates, problems = rows_of(table, coalition)

    # Figures already recorded: the same value changes nothing; another value needs --replace.
    current = existing.observations
    current_keys = _key(current) if len(current) else pd.Series(dtype=str)
    by_key = {k: i for i, k in enumerate(current_keys)}
    candidate_keys = _key(candidates) if len(candidates) else pd.Series(dtype=str)
    keep, unchanged, replacements = [], 0, {}
    for position, key in enumerate(candidate_keys):
        row = candidates.iloc[position]
        if key in by_key:
            old = current.iloc[by_key[key]]
            same = _same_number(old["value_text"], row["value_text"])
            if same:
                unchanged += 1
                continue
            if not replace:
                problems.append(Problem(table.name, row=int(row["row"]), column="value", value=row["value_text"],
                                        expected=Text("already_recorded", value=old["value_text"], file=old["file"], row=old["row"])))
                continue
            replacements[by_key[key]] = len(keep)
        keep.append(position)
    candidates = candidates.iloc[keep].reset_index(drop=True)

    # The same checks and messages as `observatory validate`, on the whole root as it would become
    # (the Self Data register included).
    remaining = current.drop(index=current.index[list(replacements)]) if replacements else current
    proposed = DataRoot(existing.path, existing.indicators, existing.territories, existing.coalitions,
                        existing.targets, pd.concat([remaining, candidates], ignore_index=True),
                        existing.datasets, list(existing.problems), existing.services, existing.assessments)
    found, _, _ = check_root(proposed)
    own = [p for p in found if p.file == table.name]
    others = [p for p in found if p.file != table.name]
    if others:
        raise InvalidRootBeforeImport(others)
    # One message per place, as validate says it: a decimal comma split in two cells is not also "not a number".
    problems = _dedupe(problems + own)
    if problems:
        raise InvalidDataRoot(problems)
    report = ImportReport(None, added=len(candidates) - len(replacements), replaced=len(replacements),
                          unchanged=unchanged)
    if candidates.empty:
        report.messages.append(Text("nothing_new"))
    return _Planned(report, candidates, current, replacements)


def _same_number(a: str | None, b: str | None) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def _write(root: Path, path: Path, coalition: str, table: Table, candidates: pd.DataFrame, current: pd.DataFrame,
           replacements: dict[int, int], report: ImportReport, now: dt.datetime, also=None) -> None:
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    submission = f"{stamp}-{sha[:12]}"
    stored = root_paths.submission_file(coalition, submission, path.suffix.lower())
    change = _Change({stored: content})

    # Replaced figures leave the file they were in; the history keeps them, the undo record too.
    replaced_rows = {(current.iloc[i]["file"], int(current.iloc[i]["row"])): i for i in replacements}
    target_file = root_paths.observation_file(coalition)
    touched = {current.iloc[i]["file"] for i in replacements} | {target_file}
    undo: dict[str, list] = {"added": [], "replaced": []}
    history = []
    recorded = now.isoformat()
    previous_of = {p: i for i, p in replacements.items()}
    for position in range(len(candidates)):
        row = candidates.iloc[position]
        previous = current.iloc[previous_of[position]] if position in previous_of else None
        history.append({
            "recorded_at": recorded, "submission": submission, "action": "replaced" if previous is not None else "added",
            "indicator": row["indicator"], "territory": row["territory"], "coalition": coalition,
            "date": row["date_text"], "value": row["value_text"],
            "previous_value": previous["value_text"] if previous is not None else None,
            "previous_source": (previous["source"] or previous["file"]) if previous is not None else None,
            "source": row["source"], "file": table.name, "row": int(row["row"]),
            "comment": row["comment"], **{column: row[column] for column in EXTRA_COLUMNS},
        })
    for name in sorted(touched):
        header, body = _observation_file(root, name)
        kept = []
        for number, cells in body:
            if (name, number) in replaced_rows:
                undo["replaced"].append({"file": name, "record": dict(zip(header, cells))})
            else:
                kept.append(cells)
        if name == target_file:
            # The optional columns only where a figure gives them: a file without them keeps its header.
            given = [c for c in EXTRA_COLUMNS if candidates[c].notna().any()]
            header = header + [c for c in OBSERVATION_COLUMNS if c not in header
                               and (c not in EXTRA_COLUMNS or c in given)]
            for position in range(len(candidates)):
                row = candidates.iloc[position]
                record = {"indicator": row["indicator"], "territory": row["territory"], "date": row["date_text"],
                          "value": row["value_text"], "coalition": coalition, "source": row["source"],
                          "comment": row["comment"], **{column: row[column] for column in EXTRA_COLUMNS}}
                kept.append(_record_cells(header, record))
                undo["added"].append({"file": name, "record": dict(zip(header, _record_cells(header, record)))})
        change.table(name, header, kept)
    if also is not None:
        history += also(change)
    change.add_records(root, root_paths.HISTORY, HISTORY_COLUMNS, history)
    undo_json = json.dumps(undo, ensure_ascii=False, indent=1).encode("utf-8")
    change.files[_undo_record(coalition, submission)] = undo_json
    change.add_records(root, root_paths.SUBMISSION_LOG, LOG_COLUMNS, [{
        "submission": submission, "received_at": recorded, "coalition": coalition, "original_name": path.name,
        "stored_as": stored, "sha256": sha, "rows": len(table.rows), "added": report.added,
        "replaced": report.replaced, "unchanged": report.unchanged}])
    change.commit(root)
    report.submission = submission
    report.stored_as = stored
