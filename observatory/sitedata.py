"""What the site derives from the results before any page runs: each page's slice of the results (CSV bytes,
digest, date of its latest figure) and every data file of the site (whole tables, slices, data package).

Computed once per build, and kept in the validation cache beside the root's entry (same key: every byte of
the root and of the package), so that a rebuild with nothing changed, ``serve`` and the submission page take
it from there. The build writes it (:mod:`observatory.build`); the submission page compares its digests
before and after an import to list the pages that change (:mod:`observatory.submission_page`).
"""

from __future__ import annotations

import datetime as _dt

import json
from dataclasses import dataclass
from pathlib import Path

from observatory import results as results_module
from observatory import site
from observatory.i18n import LANGS
from observatory.pages import kinds


def _data_specs(pages: list[site.PageSpec]) -> list[site.PageSpec]:
    """One spec per page whatever its language: the data are shared by both editions."""
    seen, specs = set(), []
    for spec in pages:
        if (spec.kind, spec.ident) not in seen:
            seen.add((spec.kind, spec.ident))
            specs.append(spec.in_lang("fr"))
    return specs


@dataclass
class Slice:
    """A page's slice of the results as CSV bytes, their digest and the date of its latest figure."""
    tables: dict[str, bytes]
    digest: str
    data_as_of: str | None


@dataclass
class SiteData:
    """What the build derives from the results before running any page: computed once per build, and kept
    in the validation cache beside the root's entry, so that a rebuild with nothing changed cuts nothing."""
    slices: dict[tuple, Slice]
    files: dict[str, bytes]  # every data file of the site, relative to the output folder


def site_data(results: results_module.Results, pages: list[site.PageSpec]) -> SiteData:
    """Each page's slice (one per kind and ident, whatever the language) and the site's data files:
    whole results, each page's slice, and their descriptor."""
    slices: dict[tuple, Slice] = {}
    files: dict[str, bytes] = {}
    whole: dict[int, bytes] = {}  # the whole tables' bytes, by frame: a slice that shares one is not written again
    for name, frame in results.tables().items():
        files[f"data/tables/{name}.csv"] = whole[id(frame)] = results_module.table_csv(name, frame)
    files["progress.csv"] = results_module.table_csv("progress", results.progress)
    resources = {name: f"tables/{name}.csv" for name in results.tables()}
    package = results_module.datapackage(results, resources, "Observatoire d'impact #Reset — #Reset impact observatory")
    for spec in _data_specs(pages):
        part = kinds.slice_for(results, spec.kind, spec.ident)
        tables = results_module.tables_csv(part, whole)
        slices[(spec.kind, spec.ident)] = Slice(tables, results_module.digest(tables), part.data_as_of)
        base = spec.data_base()
        for name in ("progress", "observations"):
            suffix = "targets" if name == "progress" else "observations"
            path = f"{Path(base).parent.as_posix()}/{Path(base).name}-{suffix}.csv"
            files[path] = tables[name]
            described = results_module.datapackage(part, {name: path.removeprefix("data/")}, "")["resources"][0]
            described["name"] = f"{spec.key.replace(':', '-')}-{suffix}"
            package["resources"].append(described)
    files["data/datapackage.json"] = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    return SiteData(slices, files)


def computed(valid, before_computing=lambda: None) -> tuple[results_module.Results, SiteData]:
    """The results and the site's data, from the cache when the root and the code are unchanged: both
    depend on nothing else but the date (the cache's key holds every byte of the root and of the package, and today).

    ``before_computing`` is called when they must be computed (the build starts its workers then: pages will
    run, and their kernels start while this process computes)."""
    from observatory import cache

    if not valid.cache_key:  # not validated through the cache (--no-cache, an unreadable root)
        before_computing()
        results = results_module.compute(valid)
        return results, site_data(results, site.all_pages(results, LANGS))
    # Today's date too: a target's assessment at its deadline appears once the deadline has passed; and the page
    # kinds declared, whose pages have their slices and data files (another package may declare some).
    entry_key = cache.key(valid.path, valid.cache_key, "site-data", _dt.date.today().isoformat(), kinds.fingerprint())
    kept = cache.read(valid.path, "site-data", entry_key)
    if (isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], results_module.Results)
            and isinstance(kept[1], SiteData)):
        return kept
    before_computing()
    results = results_module.compute(valid)
    fresh = results, site_data(results, site.all_pages(results, LANGS))
    cache.write(valid.path, "site-data", entry_key, fresh)
    return fresh
