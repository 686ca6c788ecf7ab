"""ISO dates of observations and targets.

A figure may be dated by day (``2021-06-30``), month (``2021-06``) or year
(``2021``); a month's or a year's figure counts as dated on the last day of
that month or year, so that it sorts after every day inside the period.
"""

from __future__ import annotations

import datetime as _dt

import pandas as pd

from observatory.per_distinct import per_distinct
from observatory.errors import Text

DATE_PARTS = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
DATE_PATTERN = r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$"  # the same, without groups, for expectations

# The plausible window of a figure's or a target's date: from 1 January 1900 to 31 December of the year ten
# years from today. Anything outside is a typing error (0001-01-01, 9999-12-31) that would sort first or last.
EARLIEST = _dt.date(1900, 1, 1)
YEARS_AHEAD = 10


def plausible_window(today: _dt.date | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last plausible dates, the last computed from today's date."""
    today = today or _dt.date.today()
    return pd.Timestamp(EARLIEST), pd.Timestamp(today.year + YEARS_AHEAD, 12, 31)


def date_expected() -> Text:
    """What a date must look like; a function, not a constant: importing this module reads no catalogue."""
    return Text("date_iso")


def window_expected(today: _dt.date | None = None) -> Text:
    first, last = plausible_window(today)
    return Text("date_window", first=first.year, last=last.year)


def plausible(dates: pd.Series, today: _dt.date | None = None) -> pd.Series:
    """True or False for each date inside the window; None where there is no date (reported otherwise)."""
    first, last = plausible_window(today)
    inside = (dates >= first) & (dates <= last)
    return inside.astype(object).where(dates.notna(), None)


def normalise_date_text(value: object) -> str | None:
    """Text of a date as typed; YAML turns unquoted dates into date objects."""
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float) and pd.isna(value):
        return None
    text = str(value).strip()
    return text or None


def parse_period_end(texts: pd.Series) -> pd.Series:
    """Dates (end of period) of a column of date texts; NaT where the text isn't a real date.

    Each distinct text is parsed once: a national file repeats a few dozen dates over millions of rows."""
    return per_distinct(texts, _parse_distinct)


def date_keys(dates: pd.Series, texts: pd.Series) -> pd.Series:
    """Each row's date as YYYY-MM-DD, its text where it has no date: what makes two figures the same figure.
    Written once per distinct date."""
    keys = per_distinct(dates, lambda distinct: pd.Series(pd.DatetimeIndex(distinct).strftime("%Y-%m-%d"),
                                                          dtype=object))
    return keys.where(keys.notna(), texts.fillna("")).astype(object)


def _parse_distinct(texts: pd.Series) -> pd.Series:
    texts = texts.astype("str").where(texts.notna(), None)
    parts = texts.str.extract(DATE_PARTS)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    day = pd.to_numeric(parts[2], errors="coerce")
    full = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month.fillna(1), "day": day.fillna(1)}),
        errors="coerce",
    )
    # Year only → 31 December; month only → last day of that month.
    year_only = year.notna() & month.isna()
    month_only = month.notna() & day.isna()
    result = full.where(~year_only, pd.to_datetime(year.astype("Int64").astype("str") + "-12-31", errors="coerce"))
    result = result.where(~month_only, full + pd.offsets.MonthEnd(0))
    valid_month = month.isna() | month.between(1, 12)
    return result.where(valid_month & year.notna())
