"""The Self Data observatory: the register, the JustGetMyData importer, its indicators and its page."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from observatory import results
from tests.conftest import REPO, screenshot

SITES = REPO.parent / "shared" / "data" / "self-data-portability" / "sites.json"
pytestmark = pytest.mark.skipif(not SITES.exists(), reason="the shared public data is beside the checkout")


def shipped_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(REPO / "indicators", root / "indicators")
    shutil.copytree(REPO / "data", root / "data")
    return root


@pytest.fixture(scope="module")
def two_assessments(tmp_path_factory):
    """The shipped root, the real sites.json at its date, then a later assessment where 10 more are easy."""
    from observatory.cli import main

    base = tmp_path_factory.mktemp("selfdata")
    root = shipped_root(base)
    assert main(["import-source", "jgmd", str(SITES), "--date", "2025-11-10", "--root", str(root)]) == 0
    later = json.loads(SITES.read_text())
    changed = [s for s in later if s["difficulty"] != "easy"][:10]
    for site in changed:
        site["difficulty"] = "easy"
    (base / "sites-later.json").write_text(json.dumps(later))
    assert main(["import-source", "jgmd", str(base / "sites-later.json"), "--date", "2026-06-30",
                 "--root", str(root)]) == 0
    return root


def test_the_real_file_becomes_132_services_with_49_easy(tmp_path, cli):
    root = shipped_root(tmp_path)
    code, _, err = cli("import-source", "jgmd", SITES, "--date", "2025-11-10", "--root", root)
    assert code == 0, err
    services = list(csv.DictReader((root / "data" / "self-data" / "services.csv").open(encoding="utf-8")))
    assessments = list(csv.DictReader((root / "data" / "self-data" / "assessments.csv").open(encoding="utf-8")))
    assert len(services) == 132 and len(assessments) == 132
    assert sum(a["difficulty"] == "easy" for a in assessments) == 49
    assert {a["date"] for a in assessments} == {"2025-11-10"}
    before = (root / "data" / "self-data" / "assessments.csv").read_bytes()
    code, _, err = cli("import-source", "jgmd", SITES, "--date", "2025-11-10", "--root", root)
    assert code == 0 and "nothing new" in err
    code, _, err = cli("--lang", "fr", "import-source", "jgmd", SITES, "--date", "2025-11-10", "--root", root)
    assert code == 0 and err == "rien de nouveau : cette évaluation est déjà enregistrée\n"  # issue 22 item 3
    assert (root / "data" / "self-data" / "assessments.csv").read_bytes() == before
    figures = results.from_root(root).observations
    easy = figures[figures["indicator"] == "self-data-easy-copy-share"]
    assert list(easy["value"]) == [pytest.approx(37.12)]  # 49 / 132
    none = figures[figures["indicator"] == "self-data-no-copy-share"]
    assert list(none["value"]) == [pytest.approx(3.03)]  # 2 limited + 2 impossible of 132
    # no machine-readable share from two notes naming a format: too few known answers
    assert figures[figures["indicator"] == "self-data-machine-readable-share"].empty


def test_a_later_assessment_shows_as_a_change(two_assessments):
    everything = results.from_root(two_assessments)
    easy = everything.observations[everything.observations["indicator"] == "self-data-easy-copy-share"]
    assert [round(v, 2) for v in easy.sort_values("date")["value"]] == [37.12, round(59 / 132 * 100, 2)]
    target = everything.progress[(everything.progress["indicator"] == "self-data-easy-copy-share")]
    assert target["latest_date"].iloc[0].strftime("%Y-%m-%d") == "2026-06-30"
    assert target["status"].iloc[0] != "no_data"


@pytest.mark.parametrize("edit,message", [
    (lambda rows: rows[1].__setitem__(2, "easyish"),
     "data/self-data/assessments.csv, row 2, column 'difficulty': found 'easyish', expected one of easy, medium, "
     "hard, limited, impossible"),
    (lambda rows: rows[2].__setitem__(1, ""),
     "data/self-data/assessments.csv, row 3, column 'date': found (empty), expected an ISO date"),
    (lambda rows: rows[3].__setitem__(0, "amazn"),
     "data/self-data/assessments.csv, row 4, column 'service': found 'amazn', expected a known service id"),
    (lambda rows: rows.append(list(rows[1])),
     "data/self-data/assessments.csv, row 134, column 'date': found '2025-11-10', expected one assessment per "
     "service and date; this one repeats data/self-data/assessments.csv, row 2"),
])
def test_the_register_is_validated_like_the_rest(tmp_path, cli, edit, message):
    root = shipped_root(tmp_path)
    assert cli("import-source", "jgmd", SITES, "--date", "2025-11-10", "--root", root)[0] == 0
    path = root / "data" / "self-data" / "assessments.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    code, _, err = cli("validate", "--root", root)
    assert code == 1
    assert message in err, err


def _tree(folder: Path) -> dict[str, bytes]:
    """The data files (not the writers' lock, a hidden empty file an import creates to take turns)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_bad_input_is_refused_whole(tmp_path, cli):
    root = shipped_root(tmp_path)
    before = _tree(root / "data")
    bad = tmp_path / "sites.json"
    bad.write_text('[{"name": "X", "url": "https://x", "difficulty": "trivial"}]')
    code, _, err = cli("import-source", "jgmd", bad, "--date", "2025-11-10", "--root", root)
    assert code == 1 and "sites.json, key '[0].difficulty': found 'trivial', expected one of easy" in err
    bad.write_text("{not json")
    code, _, err = cli("import-source", "jgmd", bad, "--date", "2025-11-10", "--root", root)
    assert code == 1 and "expected the JSON of JustGetMyData's sites.json" in err
    code, _, err = cli("import-source", "jgmd", SITES, "--date", "10/11/2025", "--root", root)
    assert code == 1 and "--date 10/11/2025: expected the date of the assessment, YYYY-MM-DD" in err
    assert _tree(root / "data") == before  # the shipped register untouched, nothing added


@pytest.mark.browser
def test_the_self_data_page(two_assessments, tmp_path, cli, page):
    out = tmp_path / "site"
    code, _, err = cli("build", "--root", two_assessments, "--out", out, "--only", "self-data")
    assert code == 0, err
    html = (out / "self-data.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 300_000
    page.goto((out / "self-data.html").as_uri())
    page.wait_for_selector("svg.main-svg")
    text = page.inner_text("body")
    assert "59 / 132" in text and "Évaluation du 30 juin 2026" in text
    assert "10 nov. 2025" in text and "Évolution entre les évaluations" in text
    assert page.locator(".obs-chart svg.main-svg").count() >= 4
    rows = page.locator("#services tbody tr")
    assert rows.count() == 132
    page.fill("#service-search", "amazon")
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "Amazon" in visible[0].inner_text()
    screenshot(page, "site-self-data")
    assert page.problems == [] and page.outside_requests == []
    assert (out / "en" / "self-data.html").exists()


def test_the_shipped_register_is_justgetmydatas_and_the_page_says_49_of_132():
    """A fresh clone's Self Data page shows the real register, with its source and licence."""
    from observatory import dashboard

    page = dashboard.self_data_page("fr", root=str(REPO))
    html = str(page.key_numbers())
    assert "49" in html and "132" in html, html
    method = str(page.register_method())
    assert "JustGetMyData" in method and "MIT" in method
    # JustGetMyData's notes are English: a French page says so to screen readers (WCAG 3.1.2), an English one not
    assert "<td class='small note' lang=\"en\">" in str(page.services_table())
    assert "lang=\"en\"" not in str(dashboard.self_data_page("en", root=str(REPO)).services_table())
