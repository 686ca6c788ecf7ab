"""The rows an expectation could find wrong, found by vectorised checks without Great Expectations."""

from __future__ import annotations

import pandas as pd

from observatory.per_distinct import per_distinct


def could_fail(expectation, frame: pd.DataFrame, known: dict[tuple, pd.Series] | None = None) -> pd.Series:
    """The rows an expectation could find wrong, by vectorised checks at least as strict as its own (a row it
    finds wrong is always among them; a type not known here: every row). Great Expectations then runs on these
    rows only, and words each problem: on millions of clean rows it has nothing to do, and every message is
    the same as if it had read them all (tests/test_columnar.py compares). ``known``: for a key (a tuple of
    columns), the rows whose key repeats, where the frame's maker already found them (seconds on millions)."""
    kind, get = expectation.kind, lambda key: getattr(expectation, key, None)
    everything = pd.Series(True, index=frame.index)
    if kind == "ExpectColumnValuesToNotBeNull":
        return frame[get("column")].isna()
    # Column-map expectations other than not-null leave empty cells alone (the not-null rules report them).
    if kind == "ExpectColumnValuesToBeInSet":
        column = frame[get("column")]
        return column.notna() & ~column.isin(list(get("value_set")))
    if kind == "ExpectColumnValuesToMatchRegex":  # each distinct text once (dates repeat over millions of rows)
        wrong = per_distinct(frame[get("column")], lambda texts: ~texts.astype(str).str.fullmatch(get("regex")))
        return wrong.fillna(False).astype(bool)  # an empty cell: the not-null rule's
    if kind == "ExpectColumnValuesToBeBetween":
        values = pd.to_numeric(frame[get("column")], errors="coerce")
        low, high = get("min_value"), get("max_value")
        inside = pd.Series(True, index=frame.index)
        if low is not None:
            inside &= values > low if get("strict_min") else values >= low
        if high is not None:
            inside &= values < high if get("strict_max") else values <= high
        return ~inside & frame[get("column")].notna()
    if kind == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = frame[get("column_A")], frame[get("column_B")]
        greater = a >= b if get("or_equal") else a > b
        return ~greater & a.notna() & b.notna() if get("ignore_row_if") == "either_value_is_missing" else ~greater
    if kind == "ExpectCompoundColumnsToBeUnique":
        columns = list(get("column_list"))
        if tuple(columns) in (known or {}):
            return known[tuple(columns)]  # the rows whose key repeats, as the frame's maker found them
        return frame.duplicated(columns, keep=False)
    if kind == "ExpectColumnValuesToBeUnique":
        return frame.duplicated([get("column")], keep=False)
    return everything
