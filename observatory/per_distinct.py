"""Work done once per distinct value of a column, then spread back to every row.

A national file repeats a few dozen dates, a few dozen indicators and a few thousand value texts over
millions of rows: parsing, matching or looking each one up once is seconds cheaper than once per row.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def per_distinct(values: pd.Series, compute: Callable[[pd.Series], pd.Series | pd.DataFrame]) -> pd.Series | pd.DataFrame:
    """``compute`` applied to the distinct values (a Series of objects, in their first order), its result taken
    back to each row: a Series, or a DataFrame when ``compute`` gives one. Missing (NaN, NaT) where a row's
    value is missing."""
    codes, distinct = pd.factorize(values)
    results = compute(pd.Series(distinct, dtype=object))
    if isinstance(results, pd.DataFrame):
        return pd.DataFrame({name: _spread(column, codes, values.index) for name, column in results.items()},
                            index=values.index)
    return _spread(results, codes, values.index)


def _spread(results: pd.Series, codes, index: pd.Index) -> pd.Series:
    return pd.Series(pd.Series(results).array.take(codes, allow_fill=True), index=index)
