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
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import root_csv, journal, root_paths, locking, vocabulary
from observatory.dates import date_keys, parse_period_end
from observatory.errors import InvalidDataRoot, ObservatoryError, Problem, Text, say
from observatory.load import DataRoot, load_root
from observatory.load.csv_records import read_csv_records
from observatory.sheets import Table, normalise_date, normalise_number, read_table
from observatory.spreadsheet_template import FORMER_INFO_COLUMNS, INFO_COLUMNS
from observatory.validate import _dedupe, check_root

# The figure's quality and the evidence beside it (issues 22 and 25) are optional: written only where given.
EXTRA_COLUMNS = ["quality", "link", "contribution", "contribution_note"]
BASE_COLUMNS = ["indicator", "territory", "date", "value", "coalition", "source", "comment"]
OBSERVATION_COLUMNS = [*BASE_COLUMNS, *EXTRA_COLUMNS]
HISTORY_COLUMNS = ["recorded_at", "submission", "action", "indicator", "territory", "coalition", "date", "value",
                   "previous_value", "previous_source", "source", "file", "row", "by", "comment", *EXTRA_COLUMNS]
# Review steps (observatory.review) are lines of the history too, one per figure of the submission: they say who
# did what with a proposed figure, and never count as the figure itself (import_history.live_entries drops them).
# `comment` is the figure's own comment on an import's line, the team's on a review step's.
from observatory.import_history import REVIEW_ACTIONS  # noqa: E402
LOG_COLUMNS = ["submission", "received_at", "coalition", "original_name", "stored_as", "sha256", "rows",
               "added", "replaced", "unchanged", "undoes"]


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


# --- atomic writes ---------------------------------------------------------------------------


@dataclass
class _Change:
    """What one import or undo writes: whole files, lines added at the end of logs, and what each must read back as."""
    files: dict[str, bytes] = field(default_factory=dict)
    appends: dict[str, bytes] = field(default_factory=dict)
    tables: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)

    def table(self, name: str, header: list[str], rows: list[list[str]]) -> None:
        self.files[name] = root_csv.table_bytes(header, rows)
        self.tables[name] = (header, rows)

    def add_records(self, root: Path, relative: str, columns: list[str], records: list[dict]) -> None:
        """New lines at the end of a log: appended when the file has these very columns (a 300,000-entry history
        is not rewritten for 5 more), else the file is written whole."""
        path = root_paths.at(root, relative)
        header, newline_ended = _head(path)
        if header is not None and header != columns and header == columns[:len(header)] and not any(
                record.get(c) is not None for record in records for c in columns[len(header):]):
            columns = header  # an older log, and nothing for the columns added since: appended to all the same
        if header == columns:
            chunk = root_csv.records_bytes(columns, records, header=False)
            root_csv.check_records(relative, chunk, columns, records, header=False)
            self.appends[relative] = (b"" if newline_ended else b"\n") + chunk
            return
        every = [*(_read_csv_dicts(path) if header is not None else []), *records]
        content = root_csv.records_bytes(columns, every)
        root_csv.check_records(relative, content, columns, every)
        self.files[relative] = content

    def commit(self, root: Path) -> None:
        """All of it, or none of it. The caller holds the root's lock. Each table is read back as the loader
        reads it before the commit point: one that would not read back as meant is refused, nothing written."""

        def check(written: dict[str, Path]) -> None:
            for name, (header, rows) in self.tables.items():
                root_csv.check_table(root, name, written[name], header, rows)

        journal.commit(root, self.files, self.appends, check)


def _head(path: Path) -> tuple[list[str] | None, bool]:
    """The header of a CSV file (None if it is missing or empty), and whether its last byte is a line end."""
    try:
        with path.open("rb") as handle:
            first = handle.readline()
            handle.seek(0, io.SEEK_END)
            if handle.tell() == 0:
                return None, True
            handle.seek(-1, io.SEEK_END)
            last = handle.read(1)
    except FileNotFoundError:
        return None, True
    try:
        header = next(csv.reader(io.StringIO(first.decode("utf-8-sig"), newline="")), [])
    except (UnicodeDecodeError, csv.Error):
        header = []
    return [cell.strip() for cell in header], last in (b"\n", b"\r")


def _read_csv_dicts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


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


def _key(frame: pd.DataFrame) -> pd.Series:
    dates = date_keys(parse_period_end(frame["date_text"]), frame["date_text"])
    return frame["indicator"].fillna("") + "|" + frame["territory"].fillna("") + "|" \
        + frame["coalition"].fillna("") + "|" + dates


# --- the import ------------------------------------------------------------------------------

def _known_coalition(existing: DataRoot, coalition: str) -> None:
    if coalition not in set(existing.coalitions["id"]):
        known = ", ".join(sorted(existing.coalitions["id"]))
        raise ObservatoryError(Text("cli_no_coalition", coalition=coalition, known=known))


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


def import_file(root: str | Path, path: str | Path, coalition: str, replace: bool = False,
                now: dt.datetime | None = None, say=None, timeout: float | None = None,
                expected_root: str | None = None, also=None) -> ImportReport:
    """Validate the whole file, then add its figures atomically; raise InvalidDataRoot listing every wrong row.

    ``expected_root``: the root digest a :func:`preview_file` was made on; if the root changed since
    (another import), nothing is written and the lead is asked to check the file again.
    ``also(change) -> history records``: more to write in the same commit (a review's approval: its record and
    history lines), called under the root's lock; it may raise, then nothing is written.
    """
    root, path = Path(root), Path(path)
    # The file sent is read (and its size checked) before the root is locked: a slow file delays no one.
    table = read_table(path)
    with locking.root_lock(root, f"observatory import {path.name} --coalition {coalition}", timeout, say):
        journal.recover(root)
        if expected_root is not None and _root_digest(root) != expected_root:
            raise ObservatoryError(
                "les données ont changé depuis la vérification (un autre dépôt ?) : rien n'a été écrit, vérifiez "
                "le fichier à nouveau. — the data changed since the file was checked (another submission?): "
                "nothing was written; check the file again")
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


def preview_file(root: str | Path, path: str | Path, coalition: str, replace: bool = False,
                 timeout: float | None = None) -> Plan:
    """What :func:`import_file` would add and replace, with the same checks and messages; writes nothing."""
    root, path = Path(root), Path(path)
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


def _observation_file(root: Path, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (row, cells) of a data file, numbered exactly as the loader numbers them (blank lines count)."""
    path = root / name
    if not path.exists():  # the optional columns are added where a figure gives them
        return list(BASE_COLUMNS), []
    problems: list[Problem] = []
    read = read_csv_records(path, root, problems)
    if read is None:  # the root was checked just before: only a file changed under us gets here
        raise ObservatoryError("; ".join(str(p) for p in problems) or f"{name}: unreadable")
    return read


def _record_cells(header: list[str], record: dict) -> list[str]:
    return ["" if record.get(column) is None else str(record.get(column)) for column in header]


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


def _undo_record(coalition: str, submission: str) -> str:
    # Beside, not among, the files as sent: what the import changed, so that `observatory undo` can take it back.
    return root_paths.undo_record(coalition, submission)


# --- undo ------------------------------------------------------------------------------------

@dataclass
class UndoReport:
    undone: str  # the submission taken back
    original_name: str
    received_at: str
    removed: int
    restored: int
    submission: str  # the undo's own entry in the log


def undo_last(root: str | Path, coalition: str, now: dt.datetime | None = None, say=None,
              timeout: float | None = None) -> UndoReport:
    """Take back the coalition's last import: its figures leave, the ones it replaced come back."""
    root = Path(root)
    with locking.root_lock(root, f"observatory undo --coalition {coalition}", timeout, say):
        journal.recover(root)
        existing = load_root(root)
        _known_coalition(existing, coalition)
        now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        log = _read_csv_dicts(root_paths.at(root, root_paths.SUBMISSION_LOG))
        undone = {entry.get("undoes") for entry in log if entry.get("undoes")}
        imports = [entry for entry in log if entry.get("coalition") == coalition and not entry.get("undoes")
                   and entry.get("submission") not in undone]
        if not imports:
            raise ObservatoryError(Text("nothing_to_undo", coalition=coalition, log=root_paths.SUBMISSION_LOG))
        last = imports[-1]
        record_path = _undo_record(coalition, last["submission"])
        if not (root / record_path).exists():
            raise ObservatoryError(Text("no_undo_record", path=record_path, name=last["original_name"],
                                        at=last["received_at"]))
        record = json.loads((root / record_path).read_text(encoding="utf-8"))
        change = _Change()
        tables: dict[str, tuple[list[str], list[list[str]]]] = {}

        def table_of(name: str) -> tuple[list[str], list[list[str]]]:
            if name not in tables:
                header, body = _observation_file(root, name)
                tables[name] = (header, [cells for _, cells in body])
            return tables[name]

        history = []
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        submission = f"{stamp}-undo-{last['submission']}"
        restored_by_key = {}
        for item in record["replaced"]:
            old = item["record"]
            restored_by_key[(old.get("indicator"), old.get("territory"), old.get("coalition") or "")] = old
        for item in record["added"]:
            new = item["record"]
            header, rows = table_of(item["file"])
            wanted = _record_cells(header, new)
            match = next((i for i, cells in enumerate(rows)
                          if [c.strip() for c in (cells + [""] * len(header))[:len(header)]] == wanted), None)
            if match is None:
                raise ObservatoryError(
                    f"{item['file']}: found no row {', '.join(f'{k}={v}' for k, v in new.items() if v)}, expected "
                    f"the figure as {last['original_name']} brought it (was it edited since?); nothing was written")
            del rows[match]
        for item in record["replaced"]:
            header, rows = table_of(item["file"])
            rows.append(_record_cells(header, item["record"]))
        for name, (header, rows) in tables.items():
            change.table(name, header, rows)
        recorded = now.isoformat()
        for item in record["added"]:
            new = item["record"]
            old = next((r["record"] for r in record["replaced"] if _same_key(r["record"], new)), None)
            history.append({
                "recorded_at": recorded, "submission": submission, "action": "undone",
                "indicator": new.get("indicator"), "territory": new.get("territory"), "coalition": coalition,
                "date": (old or new).get("date"), "value": old.get("value") if old else None,
                "previous_value": new.get("value"), "previous_source": new.get("source"),
                "source": old.get("source") if old else None, "file": last["original_name"], "row": None,
            })
        change.add_records(root, root_paths.HISTORY, HISTORY_COLUMNS, history)
        change.add_records(root, root_paths.SUBMISSION_LOG, LOG_COLUMNS, [{
            "submission": submission, "received_at": recorded, "coalition": coalition,
            "original_name": last["original_name"], "stored_as": last["stored_as"], "sha256": last["sha256"],
            "rows": 0, "added": 0, "replaced": 0, "unchanged": 0, "undoes": last["submission"]}])
        change.commit(root)
        removed = len(record["added"]) - len(record["replaced"])
        return UndoReport(last["submission"], last["original_name"], last["received_at"], removed,
                          len(record["replaced"]), submission)


def _same_key(a: dict, b: dict) -> bool:
    """Two observation records about the same figure (dates compared as the loader reads them)."""
    if (a.get("indicator"), a.get("territory"), a.get("coalition") or "") != \
            (b.get("indicator"), b.get("territory"), b.get("coalition") or ""):
        return False
    dates = parse_period_end(pd.Series([a.get("date"), b.get("date")]))
    return dates[0] == dates[1] if not dates.isna().any() else a.get("date") == b.get("date")


# --- history ---------------------------------------------------------------------------------

def history(root: str | Path, indicator: str | None = None, territory: str | None = None,
            coalition: str | None = None) -> pd.DataFrame:
    """Where each figure came from: the data file and row, the submission that brought it, what it replaced, and
    its review steps (``steps``: sent, returned with a comment, approved; by which role, when). A figure under
    review or returned, not published, has a row too, with no value and no ``stored_in``."""
    root = Path(root)
    loaded = load_root(root)  # completes an interrupted import, if any, under the root's lock
    obs = loaded.observations.copy()
    content = journal.read_settled(root, root_paths.HISTORY)  # appended to in place: never read mid-append
    entries = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))) if content else []
    log = pd.DataFrame([{k: (v if v != "" else None) for k, v in e.items()} for e in entries], columns=HISTORY_COLUMNS)
    log["coalition"] = log["coalition"].fillna("")
    undone = set(log.loc[log["action"] == "undone", "submission"].str.split("-undo-").str[-1])
    log = log[(log["action"] != "undone") & ~log["submission"].isin(undone)]  # as if the undone import never was
    for column, wanted in (("indicator", indicator), ("territory", territory), ("coalition", coalition)):
        if wanted:
            obs = obs[obs[column] == wanted]
            log = log[log[column] == wanted]
    steps = log[log["action"].isin(REVIEW_ACTIONS)]
    log = log[~log["action"].isin(REVIEW_ACTIONS)]  # review steps are shown beside the figures, not as them
    obs["key"] = _key(obs) if len(obs) else pd.Series(dtype=str)
    if len(log):
        log = log.rename(columns={"date": "date_text", "value": "value_text"})
        log["key"] = _key(log)
        last = log.groupby("key").tail(1).set_index("key")
    else:
        last = pd.DataFrame(columns=["submission", "recorded_at", "action", "previous_value", "file"])
    out = pd.DataFrame({
        "indicator": obs["indicator"], "territory": obs["territory"], "coalition": obs["coalition"].fillna(""),
        "date": obs["date_text"], "value": obs["value_text"], "source": obs["source"].fillna(""),
        "stored_in": obs["file"] + ":" + obs["row"].astype(str),
        "submission": obs["key"].map(last["submission"]).fillna(""),
        "recorded_at": obs["key"].map(last["recorded_at"]).fillna(""),
        "replacing": obs["key"].map(last["previous_value"]).fillna(""),
        "key": obs["key"],
    })
    by_key: dict[str, list[dict]] = {}
    if len(steps):
        steps = steps.rename(columns={"date": "date_text"})
        steps = steps.assign(key=_key(steps))
        for step in steps.to_dict("records"):
            by_key.setdefault(step["key"], []).append(
                {k: step[k] for k in ("recorded_at", "submission", "action", "by", "value", "comment", "file")})
        unpublished = steps[~steps["key"].isin(set(out["key"]))].groupby("key").tail(1)
        out = pd.concat([out, pd.DataFrame({
            "indicator": unpublished["indicator"], "territory": unpublished["territory"],
            "coalition": unpublished["coalition"], "date": unpublished["date_text"], "value": "", "source": "",
            "stored_in": "", "submission": "", "recorded_at": "", "replacing": "", "key": unpublished["key"]})],
            ignore_index=True)
    out["steps"] = [by_key.get(key, []) for key in out["key"]]
    return out.drop(columns=["key"]).sort_values(["indicator", "territory", "coalition", "date"]).reset_index(
        drop=True)
