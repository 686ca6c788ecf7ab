"""Observation files in Parquet (``data/observations/<name>.parquet``), read as the CSV reader reads CSV.

DuckDB reads the file (without changing pandas' defaults, as installing pyarrow would: see the commit that
added it). Every column comes out as the text a CSV cell would hold — stripped, empty as None — so the same
checks give the same messages, word for word; only the file's name differs.

**Rows.** A Parquet file has no lines: a record is named by the row a spreadsheet (or a CSV export of the
file) shows it on, the column names being row 1. The first record is row 2, record N row N + 1, whatever
tool one opens it in; a record whose every cell is empty is skipped but counted, as a blank CSV row is.

**Types.** Text columns must hold strings. ``date`` may also be a DATE (written YYYY-MM-DD), a TIMESTAMP
without time zone (its date when at midnight, else date and time, which the date check refuses by name) or
a whole number (a year); ``value`` may also be any integer, decimal or floating-point number (written as the
shortest text that reads back as the same number, e.g. 3.7, 1e+16, nan). A column of another type, holding
any value, is refused with its file, column, type found and types expected; so is a file DuckDB can't read.

**Size.** Rows are counted from the file's metadata before anything is read: a file of more than ``MAX_ROWS``
rows (twice France's communes × 25 indicators × 10 years), or of more than ``MAX_ROWS_PER_BYTE`` rows per byte
of file, is refused by name. The second is a decompression-bomb guard, as Apache POI's minimum inflate ratio
for spreadsheets: 5 million identical rows fit in 1 kB of Parquet and took 7 GB; the most compressible
national file of distinct figures (constant values, zstd) takes 1.9 MB for 8.75 M rows, 4.6 rows a byte.

**Names.** DuckDB reads a path holding ``*``, ``?``, ``[`` or ``{`` as a glob: such a file is read through a
link of a plain name in a private temporary folder, never by pattern (``obs*.parquet`` would take in
``obsB.parquet``'s rows).
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from observatory.errors import DescribedText, Problem, Text

_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT"}
_FLOATS = {"FLOAT", "DOUBLE"}
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATETIME"}

MAX_ROWS = 20_000_000
MAX_ROWS_PER_BYTE = 25  # 5 times the most compressible national file of distinct figures (4.6)
GLOB_CHARACTERS = "*?[{"

# The keys of the expected texts, per column: a Text reads the catalogue when made, so it is made when needed.
_EXPECTED_TYPES = {"date": "parquet_dates", "value": "parquet_values"}


def _kind(type_name: str) -> str:
    """The family of a DuckDB type: text, integer, float, decimal, date, timestamp, null, or other."""
    if type_name == "VARCHAR":
        return "text"
    if type_name in _INTEGERS:
        return "integer"
    if type_name in _FLOATS:
        return "float"
    if type_name.startswith("DECIMAL"):
        return "decimal"
    if type_name == "DATE":
        return "date"
    if type_name in _TIMESTAMPS:
        return "timestamp"
    if type_name == '"NULL"' or type_name == "NULL":
        return "null"
    return "other"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_text(column: str, type_name: str) -> str | None:
    """SQL writing a column's cells as CSV text (not yet stripped: see :func:`_texts`); None for a type refused."""
    q = _quoted(column)
    kind = _kind(type_name)
    if kind == "null":
        return "CAST(NULL AS VARCHAR)"
    if kind == "text":
        return q
    if column == "value" and kind in ("integer", "float", "decimal"):
        return f"CAST({q} AS VARCHAR)"  # the shortest text that reads back as the same number
    if column == "date" and kind in ("date", "integer"):
        return f"CAST({q} AS VARCHAR)"  # YYYY-MM-DD; a year
    if column == "date" and kind == "timestamp":
        return (f"CASE WHEN CAST({q} AS TIME) = TIME '00:00:00' THEN CAST(CAST({q} AS DATE) AS VARCHAR) "
                f"ELSE strftime({q}, '%Y-%m-%d %H:%M:%S') END")
    return None


def _expected_type(column: str) -> Text:
    return Text(_EXPECTED_TYPES.get(column, "parquet_text"))


@contextlib.contextmanager
def _plain_path(path: Path):
    """A path to the file that DuckDB can't read as a glob: the path itself when it has no glob character, else
    a link to it, of a plain name, in a private temporary folder (gone afterwards)."""
    if not any(c in str(path) for c in GLOB_CHARACTERS):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="observatory-parquet-") as folder:
        link = Path(folder) / "file.parquet"
        link.symlink_to(path.resolve())
        yield link


def _unreadable(name: str, path: Path, error: Exception) -> Problem:
    """A file DuckDB can't read, with its reason in a line (the full path is the root's business, not the user's)."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    reason = reason.replace(str(path.resolve()), name).replace(str(path), name)
    reason = re.sub(r"\S*observatory-parquet-[^/\s]*/file\.parquet", name, reason)
    if len(reason) > 160:
        reason = reason[:157] + "..."
    return Problem(name, value=DescribedText("parquet_unreadable", reason=reason),
                   expected=Text("parquet_file"))


def _source(path: Path, row_numbers: bool) -> str:
    return f"read_parquet({_literal(str(path))}, file_row_number = {str(row_numbers).lower()})"


def parquet_header(path: Path, name: str, problems: list[Problem]) -> tuple[list[str], dict[str, str]] | None:
    """The file's column names and their DuckDB types; None, with the problem noted, for a file DuckDB
    can't read (not Parquet, damaged, empty)."""
    import duckdb  # here, not at the top: only roots with Parquet files need it

    try:
        with _plain_path(path) as plain, duckdb.connect() as con:
            # Rows counted from the footer, before a row is read (see the module's docstring, "Size").
            rows = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({_literal(str(plain))})").fetchone()[0]
            size = path.stat().st_size
            if _too_many(name, int(rows or 0), size, problems):
                return None
            described = con.execute(f"DESCRIBE SELECT * FROM {_source(plain, False)}").fetchall()
    except duckdb.Error as error:
        problems.append(_unreadable(name, path, error))
        return None
    return [str(column) for column, *_ in described], {str(column): str(kind) for column, kind, *_ in described}


def _too_many(name: str, rows: int, size: int, problems: list[Problem]) -> bool:
    """Note a file of more rows than the limits allow (its footer says how many); True if so."""
    if rows > MAX_ROWS:
        problems.append(Problem(name, value=DescribedText("parquet_rows", rows=f"{rows:,}"),
                                expected=Text("parquet_max_rows", most=f"{MAX_ROWS:,}")))
        return True
    if rows > MAX_ROWS_PER_BYTE * max(size, 1):
        problems.append(Problem(name, value=DescribedText("parquet_bytes_rows", size=f"{size:,}", rows=f"{rows:,}"),
                                expected=Text("parquet_per_byte", most=MAX_ROWS_PER_BYTE)))
        return True
    return False


def parquet_rows(path: Path, name: str, header: list[str], types: dict[str, str],
                 problems: list[Problem]) -> pd.DataFrame | None:
    """The file's records as the CSV reader gives a CSV file's rows: the columns of ``header`` (checked: the
    known columns, once each) as text (see the module's docstring), ``file`` and ``row``. None, with the
    problems noted, where a column's type is refused or the file can't be read."""
    import duckdb

    try:
        with _plain_path(path) as plain, duckdb.connect() as con:
            source = _source(plain, True)
            expressions, refused = [], []
            for column in header:
                sql = _as_text(column, types[column])
                if sql is None:
                    refused.append(column)
                    sql = "CAST(NULL AS VARCHAR)"
                expressions.append(f"{sql} AS {_quoted(column)}")
            if refused:  # a column of another type is accepted only if it holds nothing
                counts = con.execute("SELECT " + ", ".join(f"count({_quoted(c)})" for c in refused)
                                     + f" FROM {source}").fetchone()
                wrong = [column for column, count in zip(refused, counts) if count]
                for column in wrong:
                    problems.append(Problem(name, column=column,
                                            value=DescribedText("column_of_type", type=types[column]),
                                            expected=_expected_type(column)))
                if wrong:
                    return None
            cursor = con.execute(f"SELECT {', '.join([*expressions, 'file_row_number + 2'])} FROM {source}")
            columns, rows, blank = _texts(cursor, len(header))
    except duckdb.Error as error:
        problems.append(_unreadable(name, path, error))
        return None
    if blank.any():
        columns, rows = [column[~blank] for column in columns], rows[~blank]
    frame = pd.DataFrame(dict(zip(header, columns)), columns=header)
    frame["file"] = name
    frame["row"] = rows
    if len(frame) > 1 and not (np.diff(frame["row"].to_numpy()) > 0).all():  # DuckDB keeps the file's order
        frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    frame.attrs["header"] = header
    return frame


CHUNK_VECTORS = 500  # DuckDB's vectors (2,048 rows) fetched at a time: a million rows


def _texts(cursor, width: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The cells of ``width`` text columns (then the row numbers) as object arrays, stripped as a CSV cell is,
    empty as None, and which rows are blank. Each distinct text of a chunk is stripped once and kept once:
    a national file repeats a few thousand texts millions of times (one Python string per cell would take
    gigabytes; pandas' CSV parser shares them the same way)."""
    parts: list[list[np.ndarray]] = [[] for _ in range(width)]
    rows, blanks = [], []
    while True:
        chunk = cursor.fetch_df_chunk(CHUNK_VECTORS)
        if not len(chunk):
            break
        blank = np.ones(len(chunk), dtype=bool)
        for position in range(width):
            codes, distinct = pd.factorize(chunk.iloc[:, position])
            cells = [text.strip() or None for text in np.asarray(distinct, dtype=object).tolist()]
            table = np.array([*cells, None], dtype=object)  # code -1 (NULL) takes the last: None
            parts[position].append(table[codes])
            blank &= np.array([cell is None for cell in cells] + [True])[codes]
        rows.append(chunk.iloc[:, width].to_numpy(dtype="int64"))
        blanks.append(blank)
    if not rows:
        return [np.array([], dtype=object) for _ in range(width)], np.array([], dtype="int64"), np.array([], bool)
    return [np.concatenate(p) for p in parts], np.concatenate(rows), np.concatenate(blanks)
