"""A rule: an expectation named without importing Great Expectations (its class name and arguments), and how to
word what it finds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


class Spec:
    """An expectation named without importing Great Expectations: its class name and arguments.

    ``EXPECT.ExpectColumnValuesToBeInSet(column="c", value_set=[...])`` reads as the real one;
    :meth:`build` makes the real expectation when the suites must run."""

    def __init__(self, kind: str, **arguments) -> None:
        self.kind, self.arguments = kind, arguments

    def __getattr__(self, name: str):
        try:
            return self.__dict__["arguments"][name]
        except KeyError:
            raise AttributeError(name) from None

    def build(self, gx):
        return getattr(gx.expectations, self.kind)(**self.arguments)


class _Expectations:
    def __getattr__(self, kind: str) -> Callable[..., Spec]:
        return lambda **arguments: Spec(kind, **arguments)


EXPECT = _Expectations()  # EXPECT.ExpectColumnValuesToNotBeNull(column=...): a Spec, as gx.expectations would give


@dataclass
class Rule:
    """One expectation and how to word what it finds."""

    expectation: Spec
    column: str  # the column (or key) named in the message
    value_column: str  # the column whose value the message shows
    expected: str | Callable[[pd.Series], str]
    skip: Callable[[pd.Series], bool] | None = None  # rows the rule reports elsewhere


def is_first_of_key(row: pd.Series) -> bool:
    """The first of duplicated rows is fine: the ones after it are reported."""
    return row["where"] == row["first_of_key"]
