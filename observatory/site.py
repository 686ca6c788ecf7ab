"""The static site's layout: where each page goes, its navigation, its shared assets.

Pages link to each other with relative paths, so the site works from file://
as well as from any web server, offline: the only script is the one shared
plotly.js copy (``assets/plotly.min.js``) and the navigation menus
(``assets/nav-<lang>.js``), which list the pages so that adding a coalition
does not make every page change.
"""

from __future__ import annotations

import html as html_module
import posixpath
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from observatory import atomic, bundled
from observatory import results as results_module
from observatory.errors import ObservatoryError, Text
from observatory.i18n import LANGS, edition_folder, setting, sort_key, t
from observatory.pages import kinds
from observatory.pages.markup import json_for_script
from observatory.pages.render import render


@dataclass(frozen=True)
class PageSpec:
    """One page to build or write, of a kind declared in :mod:`observatory.pages.kinds`, in one language."""

    kind: str  # a kinds.PageKind's name: programme | self-data | coalition | territory | accessibility | method…
    ident: str | None
    lang: str = "fr"

    @classmethod
    def from_key(cls, key: str) -> PageSpec:
        """The page of a key (``kind[:ident][@lang]``), as :attr:`key` writes it."""
        base, _, lang = key.partition("@")
        kind, _, ident = base.partition(":")
        return cls(kind, ident or None, lang or "fr")

    @property
    def declared(self) -> kinds.PageKind:
        return kinds.named(self.kind)

    @property
    def key(self) -> str:
        base = self.kind if self.ident is None else f"{self.kind}:{self.ident}"
        return base if self.lang == LANGS[0] else f"{base}@{self.lang}"

    @property
    def notebook(self) -> str:
        return self.declared.notebook

    def _name(self) -> str:
        """The page's name in the site: <folder>/<ident> for a kind with idents, else the kind's name."""
        declared = self.declared
        return f"{declared.folder}/{self.ident}" if declared.folder else self.kind

    def html_path(self) -> str:
        """Path of the page in the site, relative to its root (the French edition at the root)."""
        declared = self.declared
        prefix = edition_folder(self.lang)
        if declared.folder:
            return f"{prefix}{self._name()}.html"
        name = declared.html_fr if self.lang == "fr" and declared.html_fr else declared.html or self.kind
        return f"{prefix}{name}.html"

    def executed_path(self) -> str:
        return f"notebooks/{self.lang}/{self._name()}.ipynb"

    def data_base(self) -> str:
        """The page's downloadable data, shared by both languages (without -targets.csv …)."""
        return f"data/{self._name()}"

    def in_lang(self, lang: str) -> PageSpec:
        return PageSpec(self.kind, self.ident, lang)

    def parameters(self) -> dict:
        params = {"lang": self.lang}
        if self.declared.folder:
            params[self.kind] = self.ident
        return params


def link(from_page: str, to: str) -> str:
    """A relative link from one site path to another."""
    return posixpath.relpath(to, posixpath.dirname(from_page) or ".")


def prefix(page: str) -> str:
    """What to put before a site path to reach it from ``page``: '' at the root, '../' one level down."""
    up = link(page, ".")
    return "" if up == "." else up + "/"


def title_of(spec: PageSpec, results: results_module.Results) -> str:
    """The page's title, then the site's (the site's alone for the programme)."""
    site = t("site_title", spec.lang)
    own = spec.declared.title(results, spec.ident, spec.lang)
    return f"{own} — {site}" if own else site


def _html(template: str, lang: str, **values: object) -> str:
    """A template of observatory/templates/ in ``lang``: its texts from the catalogue, every value escaped."""
    return str(render(template, lang=lang, t=lambda key, **fields: t(key, lang, **fields), **values))


def nav_html(spec: PageSpec, langs: tuple[str, ...]) -> str:
    """The header of a page: brand, menus (filled by nav-<lang>.js), language switch."""
    here = spec.html_path()
    return _html("site_nav.html.j2", spec.lang, home=link(here, PageSpec("programme", None, spec.lang).html_path()),
                 root=link(here, "."), script=link(here, f"assets/nav-{spec.lang}.js"),
                 editions=[(other, link(here, spec.in_lang(other).html_path()), setting("name", other))
                           for other in langs if other != spec.lang])


def head_html(spec: PageSpec, title: str, langs: tuple[str, ...]) -> str:
    """What a page's <head> says about it: a description, the favicon, its other editions (hreflang)."""
    here = spec.html_path()
    return _html("site_head.html.j2", spec.lang, title=title, favicon=link(here, "assets/favicon.svg"),
                 editions=[(lang, link(here, spec.in_lang(lang).html_path())) for lang in langs])


def skip_html(lang: str) -> str:
    """The first thing a keyboard reaches: a link past the menus to the page's content (WCAG 2.4.1)."""
    return _html("site_skip.html.j2", lang)


def not_found_html(lang: str, langs: tuple[str, ...]) -> str:
    """404.html (and en/404.html): what a hosting service shows for a page that does not exist."""
    here = f"{edition_folder(lang)}404.html"
    return _html("not_found.html.j2", lang, home=link(here, PageSpec("programme", None, lang).html_path()),
                 favicon=link(here, "assets/favicon.svg"),
                 statement=link(here, PageSpec("accessibility", None, lang).html_path())) + "\n"


def sitemap_xml(pages: list[PageSpec], base_url: str | None = None) -> str:
    """sitemap.xml: every page, with its other editions (relative addresses unless a base URL is known)."""
    base = (base_url or "").rstrip("/") + "/" if base_url else ""
    langs = sorted({p.lang for p in pages})
    return str(render("sitemap.xml.j2", pages=[
        (base + spec.html_path(), [(lang, base + spec.in_lang(lang).html_path()) for lang in langs])
        for spec in sorted(pages, key=lambda s: s.html_path())]))


def footer_html(spec: PageSpec) -> str:
    here = spec.html_path()
    return _html("site_footer.html.j2", spec.lang, package=link(here, "data/datapackage.json"),
                 statement=link(here, PageSpec("accessibility", None, spec.lang).html_path()),
                 method=link(here, PageSpec("method", None, spec.lang).html_path()))


PLACEHOLDER_CONTACT = "accessibilite@example.org"  # example.org: a reserved domain, never a real inbox


def site_settings(root: Path) -> dict:
    """data/site.yml (optional): the site's own settings; {} where the file is missing or not a mapping."""
    import yaml

    from observatory import root_paths

    path = root_paths.at(root, root_paths.SITE_SETTINGS)
    try:
        settings = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, yaml.YAMLError):
        return {}
    return settings if isinstance(settings, dict) else {}


def accessibility_html(lang: str, langs: tuple[str, ...], settings: dict) -> str:
    """The accessibility statement (RGAA 4.1's déclaration d'accessibilité) in ``lang``: compliance level, what is
    not accessible yet, how it was tested, a contact (data/site.yml's ``accessibility_contact``), recourse."""
    from observatory.i18n import formatting
    from observatory.pages.render import render

    spec = PageSpec("accessibility", None, lang)
    contact = str(settings.get("accessibility_contact") or PLACEHOLDER_CONTACT)
    date = str(settings.get("accessibility_statement_date") or "2026-12-06")
    page = render("accessibility.html.j2", lang=lang, t=lambda key, **values: t(key, lang, **values),
                  title=t("accessibility.title", lang),
                  head=Markup(head_html(spec, t("accessibility.title", lang), langs)),
                  nav=Markup(nav_html(spec, langs)), skip=Markup(skip_html(lang)),
                  footer=Markup(footer_html(spec)), contact=contact,
                  placeholder=contact.endswith("example.org"), date=formatting.day(date, lang))
    return str(page) + "\n"


def nav_script(results: results_module.Results, pages: list[PageSpec], lang: str) -> str:
    """assets/nav-<lang>.js: fills #site-menus with a menu for each kind of many pages that has one (coalitions,
    territories), then a link to each single page that has one (the Self Data observatory)."""
    menus, links = [], []
    for kind in kinds.every():
        if kind.menu is None:
            continue
        specs = [spec for spec in pages if spec.kind == kind.name and spec.lang == lang]
        if kind.folder is None:
            links += [[kind.label(results, spec.ident, lang), spec.html_path()] for spec in specs]
            continue
        items = [[kind.label(results, spec.ident, lang), spec.html_path()] for spec in specs]
        items.sort(key=lambda item: sort_key(item[0]))
        menus.append({"label": kind.menu(lang), "items": items})
    # The script (pages/assets/site-menus.js) builds them with DOM calls (textContent), never innerHTML: names
    # from data files stay text. Its empty lists are filled with the JSON, escaped for a script.
    script = bundled.asset("site-menus.js").decode("utf-8")
    return script.replace("[/*menus*/]", json_for_script(menus, spaced=True), 1) \
        .replace("[/*links*/]", json_for_script(links, spaced=True), 1)


def all_pages(results: results_module.Results, langs: tuple[str, ...] = LANGS) -> list[PageSpec]:
    return [PageSpec(kind, ident, lang) for lang in langs for kind, ident in kinds.pages(results)]


def select(pages: list[PageSpec], only: list[str] | None) -> list[PageSpec]:
    """Pages matching --only kind:ID (or 'programme'), in every language."""
    if not only:
        return pages
    wanted = set(only)
    known = {p.key.split("@")[0] for p in pages}
    unknown = sorted(wanted - known)
    if unknown:
        raise ObservatoryError(Text("site_no_such_page", unknown=", ".join(unknown),
                                    expected=_expected(pages, unknown)))
    return [p for p in pages if p.key.split("@")[0] in wanted]


IDENTS_SHOWN = 20  # of a kind named with an ident it has no page for: enough to spot a typo, not a whole register


def _expected(pages: list[PageSpec], unknown: list[str]) -> str:
    """The pages there are, kind by kind as declared (``programme, coalition:ID…``); a kind named in ``unknown``
    lists its idents."""
    idents: dict[str, dict[str | None, None]] = {}  # kind -> its idents, in order
    for spec in pages:
        idents.setdefault(spec.kind, {})[spec.ident] = None
    named = {key.partition(":")[0] for key in unknown}
    expected = []
    for kind, its in idents.items():
        if None in its:
            expected.append(kind)
            continue
        listed = [str(ident) for ident in its]
        shown = ", ".join(listed[:IDENTS_SHOWN]) + (", …" if len(listed) > IDENTS_SHOWN else "")
        expected.append(f"{kind}:ID ({shown})" if kind in named else f"{kind}:ID")
    return ", ".join(expected)


TMP_SUFFIX = ".observatory-tmp"  # files being written; a build sweeps away those a killed build left


def temporary_path(path: Path) -> Path:
    """Where ``path`` is written before being renamed: hidden, so a partial file never looks like a page."""
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def written_aside(path: Path):
    """Yield a temporary path beside ``path``; rename it over ``path`` once the block has written it all
    (:func:`observatory.atomic.written_aside`)."""
    return atomic.written_aside(path, temporary_path(Path(path)))


def write_atomic(path: Path, content: bytes) -> None:
    atomic.replace_with(path, content, temporary_path(Path(path)))


def write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    write_atomic(path, content)
    return True


def copy_atomic(source: Path, target: Path) -> None:
    with written_aside(target) as tmp:
        shutil.copyfile(source, tmp)


BANNER_START, BANNER_END = "<!-- observatory:out-of-date -->", "<!-- /observatory:out-of-date -->"


def mark_out_of_date(page: Path, lang: str, today: str, as_of: str | None) -> None:
    """Put (or renew) a visible banner at the top of a kept page whose new version failed.

    The page is rewritten aside and renamed; the next successful build writes it anew, without it.
    """
    html = page.read_text(encoding="utf-8")
    start, end = html.find(BANNER_START), html.find(BANNER_END)
    if start != -1 and end != -1:
        html = html[:start] + html[end + len(BANNER_END):]
    from observatory.i18n.formatting import day

    text = t("out_of_date_dated", lang, today=day(today, lang), as_of=day(as_of, lang)) if as_of else \
        t("out_of_date_undated", lang, today=day(today, lang))
    # Escaped as text, its apostrophes kept ("n'a pas pu"): the banner's bytes as they always were.
    text = Markup(html_module.escape(text, quote=False))
    banner = BANNER_START + _html("out_of_date.html.j2", lang, text=text) + BANNER_END
    body = re.search(r"<body[^>]*>", html)
    at = body.end() if body else 0
    write_atomic(page, (html[:at] + banner + html[at:]).encode("utf-8"))


# The method page's worked example: a baseline and two figures, a target and its date (days after the baseline).
EXAMPLE = {"baseline": (0, 10.0), "figures": [(100, 14.0), (200, 17.0)], "target": (400, 25.0)}


def method_html(lang: str, langs: tuple[str, ...]) -> str:
    """How a status, a projection and the value at the deadline are computed, with a worked example whose every
    number comes from :mod:`observatory.projection` itself (so the page cannot disagree with the code)."""
    import math

    import numpy as np

    from observatory import projection
    from observatory.i18n import formatting
    from observatory.pages.render import render

    spec = PageSpec("method", None, lang)
    points = [EXAMPLE["baseline"], *EXAMPLE["figures"]]
    days = np.array([d for d, _ in points], dtype="float64")
    values = np.array([v for _, v in points], dtype="float64")
    at, target = EXAMPLE["target"]
    value, low, high = projection.project(days, values, at)
    mean_x, mean_y = days.mean(), values.mean()
    sxx = float(((days - mean_x) ** 2).sum())
    slope = float(((days - mean_x) * (values - mean_y)).sum()) / sxx
    residuals = values - (mean_y + slope * (days - mean_x))
    s = math.sqrt(float((residuals ** 2).sum()) / (len(days) - 2))
    quantile = projection.t_quantile(0.5 + projection.LEVEL / 2, len(days) - 2)
    status = projection.projected_status(value, low, high, target, "increase")
    n = lambda x, d=2: formatting.number(round(float(x), d), lang)  # noqa: E731
    example = {"points": [(int(d), n(v, 1)) for d, v in points], "n": len(points), "at": at, "target": n(target, 1),
               "mean_x": n(mean_x), "mean_y": n(mean_y), "sxx": n(sxx, 0), "slope": n(slope, 4),
               "intercept": n(mean_y - slope * mean_x), "value": n(value), "s": n(s, 3), "t": n(quantile, 3),
               "half": n(value - low), "low": n(low), "high": n(high),
               "status": t(f"projected_statuses.{status}", lang)}
    page = render("method_page.html.j2", lang=lang, t=lambda key, **values: t(key, lang, **values),
                  title=t("method_page.title", lang), head=Markup(head_html(spec, t("method_page.title", lang), langs)),
                  nav=Markup(nav_html(spec, langs)), skip=Markup(skip_html(lang)), footer=Markup(footer_html(spec)),
                  example=example)
    return str(page) + "\n"
