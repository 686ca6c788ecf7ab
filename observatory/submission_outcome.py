"""What the submission page shows as HTML: the outcome of an action (status, problems, the preview of what a file
changes, the pages that change), the coalition's template links and its reporting table."""

from __future__ import annotations

import base64
import html

from markupsafe import Markup

from observatory.i18n import t
from observatory.pages.render import render
from observatory.submission_desk import SUFFIXES, Outcome, SubmissionDesk


def preview_table(changes: list[tuple], lang: str, caption: str | None = None) -> str:
    """What a submission changes, one row per figure: (row, indicator, territory, date, value before or None,
    value after), every text escaped; the lead's preview and the team's review page both show it."""
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(t(k, lang))}</th>' for k in
                   ("submit.row", "indicator", "territory", "submit.date", "submit.before", "submit.after"))
    rows = "".join(
        f"<tr><td>{row}</td><td>{esc(indicator)}</td><td>{esc(territory)}</td><td>{esc(date)}</td>"
        f"<td>{esc(before) if before is not None else '—'}</td><td>{esc(after)}</td></tr>"
        for row, indicator, territory, date, before, after in changes)
    caption_html = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table class='preview'>{caption_html}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def outcome_html(outcome: Outcome, desk: SubmissionDesk, sequence: int = 0) -> str:
    """The outcome as HTML (templates/submit_outcome.html.j2, every text escaped): status, problems, preview
    table, pages that change."""
    lang = desk.lang
    # Names as the site shows them, the file's id beside the indicator's (the lead's file has the ids)
    preview = preview_table([(c.row, f"{desk.label('indicator', c.indicator)} ({c.indicator})",
                              desk.label("territory", c.territory), c.date, c.previous_value, c.value)
                             for c in outcome.changes], lang, t("submit.preview_caption", lang)) if outcome.changes else ""
    return str(render("submit_outcome.html.j2", t=lambda key, **values: t(key, lang, **values), ok=outcome.ok,
                      sequence=sequence, message=outcome.message, problems=outcome.problems, notes=outcome.notes,
                      preview=Markup(preview), pages=[(desk.page_title(k), k) for k in outcome.pages]))


def template_links(desk: SubmissionDesk, coalition: str, lang: str) -> str:
    """Download links of the coalition's template, as data: URLs (the page needs no file server)."""
    types = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"}
    links = []
    for suffix in SUFFIXES:
        try:
            content = desk.template(coalition, suffix)
        except Exception:  # noqa: BLE001 - no template: the page says so
            return f"<p>{html.escape(t('submit.no_template', lang))}</p>"
        data = base64.b64encode(content).decode("ascii")
        links.append(f'<a download="{html.escape(coalition)}{suffix}" href="data:{types[suffix]};base64,{data}">'
                     f"{html.escape(t('submit.template_' + suffix[1:], lang))}</a>")
    return f"<p>{html.escape(t('submit.template', lang))} " + " · ".join(links) + "</p>"


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
