"""The reporting cycle's table on a page (issue 26): per period, figures expected, received, on time, late,
missing (computed in :mod:`observatory.reporting`, read from the results' ``reporting`` table)."""

from __future__ import annotations

from observatory.pages.markup import Fragment


def reporting_table(page, by_coalition: bool) -> Fragment:
    """Nothing when no target expects a figure; else one row per period (and coalition, on the programme)."""
    table = page.results.reporting
    if table.empty:
        return Fragment("")
    names = page.coalition_names
    rows = [{"name": names.get(r.coalition, r.coalition), "href": page.href("coalition", r.coalition),
             "period": r.period, "due": r.due, "expected": r.expected, "received": r.received,
             "on_time": r.on_time, "late": r.late, "missing": r.missing}
            for r in table.sort_values(["period", "coalition"] if by_coalition else ["period"]).itertuples()]
    return page.render("reporting.html.j2", rows=rows, by_coalition=by_coalition)
