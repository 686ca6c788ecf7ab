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

from observatory import results as results_module
from observatory import root_paths
from observatory.pages import kinds
from observatory.pages.base import Page, style
from observatory.pages.chart import Chart, chart
from observatory.pages.coalition import CoalitionPage
from observatory.pages.markup import Fragment, esc, safe_url
from observatory.pages.programme import ProgrammePage
from observatory.pages.self_data import SelfDataPage
from observatory.pages.territory import TerritoryPage

__all__ = ["Chart", "CoalitionPage", "Fragment", "Page", "ProgrammePage", "SelfDataPage", "TerritoryPage", "chart",
           "coalition_page", "esc", "page", "programme_page", "safe_url", "self_data_page", "style", "territory_page"]


def _load(results_dir: str | None, root: str | None) -> results_module.Results:
    """Results written by a build or by ``observatory serve`` ($OBSERVATORY_RESULTS), else computed from a root.
    The notebooks' boundary: the str (or None) they pass become Paths here, once."""
    return results_module.load(root_paths.given_folder(results_dir, "OBSERVATORY_RESULTS"), root_paths.data_root(root))


def page(kind: str, ident: str | None = None, lang: str = "fr", results_dir: str | None = None,
         root: str | None = None, links: str | None = None) -> Page:
    """The dashboard of a page of ``kind`` (see :mod:`observatory.pages.kinds`): its page class given its slice of
    the results; for a kind of one page per coalition, territory…, that of ``ident`` (None: the site's first)."""
    declared = kinds.named(kind)
    everything = _load(results_dir, root)
    if declared.folder is None:
        return declared.page_class()(kinds.slice_for(everything, kind, None), lang, links)
    ident = ident or declared.idents(everything)[0]
    return declared.page_class()(kinds.slice_for(everything, kind, ident), ident, lang, links)


def coalition_page(coalition: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> CoalitionPage:
    """The dashboard of one coalition (the first one, alphabetically, when none is named)."""
    return page("coalition", coalition, lang, results_dir, root, links)


def territory_page(territory: str | None = None, lang: str = "fr", results_dir: str | None = None,
                   root: str | None = None, links: str | None = None) -> TerritoryPage:
    return page("territory", territory, lang, results_dir, root, links)


def programme_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> ProgrammePage:
    return page("programme", None, lang, results_dir, root, links)


def self_data_page(lang: str = "fr", results_dir: str | None = None, root: str | None = None,
                   links: str | None = None) -> SelfDataPage:
    return page("self-data", None, lang, results_dir, root, links)
