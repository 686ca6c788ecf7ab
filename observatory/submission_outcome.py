"""What the submission page shows as HTML: the outcome of an action (status, problems, the preview of what a file
changes, the pages that change), the coalition's template links and its reporting table."""

from __future__ import annotations

import base64

from markupsafe import Markup

from observatory.i18n import t
from observatory.pages.render import render_in
from observatory.submission_desk import SUFFIXES, Outcome, SubmissionDesk


def preview_table(changes: list[tuple], lang: str, caption: str | None = None) -> str:
    """What a submission changes, one row per figure: (row, indicator, territory, date, value before or None,
    value after), every text escaped (templates/preview.html.j2); the lead's preview and the team's review page
    both show it."""
    return str(render_in(lang, "preview.html.j2", changes=changes, caption=caption))


def outcome_html(outcome: Outcome, desk: SubmissionDesk, sequence: int = 0) -> str:
    """The outcome as HTML (templates/submit_outcome.html.j2, every text escaped): status, problems, preview
    table, pages that change."""
    lang = desk.lang
    # Names as the site shows them, the file's id beside the indicator's (the lead's file has the ids)
    preview = preview_table([(c.row, f"{desk.label('indicator', c.indicator)} ({c.indicator})",
                              desk.label("territory", c.territory), c.date, c.previous_value, c.value)
                             for c in outcome.changes], lang, t("submit.preview_caption", lang)) if outcome.changes else ""
    return str(render_in(lang, "submit_outcome.html.j2", ok=outcome.ok, sequence=sequence, message=outcome.message,
                         problems=outcome.problems, notes=outcome.notes, preview=Markup(preview),
                         pages=[(desk.page_title(k), k) for k in outcome.pages]))


def template_links(desk: SubmissionDesk, coalition: str, lang: str) -> str:
    """Download links of the coalition's template, as data: URLs (the page needs no file server)."""
    types = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"}
    links = []
    for suffix in SUFFIXES:
        try:
            content = desk.template(coalition, suffix)
        except Exception:  # noqa: BLE001 - no template: the page says so
            links = None
            break
        links.append((suffix, types[suffix], base64.b64encode(content).decode("ascii")))
    return str(render_in(lang, "submit_templates.html.j2", coalition=coalition, links=links))


def reporting_html(desk: SubmissionDesk, coalition: str) -> str:
    """The coalition's completeness and timeliness per period (issue 26), as its page shows it."""
    try:
        from observatory.pages.base import Page
        from observatory.pages.reporting import reporting_table
        from observatory.sitedata import computed
        from observatory.validate import validated
        from observatory import results as results_module

        results, _ = computed(validated(desk.root))
        page = Page(results_module.for_coalition(results, coalition), desk.lang)
        return str(reporting_table(page, by_coalition=False))
    except Exception:  # noqa: BLE001 - a root that can't be computed: the form still works, without the table
        return ""
