"""The CSV files an import writes in the data root: quoted as their data needs, and read back before they count.

Python's ``csv.writer`` quotes a cell holding a character of its line terminator: with ``"\\n"`` line ends,
a lone carriage return (old spreadsheet exports, pasted text) went out unquoted, and every reader then saw
two rows. Here a cell is quoted whenever it holds a comma, a quote, a CR or an LF, whatever the line ends.

What an import writes, the loader reads back identically: :func:`check_table` reads a written observation
file exactly as ``observatory validate`` does (:func:`observatory.load.observations.observation_table`) and
:func:`check_records` reads a written log as its readers do; any difference refuses the write, before the
commit point (:mod:`observatory.journal`), so that a fault of this writer never breaks the root.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from observatory.errors import ObservatoryError, Text

_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def _cell(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def line(cells: list[str]) -> str:
    """One row of cells as a line of CSV, ``\\n`` at its end."""
    if len(cells) == 1 and cells[0] == "":
        return '""\n'  # a lone empty cell: not a blank line, which readers skip
    return ",".join(_cell(cell) for cell in cells) + "\n"


def table_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """A header and its rows; a row shorter than the header is padded with empty cells."""
    out = [line(header)]
    for cells in rows:
        out.append(line([*cells, *[""] * (len(header) - len(cells))]))
    return "".join(out).encode("utf-8")


def records_bytes(columns: list[str], records: list[dict], header: bool = True) -> bytes:
    """Records as rows of ``columns`` (None and missing keys empty), after the header unless ``header`` is False."""
    out = [line(columns)] if header else []
    for record in records:
        out.append(line(["" if record.get(c) is None else str(record.get(c)) for c in columns]))
    return "".join(out).encode("utf-8")


class WriteNotReadBack(ObservatoryError):
    """A file the import was about to write would not read back as written: nothing was written."""


def _refuse(name: str, row: int | str, found: object, expected: object) -> WriteNotReadBack:
    return WriteNotReadBack(Text("write_not_read_back", name=name, row=row, found=repr(found),
                                 expected=repr(expected)))


def check_table(root: Path, name: str, written: Path, header: list[str], rows: list[list[str]]) -> None:
    """``written`` (the file ``name`` of the root, written aside) reads back as ``header`` and ``rows`` do for
    the loader: the same non-blank rows, each cell stripped, empty as None; raise :class:`WriteNotReadBack`."""
    from observatory.load.observations import observation_table

    problems: list = []
    frame = observation_table(written, root, problems)
    if frame is None or problems:
        raise _refuse(name, "-", "; ".join(str(p) for p in problems) or "unreadable", "a readable table")
    named = [column.strip() for column in header]
    columns = [c for c in named if c]
    wanted = []
    for cells in rows:
        padded = [*cells, *[""] * (len(named) - len(cells))]
        record = tuple(padded[i].strip() or None for i, c in enumerate(named) if c)
        if any(cell is not None for cell in record):
            wanted.append(record)
    renamed = [{"date": "date_text", "value": "value_text"}.get(c, c) for c in columns]
    missing = [c for c in renamed if c not in frame.columns]
    if missing:
        raise _refuse(name, 1, list(frame.columns), columns)
    found = [tuple(v if isinstance(v, str) else None for v in row) for row in frame[renamed].itertuples(index=False)]
    if len(found) != len(wanted):
        raise _refuse(name, "-", f"{len(found)} rows", f"{len(wanted)} rows")
    for number, got, want in zip(frame["row"], found, wanted):
        if got != want:
            raise _refuse(name, number, got, want)


def check_records(name: str, content: bytes, columns: list[str], records: list[dict], header: bool = True) -> None:
    """``content`` (written by :func:`records_bytes`) reads back, with Python's csv reader, as ``records``."""
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _refuse(name, "-", str(exc), "well-formed CSV") from None
    if header:
        if not rows or rows[0] != columns:
            raise _refuse(name, 1, rows[:1], columns)
        rows = rows[1:]
    wanted = [["" if r.get(c) is None else str(r.get(c)) for c in columns] for r in records]
    if len(rows) != len(wanted):
        raise _refuse(name, "-", f"{len(rows)} rows", f"{len(wanted)} rows")
    for number, (got, want) in enumerate(zip(rows, wanted), start=2 if header else 1):
        if got != want:
            raise _refuse(name, number, got, want)
