"""France's official territories from @etalab/decoupage-administratif: matched by code (ids kept), parents,
populations, all or nothing; a small cut of the real package (tests/fixtures/decoupage)."""

from __future__ import annotations

import csv
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml

from observatory import results, sources
from tests.conftest import FIXTURE_ROOT, TESTS
from tests.helpers import snapshot

PACKAGE = TESTS / "fixtures" / "decoupage" / "package"
OVERSEAS = TESTS / "fixtures" / "decoupage-overseas" / "package"  # whole régions, as in the whole package
SOURCE = "decoupage-administratif"
TABLE = "data/territories.csv"


def rows(root: Path) -> dict[str, dict]:
    return {r["id"]: r for r in csv.DictReader((root / TABLE).open(encoding="utf-8"))}


def fixture_json(name: str) -> list[dict]:
    return json.loads((PACKAGE / "data" / f"{name}.json").read_text(encoding="utf-8"))


def population(*codes: str) -> int:
    by_code = {c["code"]: c["population"] for c in fixture_json("communes") if c["type"] == "commune-actuelle"}
    return sum(by_code[code] for code in codes)


def communes_of(departement: str) -> list[str]:
    return [c["code"] for c in fixture_json("communes")
            if c["type"] == "commune-actuelle" and c["departement"] == departement]


@pytest.fixture
def imported(root_copy, cli) -> Path:
    code, _, err = cli("import-source", SOURCE, PACKAGE, "--root", root_copy)
    assert code == 0, err
    return root_copy


def test_the_import_adds_regions_departements_epci_and_communes_with_parents_and_populations(imported, cli):
    by_id = rows(imported)
    assert by_id["region-52"] == {"id": "region-52", "name": "Pays de la Loire", "level": "region", "parent": "fr",
                                  "code_insee": "52", "siren": "", "iso_3166": "", "population": ""}
    assert by_id["departement-29"]["parent"] == "bretagne"
    assert by_id["departement-29"]["population"] == str(population(*communes_of("29")))
    assert by_id["bretagne"]["population"] == str(population(*communes_of("29"), *communes_of("35")))
    brest_metropole = by_id["epci-242900314"]
    assert (brest_metropole["name"], brest_metropole["level"], brest_metropole["parent"], brest_metropole["siren"]) \
        == ("Brest Métropole", "epci", "departement-29", "242900314")
    assert brest_metropole["population"] == str(population("29019", "29075", "29189", "29212", "29235", "29069",
                                                           "29061", "29011"))
    assert by_id["commune-29019"]["parent"] == "epci-242900314" and by_id["commune-29019"]["population"] == "142346"
    assert by_id["commune-35047"]["parent"] == "rennes-metropole"  # Bruz, in the root's own Rennes Métropole
    assert by_id["commune-29155"]["parent"] == "departement-29"  # Ouessant belongs to no EPCI
    assert by_id["commune-29003"]["name"] == "Audierne"  # the commune, not its commune déléguée of the same code
    assert [r["code_insee"] for r in by_id.values() if r["code_insee"] == "29003"] == ["29003"]
    # The collectivités d'outre-mer are left out (région, département and commune 975…).
    assert not [r for r in by_id.values() if r["code_insee"].startswith("975")]
    levels = [r["level"] for r in by_id.values()]
    assert (levels.count("region"), levels.count("departement"), levels.count("epci"), levels.count("commune")) \
        == (3, 2, 3, 21)
    assert cli("validate", "--root", imported)[0] == 0


def test_existing_rows_keep_their_ids_and_names_and_get_codes_parents_and_populations(imported):
    by_id = rows(imported)
    assert list(by_id)[:5] == ["fr", "bretagne", "ille-et-vilaine", "rennes-metropole", "rennes"]
    assert by_id["rennes"] == {"id": "rennes", "name": "Rennes", "level": "commune", "parent": "rennes-metropole",
                               "code_insee": "35238", "siren": "", "iso_3166": "", "population": "230890"}
    assert by_id["rennes-metropole"]["name"] == "Rennes Métropole"
    assert by_id["rennes-metropole"]["population"] == str(population("35238", "35047", "35051", "35281", "35024",
                                                                      "35210", "35055", "35278"))
    assert by_id["ille-et-vilaine"]["iso_3166"] == "FR-35" and by_id["bretagne"]["iso_3166"] == "FR-BRE"
    assert by_id["fr"] == {"id": "fr", "name": "France", "level": "country", "parent": "", "code_insee": "",
                           "siren": "", "iso_3166": "FR", "population": ""}
    for official in ("commune-35238", "epci-243500139", "departement-35", "region-53"):
        assert official not in by_id


def test_importing_twice_changes_nothing(imported):
    before = snapshot(imported)
    report = sources.import_source(imported, SOURCE, PACKAGE, {})
    assert report.files == []
    assert "nothing new" in report.messages[0]
    assert snapshot(imported) == before


def test_the_packed_tgz_reads_as_its_folder(root_copy, tmp_path, cli):
    tgz = tmp_path / "etalab-decoupage-administratif-6.0.0.tgz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(PACKAGE, arcname="package")
    assert cli("import-source", SOURCE, tgz, "--root", root_copy)[0] == 0
    other = tmp_path / "other"
    shutil.copytree(TESTS / "fixtures" / "root", other)
    assert cli("import-source", SOURCE, PACKAGE.parent, "--root", other)[0] == 0  # the folder holding package/
    assert snapshot(root_copy) == snapshot(other)


def test_levels_left_out_are_skipped_and_only_departements_limits_the_communes(root_copy, cli):
    code, _, err = cli("import-source", SOURCE, PACKAGE, "--levels", "commune,region", "--only-departements", "29",
                       "--root", root_copy)
    assert code == 0, err
    by_id = rows(root_copy)
    communes = sorted(i for i, r in by_id.items() if r["level"] == "commune" and i != "rennes")
    assert communes == sorted(f"commune-{c}" for c in communes_of("29"))
    # No EPCI nor département imported, none in the root for Finistère: the parent is the région (the root's).
    assert by_id["commune-29019"]["parent"] == "bretagne"
    assert not [r for r in by_id.values() if r["level"] in ("epci", "departement") and r["id"] not in (
        "ille-et-vilaine", "rennes-metropole")]
    assert "region-52" not in by_id  # only the région of the départements asked for


def test_the_metadata_and_the_data_package_give_the_packages_licence_source_and_years(imported):
    meta = yaml.safe_load((imported / "data" / "territories.meta.yml").read_text(encoding="utf-8"))
    assert (meta["license"], meta["version"], meta["cog_year"], meta["population_year"]) == ("etalab-2.0", "6.0.0", 2026,
                                                                                               2023)
    assert meta["source"] == "https://www.npmjs.com/package/@etalab/decoupage-administratif/v/6.0.0"
    everything = results.from_root(imported)
    assert str(everything.territories["population"].dtype) == "Int64"
    package = results.datapackage(everything, {name: f"{name}.csv" for name in everything.tables()}, "")
    resources = {r["name"]: r for r in package["resources"]}
    assert [lic["name"] for lic in resources["territories"]["licenses"]] == ["etalab-2.0"]
    assert resources["territories"]["sources"] == [{
        "title": "Territories: France's administrative divisions (COG 2026)",
        "path": "https://www.npmjs.com/package/@etalab/decoupage-administratif/v/6.0.0"}]
    assert "etalab-2.0" in [lic["name"] for lic in package["licenses"]]
    assert "etalab-2.0" not in [lic["name"] for lic in resources["observations"].get("licenses", [])]


def test_france_is_the_sum_of_its_regions_and_a_figure_for_every_commune_rolls_up_to_it(tmp_path, cli):
    """A cut of the real package's shape (the five overseas régions whole: régions, départements, EPCI,
    communes) into a root that has only France: France gets the sum of its régions' populations, and a figure
    for every commune rolls up to each région and to France, as summed by hand; the data package says so."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT / "indicators", root / "indicators")
    (root / "data" / "coalitions").mkdir(parents=True)
    (root / "data" / "observations").mkdir()
    (root / TABLE).write_text("id,name,level,parent,code_insee,siren,iso_3166\nfr,France,country,,,,FR\n",
                              encoding="utf-8")
    code, _, err = cli("import-source", SOURCE, OVERSEAS, "--root", root)
    assert code == 0, err
    communes = [c for c in json.loads((OVERSEAS / "data" / "communes.json").read_text(encoding="utf-8"))
                if c["zone"] == "drom" and c["type"] == "commune-actuelle"]
    assert len(communes) == 129
    by_id = rows(root)
    assert by_id["fr"]["population"] == str(sum(c["population"] for c in communes)) == "2184983"
    assert by_id["region-04"]["parent"] == "fr"
    # A figure for every commune (people-trained adds up: aggregation sum), summed by hand.
    figure = {c["code"]: 1 + (number * 37) % 1000 for number, c in enumerate(communes)}
    (root / "data" / "observations" / "communes.csv").write_text(
        "indicator,territory,date,value,source\n" + "".join(
            f"people-trained,commune-{code.lower()},2025-12-31,{value},relevé\n" for code, value in figure.items()),
        encoding="utf-8")
    everything = results.from_root(root)
    computed = everything.observations[everything.observations["file"] == "data/observations/communes.csv (roll-up)"]
    by_territory = computed.set_index("territory")["value"]
    assert by_territory["fr"] == sum(figure.values())
    for region in ("01", "02", "03", "04", "06"):
        assert by_territory[f"region-{region}"] == sum(v for c, v in figure.items() if c.startswith(f"97{region[1]}"))
    package = results.datapackage(everything, {name: f"{name}.csv" for name in everything.tables()}, "")
    resources = {r["name"]: r for r in package["resources"]}
    assert "Rows whose file ends with ' (roll-up)' are computed" in resources["observations"]["description"]
    assert "France : somme de ses régions" in resources["territories"]["description"]
    assert "France: the sum of its régions'" in resources["territories"]["description"]


BAD_POPULATIONS = [
    ("12 000", "found '12 000'"),
    ("-5", "found '-5'"),
    ("1234.5", "found '1234.5'"),
]


@pytest.mark.parametrize("value,found", BAD_POPULATIONS)
def test_a_population_that_is_not_a_whole_number_of_people_is_named(root_copy, cli, value, found):
    path = root_copy / TABLE
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] += ",population"
    # Row 3 (Bretagne) gets the bad population, the other rows none.
    lines[1:] = [line + "," + (f'"{value}"' if number == 3 else "") for number, line in enumerate(lines[1:], start=2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 1
    assert (f"{TABLE}, row 3, column 'population': {found}, expected a whole number of people, 0 or more, written "
            "with digits only and no thousands separator, e.g. 12345 (or empty)") in err.splitlines()
    assert len([line for line in err.splitlines() if "row " in line]) == 1  # the one bad cell, no other


def test_a_root_without_population_and_a_good_population_load(root_copy, cli):
    assert cli("validate", "--root", root_copy)[0] == 0  # the fixture root has no column population
    path = root_copy / TABLE
    text = path.read_text(encoding="utf-8").replace("iso_3166\n", "iso_3166,population\n", 1)
    path.write_text(text.replace("35238,,\n", "35238,,,230890\n"), encoding="utf-8")
    assert cli("validate", "--root", root_copy)[0] == 0
    assert results.from_root(root_copy).territories.set_index("id").loc["rennes", "population"] == 230890


def _without(name: str):
    def damage(package: Path) -> None:
        (package / "data" / name).unlink()
    return damage


def _garbled(name: str):
    def damage(package: Path) -> None:
        path = package / "data" / name
        path.write_bytes(path.read_bytes()[:300])
    return damage


def _key_removed(package: Path) -> None:
    path = package / "data" / "departements.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    del items[1]["region"]
    path.write_text(json.dumps(items), encoding="utf-8")


def _other_package(package: Path) -> None:
    (package / "package.json").write_text('{"name": "left-pad", "version": "1.3.0"}', encoding="utf-8")


BROKEN = [
    ("missing communes.json", _without("communes.json"), "{pkg}: no data/communes.json in it; expected the npm "
     "package @etalab/decoupage-administratif"),
    ("garbled epci.json", _garbled("epci.json"), "{pkg}, data/epci.json: not valid JSON (Unterminated string starting at: line "),
    ("an item without its key", _key_removed, "{pkg}, data/departements.json, item 2: no key 'region' (expected "
     "each item to have code, nom, region, zone)"),
    ("another package", _other_package, "{pkg}, package.json: found the package 'left-pad', expected the npm "
     "package @etalab/decoupage-administratif"),
]


@pytest.mark.parametrize("what,damage,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_missing_or_garbled_package_file_is_one_clear_line_and_nothing_is_written(root_copy, tmp_path, cli, what,
                                                                                    damage, message):
    package = tmp_path / "package"
    shutil.copytree(PACKAGE, package)
    damage(package)
    before = snapshot(root_copy)
    code, out, err = cli("import-source", SOURCE, package, "--root", root_copy)
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: " + message.format(pkg=package)), err
    assert snapshot(root_copy) == before


def test_a_file_that_is_no_tgz_is_one_clear_line_and_nothing_is_written(root_copy, tmp_path, cli):
    fake = tmp_path / "etalab-decoupage-administratif-6.0.0.tgz"
    fake.write_bytes(b"<html>not found</html>")
    before = snapshot(root_copy)
    code, _, err = cli("import-source", SOURCE, fake, "--root", root_copy)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {fake}: not a readable .tgz (")
    assert snapshot(root_copy) == before


def test_the_package_and_option_errors_are_in_the_language_asked_not_english_under_a_french_prefix(
        root_copy, tmp_path, cli):
    fake = tmp_path / "etalab-decoupage-administratif-6.0.0.tgz"
    fake.write_bytes(b"<html>not found</html>")
    code, _, err = cli("--lang", "fr", "import-source", SOURCE, fake, "--root", root_copy)
    assert code == 1 and err.startswith(f"erreur : {fake} : pas un .tgz lisible ("), err
    assert "le paquet npm @etalab/decoupage-administratif" in err and "expected" not in err, err
    code, _, err = cli("--lang", "fr", "import-source", SOURCE, PACKAGE, "--levels", "canton", "--root", root_copy)
    assert code == 1 and "--levels canton : attendu certains de region,departement,epci,commune" in err, err


def test_wrong_options_are_named(root_copy, cli):
    code, _, err = cli("import-source", SOURCE, PACKAGE, "--levels", "commune,canton", "--root", root_copy)
    assert code == 1 and "--levels commune,canton: expected some of region,departement,epci,commune" in err
    code, _, err = cli("import-source", SOURCE, PACKAGE, "--only-departements", "59", "--root", root_copy)
    assert code == 1 and "--only-departements 59: no département 59 in @etalab/decoupage-administratif 6.0.0" in err
    code, _, err = cli("--lang", "fr", "import-source", SOURCE, PACKAGE, "--only-departements", "59", "--root",
                       root_copy)
    assert code == 1 and "--only-departements 59 : pas de département 59 dans @etalab/decoupage-administratif " \
        "6.0.0" in err
    code, _, err = cli("--lang", "fr", "import-source", SOURCE, PACKAGE, "--only-departements", "3x", "--root",
                       root_copy)
    assert code == 1 and "--only-departements 3x : attendu des codes de département séparés par des virgules" in err


def test_the_import_is_checked_against_the_whole_root(root_copy, cli):
    """An id the import would add already names another territory: refused, nothing written."""
    with (root_copy / TABLE).open("a", encoding="utf-8") as f:
        f.write("commune-29155,Île d'Ouessant,other,,,,\n")
    before = snapshot(root_copy)
    code, _, err = cli("import-source", SOURCE, PACKAGE, "--root", root_copy)
    assert code == 1
    assert "column 'id': found 'commune-29155', expected an id used once" in err
    assert snapshot(root_copy) == before
