"""The CSV files the observatory writes: every digit kept, ISO dates, and safe to open in a spreadsheet.

Numbers: a float is written as the shortest text that reads back as the very same float (Python's
``repr``, as pandas writes it): 3.7 stays 3.7, 250 is 250.0 as before, and 1e300 or 4e-13 are no longer
rounded to inf or 0. (Ratios computed by :mod:`observatory.progress` are rounded to 15 significant digits
where they are computed, which drops the noise of division: 0.7000000000000002 → 0.7.) Texts: a cell a
spreadsheet would run as a formula (starting with = + - @, a tab or a CR) is prefixed with an apostrophe,
as in the leads' templates (:func:`observatory.sheets.neutralise`); :func:`restore` undoes exactly that,
for the programs that read these files back.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from observatory.model import NUMBER_PATTERN
from observatory.sheets import FORMULA_START, neutralise

# A plain number is not a formula, even when it starts with - or +: -3.5 stays -3.5.
_NUMBER = re.compile(NUMBER_PATTERN)
# After an apostrophe, these characters mean the apostrophe was added: a text of the data that starts this
# way gets one more apostrophe, so that restore() gives back every text exactly.
_AFTER_ADDED = (*FORMULA_START, "'")


def safe_text(text: str) -> str:
    """A text as written in a published CSV: never a formula for a spreadsheet."""
    if not text or _NUMBER.match(text):
        return text
    if text.startswith("'") and text[1:2] and text[1] in _AFTER_ADDED:
        return "'" + text
    return neutralise(text)


def restore(text: str) -> str:
    """The text of the data, from a cell written by :func:`safe_text`."""
    if text.startswith("'") and text[1:2] and text[1] in _AFTER_ADDED:
        return text[1:]
    return text


def significant(values: pd.Series, digits: int = 15) -> pd.Series:
    """Floats rounded to ``digits`` significant digits (15: what a double holds for sure), NaN and inf kept."""
    return values.map(lambda x: float(f"{x:.{digits}g}") if np.isfinite(x) else x).astype("float64")


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def _inert(column: pd.Series) -> pd.Series:
    """Texts of a column through safe_text; only cells starting with a telling character are looked at."""
    column = column.astype(object)
    maybe = column.astype("string").str[:1].isin(_AFTER_ADDED).fillna(False).astype(bool)
    if maybe.any():
        column[maybe] = column[maybe].map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return column


def to_csv(frame: pd.DataFrame, path) -> None:
    """Write a results table with ISO dates, exact numbers and inert texts, in a stable form from run to run."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column] + 0.0  # as repr() writes it, but no "-0.0"
        elif _is_text(out[column]):
            out[column] = _inert(out[column])
    out.to_csv(path, index=False, lineterminator="\n")
