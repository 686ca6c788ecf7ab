"""The root's files an import or an undo touches, read and written whole or not at all: the columns of the
observation files, of ``data/history.csv`` and of the submissions' log; what one change writes, committed through
the journal (:mod:`observatory.journal`); the data files read back numbered as the loader numbers them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from observatory import journal, root_csv, root_paths
from observatory.dates import date_keys, parse_period_end
from observatory.errors import ObservatoryError, Problem, Text
from observatory.load import DataRoot
from observatory.load.csv_records import read_csv_records

# The figure's quality and the evidence beside it (issues 22 and 25) are optional: written only where given.
EXTRA_COLUMNS = ["quality", "link", "contribution", "contribution_note"]
BASE_COLUMNS = ["indicator", "territory", "date", "value", "coalition", "source", "comment"]
OBSERVATION_COLUMNS = [*BASE_COLUMNS, *EXTRA_COLUMNS]
HISTORY_COLUMNS = ["recorded_at", "submission", "action", "indicator", "territory", "coalition", "date", "value",
                   "previous_value", "previous_source", "source", "file", "row", "by", "comment", *EXTRA_COLUMNS]
# Review steps (observatory.review) are lines of the history too, one per figure of the submission: they say who
# did what with a proposed figure, and never count as the figure itself (import_history.live_entries drops them).
# `comment` is the figure's own comment on an import's line, the team's on a review step's (their actions:
# import_history.REVIEW_ACTIONS).
LOG_COLUMNS = ["submission", "received_at", "coalition", "original_name", "stored_as", "sha256", "rows",
               "added", "replaced", "unchanged", "undoes"]


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


def _key(frame: pd.DataFrame) -> pd.Series:
    dates = date_keys(parse_period_end(frame["date_text"]), frame["date_text"])
    return frame["indicator"].fillna("") + "|" + frame["territory"].fillna("") + "|" \
        + frame["coalition"].fillna("") + "|" + dates


def _known_coalition(existing: DataRoot, coalition: str) -> None:
    if coalition not in set(existing.coalitions["id"]):
        known = ", ".join(sorted(existing.coalitions["id"]))
        raise ObservatoryError(Text("cli_no_coalition", coalition=coalition, known=known))


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


def _undo_record(coalition: str, submission: str) -> str:
    # Beside, not among, the files as sent: what the import changed, so that `observatory undo` can take it back.
    return root_paths.undo_record(coalition, submission)
