"""The CSV files the observatory writes: every digit kept, ISO dates, and safe to open in a spreadsheet.

Numbers: a float is written as the shortest text that reads back as the very same float (Python's
``repr``, as pandas writes it): 3.7 stays 3.7, 250 is 250.0 as before, and 1e300 or 4e-13 are no longer
rounded to inf or 0. (Ratios computed by :mod:`observatory.progress` are rounded to 15 significant digits
where they are computed, which drops the noise of division: 0.7000000000000002 → 0.7.) Texts: a cell a
spreadsheet would run as a formula (starting with = + - @, a tab or a CR, or one of their full-width or
small forms ＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫, which spreadsheets in East Asian locales take for them) is prefixed with an
apostrophe, as in the leads' templates (:func:`observatory.sheets.neutralise`); :func:`restore` undoes
exactly that, for the programs that read these files back.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from observatory import root_csv
from observatory.vocabulary import NUMBER_PATTERN
from observatory.sheets import FORMULA_START

# A plain number is not a formula, even when it starts with - or +: -3.5 stays -3.5.
_NUMBER = re.compile(NUMBER_PATTERN)
# The full-width (U+FF1D, U+FF0B, U+FF0D, U+FF20) and small (U+FE66, U+FE62, U+FE63, U+FE6B) forms of = + - @:
# an input method turns them into the plain ones, and spreadsheets may too when they open a file.
LOOKALIKES = ("\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b")
FORMULA_STARTS = (*FORMULA_START, *LOOKALIKES)
# After an apostrophe, these characters mean the apostrophe was added: a text of the data that starts this
# way gets one more apostrophe, so that restore() gives back every text exactly.
_AFTER_ADDED = (*FORMULA_STARTS, "'")


def safe_text(text: str) -> str:
    """A text as written in a published CSV: never a formula for a spreadsheet."""
    if not text or _NUMBER.match(text):
        return text
    if text.startswith("'") and text[1:2] and text[1] in _AFTER_ADDED:
        return "'" + text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The text of the data, from a cell written by :func:`safe_text`."""
    if text.startswith("'") and text[1:2] and text[1] in _AFTER_ADDED:
        return text[1:]
    return text


def significant(values: pd.Series, digits: int = 15) -> pd.Series:
    """Floats rounded to ``digits`` significant digits (15: what a double holds for sure), NaN and inf kept."""
    return values.map(lambda x: float(f"{x:.{digits}g}") if np.isfinite(x) else x).astype("float64")


# Below this many rows, a plain loop over the cells beats pandas' vectorised string methods (whose fixed
# cost, paid per column, dominated a build that writes hundreds of small tables).
_SMALL = 5_000


def _inert(column: pd.Series) -> pd.Series | None:
    """Texts of a column through safe_text, or None when no cell needs it.

    Only cells starting with a telling character are looked at.
    """
    if len(column) < _SMALL:
        values = column.tolist()
        maybe = [isinstance(v, str) and v[:1] in _AFTER_ADDED for v in values]
        if not any(maybe):
            return None
        return pd.Series([safe_text(v) if m else v for v, m in zip(values, maybe)], index=column.index,
                         dtype=object)
    maybe = column.astype("string").str[:1].isin(_AFTER_ADDED).fillna(False).astype(bool)
    if not maybe.any():
        return None
    column = column.astype(object)
    column[maybe] = column[maybe].map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return column


def to_csv(frame: pd.DataFrame, path) -> None:
    """Write a results table with ISO dates, exact numbers and inert texts, in a stable form from run to run."""
    changed = {}
    for position, dtype in enumerate(frame.dtypes):
        if not (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_float_dtype(dtype)
                or dtype == object or pd.api.types.is_string_dtype(dtype)):
            continue
        column = frame.iloc[:, position]
        if pd.api.types.is_datetime64_any_dtype(dtype):
            changed[position] = column.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(dtype):
            changed[position] = column + 0.0  # as repr() writes it, but no "-0.0"
        else:
            inert = _inert(column)
            if inert is not None:
                changed[position] = inert
    out = frame
    if changed:
        out = frame.copy()
        for position, column in changed.items():
            out.isetitem(position, column)
    text = out.to_csv(index=False, lineterminator="\n")
    if "\r" in text:
        # A CR inside a cell: pandas (Python's csv) quotes only what holds the line terminator, so a lone CR
        # would go out bare and end the row for every reader. Without one, pandas quotes exactly as
        # root_csv.line does (a comma, a quote, an LF); with one, the cells (read back from a form that keeps
        # each whole) are written by root_csv.line, which quotes a CR too: one quoting for every CSV we write.
        whole = out.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)
        text = "".join(root_csv.line(cells) for cells in csv.reader(io.StringIO(whole, newline="")))
    if hasattr(path, "write"):
        path.write(text)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
