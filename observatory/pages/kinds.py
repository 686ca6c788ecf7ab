"""The page kinds: one declaration per kind of page, read by everything that handles pages.

A :class:`PageKind` says a kind's name, its notebook, its page class, its slice of
the results, where its pages go in the site, their title and their menu entry.
The site's paths, menus and ``--only`` (:mod:`observatory.site`, :mod:`observatory.cli`),
the links between pages (:meth:`~observatory.pages.base.Page.has_page`), the pages' data
(:mod:`observatory.sitedata`), the façade notebooks call
(:func:`observatory.dashboard.page`), the submission page's names of pages, the build,
``watch`` and the tests all read these declarations.

Adding a kind is one page module (a :class:`~observatory.pages.base.Page`
subclass), one template, one notebook calling ``dashboard.page("<kind>", …)``,
and one declaration: in :data:`BUILT_IN`, or in another package as a
:class:`PageKind` object under the entry-point group ``observatory.page_kinds``
(tests/test_page_kinds.py adds one so and builds its page). A faulty entry point is left out
and said (:func:`skipped`), as a faulty source is: the other pages are still built.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from observatory.errors import Text
from observatory.i18n import catalogue, data_text, place_name, t

if TYPE_CHECKING:
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

    def label(self, results: Results, ident: str | None, lang: str) -> str:
        """How the site's menus name one of its pages: one page among many by its title (else its ident), a single
        page by its menu's label, else its title, else the catalogue's text of the kind's name (the programme)."""
        if self.folder:
            return self.title(results, ident, lang) or str(ident)
        return (self.menu(lang) if self.menu else None) or self.title(results, ident, lang) \
            or catalogue(lang).get(self.name, self.name)

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


def _sliced(name: str, whole: bool = False) -> Callable[[Results, str | None], Results]:
    """The function ``name`` of results/slicing (``whole``: of the results alone), imported when a page is first
    sliced: listing the kinds (``observatory --help``) does without the results package (15 ms)."""

    def sliced(results: Results, ident: str | None) -> Results:
        from observatory.results import slicing

        return getattr(slicing, name)(results) if whole else getattr(slicing, name)(results, ident)

    return sliced


def _self_data_pages(results: Results) -> list[str | None]:
    from observatory.results import slicing

    return [None] if slicing.SELF_DATA in set(results.coalitions["id"]) or len(results.services) else []


def _territories_with_data(results: Results) -> list[str | None]:
    with_data = set(results.progress["territory"]) | set(results.observations["territory"])
    return [ident for ident in sorted(results.territories["id"]) if ident in with_data]


# In this order the site lists its pages (and its data package their files).
BUILT_IN = (
    PageKind("programme", "observatory.pages.programme:ProgrammePage", _sliced("for_programme", whole=True),
             notebook="programme.ipynb", html="index"),
    PageKind("self-data", "observatory.pages.self_data:SelfDataPage", _sliced("for_self_data", whole=True),
             notebook="self_data.ipynb", idents=_self_data_pages,
             title=lambda results, ident, lang: t("self_data_title", lang), menu=lambda lang: t("self_data", lang)),
    PageKind("coalition", "observatory.pages.coalition:CoalitionPage", _sliced("for_coalition"),
             notebook="coalition.ipynb", idents=lambda results: sorted(results.coalitions["id"]), folder="coalitions",
             title=_coalition_title, menu=lambda lang: t("coalitions", lang)),
    PageKind("territory", "observatory.pages.territory:TerritoryPage", _sliced("for_territory"),
             notebook="territory.ipynb", idents=_territories_with_data, folder="territories",
             title=_territory_title, menu=lambda lang: t("territories", lang)),
    # Written by the site step (observatory.site), no notebook behind them.
    PageKind("accessibility", html="accessibility", html_fr="accessibilite"),  # the accessibility statement
    PageKind("method", html="method", html_fr="methode"),  # how statuses and projections are computed
)


@dataclass(frozen=True)
class _Declared:
    kinds: tuple[PageKind, ...]  # the built-in kinds, then the plug-ins' by name
    skipped: tuple[Text, ...]  # the entry points left out, each saying why


@lru_cache(maxsize=8)
def _declared(path: tuple[str, ...]) -> _Declared:  # noqa: ARG001 - the cache's key
    """The built-in kinds, then those of the installed packages by name (looked up again when sys.path changes).

    A faulty entry point (it fails to load, is no PageKind of its name, or takes a built-in kind's name) must not
    stop every command, as a faulty source does not (observatory.sources): it is left out and said."""
    plugins, skipped = [], []
    names = {kind.name for kind in BUILT_IN}
    for entry in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            kind = entry.load()
        except Exception as exc:  # noqa: BLE001 - any failure of someone else's code
            why = Text("page_kind_unloadable", error=f"{type(exc).__name__}: {exc}")
        else:
            found = f"PageKind {kind.name!r}" if isinstance(kind, PageKind) else type(kind).__name__
            why = (Text("page_kind_not_a_kind", found=found, name=entry.name)
                   if not isinstance(kind, PageKind) or kind.name != entry.name
                   else Text("page_kind_declared_twice", name=entry.name) if kind.name in names else None)
        if why is not None:
            skipped.append(Text("page_kind_skipped", entry=f"{entry.name} = {entry.value}", group=GROUP, why=why))
            continue
        names.add(kind.name)
        plugins.append(kind)
    if any(kind.templates for kind in plugins):
        from observatory.pages import render

        for kind in plugins:
            render.add_templates(kind.templates)
    return _Declared(BUILT_IN + tuple(plugins), tuple(skipped))


def every() -> tuple[PageKind, ...]:
    return _declared(tuple(sys.path)).kinds


def skipped() -> tuple[Text, ...]:
    """What the faulty entry points of the group are, one message each (``observatory build`` says them)."""
    return _declared(tuple(sys.path)).skipped


def find(name: str) -> PageKind | None:
    return next((kind for kind in every() if kind.name == name), None)


def named(name: str) -> PageKind:
    kind = find(name)
    if kind is None:
        raise ValueError(f"page kind {name!r}: expected one of {', '.join(k.name for k in every() if k.slice)}")
    return kind


def choices() -> list[str]:
    """What ``--only`` accepts, kind by kind: a kind's name for its one page, ``<kind>:ID`` for one of its pages."""
    return [kind.name if kind.folder is None else f"{kind.name}:ID" for kind in every() if kind.notebook]


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
