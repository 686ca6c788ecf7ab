"""Jinja2 for the pages: templates/ with autoescaping, assets/ read as they are.

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

import jinja2
import pandas as pd
from markupsafe import Markup

from observatory.pages.markup import esc

PACKAGE = files("observatory.pages")
LINE_BREAK = re.compile(r"\n[ \t]*")


class CompactLoader(jinja2.BaseLoader):
    """Templates from the package, with their line breaks and indentation removed."""

    def get_source(self, environment, template):
        path = PACKAGE / "templates" / template
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return LINE_BREAK.sub("", path.read_text(encoding="utf-8")).strip(), str(path), lambda: True


def _finalize(value: object) -> object:
    return value if hasattr(value, "__html__") else Markup(esc(value))


def number(value: float | None, decimals: int | None = None) -> str:
    """A figure as shown: thin spaces between thousands, '—' when missing."""
    if missing(value):
        return "—"
    if decimals is None:
        text = f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"
    else:
        text = f"{value:,.{int(decimals)}f}"
    return text.replace(",", "\u202f")


def missing(value) -> bool:
    """No figure: None, NaN, NaT or NA."""
    return value is None or bool(pd.isna(value))


def day(value) -> str:
    return "—" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=CompactLoader(), autoescape=True, finalize=_finalize,
                             undefined=jinja2.StrictUndefined, auto_reload=False)
    env.filters.update(number=number, day=day)
    env.tests["missing"] = missing
    return env


def render(template: str, **values: object) -> Markup:
    return Markup(environment().get_template(template).render(**values))


@cache
def asset(name: str, compact: bool = False) -> Markup:
    """A file of assets/ as trusted text; ``compact``: its lines joined, as a script inlined in one line."""
    text = (PACKAGE / "assets" / name).read_text(encoding="utf-8")
    return Markup(LINE_BREAK.sub("", text).strip() if compact else text)
