"""A quality for every figure (issue 22) and the evidence a lead gives beside it (issue 25): read from the files,
checked, carried from a filled template through `import` to the built page and the data package."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from observatory import dashboard, vocabulary
from observatory.validate import validated
from tests.conftest import OBSERVATIONS
from tests.helpers import fill_template

LINK = "https://example.org/rapport-2022.pdf?partie=2&annexe=b"


def _with_rows(root: Path, *lines: str, name: str = "estimates") -> Path:
    """An observation file of the root (no .meta.yml: not demonstration data) with these lines."""
    (root / f"data/observations/{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _quality(root: Path, indicator: str, territory: str, date: str) -> str:
    obs = validated(root, use_cache=False).observations
    row = obs[(obs["indicator"] == indicator) & (obs["territory"] == territory) & (obs["date_text"] == date)]
    assert len(row) == 1
    return row.iloc[0]["quality"]


def test_a_figures_quality_comes_from_its_column_or_its_files_meta(root_copy):
    """A `quality` cell says how its figure was obtained; a file's .meta.yml `quality:` says it for the rows that
    give none; without either a figure is measured, and a demonstration file's figures are demonstration ones."""
    _with_rows(root_copy, "indicator,territory,date,value,coalition,quality",
               "people-trained,rennes,2022-09-30,530,alpha,estimated",
               "people-trained,rennes,2022-10-31,540,alpha,")
    assert _quality(root_copy, "people-trained", "rennes", "2022-09-30") == "estimated"
    assert _quality(root_copy, "people-trained", "rennes", "2022-10-31") == "measured"
    assert _quality(root_copy, "people-trained", "rennes", "2020-12-31") == "demonstration"  # figures.csv
    (root_copy / "data/observations/estimates.meta.yml").write_text("title: Estimations\nquality: provisional\n",
                                                                    encoding="utf-8")
    assert _quality(root_copy, "people-trained", "rennes", "2022-09-30") == "estimated"  # its own cell wins
    assert _quality(root_copy, "people-trained", "rennes", "2022-10-31") == "provisional"


@pytest.mark.parametrize("value", ["estimee", "roll-up", "Measured"])
def test_an_unknown_quality_is_refused_with_file_row_column_value_and_the_list(root_copy, cli, value):
    _with_rows(root_copy, "indicator,territory,date,value,coalition,quality",
               f"people-trained,rennes,2022-09-30,530,alpha,{value}")
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1
    assert (f"data/observations/estimates.csv, row 2, column 'quality': found '{value}', expected one of measured, "
            "estimated, provisional, proxy, demonstration (roll-up is for the figures the observatory computes)"
            in err), err
    (root_copy / "data/observations/estimates.csv").write_text(
        "indicator,territory,date,value,coalition\npeople-trained,rennes,2022-09-30,530,alpha\n", encoding="utf-8")
    (root_copy / "data/observations/estimates.meta.yml").write_text(f"quality: {value}\n", encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1 and "data/observations/estimates.meta.yml" in err and f"found '{value}'" in err, err


@pytest.mark.parametrize("link", ["http://example.org/rapport.pdf", "javascript:alert(1)", "data:text/html,x",
                                  "rapport.pdf", "https://example.org/a b.pdf", 'https://x.org/"><script>alert(1)'
                                  '</script>', "https://example.org/\x07"])
def test_an_unsafe_link_is_refused_by_validate_and_by_import(root_copy, tmp_path, cli, link):
    sent = tmp_path / "envoi.csv"
    quoted = link.replace('"', '""')
    text = f'indicator,territory,date,value,link\npeople-trained,rennes,2022-09-30,530,"{quoted}"\n'
    sent.write_text(text, encoding="utf-8")
    before = (root_copy / OBSERVATIONS).read_bytes()
    code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
    assert code == 1, err
    assert "envoi.csv, row 2, column 'link'" in err and "expected a link to a document starting with https://" in err
    assert "nothing was written" in err and not (root_copy / "data/observations/alpha.csv").exists()
    assert (root_copy / OBSERVATIONS).read_bytes() == before
    (root_copy / "data/observations/alpha.csv").write_text(text, encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy, "--no-cache")
    assert code == 1 and "data/observations/alpha.csv, row 2, column 'link'" in err, err


def test_a_link_that_would_leave_its_attribute_never_makes_a_script_on_the_page():
    """Even were a link to reach a page without validation (an old results table), it is no link there and its
    text is escaped: no script, no attribute of its own."""
    from tests.conftest import FIXTURE_ROOT

    page = dashboard.coalition_page("alpha", "en", root=str(FIXTURE_ROOT))
    progress = page.results.progress.copy()
    progress["latest_link"] = 'https://x.org/"><script>alert(1)</script>'
    progress["latest_contribution"] = "main"
    progress["latest_contribution_note"] = '<script>alert(2)</script>'
    page.results = page.results.__class__(**{**page.results.__dict__, "progress": progress})
    html = str(page.targets_table(show_coalition=True))
    assert "<script" not in html and "x.org" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    """The fixture root after a lead filled the template's row of people-trained in Rennes at the deadline with
    an estimated figure and its evidence, imported it, and the coalition's page was built."""
    import shutil

    from observatory.build import build
    from observatory.cli import main
    from tests.conftest import FIXTURE_ROOT

    base = tmp_path_factory.mktemp("evidence")
    root, out, template = base / "root", base / "site", base / "alpha.xlsx"
    shutil.copytree(FIXTURE_ROOT, root)
    assert main(["template", "--coalition", "alpha", "--root", str(root), "--out", str(template)]) == 0
    sheet = load_workbook(template)["Saisie"]
    header = [c.value for c in sheet[1]]
    rules = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    filled = fill_template(template, "people-trained", "rennes", "2022-12-31", value=530, source="Registre 2022",
                           comment="Chiffre de novembre, prolongé", quality="estimated", link=LINK,
                           contribution="partial",
                           contribution_note="Nos ateliers ont formé 120 des 530 personnes.")
    assert filled == 1
    assert main(["import", str(template), "--coalition", "alpha", "--root", str(root)]) == 0
    report = build(root, out, jobs=1, only=["coalition:alpha"], say=lambda _: None)
    assert report.ok, report.failed
    return root, out, header, rules


def test_the_template_offers_quality_and_contribution_as_drop_downs(imported_site):
    _, _, header, rules = imported_site
    assert header[:10] == ["indicator", "territory", "date", "value", "source", "comment", "quality", "link",
                           "contribution", "contribution_note"]
    assert rules["G2:G1000"] == '"' + ",".join(vocabulary.FILE_QUALITIES) + '"'
    assert rules["I2:I1000"] == '"none,partial,main"'


def test_evidence_goes_from_a_filled_template_through_import_to_the_history(imported_site):
    root, _, _, _ = imported_site
    history = pd.read_csv(root / "data/history.csv", dtype=str)
    entry = history.iloc[-1]
    assert (entry["quality"], entry["link"], entry["contribution"]) == ("estimated", LINK, "partial")
    assert entry["contribution_note"] == "Nos ateliers ont formé 120 des 530 personnes."
    assert entry["comment"] == "Chiffre de novembre, prolongé"
    kept = pd.read_csv(root / "data/observations/alpha.csv", dtype=str)
    assert list(kept.iloc[-1][["quality", "link", "contribution"]]) == ["estimated", LINK, "partial"]


@pytest.mark.parametrize("lang, page, words", [
    ("fr", "coalitions/alpha.html", ("estimé", "Qualité : estimé", "Contribution de la coalition à ce changement : "
                                     "partielle", "Document (lien)")),
    ("en", "en/coalitions/alpha.html", ("estimated", "Quality: estimated", "The coalition's contribution to this "
                                        "change: partial", "Document (link)"))])
def test_the_built_page_shows_the_quality_and_the_evidence_beside_the_figure(imported_site, lang, page, words):
    """The estimated figure has its own marker and line, a legend entry and its words in the text alternative;
    the targets table says its quality beside the value and links the document safely; the "how this status is
    decided" block names the quality and gives the evidence under it."""
    _, out, _, _ = imported_site
    html = (out / page).read_text(encoding="utf-8")
    quality, beside, contribution, document = words
    specs = [json.loads(s) for s in re.findall(r"var spec=(.*?);\s*var el=", html, re.S)]
    traces = [t for s in specs for t in s.get("data", []) if quality in str(t.get("name") or "")]
    assert traces, "no trace of the estimated figure"
    assert all(t["marker"]["symbol"] == "triangle-up-open" and t["line"]["dash"] == "longdash" for t in traces)
    summaries = re.findall(r'<p class="small chart-summary">(.*?)</p>', html, re.S)
    assert any(quality in s and "530" in s for s in summaries)
    soup = BeautifulSoup(html, "html.parser")
    assert [s.get_text() for s in soup.select("strong.figure-quality")] == [beside]
    links = soup.select("a.evidence-link")
    assert [(a["href"], a["rel"], a.get_text()) for a in links] == [(LINK, ["noopener", "noreferrer", "nofollow"],
                                                                     document)]
    how = [d.get_text(" ") for d in soup.select("details") if contribution in d.get_text(" ")]
    assert len(how) == 1
    assert f"({quality})" in how[0] and "Nos ateliers ont formé 120" in how[0]
    assert "Chiffre de novembre, prolongé" in how[0] and LINK in how[0]


def test_the_data_package_carries_the_quality_and_the_evidence_with_their_lists(imported_site):
    _, out, _, _ = imported_site
    package = json.loads((out / "data" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == "observations")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["quality"]["constraints"]["enum"] == list(vocabulary.FIGURE_QUALITIES)
    assert fields["contribution"]["constraints"]["enum"] == ["none", "partial", "main"]
    assert {"link", "contribution_note"} <= set(fields)
    table = pd.read_csv(out / "data" / resource["path"], dtype=str)
    row = table[(table["indicator"] == "people-trained") & (table["territory"] == "rennes")
                & (table["date"] == "2022-12-31")].iloc[0]
    assert (row["quality"], row["link"], row["contribution"]) == ("estimated", LINK, "partial")
    assert set(table["quality"]) <= set(vocabulary.FIGURE_QUALITIES)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_programmes_status_summary_links_to_the_method_page(lang):
    """Issue 25: the summary's "how decided" pointer is a link to the method page, relative to the page (so it
    works under a sub-path), reaching the very path the site step writes it at; live pages have no links."""
    import posixpath

    from observatory import site
    from tests.conftest import FIXTURE_ROOT

    here = site.PageSpec("programme", None, lang).html_path()
    page = dashboard.programme_page(lang, root=str(FIXTURE_ROOT), links=site.prefix(here))
    soup = BeautifulSoup(str(page.deadlines()[0]), "html.parser")
    links = [a for a in soup.select("a") if a.get_text() == page.t("deadlines_how_link")]
    assert len(links) == 1 and not links[0]["href"].startswith("/")
    assert f'{page.t("deadlines_how")} {page.t("deadlines_how_link")}' in soup.get_text()  # words apart
    reached = posixpath.normpath(posixpath.join(posixpath.dirname(here), links[0]["href"]))
    assert reached == site.PageSpec("method", None, lang).html_path()
    live = dashboard.programme_page(lang, root=str(FIXTURE_ROOT))
    assert "<a" not in str(live.deadlines()[0]).split(live.t("deadlines_how"))[-1]
