"""Jinja2 for the pages and the site: observatory/templates/ with autoescaping, pages/assets/ read as they are.

Every value a template prints is escaped by :func:`observatory.pages.markup.esc`
(the same entities everywhere, None printed empty) unless it is already
``Markup`` (HTML built by another template or a trusted asset). In a template,
a line break and the indentation after it are dropped: templates are written
over several lines, pages come out as compact as before. A space that matters
at the end of a line is written ``{{ " " }}``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from observatory.i18n import DATA_LANG, t
from observatory.pages.markup import esc

PACKAGE = files("observatory.pages")
LINE_BREAK = re.compile(r"\n[ \t]*")
# Where templates are looked up: the package's one templates folder (its observatory/ subfolder is nbconvert's
# page shell, see observatory.execute), then those of page kinds declared by other packages.
FOLDERS = [files("observatory") / "templates"]


def add_templates(folder) -> None:
    """Look up templates in ``folder`` too, after the package's (a page kind's own, see observatory.pages.kinds)."""
    if folder not in FOLDERS:
        FOLDERS.append(folder)


class CompactLoader(jinja2.BaseLoader):
    """Templates from the package, with their line breaks and indentation removed."""

    def get_source(self, environment, template):
        path = next((Path(folder) / template for folder in FOLDERS if (Path(folder) / template).is_file()), None)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        return LINE_BREAK.sub("", path.read_text(encoding="utf-8")).strip(), str(path), lambda: True


def _finalize(value: object) -> object:
    return value if hasattr(value, "__html__") else Markup(esc(value))


def _formatting():
    """observatory.i18n.formatting (Babel, pandas), imported at a page's first figure: the busy page is rendered
    in Voilà's server process (observatory.kernels), which has no pandas and would wait 0.5 s for it, in its one
    thread, at the first visitor over the cap."""
    from observatory.i18n import formatting

    return formatting


@jinja2.pass_context
def number(context, value: float | None, decimals: int | None = None) -> str:
    """A figure as the page's language writes it (observatory.i18n.formatting), '—' when missing."""
    return _formatting().number(value, context.get("lang", "fr"), None if missing(decimals) else decimals)


def missing(value) -> bool:
    """No figure: None, NaN, NaT or NA."""
    return _formatting().missing(value)


@jinja2.pass_context
def day(context, value) -> str:
    return _formatting().day(value, context.get("lang", "fr"))


@jinja2.pass_context
def percent(context, share, decimals: int = 0) -> str:
    return _formatting().percent(share, context.get("lang", "fr"), decimals)


@jinja2.pass_context
def written_in(context, text, lang: str | None = None):
    """A data text in the language it is written in: marked ``lang="fr"`` on an English page (WCAG 3.1.2, a
    screen reader then reads it in French; and tests/test_i18n.py can tell a forgotten translation from it)."""
    lang = lang or DATA_LANG
    if missing(text) or text == "" or lang == context.get("lang", "fr"):
        return text
    # markupsafe's escaping, as this text has always been written (&#39; and &#34;, not esc's &#x27; and &quot;)
    return render("written_in.html.j2", lang=lang, text=escape(text))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=CompactLoader(), autoescape=True, finalize=_finalize,
                             undefined=jinja2.StrictUndefined, auto_reload=False)
    env.filters.update(number=number, day=day, percent=percent, written_in=written_in)
    env.tests["missing"] = missing
    return env


def render(template: str, **values: object) -> Markup:
    return Markup(environment().get_template(template).render(**values))


def render_in(lang: str, template: str, **values: object) -> Markup:
    """A template in ``lang``: ``t(key, **fields)`` in it says the catalogue's text in that language."""
    return render(template, lang=lang, t=lambda key, **fields: t(key, lang, **fields), **values)


@cache
def asset(name: str, compact: bool = False) -> Markup:
    """A file of assets/ as trusted text; ``compact``: its lines joined, as a script inlined in one line."""
    text = (PACKAGE / "assets" / name).read_text(encoding="utf-8")
    return Markup(LINE_BREAK.sub("", text).strip() if compact else text)
