"""``observatory import``: a coalition lead's spreadsheet into the data root, whole or not at all.

The file is validated first, with the same checks and messages as
``observatory validate`` (rows as the lead's spreadsheet numbers them). If any
row is wrong nothing is written. Otherwise the new figures are added
atomically: every file is written aside, a journal lists the renames, the
renames are done and the journal removed; an interrupted import is either
invisible (before the journal) or completed by the next command (after it).
The file as sent is kept under ``data/submissions/`` with its date and
checksum, and every figure added or replaced is recorded in ``data/history.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import model
from observatory.dates import parse_period_end
from observatory.errors import InvalidDataRoot, ObservatoryError, Problem
from observatory.load import DataRoot, load_root
from observatory.sheets import Table, normalise_date, normalise_number, read_table

OBSERVATION_COLUMNS = ["indicator", "territory", "date", "value", "coalition", "source", "comment"]
# Columns of the template that help the lead and are not data: ignored on import.
TEMPLATE_INFO_COLUMNS = ("indicateur", "unité", "sens", "dernière valeur", "date de la dernière valeur",
                         "référence", "cible", "échéance", "territoire (nom)")
HISTORY_COLUMNS = ["recorded_at", "submission", "action", "indicator", "territory", "coalition", "date", "value",
                   "previous_value", "previous_source", "source", "file", "row"]
LOG_COLUMNS = ["submission", "received_at", "coalition", "original_name", "stored_as", "sha256", "rows",
               "added", "replaced", "unchanged"]
JOURNAL = ".import-journal.json"


@dataclass
class ImportReport:
    submission: str | None
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    stored_as: str | None = None
    messages: list[str] = field(default_factory=list)


# --- atomic writes ---------------------------------------------------------------------------

def _journal_path(root: Path) -> Path:
    return root / "data" / JOURNAL


def recover(root: str | Path) -> bool:
    """Finish an import that was interrupted after its journal was written. True if one was finished."""
    root = Path(root)
    journal = _journal_path(root)
    for leftover in (root / "data").rglob("*.import-tmp"):
        if not journal.exists():
            leftover.unlink()  # written aside by an import that never reached its journal
    if not journal.exists():
        return False
    renames = json.loads(journal.read_text(encoding="utf-8"))
    for tmp, final in renames:
        tmp_path, final_path = root / tmp, root / final
        if tmp_path.exists():
            final_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_path, final_path)
    journal.unlink()
    return True


def _commit(root: Path, files: dict[str, bytes]) -> None:
    """Write every file aside, then rename them all under a journal."""
    renames = []
    try:
        for relative, content in files.items():
            final = root / relative
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(final.name + ".import-tmp")
            renames.append([tmp.relative_to(root).as_posix(), relative])
            with open(tmp, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        # Interrupted before the commit point: nothing happened.
        for tmp, _ in renames:
            (root / tmp).unlink(missing_ok=True)
        raise
    journal = _journal_path(root)
    tmp_journal = journal.with_name(journal.name + ".tmp")
    tmp_journal.write_text(json.dumps(renames), encoding="utf-8")
    os.replace(tmp_journal, journal)  # the commit point
    for tmp, final in renames:
        os.replace(root / tmp, root / final)
    journal.unlink()


def _csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buffer.getvalue().encode("utf-8")


def _read_csv_dicts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


# --- reading a submission ----------------------------------------------------------------------

def rows_of(table: Table, coalition: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The submitted figures as observation rows (text, as typed, numbers and dates normalised)."""
    problems = []
    allowed = (*OBSERVATION_COLUMNS, *TEMPLATE_INFO_COLUMNS)
    for column in table.header:
        if column not in allowed:
            problems.append(Problem(table.name, row=1, column=column, value=column,
                                    expected="one of the columns " + ", ".join(OBSERVATION_COLUMNS)
                                    + " (or the template's information columns)"))
    for column in model.OBSERVATION_REQUIRED:
        if column not in table.header:
            problems.append(Problem(table.name, row=1, column=column, value=None,
                                    expected="this required column (" + ", ".join(model.OBSERVATION_REQUIRED) + ")"))
    records = []
    for number, cells in table.rows:
        record = dict(zip(table.header, cells))
        if all(record.get(c) is None for c in ("value", "source", "comment")):
            continue  # a template row left empty (its date is pre-filled): nothing reported for that period
        given = record.get("coalition")
        if given is not None and given != coalition:
            problems.append(Problem(table.name, row=number, column="coalition", value=given,
                                    expected=f"'{coalition}', the coalition this file is imported for, or empty"))
        records.append({
            "indicator": record.get("indicator"), "territory": record.get("territory"),
            "date_text": normalise_date(record.get("date")), "value_text": normalise_number(record.get("value")),
            "coalition": coalition, "source": record.get("source"), "comment": record.get("comment"),
            "file": table.name, "row": number, "dataset": "submission",
        })
    frame = pd.DataFrame(records, columns=["indicator", "territory", "date_text", "value_text", "coalition",
                                           "source", "comment", "file", "row", "dataset"])
    frame = frame.astype(object).where(frame.notna(), None)
    return frame, problems


def _key(frame: pd.DataFrame) -> pd.Series:
    dates = parse_period_end(frame["date_text"]).dt.strftime("%Y-%m-%d").fillna(frame["date_text"].fillna(""))
    return frame["indicator"].fillna("") + "|" + frame["territory"].fillna("") + "|" \
        + frame["coalition"].fillna("") + "|" + dates


# --- the import ------------------------------------------------------------------------------

def import_file(root: str | Path, path: str | Path, coalition: str, replace: bool = False,
                now: dt.datetime | None = None) -> ImportReport:
    """Validate the whole file, then add its figures atomically; raise InvalidDataRoot listing every wrong row."""
    from observatory.validate import check_root

    root = Path(root)
    recover(root)
    path = Path(path)
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    existing = load_root(root)
    if coalition not in set(existing.coalitions["id"]):
        known = ", ".join(sorted(existing.coalitions["id"]))
        raise ObservatoryError(f"--coalition {coalition}: no such coalition (expected one of {known})")
    table = read_table(path)
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
                                        expected=f"the value already recorded ({old['value_text']}, "
                                        f"{old['file']} row {old['row']}), or --replace to replace it"))
                continue
            replacements[by_key[key]] = position
        keep.append(position)
    candidates = candidates.iloc[keep].reset_index(drop=True)

    # The same checks and messages as `observatory validate`, on the root as it would become.
    remaining = current.drop(index=current.index[list(replacements)]) if replacements else current
    proposed = DataRoot(existing.path, existing.indicators, existing.territories, existing.coalitions,
                        existing.targets, pd.concat([remaining, candidates], ignore_index=True),
                        existing.datasets, list(existing.problems))
    found, _, _ = check_root(proposed)
    own = [p for p in found if p.file == table.name]
    if len(found) > len(own):
        raise ObservatoryError(f"{root}: the data root itself has {len(found) - len(own)} problem(s); "
                               "run `observatory validate` and fix them before importing")
    problems += own
    if problems:
        raise InvalidDataRoot(problems)
    report = ImportReport(None, added=len(candidates) - len(replacements), replaced=len(replacements),
                          unchanged=unchanged)
    if candidates.empty:
        report.messages.append("nothing new: every figure of this file is already recorded; nothing was written")
        return report
    _write(root, path, coalition, table, candidates, current, replacements, report, now)
    return report


def _same_number(a: str | None, b: str | None) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def _write(root: Path, path: Path, coalition: str, table: Table, candidates: pd.DataFrame, current: pd.DataFrame,
           replacements: dict[int, int], report: ImportReport, now: dt.datetime) -> None:
    content = path.read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    submission = f"{stamp}-{sha[:12]}"
    stored = f"data/submissions/{coalition}/{submission}{path.suffix.lower()}"
    files: dict[str, bytes] = {stored: content}

    # Replaced figures leave the file they were in; the history keeps them.
    replaced_rows = {(current.iloc[i]["file"], int(current.iloc[i]["row"])): i for i in replacements}
    touched = {current.iloc[i]["file"] for i in replacements}
    target_file = f"data/observations/{coalition}.csv"
    touched.add(target_file)
    history = _read_csv_dicts(root / "data" / "history.csv")
    recorded = now.isoformat()
    for position in range(len(candidates)):
        row = candidates.iloc[position]
        previous = next((current.iloc[i] for i, p in replacements.items() if p == position), None)
        history.append({
            "recorded_at": recorded, "submission": submission, "action": "replaced" if previous is not None else "added",
            "indicator": row["indicator"], "territory": row["territory"], "coalition": coalition,
            "date": row["date_text"], "value": row["value_text"],
            "previous_value": previous["value_text"] if previous is not None else None,
            "previous_source": (previous["source"] or previous["file"]) if previous is not None else None,
            "source": row["source"], "file": table.name, "row": int(row["row"]),
        })
    for name in sorted(touched):
        full = root / name
        rows = _read_csv_dicts(full)
        kept = [r for index, r in enumerate(rows, start=2) if (name, index) not in replaced_rows] \
            if rows else []
        # Row numbers above assume one record per line, as this package writes them.
        if name == target_file:
            for position in range(len(candidates)):
                row = candidates.iloc[position]
                kept.append({"indicator": row["indicator"], "territory": row["territory"], "date": row["date_text"],
                             "value": row["value_text"], "coalition": coalition, "source": row["source"],
                             "comment": row["comment"]})
        columns = OBSERVATION_COLUMNS if name == target_file or not rows else list(rows[0].keys())
        files[name] = _csv_bytes(columns, kept)
    files["data/history.csv"] = _csv_bytes(HISTORY_COLUMNS, history)
    log = _read_csv_dicts(root / "data" / "submissions" / "log.csv")
    log.append({"submission": submission, "received_at": recorded, "coalition": coalition,
                "original_name": path.name, "stored_as": stored, "sha256": sha, "rows": len(table.rows),
                "added": report.added, "replaced": report.replaced, "unchanged": report.unchanged})
    files["data/submissions/log.csv"] = _csv_bytes(LOG_COLUMNS, log)
    _commit(root, files)
    report.submission = submission
    report.stored_as = stored


# --- history ---------------------------------------------------------------------------------

def history(root: str | Path, indicator: str | None = None, territory: str | None = None) -> pd.DataFrame:
    """Where each figure came from: the data file and row, the submission that brought it, what it replaced."""
    root = Path(root)
    recover(root)
    loaded = load_root(root)
    obs = loaded.observations.copy()
    if indicator:
        obs = obs[obs["indicator"] == indicator]
    if territory:
        obs = obs[obs["territory"] == territory]
    log = pd.DataFrame(_read_csv_dicts(root / "data" / "history.csv"), columns=HISTORY_COLUMNS)
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
    })
    return out.sort_values(["indicator", "territory", "coalition", "date"]).reset_index(drop=True)
