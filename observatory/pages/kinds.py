"""The page kinds: one declaration per kind of page, read by everything that handles pages.

A :class:`PageKind` says a kind's name, its notebook, its page class, its slice of
the results, where its pages go in the site, their title and their menu entry.
The site's paths and menus (:mod:`observatory.site`), the pages' data
(:mod:`observatory.sitedata`), the façade notebooks call
(:func:`observatory.dashboard.page`), the build, ``watch`` and the tests all read
these declarations.

Adding a kind is one page module (a :class:`~observatory.pages.base.Page`
subclass), one template, one notebook calling ``dashboard.page("<kind>", …)``,
and one declaration: in :data:`BUILT_IN`, or in another package as a
:class:`PageKind` object under the entry-point group ``observatory.page_kinds``
(tests/test_page_kinds.py adds one so and builds its page).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from observatory.i18n import data_text, place_name, t
from observatory.results import slicing
from observatory.results.schema import Results

GROUP = "observatory.page_kinds"


def _one_page(results: Results) -> list[str | None]:  # noqa: ARG001 - the idents' signature
    return [None]


def _no_title(results: Results, ident: str | None, lang: str) -> None:  # noqa: ARG001 - the title's signature
    return None


@dataclass(frozen=True)
class PageKind:
    """One kind of page. A kind has one page (programme) or one page per ident (a coalition's, a territory's)."""

    name: str  # the pages' key (``coalition:ID@en``); for a kind with idents, the notebook's parameter naming one
    page: str | None = None  # "module:Class", the page class the façade gives notebooks (imported when used)
    slice: Callable[[Results, str | None], Results] | None = None  # the part of the results a page shows
    notebook: str | None = None  # its file in notebooks/ (or an absolute path); None: written by the site step
    idents: Callable[[Results], list[str | None]] = _one_page  # the pages the site has: [None] for one page
    folder: str | None = None  # a kind with idents: its pages are <folder>/<ident>.html; None: one page
    html: str | None = None  # one page's file name without .html (default: the kind's name)
    html_fr: str | None = None  # …in the French edition, where it differs
    title: Callable[[Results, str | None, str], str | None] = _no_title  # its own title, before the site's
    menu: Callable[[str], str] | None = None  # its menu's label (a list of its pages, or a link to its page)
    templates: str | None = None  # a folder of its templates, for a kind declared outside the package

    def page_class(self) -> type:
        module, _, name = (self.page or "").partition(":")
        if not name:
            raise ValueError(f"page kind {self.name!r}: no page class (written by the site step)")
        return getattr(importlib.import_module(module), name)


def _coalition_title(results: Results, ident: str | None, lang: str) -> str:
    row = results.coalitions[results.coalitions["id"] == ident].iloc[0]
    return data_text(row, "name", lang)


def _territory_title(results: Results, ident: str | None, lang: str) -> str:
    return place_name(results.territories[results.territories["id"] == ident].iloc[0], lang)


def _self_data_pages(results: Results) -> list[str | None]:
    return [None] if slicing.SELF_DATA in set(results.coalitions["id"]) or len(results.services) else []


def _territories_with_data(results: Results) -> list[str | None]:
    with_data = set(results.progress["territory"]) | set(results.observations["territory"])
    return [ident for ident in sorted(results.territories["id"]) if ident in with_data]


# In this order the site lists its pages (and its data package their files).
BUILT_IN = (
    PageKind("programme", "observatory.pages.programme:ProgrammePage", lambda results, _: slicing.for_programme(results),
             notebook="programme.ipynb", html="index"),
    PageKind("self-data", "observatory.pages.self_data:SelfDataPage", lambda results, _: slicing.for_self_data(results),
             notebook="self_data.ipynb", idents=_self_data_pages,
             title=lambda results, ident, lang: t("self_data_title", lang), menu=lambda lang: t("self_data", lang)),
    PageKind("coalition", "observatory.pages.coalition:CoalitionPage", slicing.for_coalition,
             notebook="coalition.ipynb", idents=lambda results: sorted(results.coalitions["id"]), folder="coalitions",
             title=_coalition_title, menu=lambda lang: t("coalitions", lang)),
    PageKind("territory", "observatory.pages.territory:TerritoryPage", slicing.for_territory,
             notebook="territory.ipynb", idents=_territories_with_data, folder="territories",
             title=_territory_title, menu=lambda lang: t("territories", lang)),
    # Written by the site step (observatory.site), no notebook behind them.
    PageKind("accessibility", html="accessibility", html_fr="accessibilite"),  # the accessibility statement
    PageKind("method", html="method", html_fr="methode"),  # how statuses and projections are computed
)


@lru_cache(maxsize=8)
def _declared(path: tuple[str, ...]) -> tuple[PageKind, ...]:  # noqa: ARG001 - the cache's key
    """The built-in kinds, then those of the installed packages by name (looked up again when sys.path changes)."""
    plugins = []
    for entry in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        kind = entry.load()
        if not isinstance(kind, PageKind) or kind.name != entry.name:
            raise TypeError(f"entry point {entry.name} = {entry.value} (group {GROUP}): expected a PageKind named "
                            f"{entry.name!r}")
        plugins.append(kind)
    names = [kind.name for kind in BUILT_IN]
    clash = [kind.name for kind in plugins if kind.name in names]
    if clash:
        raise ValueError(f"page kinds declared twice: {', '.join(clash)} (group {GROUP})")
    if any(kind.templates for kind in plugins):
        from observatory.pages import render

        for kind in plugins:
            render.add_templates(kind.templates)
    return BUILT_IN + tuple(plugins)


def every() -> tuple[PageKind, ...]:
    return _declared(tuple(sys.path))


def find(name: str) -> PageKind | None:
    return next((kind for kind in every() if kind.name == name), None)


def named(name: str) -> PageKind:
    kind = find(name)
    if kind is None:
        raise ValueError(f"page kind {name!r}: expected one of {', '.join(k.name for k in every() if k.slice)}")
    return kind


def pages(results: Results) -> list[tuple[str, str | None]]:
    """Every dashboard to build, (kind, ident), kind by kind: the programme, the Self Data observatory, each
    coalition, each territory with targets or figures (then the kinds of other packages)."""
    return [(kind.name, ident) for kind in every() if kind.notebook for ident in kind.idents(results)]


def slice_for(results: Results, kind: str, ident: str | None) -> Results:
    """The part of the results a page shows (KeyError: no such coalition or territory)."""
    declared = named(kind)
    if declared.slice is None:
        raise ValueError(f"page kind {kind!r}: written by the site step, it shows no slice of the results")
    return declared.slice(results, ident)


def fingerprint() -> str:
    """What the site's data depend on besides the results: the kinds declared (a package's new kind adds files)."""
    return ",".join(f"{kind.name}={kind.page}" for kind in every())
