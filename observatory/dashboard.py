"""What each dashboard shows, as displayable fragments: notebooks only call these.

This module is the façade the notebooks (notebooks/*.ipynb) import; the pages
themselves live in :mod:`observatory.pages` (one module per page kind, their
HTML in Jinja2 templates, their CSS and scripts in asset files).

Every fragment is an object with ``_repr_html_``, so a notebook cell that ends
with one displays it (in papermill, nbconvert and Voilà alike), and a test can
read its HTML without a kernel. Every text that comes from data files is
escaped by the templates; charts go through :func:`chart`, which never embeds
plotly.js (the page loads one shared copy).
"""

from __future__ import annotations

import os
from pathlib import Path

from observatory import results as results_module
from observatory.pages.base import Page, style
from observatory.pages.chart import Chart, chart
from observatory.pages.coalition import CoalitionPage
from observatory.pages.markup import Fragment, esc, safe_url
from observatory.pages.programme import ProgrammePage
from observatory.pages.self_data import SelfDataPage
from observatory.pages.territory import TerritoryPage

__all__ = ["Chart", "CoalitionPage", "Fragment", "Page", "ProgrammePage", "SelfDataPage", "TerritoryPage", "chart",
           "coalition_page", "esc", "programme_page", "safe_url", "self_data_page", "style", "territory_page"]


def _load(results_dir: str | None, root: str | None) -> results_module.Results:
    """Results written by a build or by ``observatory serve`` ($OBSERVATORY_RESULTS), else computed from a root."""
    results_dir = results_dir or os.environ.get("OBSERVATORY_RESULTS")
    root = root or os.environ.get("OBSERVATORY_ROOT") or str(Path(__file__).resolve().parent.parent)
    return results_module.load(results_dir, root)


def coalition_page(coalition: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> CoalitionPage:
    """The dashboard of one coalition (the first one, alphabetically, when none is named)."""
    everything = _load(results_dir, root)
    coalition = coalition or sorted(everything.coalitions["id"])[0]
    return CoalitionPage(results_module.slice_for(everything, "coalition", coalition), coalition, lang, links)


def territory_page(territory: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> TerritoryPage:
    everything = _load(results_dir, root)
    territory = territory or next(ident for kind, ident in results_module.pages(everything) if kind == "territory")
    return TerritoryPage(results_module.slice_for(everything, "territory", territory), territory, lang, links)


def programme_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> ProgrammePage:
    return ProgrammePage(results_module.slice_for(_load(results_dir, root), "programme", None), lang, links)


def self_data_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> SelfDataPage:
    return SelfDataPage(results_module.slice_for(_load(results_dir, root), "self-data", None), lang, links)
