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

import pytest

from observatory import results as results_module
from observatory import site
from observatory.build import build
from observatory.errors import ObservatoryError
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


def on_path(folder: Path, monkeypatch) -> None:
    """The packages in ``folder`` installed, for this process and the build's workers."""
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))


def test_a_kind_declared_by_another_package_gets_its_pages_built_and_listed_in_the_menu(tmp_path, monkeypatch):
    plugin = tmp_path / "plugin"
    add_counting_package(plugin)
    on_path(plugin, monkeypatch)
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



def test_a_faulty_kind_of_another_package_is_left_out_by_name_and_the_other_pages_are_built(tmp_path, monkeypatch,
                                                                                           cli, capsys):
    """As a faulty source (observatory.sources): one package's mistake does not stop the command."""
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "notakind.py").write_text("THING = object()\n", encoding="utf-8")
    (plugin / "clash.py").write_text("from observatory.pages.kinds import PageKind\n\nKIND = PageKind('programme')\n",
                                     encoding="utf-8")
    info = plugin / "faulty-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: faulty\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{kinds.GROUP}]\nmissing = no_such_module_here:KIND\n"
                                           "notakind = notakind:THING\nprogramme = clash:KIND\n", encoding="utf-8")
    on_path(plugin, monkeypatch)

    code, _, err = cli("build", "--root", FIXTURE_ROOT, "--out", tmp_path / "site", "--lang", "fr",
                       "--only", "programme", "--only", "coalition:alpha")

    assert code == 0, err
    assert (tmp_path / "site" / "index.html").is_file() and (tmp_path / "site" / "coalitions" / "alpha.html").is_file()
    said = err.splitlines()
    assert ("page kinds: entry point missing = no_such_module_here:KIND (group observatory.page_kinds) left out, "
            "its pages not built: it could not be loaded (ModuleNotFoundError: No module named 'no_such_module_here')"
            "; expected a PageKind of observatory.pages.kinds") in said
    assert ("page kinds: entry point notakind = notakind:THING (group observatory.page_kinds) left out, its pages "
            "not built: found object, expected a PageKind named 'notakind' (observatory.pages.kinds)") in said
    assert ("page kinds: entry point programme = clash:KIND (group observatory.page_kinds) left out, its pages "
            "not built: a page kind named 'programme' is already declared") in said
    assert kinds.named("programme") is kinds.BUILT_IN[0]
    with pytest.raises(SystemExit):
        cli("build", "--help")  # the help lists the kinds --only accepts, and those left out
    shown = capsys.readouterr().out
    assert "page kinds left out:" in shown and "entry point notakind = notakind:THING" in shown


def test_only_says_which_pages_there_are_from_the_declarations(tmp_path, monkeypatch, capsys):
    add_counting_package(tmp_path / "plugin")
    on_path(tmp_path / "plugin", monkeypatch)
    pages = site.all_pages(results_module.compute(validated(FIXTURE_ROOT)), ("fr",))

    with pytest.raises(ObservatoryError) as typo:
        site.select(pages, ["coalitoin:alpha"])
    assert typo.value.text("en") == ("--only coalitoin:alpha: no such page (expected one of programme, coalition:ID, "
                                     "territory:ID, count:ID)")
    with pytest.raises(ObservatoryError) as unknown:
        site.select(pages, ["territory:rennes-metropole"])  # a territory without targets or figures
    assert unknown.value.text("fr") == ("--only territory:rennes-metropole : page inconnue (attendu l'une de "
                                        "programme, coalition:ID, territory:ID (bretagne, fr, rennes), count:ID)")

    from observatory.cli import main

    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "programme, self-data, coalition:ID, territory:ID or count:ID" in " ".join(capsys.readouterr().out.split())


def test_a_page_links_to_the_pages_of_any_kind_the_site_has(tmp_path, monkeypatch):
    from observatory.pages.programme import ProgrammePage

    add_counting_package(tmp_path / "plugin")
    on_path(tmp_path / "plugin", monkeypatch)
    page = ProgrammePage(results_module.compute(validated(FIXTURE_ROOT)), "fr", links="../")

    assert page.href("count", "alpha") == "../counts/alpha.html"
    assert page.href("coalition", "beta") == "../coalitions/beta.html"
    assert page.href("territory", "rennes") == "../territories/rennes.html"
    assert page.href("territory", "rennes-metropole") is None  # no targets, no figures: no page


def test_the_submission_page_names_the_pages_a_submission_changes_as_the_site_does(root_copy, tmp_path,
                                                                                  monkeypatch):
    from observatory.leads import Leads
    from observatory.submission_desk import SubmissionDesk

    add_counting_package(tmp_path / "plugin")
    on_path(tmp_path / "plugin", monkeypatch)
    secret = Leads.of(root_copy, tmp_path / "leads").create("alpha")
    desk = SubmissionDesk(root_copy, None, tmp_path / "leads", lang="en")
    content = b"indicator,territory,date,value,source\npeople-trained,rennes,2031-12-31,300,Registre\n"
    checked = desk.check("alpha", secret, "figures.csv", content, False)
    done = desk.confirm("alpha", secret, "figures.csv", content, False, checked.token)

    assert done.ok, done
    names = {key: desk.page_title(key) for key in done.pages}
    results = results_module.compute(validated(root_copy))
    alpha = results.coalitions.set_index("id").loc["alpha"]
    assert names["programme"] == "Programme"
    assert names["coalition:alpha"] == (alpha["name_en"] or alpha["name_fr"])
    assert names["territory:rennes"] == "Rennes"
    assert names["count:alpha"] == "Count of alpha"
