"""The results as CSV files: written with ISO dates, exact numbers and inert texts; read back typed.

Both directions follow the declared schema (:mod:`observatory.results.schema`):
list columns are JSON arrays in their cells, and each column is read back as
the type the schema (and so the data package) gives it.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import fields
from pathlib import Path

import pandas as pd

from observatory import __version__
from observatory.published_csv import restore, to_csv
from observatory.results.schema import SCHEMA, Results, columns_of


def _checked(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if list(frame.columns) != list(SCHEMA[name]):
        raise ValueError(f"results table {name!r}: columns {list(frame.columns)}, expected those of its schema "
                         f"{list(SCHEMA[name])}")
    return frame


def _to_frame_for_csv(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = _checked(name, frame).copy()
    for column in columns_of(name, "array"):
        out[column] = out[column].map(lambda items: json.dumps(list(items), ensure_ascii=False))
    return out


def table_csv(name: str, frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    to_csv(_to_frame_for_csv(name, frame), buffer)
    return buffer.getvalue().encode("utf-8")


def tables_csv(results: Results, written: dict[int, bytes] | None = None) -> dict[str, bytes]:
    """Every table of ``results`` as the bytes of its CSV file.

    ``written``: the bytes of tables already written, by ``id()`` of frames that outlive this call (the whole
    results, whose frames a page's slice may share). An empty table is its header, whatever its rows were.
    """
    out = {}
    for name, frame in results.tables().items():
        known = written.get(id(frame)) if written is not None else None
        if known is None and frame.empty:
            known = _EMPTY.get(name) or _EMPTY.setdefault(name, table_csv(name, frame))
        out[name] = known if known is not None else table_csv(name, frame)
    return out


_EMPTY: dict[str, bytes] = {}  # each table's header: its columns are its schema's (checked when written)


def digest(results: Results | dict[str, bytes]) -> str:
    """A fingerprint of a slice: equal digests mean a page would show the same thing.

    Takes the results, or their tables already written by :func:`tables_csv` (the build writes them and
    digests the same bytes, rather than writing each slice twice).
    """
    tables = results if isinstance(results, dict) else tables_csv(results)
    sha = hashlib.sha256(__version__.encode())
    for name, content in tables.items():
        sha.update(name.encode())
        sha.update(content)
    return sha.hexdigest()


def write(results: Results, folder: Path) -> list[Path]:
    """Write every table as CSV (UTF-8, ISO dates) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in results.tables().items():
        path = folder / f"{name}.csv"
        path.write_bytes(table_csv(name, frame))
        written.append(path)
    return written


def _list(text: str | None) -> list[str]:
    if not text:
        return []
    if not text.startswith("["):  # tables written before lists were JSON: "a;b"
        return text.split(";")
    return json.loads(text)


def _restored(frame: pd.DataFrame) -> pd.DataFrame:
    """The texts of the data, where write() made them inert for spreadsheets (see observatory.published_csv)."""
    for column in frame.columns:
        maybe = frame[column].astype("string").str.startswith("'").fillna(False).astype(bool)
        if maybe.any():
            frame.loc[maybe, column] = frame.loc[maybe, column].map(restore)
    return frame


def _integers(texts: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(texts)
    return numbers.astype("Int64" if numbers.isna().any() else "int64")


# How a column of texts (None where empty) becomes a column of its declared type; texts stay as read.
_READ_AS = {
    "array": lambda texts: texts.map(_list),
    "date": pd.to_datetime,
    "number": lambda texts: pd.to_numeric(texts).astype("float64"),
    "integer": _integers,
    "boolean": lambda texts: texts.map({"True": True, "False": False}).fillna(False).astype(bool),
}


def read_table(path: Path | io.BytesIO, name: str) -> pd.DataFrame:
    """One table written by :func:`write`, each column with the type of the schema."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    frame = frame.astype(object).where(frame.notna(), None)
    frame = _restored(frame)
    for column, kind in SCHEMA[name].items():
        if kind in _READ_AS:
            frame[column] = _READ_AS[kind](frame[column])
    return frame


# Tables already parsed by this process, by the digest of their files' bytes (the last few only).
_PARSED: dict[str, Results] = {}
_PARSED_KEPT = 2


def read(folder: Path) -> Results:
    """Read the tables written by :func:`write`, with their types.

    A process that reads the same files again parses them once: a warm kernel reads them page after
    page (0.1 s each time on the shipped data), a Voilà kernel at every view. They are known by their
    bytes, never by a file's date, so a table written again is read again. Each caller gets its own
    frames (shallow copies: with pandas' copy-on-write, what one page changes in them the next never sees).
    """
    contents = {f.name: (folder / f"{f.name}.csv").read_bytes() for f in fields(Results)}
    sha = hashlib.sha256(b"results-tables\0")
    for name, content in contents.items():
        sha.update(f"{name}\0{len(content)}\0".encode())
        sha.update(content)
    key = sha.hexdigest()
    parsed = _PARSED.pop(key, None)
    if parsed is None:
        parsed = Results(**{name: read_table(io.BytesIO(content), name) for name, content in contents.items()})
    _PARSED[key] = parsed  # the most recent last
    while len(_PARSED) > _PARSED_KEPT:
        del _PARSED[next(iter(_PARSED))]
    return Results(**{name: frame.copy(deep=False) for name, frame in parsed.tables().items()})
