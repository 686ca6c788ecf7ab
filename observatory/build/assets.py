"""The files beside the pages: the tables behind the site (``OUT/data/``, see :mod:`observatory.sitedata`), the
shared assets (plotly.js, the menus, the 404 and statement pages, the sitemap), and the menus of the editions not
built this time."""

from __future__ import annotations

from pathlib import Path

import plotly

from observatory import bundled, site
from observatory import results as results_module
from observatory.build.digest import _digest_file
from observatory.i18n import LANGS, edition_folder
from observatory.sitedata import SiteData, site_data

PLOTLY_LOCALE_FR = "plotly-locale-fr.js"


def _plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _write_data(results: results_module.Results, out: Path, pages: list[site.PageSpec],
                data: SiteData | None = None) -> list[str]:
    """Write the tables behind the site (see :mod:`observatory.sitedata`). Returns the files written, relative
    to ``out``."""
    data = data if data is not None else site_data(results, pages)
    for relative, content in data.files.items():
        site.write_if_changed(out / relative, content)
    return list(data.files)


def _write_assets(results: results_module.Results, out: Path, pages: list[site.PageSpec],
                  langs: tuple[str, ...], root: Path) -> None:
    assets = out / "assets"
    settings = site.site_settings(root)
    source = _plotly_js()
    target = assets / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size or \
            _digest_file(target) != _digest_file(source):
        site.copy_atomic(source, target)
    for lang in langs:
        site.write_if_changed(assets / f"nav-{lang}.js", site.nav_script(results, pages, lang).encode("utf-8"))
        site.write_if_changed(out / f"{edition_folder(lang)}404.html",
                              site.not_found_html(lang, langs).encode("utf-8"))
        statement = site.PageSpec("accessibility", None, lang).html_path()
        site.write_if_changed(out / statement, site.accessibility_html(lang, langs, settings).encode("utf-8"))
        method = site.PageSpec("method", None, lang).html_path()
        site.write_if_changed(out / method, site.method_html(lang, langs).encode("utf-8"))
    site.write_if_changed(assets / "favicon.svg", bundled.asset("favicon.svg"))
    # plotly.js's French locale (months, days, the mode bar's words): French pages' charts say « janv. 2020 ».
    site.write_if_changed(assets / PLOTLY_LOCALE_FR, bundled.asset(PLOTLY_LOCALE_FR))
    statements = [site.PageSpec(kind, None, lang) for kind in ("accessibility", "method") for lang in langs]
    site.write_if_changed(out / "sitemap.xml", site.sitemap_xml(pages + statements).encode("utf-8"))


def _update_other_menus(results: results_module.Results, out: Path, langs: tuple[str, ...], state: dict) -> None:
    """Menus of editions not built this time: list only the pages that still exist."""
    for lang in LANGS:
        path = out / "assets" / f"nav-{lang}.js"
        if lang in langs or not path.exists():
            continue
        kept = [spec for spec in site.all_pages(results, (lang,)) if spec.key in state["pages"]]
        site.write_if_changed(path, site.nav_script(results, kept, lang).encode("utf-8"))
