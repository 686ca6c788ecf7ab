"""The Baromètre des résultats de l'action publique, read as published: the observatory's share of
target reached equals the published « pourcentage de la cible » for every territory with a target."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from observatory import results
from tests.conftest import REPO

BAROMETRE = REPO.parent / "shared" / "data" / "barometre-resultats"
FILES = {
    "departement": BAROMETRE / "services-publics-et-territoires-synthese-departemental.csv",
    "region": BAROMETRE / "services-publics-et-territoires-synthese-regional.csv",
    "country": BAROMETRE / "services-publics-et-territoires-synthese-national.csv",
}

pytestmark = pytest.mark.skipif(not BAROMETRE.is_dir(), reason="the shared public data is beside the checkout")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    import shutil

    from observatory.cli import main
    from tests.conftest import FIXTURE_ROOT

    root = tmp_path_factory.mktemp("barometre") / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    for path in FILES.values():
        assert main(["import-source", "barometre", str(path), "--coalition", "alpha", "--root", str(root),
                     "--accept-suggested"]) == 0
    return root


def test_share_of_target_reached_matches_the_published_one(imported):
    everything = results.from_root(imported)
    progress = everything.progress
    territories = everything.territories
    indicators = everything.indicators
    checked = 0
    for level, path in FILES.items():
        code_column = {"departement": "code_departement", "region": "code_region", "country": None}[level]
        for row in csv.DictReader(path.open(encoding="utf-8")):
            if not row["pourcentage_cible"] or float(row["cible"]) == float(row["valeur_initiale"]):
                continue
            if code_column:
                territory = territories[(territories["level"] == level)
                                       & (territories["code_insee"] == row[code_column])]["id"].iloc[0]
            else:
                territory = "fr"
            candidates = indicators[indicators["id"].str.startswith(f"barometre-{row['id_indicateur']}")
                                    & (indicators["name_fr"] == row["indicateur"].strip())]
            indicator = candidates["id"].iloc[0]
            target = progress[(progress["indicator"] == indicator) & (progress["territory"] == territory)
                              & (progress["coalition"] == "alpha")]
            assert len(target) == 1, (level, row["indicateur"], territory)
            share = min(max(target["progress"].iloc[0], 0), 1) * 100
            assert round(share) == float(row["pourcentage_cible"]), (level, territory, row)
            checked += 1
    # every published target (the national file repeats one row) but Mayotte's two with a zero gap
    assert checked == 202 + 57 + 8


def test_territories_get_their_insee_codes_and_existing_ones_are_matched(imported):
    rows = list(csv.DictReader((imported / "data" / "territories.csv").open(encoding="utf-8")))
    by_id = {r["id"]: r for r in rows}
    assert by_id["ain"]["code_insee"] == "01" and by_id["ain"]["level"] == "departement"
    assert by_id["corse-du-sud"]["code_insee"] == "2A"
    assert [r["id"] for r in rows if r["code_insee"] == "53" and r["level"] == "region"] == ["bretagne"]
    assert len([r for r in rows if r["level"] == "departement"]) == 101  # the fixture's Ille-et-Vilaine matched on 35
    assert [r["id"] for r in rows if r["code_insee"] == "35"] == ["ille-et-vilaine"]


def test_the_published_quirks_are_kept_as_published(imported):
    figures = list(csv.DictReader((imported / "data" / "observations" / "barometre-departement.csv").open()))
    labels = [f for f in figures if f["indicator"] == "barometre-nb-labellisations-france-services"
              and f["date"] == "2022-12-31"]
    assert sum(float(f["value"]) for f in labels) == 2549  # the national row says 2,538
    mayotte = [f for f in figures if f["indicator"] == "barometre-taux-deploiement-fibre" and f["territory"] == "mayotte"]
    assert "2020-12-31" in {f["date"] for f in mayotte}


def test_a_quality_must_be_confirmed(root_copy, cli):
    code, _, err = cli("import-source", "barometre", FILES["country"], "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    assert "needs a quality: pass --quality" in err and "suggested: democratique" in err
    assert not (root_copy / "data" / "observations" / "barometre-country.csv").exists()


def test_not_a_barometre_file(root_copy, tmp_path, cli):
    other = tmp_path / "autre.csv"
    other.write_text("a,b\n1,2\n")
    code, _, err = cli("import-source", "barometre", other, "--coalition", "alpha", "--root", root_copy,
                       "--accept-suggested")
    assert code == 1 and "autre.csv, row 1, column 'mesure': found (empty), expected the columns of a Baromètre" in err


# The command that made the shipped figures (README, « Real figures »): the programme's territories only, the
# digital and public-service indicators, the fibre series joined to the root's fibre-coverage-share.
SHIPPED_OPTIONS = ["--figures-only", "--known-territories", "--same-as", "taux-deploiement-fibre=fibre-coverage-share",
                   "--accept-suggested", *[part for source in ("taux-deploiement-fibre", "nb-labellisations-france-services",
                                                               "tx-transparence-resultats", "tx-adhesion-etat-civil",
                                                               "tx-satisfaction-usagers-services-publics")
                                           for part in ("--only", source)]]


def test_the_shipped_figures_are_what_the_importer_makes_of_the_published_files(tmp_path, cli):
    """Every real figure the site shows can be made again from the public files, byte for byte."""
    import shutil

    # What the figures depend on: the root's territories (matched on their codes) and its fibre indicator.
    # (Coalitions and the other figures play no part: leaving them out keeps each import's validation short.)
    root = tmp_path / "root"
    shutil.copytree(REPO / "indicators", root / "indicators")
    (root / "data" / "coalitions").mkdir(parents=True)
    shutil.copy(REPO / "data" / "territories.csv", root / "data" / "territories.csv")
    shipped = {p.name: p.read_bytes() for p in (REPO / "data" / "observations").glob("barometre-*.csv")}
    assert set(shipped) == {"barometre-country.csv", "barometre-region.csv", "barometre-departement.csv"}
    for path in (root / "indicators").glob("*/barometre-*.yml"):
        path.unlink()
    for path in (FILES["country"], FILES["region"], FILES["departement"]):
        code, _, err = cli("import-source", "barometre", path, "--root", root, *SHIPPED_OPTIONS)
        assert code == 0, err
    for name, content in shipped.items():
        assert (root / "data" / "observations" / name).read_bytes() == content, name
    # and the figures are the published ones: Bretagne's fibre roll-out, as the regional file gives it
    published = next(r for r in csv.DictReader(FILES["region"].open(encoding="utf-8"))
                     if r["id_indicateur"] == "taux-deploiement-fibre" and r["code_region"] == "53")
    ours = {(r["date"], float(r["value"])) for r in csv.DictReader(io.StringIO(shipped["barometre-region.csv"].decode()))
            if r["indicator"] == "fibre-coverage-share" and r["territory"] == "bretagne"}
    assert ours == {(published["date_valeur_initiale"], float(published["valeur_initiale"])),
                    (published["date_valeur_actuelle"], float(published["valeur_actuelle"]))}
    demonstration = (REPO / "data" / "observations" / "demonstration.csv").read_text(encoding="utf-8")
    assert "fibre-coverage-share" not in demonstration  # no made-up value beside the real series
    # each file's title in its language's words (« synthèse (country) » read on French pages)
    titles = {name: yaml.safe_load((root / "data" / "observations" / name.replace(".csv", ".meta.yml"))
                                   .read_text(encoding="utf-8"))["title"] for name in shipped}
    assert titles["barometre-region.csv"]["fr"].endswith("— synthèse régionale")
    assert titles["barometre-country.csv"]["en"].endswith("— national synthesis")


@pytest.mark.parametrize("options, expected", [
    (["--quality", "fibre"], "--quality fibre: expected INDICATOR=QUALITY, e.g. taux-deploiement-fibre=equitable"),
    (["--quality", "taux-deploiement-fibre=rapide"], "'rapide' is not one of"),
    (["--same-as", "fibre"], "--same-as fibre: expected SOURCE_ID=INDICATOR"),
    (["--same-as", "taux-deploiement-fibre=fibre-partout"], "--same-as: no indicator fibre-partout in the data root"),
], ids=["quality form", "quality name", "same-as form", "same-as unknown"])
def test_wrong_options_are_named_and_write_nothing(root_copy, cli, options, expected):
    code, _, err = cli("import-source", "barometre", FILES["country"], "--root", root_copy, "--figures-only",
                       "--accept-suggested", *options)
    assert code == 1 and expected in err, err
    assert not (root_copy / "data" / "observations" / "barometre-country.csv").exists()
