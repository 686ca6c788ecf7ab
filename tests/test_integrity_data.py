"""Nothing lost, nothing wrong: what is read is refused when implausible, what is published is exact and safe."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest

from observatory import dashboard, results
from observatory.load import load_root
from tests.conftest import FIXTURE_ROOT, with_texts_in_source_and_comment
from tests.faults import assert_validate_names
from tests.helpers import ALPHA, OBS, replace

from tests.faults import INTEGRITY_FAULTS as FAULTS, LAST_YEAR



@pytest.mark.parametrize("fault,introduce,lines", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_is_named(root_copy, cli, fault, introduce, lines):
    assert_validate_names(root_copy, cli, fault, introduce, lines)


def test_plausible_dates_and_figures_still_pass(root_copy, cli):
    replace(root_copy, OBS, "bretagne,2020,3.3", "bretagne,1900-01-01,3.3")
    replace(root_copy, OBS, "2021-06,260,alpha", "2021-06,1e15,alpha")
    replace(root_copy, ALPHA, "target: {date: 2022-12-31, value: 500}",
            f"target: {{date: {LAST_YEAR}-12-31, value: 500}}")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0, err


def test_a_valid_unquoted_date_still_reads_as_a_date(root_copy):
    root = load_root(root_copy)
    assert root.targets.loc[0, "target_date_text"] == "2022-12-31"


# --- what is written -------------------------------------------------------------------------

def _csv(frame: pd.DataFrame) -> str:
    from observatory.progress import to_csv

    buffer = io.StringIO()
    to_csv(frame, buffer)
    return buffer.getvalue()


def test_floats_are_written_without_loss():
    values = [1e300, -1.5e300, 4e-13, 1.2345678901234e-7, 0.1234567890123, 1e15, 1.2345678901234567,
              12.0, 3.7, -0.0, 250.0, float("nan")]
    text = _csv(pd.DataFrame({"x": values}))
    written = [row[0] if row else "" for row in csv.reader(io.StringIO(text))][1:]
    assert [float(x) for x in written[:-1]] == values[:-1]  # every float reads back exactly
    assert written[7:] == ["12.0", "3.7", "0.0", "250.0", ""]  # ordinary values as before, no "-0.0"
    assert "inf" not in text


def test_computed_ratios_carry_no_noise_of_division():
    progress = results.from_root(FIXTURE_ROOT).progress  # (3.7 - 3.0) / (4.0 - 3.0) is 0.7000000000000002
    text = results.table_csv("progress", progress).decode()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["target_key"] == "targets[1]")
    assert row["progress"] == "0.7" and row["latest_value"] == "3.7"
    assert progress.loc[1, "progress"] == 0.7  # what pages show is what the file says


def test_published_figures_never_overflow(root_copy):
    replace(root_copy, ALPHA, "baseline: {date: 2019-12-31, value: 200}", "baseline: {date: 2019-12-31, value: -1e15}")
    replace(root_copy, OBS, "2023-03-31,180,alpha", "2023-03-31,1e15,alpha")
    replace(root_copy, OBS, "2021-06,260,alpha", "2021-06,0.0000000000001,alpha")
    everything = results.from_root(root_copy)
    text = results.table_csv("progress", everything.progress).decode()
    assert "inf" not in text
    assert "1e-13" in results.table_csv("observations", everything.observations).decode()


FORMULAS = ['=HYPERLINK("http://example.org/x","clic")', "+33 1 23", "-moins", "@SUM(A1)", "\tTab", "\rCR",
            "'=déjà", "'apostrophe"]


@pytest.fixture
def formula_root(root_copy):
    """Observations whose source and comment texts a spreadsheet would run as formulas."""
    return with_texts_in_source_and_comment(root_copy, FORMULAS)


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


def test_published_csvs_are_safe_in_a_spreadsheet(formula_root, tmp_path):
    from observatory import build, site

    everything = results.from_root(formula_root)
    out = tmp_path / "out"
    build._write_data(everything, out, site.all_pages(everything, ("fr",)))
    published = sorted(out.rglob("*.csv"))
    assert out / "progress.csv" in published and out / "data" / "tables" / "observations.csv" in published
    assert any(p.name.endswith("-targets.csv") for p in published)
    seen = set()
    for path in published:
        for cell in _cells(path):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path, cell)
            assert not (cell.startswith("-") and not _is_number(cell)), (path, cell)
            seen.add(cell)
    assert "'=HYPERLINK(\"http://example.org/x\",\"clic\")" in seen and "'-moins" in seen
    assert all(_is_number(c) for c in _column(out / "data" / "tables" / "observations.csv", "value"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _column(path: Path, name: str) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [row[name] for row in csv.DictReader(f)]


def test_negative_numbers_are_not_prefixed(root_copy):
    replace(root_copy, ALPHA, "value: 0}", "value: -3.5}")
    replace(root_copy, ALPHA, "value: 50}", "value: 40}")
    text = results.table_csv("progress", results.from_root(root_copy).progress).decode()
    assert ",-3.5," in text and "'-3.5" not in text


def test_notebooks_read_back_the_original_texts(formula_root, tmp_path):
    everything = results.from_root(formula_root)
    results.write(everything, tmp_path / "tables")
    back = results.read(tmp_path / "tables")
    assert list(back.observations["source"]) == list(everything.observations["source"])
    assert list(back.observations["comment"]) == list(everything.observations["comment"])
    assert {text.strip() for text in FORMULAS} <= set(back.observations["comment"])  # cells are read stripped
    assert list(back.progress["latest_source"].fillna("")) == list(everything.progress["latest_source"].fillna(""))


# --- lists ------------------------------------------------------------------------------------

@pytest.fixture
def semicolon_root(root_copy):
    replace(root_copy, ALPHA, "partners: [Fing, Région Bretagne]", "partners: ['Alpha; Beta', 'Gamma, Delta', Fing]")
    replace(root_copy, ALPHA, "  - Association Exemple", "  - 'Association A; B'")
    return root_copy


def test_a_name_with_a_semicolon_stays_one_item(semicolon_root, tmp_path):
    everything = results.from_root(semicolon_root)
    results.write(everything, tmp_path / "tables")
    back = results.read(tmp_path / "tables")
    alpha = back.coalitions.set_index("id").loc["alpha"]
    assert alpha["partners"] == ["Alpha; Beta", "Gamma, Delta", "Fing"]
    assert alpha["leads"] == ["Camille Exemple (Fing)", "Association A; B"]
    assert alpha["territories"] == ["bretagne", "rennes", "fr"]
    beta = back.coalitions.set_index("id").loc["beta"]
    assert all(isinstance(beta[c], list) for c in results.LIST_COLUMNS["coalitions"])
    for column in results.LIST_COLUMNS["coalitions"]:
        assert list(back.coalitions[column]) == list(everything.coalitions[column])


def test_the_dashboard_shows_a_partner_with_a_semicolon_as_one(semicolon_root, tmp_path):
    results.write(results.from_root(semicolon_root), tmp_path / "tables")
    page = dashboard.coalition_page("alpha", results_dir=str(tmp_path / "tables"))
    header = str(page.header())
    assert "Alpha; Beta, Gamma, Delta, Fing" in header
    assert "Association A; B" in header


def test_lists_are_described_in_the_datapackage(semicolon_root):
    everything = results.from_root(semicolon_root)
    package = results.datapackage(everything, {"coalitions": "tables/coalitions.csv"}, "t")
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert fields["partners"]["type"] == "array"
    assert "JSON" in fields["partners"]["description"]
