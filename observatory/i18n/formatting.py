"""Numbers, percentages and dates as each language writes them, with Babel (the CLDR's rules).

French: 16,0 %, 1 234,5 (narrow no-break spaces), 31 déc. 2022; English: 16.0%, 1,234.5, Dec 31, 2022.
Every figure that reaches a page goes through here (templates' filters, charts, the map). Each language's
locale and percent sign are its catalogue's (group ``language``: :func:`observatory.i18n.setting`).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
from babel import dates, numbers

from observatory.i18n import setting


def missing(value) -> bool:
    return value is None or bool(pd.isna(value))


@cache
def _pattern(decimals: int | None) -> str:
    return "#,##0" if not decimals else "#,##0." + "0" * int(decimals)


def number(value, lang: str, decimals: int | None = None) -> str:
    """A figure: grouped thousands, the language's decimal mark; ``decimals`` None: as many as it has."""
    if missing(value):
        return "—"
    if decimals is None:
        text = f"{float(value):.10g}"
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return numbers.format_decimal(float(value), format=_pattern(decimals), locale=setting("locale", lang))


def percent(share, lang: str, decimals: int = 0) -> str:
    """A share (0.16) as a percentage: '16 %' in French, '16%' in English."""
    if missing(share):
        return "—"
    return numbers.format_percent(float(share), format=_pattern(decimals) + setting("percent_suffix", lang),
                                  locale=setting("locale", lang))


def day(value, lang: str) -> str:
    """A date: '31 déc. 2022' / '31 Dec 2022'."""
    if missing(value):
        return "—"
    return dates.format_date(pd.Timestamp(value).date(), format="d MMM y", locale=setting("locale", lang))
