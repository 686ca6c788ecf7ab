"""Problems found in a data root, worded for the person who has to fix the file.

Every message names the file, where in it (a spreadsheet row or a YAML key),
the column, the value found and what was expected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class Described(str):
    """A value described in words rather than quoted, e.g. "an empty file"."""


def show_value(value: object) -> str:
    """A value as the user typed it, quoted; empty cells are said to be empty."""
    if isinstance(value, Described):
        return str(value)
    if value is None:
        return "(empty)"
    if isinstance(value, float) and math.isnan(value):
        return "(empty)"
    import pandas as pd  # here, not at the top: every command imports this module, few need pandas

    if value is pd.NA or value is pd.NaT:
        return "(empty)"
    text = str(value)
    if text.strip() == "":
        return "(empty)"
    if len(text) > 80:
        text = text[:77] + "..."
    return repr(text)


@dataclass(frozen=True, order=True)
class Problem:
    """One fault in one place of one file."""

    file: str
    row: int | None = None  # spreadsheet row (header = row 1)
    line: int | None = None  # line in a text file that could not be parsed
    key: str | None = None  # YAML key path, e.g. targets[2].baseline.date
    column: str | None = None
    value: object = None
    expected: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.key is not None:
            parts.append(f"key '{self.key}'")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        where = ", ".join(parts)
        return f"{where}: found {show_value(self.value)}, expected {self.expected}"

    def sort_key(self) -> tuple:
        return (self.file, self.row or 0, self.line or 0, self.key or "", self.column or "")


class ObservatoryError(Exception):
    """An error a user can act on; its message is shown without a traceback."""


class InvalidDataRoot(ObservatoryError):
    """The data root has problems; each one is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(f"{len(self.problems)} problem(s) in the data root")

    def report(self) -> str:
        return "\n".join(str(p) for p in self.problems)
