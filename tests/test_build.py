"""`observatory build`: the site's files, its weight, incremental runs and failure isolation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from observatory.build import build
from tests.conftest import FIXTURE_ROOT, REPO, break_territory_notebook

PAGES = ["index.html", "coalitions/alpha.html", "coalitions/beta.html", "territories/bretagne.html",
         "territories/fr.html", "territories/rennes.html"]


def test_site_layout(built_site):
    for page in PAGES:
        assert (built_site / page).is_file(), page
        assert (built_site / "en" / page).is_file(), f"en/{page}"
        assert (built_site / "notebooks" / "fr").is_dir()
    assert (built_site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert (built_site / "progress.csv").read_text().startswith("coalition,indicator,quality,territory,")
    # ilf/territories without data (ille-et-vilaine, rennes-metropole) get no page
    assert not (built_site / "territories" / "rennes-metropole.html").exists()


def test_pages_are_light_and_offline(built_site):
    for page in PAGES:
        html = (built_site / page).read_text(encoding="utf-8")
        assert len(html.encode()) <= 300_000, f"{page} weighs {len(html.encode())} bytes"
        sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
        assert sources, page
        assert all(not s.startswith(("http:", "https:", "//")) for s in sources), (page, sources)
        assert "cdn" not in " ".join(sources).lower()
        assert "plotly.min.js" in " ".join(sources)
        assert "Plotly.newPlot" in html
        assert "function(){" in html and "camille@example.org" not in html  # no contact details


def test_datapackage_describes_every_csv(built_site):
    data = built_site / "data"
    package = json.loads((data / "datapackage.json").read_text())
    paths = {r["path"] for r in package["resources"]}
    assert "coalitions/alpha-targets.csv" in paths and "tables/progress.csv" in paths
    for resource in package["resources"]:
        csv_path = (data / resource["path"]).resolve()
        assert csv_path.is_file(), resource["path"]
        header = csv_path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["path"]


def _copy_site(built_site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    shutil.copytree(built_site, out)
    return out


def test_unchanged_inputs_run_nothing_and_a_change_reruns_only_its_pages(built_site, tmp_path, root_copy):
    out = _copy_site(built_site, tmp_path)
    again = build(FIXTURE_ROOT, out, jobs=2, say=lambda _: None)
    assert again.ok and again.built == [] and len(again.skipped) == 12

    # a new figure for beta's target on rennes: beta, rennes and the programme change; alpha does not
    with (root_copy / "data" / "observations" / "figures.csv").open("a") as f:
        f.write("people-trained,rennes,2021-06-30,10,beta,Registre,\n")
    before = (out / "coalitions" / "alpha.html").stat().st_mtime_ns
    changed = build(root_copy, out, jobs=2, langs=("fr", "en"), say=lambda _: None)
    assert changed.ok
    assert sorted(b.key for b in changed.built) == sorted(
        [f"{k}{s}" for k in ("programme", "coalition:beta", "territory:rennes") for s in ("", "@en")])
    assert (out / "coalitions" / "alpha.html").stat().st_mtime_ns == before
    assert "Progrès limité" in (out / "coalitions" / "beta.html").read_text(encoding="utf-8")


def test_a_failing_dashboard_keeps_its_previous_page_and_the_others_publish(built_site, tmp_path, root_copy,
                                                                           monkeypatch, cli):
    out = _copy_site(built_site, tmp_path)
    monkeypatch.setattr("observatory.build.NOTEBOOKS", break_territory_notebook(tmp_path))
    previous = (out / "territories" / "rennes.html").read_bytes()
    with (root_copy / "data" / "observations" / "figures.csv").open("a") as f:
        f.write("people-trained,rennes,2021-06-30,10,beta,Registre,\n")

    code, _, err = cli("build", "--root", root_copy, "--out", out, "--lang", "fr")
    assert code == 1
    assert "FAILED territory:rennes: cell" in err and "territory page broken on purpose" in err
    assert "Traceback" not in err
    kept = (out / "territories" / "rennes.html").read_text(encoding="utf-8")
    assert 'role="alert"' in kept  # the previous version stays, marked out of date
    assert kept.replace(kept[kept.index("<!-- observatory:out-of-date -->"):
                             kept.index("<!-- /observatory:out-of-date -->") + 33], "") == previous.decode()
    assert "Progrès limité" in (out / "coalitions" / "beta.html").read_text(encoding="utf-8")  # others publish
    state = json.loads((out / ".build-state.json").read_text())
    assert state["pages"]["territory:rennes"]["digest"] is None  # so the next build tries it again


def test_only_builds_the_named_page(tmp_path, cli):
    code, _, err = cli("build", "--root", FIXTURE_ROOT, "--out", tmp_path, "--only", "coalition:beta", "--lang", "fr")
    assert code == 0, err
    assert (tmp_path / "coalitions" / "beta.html").exists()
    assert not (tmp_path / "coalitions" / "alpha.html").exists()
    code, _, err = cli("build", "--root", FIXTURE_ROOT, "--out", tmp_path, "--only", "coalition:gamma")
    assert code == 1 and "coalition:gamma: no such page" in err


def test_invalid_root_builds_nothing(root_copy, tmp_path, cli):
    (root_copy / "data" / "observations" / "figures.csv").write_text("indicator,territory,date,value\nx,fr,2020,1\n")
    code, _, err = cli("build", "--root", root_copy, "--out", tmp_path / "site")
    assert code == 1 and "nothing was written" in err
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("page, as_of", [("coalitions/alpha.html", "À partir des données du 31 mars 2023"),
                                         ("en/index.html", "From data as of 31 Mar 2023")])
def test_data_as_of_is_stated(built_site, page, as_of):
    """The date of the data, as each language writes a date."""
    html = (built_site / page).read_text(encoding="utf-8")
    assert as_of in html


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EDITS = {
    "a target": ("data/coalitions/beta.yml", "target: {date: 2022-12-31, value: 50}",
                 "target: {date: 2022-12-31, value: 60}"),
    "an indicator's name": ("indicators/capacitant/people-trained.yml", "fr: Personnes formées au numérique",
                            "fr: Personnes formées aux outils numériques"),
    "a territory's name": ("data/territories.csv", "rennes,Rennes,commune", "rennes,Rennes (ville),commune"),
}


@pytest.mark.parametrize("what", EDITS)
def test_after_any_edit_every_page_is_what_a_full_build_gives(what, built_site, tmp_path, root_copy):
    """Pages are skipped when their slice did not change: after an edit, the site must equal a site built
    from scratch from the edited root (no page left showing the old value), and some pages are skipped."""
    incremental, scratch = _copy_site(built_site, tmp_path), tmp_path / "scratch"
    _edit(root_copy / EDITS[what][0], *EDITS[what][1:])
    changed = build(root_copy, incremental, jobs=2, say=lambda _: None)
    assert changed.ok and changed.built, changed.failed
    assert changed.skipped, "every page ran again: the slices do not narrow what a page depends on"
    assert build(root_copy, scratch, jobs=2, say=lambda _: None).ok
    pages = sorted(p.relative_to(scratch) for p in scratch.rglob("*.html"))
    stale = [str(p) for p in pages if (incremental / p).read_bytes() != (scratch / p).read_bytes()]
    assert stale == [], f"after {what}, pages not rebuilt show the old data"


def test_the_published_data_package_is_valid_open_data(built_site, tmp_path):
    """`frictionless validate` passes on the published package (every resource a tabular data resource
    inside the package's folder, keys hold), and a figure pointing at an unknown indicator is caught."""
    from frictionless import validate

    report = validate(str(built_site / "data" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:10]
    package = json.loads((built_site / "data" / "datapackage.json").read_text())
    observations = next(r for r in package["resources"] if r["name"] == "observations")
    assert observations["schema"]["primaryKey"] == ["file", "row"]
    assert {"fields": "indicator", "reference": {"resource": "indicators", "fields": "id"}} in \
        observations["schema"]["foreignKeys"]
    assert observations["licenses"] and package["licenses"]

    broken = tmp_path / "data"
    shutil.copytree(built_site / "data", broken)
    slice_path = broken / "coalitions" / "alpha-observations.csv"
    lines = slice_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "no-such-indicator" + lines[1][lines[1].index(","):]
    slice_path.write_text("".join(lines), encoding="utf-8")
    report = validate(str(broken / "datapackage.json"))
    assert not report.valid
    assert any("no-such-indicator" in note for _, note in report.flatten(["type", "note"]))


def test_the_site_has_a_sitemap_a_favicon_a_404_page_and_says_what_each_page_is(built_site):
    """What a published site needs besides its pages: each page's description, icon, other edition
    (hreflang) and skip link; sitemap.xml listing every page with its editions; 404 pages in both languages."""
    page = (built_site / "coalitions" / "alpha.html").read_text(encoding="utf-8")
    assert re.search(r'<meta content="Coalition Alpha — tableau de bord[^"]*" name="description"/>', page)
    assert '<link href="../assets/favicon.svg" rel="icon" type="image/svg+xml"/>' in page
    assert '<link href="../en/coalitions/alpha.html" hreflang="en" rel="alternate"/>' in page
    assert '<a class="skip-link" href="#main">Aller au contenu</a>' in page and '<main id="main">' in page
    assert (built_site / "assets" / "favicon.svg").read_bytes().startswith(b"<svg")
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html")
                   if p.name != "404.html")
    assert sorted(re.findall(r"<loc>([^<]+)</loc>", sitemap)) == pages
    assert '<xhtml:link rel="alternate" hreflang="en" href="en/coalitions/alpha.html"/>' in sitemap
    assert "Page introuvable" in (built_site / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in (built_site / "en" / "404.html").read_text(encoding="utf-8")
