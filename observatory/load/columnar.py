"""An observation file read as columns by pandas' C parser, exactly as the row-by-row reader
(:mod:`.csv_records`) reads it: the same rows, the same messages, a national file of millions of rows in
seconds."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from observatory.errors import Problem
from observatory.load.csv_records import DIGITS, INTEGER, records_to_rows
from observatory.load.frames import frame_of


# Whitespace that str.strip() removes, besides the space and line ends (a tab, a no-break space…).
_OTHER_SPACES = [c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \r\n"]


def _has_padded_cell(text: str) -> bool:
    """Could a cell begin or end with whitespace? (substring searches: a regex costs 0.6 s on 288,000 rows)"""
    edges = (", ", " ,", "\n ", " \n", " \r")
    if '"' in text:  # a quoted cell's own edges: " x ", a line end inside quotes
        edges += ('" ', ' "', '"\n', '\n"', '"\r', '\r"')
    return (text[:1] == " " or text[-1:] == " " or any(s in text for s in edges)
            or any(c in text for c in _OTHER_SPACES))


_TOO_MANY = re.compile(r"Expected \d+ fields in line \d+, saw (\d+)")
_SPARE = 2  # columns read past the header's: a row longer than the header shows there
_TRIES = 3  # a row longer still makes the parser stop: read again as wide, a few times at most


def _parsed(text: str, width: int) -> pd.DataFrame | None:
    """Every record of the file as ``width`` text columns or more (pandas' C parser, the csv module's quoting
    rules: quoted cells, "" inside quotes, line ends in quotes), missing cells empty; None if it can't."""
    for _ in range(_TRIES):
        try:
            return pd.read_csv(io.StringIO(text, newline=""), header=None, names=range(width), dtype=object,
                               na_filter=False, skip_blank_lines=False, engine="c", quotechar='"', doublequote=True)
        except pd.errors.ParserError as exc:
            wider = _TOO_MANY.search(str(exc))
            if wider is None:
                return None  # a quote left open…: the row-by-row reader words it
            width = int(wider.group(1)) + _SPARE
        except (ValueError, pd.errors.EmptyDataError):
            return None
    return None


def _maybe_long(body: pd.DataFrame, header: list[str]) -> np.ndarray:
    """The rows that may hold more cells than the header: a cell past it, or — a missing cell and an empty
    one reading alike — a row the row-by-row reader could take for a decimal comma that split a value in two
    (an integer value, digits in the next column), were empty cells to follow. Those rows are read again one
    by one; the others are plain."""
    width = len(header)
    long = np.zeros(len(body), dtype=bool)
    for position in range(width, body.shape[1]):
        long |= (body[position] != "").to_numpy()
    if "value" in header and header.index("value") + 1 < width:
        i = header.index("value")
        # The next column's distinct texts first (a source, a comment: few), then those rows' values only.
        digits = [text for text in pd.unique(body[i + 1]) if DIGITS.match(text.strip())]
        if digits:
            at = np.flatnonzero(body[i + 1].isin(digits).to_numpy())
            values = body[i].to_numpy()[at]
            long[at[[bool(INTEGER.match(text.strip())) for text in values]]] = True
    return long


def _needs_strip(cells: pd.Series) -> bool:
    """Does a cell of the column begin or end with whitespace? Each distinct text once: a comment such as
    "relevé partiel, à confirmer" makes the whole file look padded, yet most columns need no stripping."""
    return any(text != text.strip() for text in pd.unique(cells))


def _records_at(text: str, numbers: set[int]) -> dict[int, list[str]]:
    """The csv module's cells of the records at these indices (0: the header), for the row-by-row reader."""
    found = {}
    for index, cells in enumerate(csv.reader(io.StringIO(text, newline=""))):
        if index in numbers:
            found[index] = cells
            if len(found) == len(numbers):
                break
    return found


def columnar_rows(path: Path, name: str, problems: list[Problem] | None = None) -> pd.DataFrame | None:
    """The file read as columns, exactly as the row-by-row reader reads it (cells stripped, empty cells None,
    blank rows skipped but counted, the same messages), or None where that reader must speak for the whole
    file: undecodable bytes, a NUL byte, no header, a quote left open, a header cell that is empty or repeated.

    pandas' C parser reads every record, quoted cells included, into text columns; only the rows that may be
    longer than the header (a decimal comma that split a value in two…) are read again by the csv module and
    worded by the row-by-row reader, their problems added to ``problems`` (without it, such a file gives None).
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if "\0" in text:
        return None
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error:
        return None
    if not first:
        return None
    header = [cell.strip() for cell in first]
    if "" in header or len(set(header)) != len(header):
        return None
    table = _parsed(text, len(header) + _SPARE)
    if table is None or table.empty:
        return None
    body = table.iloc[1:]
    del table
    long = _maybe_long(body, header)
    if long.any() and problems is None:
        return None
    # Whitespace at a cell's edge (line ends aside): without it, no cell needs stripping.
    padded = _has_padded_cell(text)
    out = {}
    blank = ~long  # rows of empty cells only (the long ones are judged below)
    for position, column in enumerate(header):
        cells = body[position]
        if padded and _needs_strip(cells):
            cells = cells.str.strip()
        filled = (cells != "").to_numpy()
        blank &= ~filled
        out[column] = cells.to_numpy().copy()
        out[column][~filled] = None
    numbers = body.index.to_numpy()
    del body, cells
    frame = frame_of(out, len(numbers))
    del out
    if long.any():
        # Those rows as the row-by-row reader reads them: the csv module's cells, its messages, in order.
        at = np.flatnonzero(long)
        records = _records_at(text, set(numbers[at].tolist()))
        kept = np.array([any(cell.strip() for cell in records[numbers[k]]) for k in at], dtype=bool)
        blank[at[~kept]] = True  # cells of spaces only: a blank row
        at = at[kept]
        worded = records_to_rows(name, header, [(numbers[k] + 1, records[numbers[k]]) for k in at], problems)
        if len(at):
            frame.iloc[at, :] = pd.DataFrame(worded, columns=header).to_numpy(dtype=object)
    if blank.any():
        frame = frame[~blank].reset_index(drop=True)
    frame["file"] = name
    frame["row"] = numbers[~blank] + 1  # the header is row 1, as a spreadsheet shows it
    frame.attrs["header"] = header
    return frame
