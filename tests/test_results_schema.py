"""The results' declared schema: what the data package says of a column is what a notebook reads back,
whatever the rows; the register's figures are computed by the compute step, not by validation."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from observatory import results
from observatory.validate import validated
from tests.conftest import FIXTURE_ROOT, REPO


@pytest.fixture
def register_root(root_copy):
    """The fixture root with a small Self Data register and one of its indicators."""
    shutil.copy(REPO / "indicators" / "capacitant" / "self-data-easy-copy-share.yml",
                root_copy / "indicators" / "capacitant")
    with (root_copy / "data" / "territories.csv").open("a", encoding="utf-8") as f:
        f.write("international,International,other,,,,\n")
    register = root_copy / "data" / "self-data"
    register.mkdir()
    (register / "services.csv").write_text("id,name,url\nalpha,Alpha,https://alpha.example\n"
                                           "beta,Beta,https://beta.example\n", encoding="utf-8")
    (register / "assessments.csv").write_text("service,date,difficulty\nalpha,2024-01-31,easy\n"
                                              "beta,2024-01-31,hard\nbeta,2024-06-30,easy\n", encoding="utf-8")
    return root_copy


def _read_as(column: pd.Series, kind: str) -> bool:
    values = column.dropna()
    return {
        "string": lambda: column.dtype == object and all(isinstance(v, str) for v in values),
        "number": lambda: pd.api.types.is_float_dtype(column),
        "integer": lambda: pd.api.types.is_integer_dtype(column),
        "boolean": lambda: pd.api.types.is_bool_dtype(column),
        "date": lambda: pd.api.types.is_datetime64_any_dtype(column),
        "array": lambda: all(isinstance(v, list) for v in column),
    }[kind]()


@pytest.mark.parametrize("which", ["fixture", "register"])
def test_the_data_package_describes_each_column_as_notebooks_read_it(which, register_root, tmp_path):
    root = FIXTURE_ROOT if which == "fixture" else register_root
    everything = results.from_root(root)
    results.write(everything, tmp_path / "tables")
    back = results.read(tmp_path / "tables")
    package = results.datapackage(everything, {name: f"tables/{name}.csv" for name in everything.tables()}, "")
    wrong = []
    for resource in package["resources"]:
        frame = back.tables()[resource["name"]]
        assert [f["name"] for f in resource["schema"]["fields"]] == list(frame.columns)
        for field in resource["schema"]["fields"]:
            if not _read_as(frame[field["name"]], field["type"]):
                wrong.append(f"{resource['name']}.{field['name']}: described {field['type']}, "
                             f"read as {frame[field['name']].dtype}")
    assert not wrong


def test_the_data_package_does_not_depend_on_the_rows(register_root):
    def types(root) -> dict:
        everything = results.from_root(root)
        package = results.datapackage(everything, {name: name for name in everything.tables()}, "")
        return {(r["name"], f["name"]): f["type"] for r in package["resources"] for f in r["schema"]["fields"]}

    assert types(FIXTURE_ROOT) == types(register_root)


def test_validation_only_validates_the_compute_step_derives_the_register_figures(register_root):
    valid = validated(register_root)
    assert "self-data-register" not in set(valid.observations["dataset"])
    computed = results.compute(valid).observations
    shares = computed[computed["indicator"] == "self-data-easy-copy-share"]
    assert list(shares["value"]) == [50.0, 100.0]  # alpha easy, beta hard; then both easy
    assert set(shares["file"]) == {"data/self-data/assessments.csv (computed)"}
    assert "self-data-register" in set(results.compute(valid).datasets["dataset"])


def test_tables_read_again_are_the_files_of_now_and_never_shared(tmp_path):
    """A warm kernel reads the same tables page after page: parsed once, yet no page sees what another changed,
    and a table written again is read again, even with the same size and date."""
    results.write(results.from_root(FIXTURE_ROOT), tmp_path)
    first = results.read(tmp_path)
    value = float(first.observations.loc[0, "value"])
    first.observations.loc[0, "value"] = value + 1000
    first.observations["added"] = 1
    second = results.read(tmp_path)
    assert second.observations.loc[0, "value"] == value and "added" not in second.observations
    assert second.observations is not first.observations

    path = tmp_path / "observations.csv"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    written = f",{value!r},"
    assert written in text
    changed = text.replace(written, f",{value + 1!r},", 1)
    assert len(changed) == len(text)
    path.write_text(changed, encoding="utf-8")
    import os

    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert results.read(tmp_path).observations["value"].tolist() != second.observations["value"].tolist()
