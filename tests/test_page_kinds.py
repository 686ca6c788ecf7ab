"""Page kinds (observatory.pages.kinds): a kind is one page module, one template, one notebook and one declaration.

The test adds a kind the way another package would: a module with its page class and its declaration, a
template, a notebook, and an entry point (a .dist-info folder on the path: no installation), then builds its
page for real (worker process, kernel) and reads it as a visitor would, menu included.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from observatory import results as results_module
from observatory.build import build
from observatory.i18n import t
from observatory.pages import kinds
from observatory.validate import validated
from tests.conftest import FIXTURE_ROOT

MODULE = '''
from pathlib import Path

from observatory.pages.base import Page
from observatory.pages.kinds import PageKind
from observatory.results import for_coalition

HERE = Path(__file__).parent


class CountPage(Page):
    """How many targets a coalition has."""

    kind = "count"

    def __init__(self, results, ident, lang="fr", links=None):
        super().__init__(results, lang, links)
        self.ident = ident

    def count(self):
        return self.render("count.html.j2", coalition=self.ident, targets=len(self.results.progress))


KIND = PageKind("count", "counting:CountPage", for_coalition, notebook=str(HERE / "count.ipynb"),
                idents=lambda results: sorted(results.coalitions["id"]), folder="counts",
                title=lambda results, ident, lang: f"Count of {ident}", menu=lambda lang: "Counts",
                templates=str(HERE / "templates"))
'''

NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "parameters", "metadata": {"tags": ["parameters"]},
         "outputs": [], "source": "count = None\nlang = 'fr'\nresults_dir = None\nroot = None\ndownload = None\n"
                                  "links = None"},
        {"cell_type": "code", "execution_count": None, "id": "show", "metadata": {}, "outputs": [],
         "source": "from observatory import dashboard\n\n"
                   "page = dashboard.page('count', count, lang, results_dir, root, links)\n"
                   "display(page.style(), page.count())"},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def add_counting_package(folder: Path) -> None:
    """The package ``counting``, declaring the kind ``count`` under the entry-point group observatory.page_kinds."""
    folder.mkdir()
    (folder / "counting.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    (folder / "templates").mkdir()
    (folder / "templates" / "count.html.j2").write_text('<p class="count">{{ coalition }}: {{ targets }}</p>\n',
                                                         encoding="utf-8")
    (folder / "count.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    info = folder / "counting-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: counting\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{kinds.GROUP}]\ncount = counting:KIND\n", encoding="utf-8")


def test_a_kind_declared_by_another_package_gets_its_pages_built_and_listed_in_the_menu(tmp_path, monkeypatch):
    plugin = tmp_path / "plugin"
    add_counting_package(plugin)
    monkeypatch.syspath_prepend(str(plugin))  # this process and the build's workers
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(plugin), os.environ.get("PYTHONPATH")])))
    assert kinds.find("count") is not None

    out = tmp_path / "site"
    report = build(FIXTURE_ROOT, out, jobs=1, only=["count:alpha"], langs=("fr",), say=lambda _: None)

    assert report.ok, report.failed
    assert [outcome.key for outcome in report.built] == ["count:alpha"]
    results = results_module.compute(validated(FIXTURE_ROOT))
    targets = len(results_module.for_coalition(results, "alpha").progress)
    page = (out / "counts" / "alpha.html").read_text(encoding="utf-8")
    assert f'<p class="count">alpha: {targets}</p>' in page
    assert f"<title>Count of alpha — {t('site_title', 'fr')}</title>" in page
    menu = (out / "assets" / "nav-fr.js").read_text(encoding="utf-8")
    assert '"label": "Counts"' in menu and '["Count of beta", "counts/beta.html"]' in menu
    assert (out / "data" / "counts" / "alpha-targets.csv").is_file()

