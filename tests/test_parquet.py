"""Parquet observation files (data/observations/<name>.parquet): the same checks, messages and results as CSV."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.errors import InvalidDataRoot
from observatory.load import load_root
from observatory.results import compute
from observatory.validate import check_root, validated

FIGURES = Path("data") / "observations" / "figures"


def write_parquet(path: Path, columns: dict[str, list], types: dict[str, str] | None = None) -> None:
    """A Parquet file of these columns (text unless ``types`` gives a DuckDB type), written by DuckDB."""
    types = types or {}
    rows = list(zip(*columns.values()))
    names = list(columns)
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (" + ", ".join(f'"{n}" {types.get(n, "VARCHAR")}' for n in names) + ")")
        if rows:
            con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in names)})", rows)
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")


def csv_as_columns(path: Path) -> dict[str, list]:
    """A plain CSV file's columns as written (no quotes), empty cells as None, blank rows as all-None records."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    records = [line.split(",") if line.strip() else [""] * len(header) for line in lines[1:]]
    return {name: [r[i] if i < len(r) and r[i] != "" else None for r in records] for i, name in enumerate(header)}


def to_parquet(root: Path, stem: Path = FIGURES, types: dict[str, str] | None = None) -> Path:
    """The root's CSV observation file replaced by its Parquet twin (same records, same order)."""
    csv_path = root / stem.with_suffix(".csv")
    parquet_path = csv_path.with_suffix(".parquet")
    columns = csv_as_columns(csv_path)
    if types and "value" in types:
        columns["value"] = [None if v is None else float(v) for v in columns["value"]]
    write_parquet(parquet_path, columns, types)
    csv_path.unlink()
    return parquet_path


def messages(root: Path) -> list[str]:
    return [str(p) for p in check_root(load_root(root))[0]]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A results table with Parquet file names written as their CSV twins'."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_object_dtype(frame[column]) or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: v.replace(".parquet", ".csv") if isinstance(v, str) else v)
    return frame


@pytest.mark.parametrize("types", [None, {"value": "DOUBLE"}], ids=["text", "typed-values"])
def test_a_parquet_root_gives_the_results_of_its_csv_twin(root_copy, tmp_path, types):
    csv_root = tmp_path / "csv-root"
    shutil.copytree(root_copy, csv_root)
    to_parquet(root_copy, types=types)
    assert messages(root_copy) == []
    expected = compute(validated(csv_root, use_cache=False))
    got = compute(validated(root_copy, use_cache=False))
    assert set(got.observations["file"]) >= {"data/observations/figures.parquet"}
    for name in ("observations", "progress", "compass", "datasets"):
        pd.testing.assert_frame_equal(plain(getattr(got, name)), plain(getattr(expected, name)), obj=name)


BAD_ROWS = """indicator,territory,date,value,coalition,comment
people-trained,atlantis,2021-12-31,12,alpha,
people-trained,rennes,2021-13-01,12,alpha,
people-trained,rennes,2021-12-31,abc,alpha,
nope,rennes,2021,12,alpha,

people-trained,rennes,31/12/2021,12,alpha,
people-trained,rennes,2021-06-30,1e16,,
people-trained,rennes,1850,12,alpha,
people-trained,rennes,2021-03-31,,alpha,
people-trained,,2021-12-31,3,alpha,
people-trained, rennes ,2020-12-31,250,alpha,\u00a0padded\t
people-trained,rennes,2020-12-31,251,alpha,
people-trained,rennes,2019-12-31,-5,ghost,
"""


def test_bad_parquet_rows_get_the_messages_of_the_same_bad_csv_rows(root_copy, tmp_path):
    csv_root = tmp_path / "csv-root"
    shutil.copytree(root_copy, csv_root)
    (csv_root / "data" / "observations" / "bad.csv").write_text(BAD_ROWS, encoding="utf-8")
    (root_copy / "data" / "observations" / "bad.csv").write_text(BAD_ROWS, encoding="utf-8")
    to_parquet(root_copy, Path("data") / "observations" / "bad")
    expected = messages(csv_root)
    got = messages(root_copy)
    assert len(expected) >= 12 and any("row 7," in m for m in expected)  # the blank row 6 is counted
    assert got == [m.replace("bad.csv", "bad.parquet") for m in expected]
    assert ("data/observations/bad.parquet, row 3, column 'date': found '2021-13-01', expected a date that exists "
            "in the calendar") in got


def test_typed_dates_and_numbers_read_as_their_text(root_copy):
    path = root_copy / "data" / "observations" / "typed.parquet"
    write_parquet(path, {"indicator": ["people-trained"] * 4, "territory": ["rennes"] * 4,
                         "date": ["2021-12-31 00:00:00", "2019-12-31 13:30:00", "2018-12-31 00:00:00", None],
                         "value": [7, 8, 9, 10], "coalition": ["alpha"] * 4},
                  {"date": "TIMESTAMP", "value": "BIGINT"})
    got = messages(root_copy)
    assert got == [
        "data/observations/typed.parquet, row 3, column 'date': found '2019-12-31 13:30:00', expected an ISO date "
        "YYYY-MM-DD, or YYYY-MM for a month, or YYYY for a year",
        "data/observations/typed.parquet, row 5, column 'date': found (empty), expected an ISO date YYYY-MM-DD, or "
        "YYYY-MM for a month, or YYYY for a year"]
    dated = root_copy / "data" / "observations" / "dated.parquet"
    path.unlink()
    write_parquet(dated, {"indicator": ["people-trained"], "territory": ["rennes"], "date": ["2021-12-31"],
                          "value": [3.25]}, {"date": "DATE", "value": "DECIMAL(10,2)"})
    loaded = load_root(root_copy)
    row = loaded.observations[loaded.observations["file"] == "data/observations/dated.parquet"].iloc[0]
    assert (row["date_text"], row["value_text"], row["row"]) == ("2021-12-31", "3.25", 2)
    assert check_root(loaded)[0] == []


@pytest.mark.parametrize(("column", "kind", "value", "expected"), [
    ("territory", "BIGINT", 35238, "expected a column of text (Parquet type STRING)"),
    ("value", "BOOLEAN", True, "expected a column of numbers (integer, decimal or floating point) or of text"),
    ("date", "TIMESTAMPTZ", "2021-12-31 00:00:00+00",
     "expected a column of dates (DATE), of text YYYY-MM-DD, or of whole years"),
])
def test_a_column_of_a_wrong_type_is_refused_by_name(root_copy, column, kind, value, expected):
    columns = {"indicator": ["people-trained"], "territory": ["rennes"], "date": ["2021-12-31"], "value": ["1"]}
    columns[column] = [value]
    write_parquet(root_copy / "data" / "observations" / "typed.parquet", columns, {column: kind})
    got = messages(root_copy)
    assert len(got) == 1 and got[0].startswith(f"data/observations/typed.parquet, column '{column}': found a column "
                                               "of type ")
    assert got[0].endswith(expected)
    # The same column holding nothing is only empty: its rows say what is missing, as a CSV's would.
    columns[column] = [None]
    write_parquet(root_copy / "data" / "observations" / "typed.parquet", columns, {column: kind})
    assert all("of type" not in m for m in messages(root_copy))


def test_unknown_and_missing_columns_are_named_as_in_a_csv_header(root_copy):
    write_parquet(root_copy / "data" / "observations" / "odd.parquet",
                  {"indicator": ["people-trained"], "territory": ["rennes"], "value": ["1"], "colour": [True]},
                  {"colour": "BOOLEAN"})
    got = messages(root_copy)
    assert ("data/observations/odd.parquet, row 1, column 'colour': found 'colour', expected one of the known "
            "columns: indicator, territory, date, value, coalition, source, comment, quality, link, contribution, "
            "contribution_note") in got
    assert any(m.startswith("data/observations/odd.parquet, row 1, column 'date': found (empty), expected this "
                            "required column") for m in got)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_parquet_file_is_named_and_nothing_is_written(root_copy, tmp_path, cli, damage):
    path = to_parquet(root_copy)
    content = path.read_bytes()
    path.write_bytes({"garbage": b"indicator,territory\nnot parquet at all\n", "truncated": content[: len(content) // 2],
                      "empty": b""}[damage])
    problems = check_root(load_root(root_copy))[0]
    assert len(problems) == 1
    message = str(problems[0])
    assert message.startswith("data/observations/figures.parquet: found a file that can't be read as Parquet (")
    assert message.endswith("expected a Parquet file (as written by pandas, DuckDB, Arrow, R or a spreadsheet's "
                            "export)")
    assert str(tmp_path) not in message  # the root's place on disk is not the user's business
    out = tmp_path / "progress.csv"
    code, _, err = cli("progress", "--root", root_copy, "--out", out, "--no-cache")
    assert code == 1 and "figures.parquet" in err and "Traceback" not in err
    assert not out.exists()


def test_one_name_one_file_and_metadata_beside_a_parquet_file(root_copy):
    shutil.copy(root_copy / FIGURES.with_suffix(".csv"), root_copy / "twin.csv")
    to_parquet(root_copy)  # figures.parquet, with figures.meta.yml beside it
    loaded = load_root(root_copy)
    assert loaded.problems == []
    assert list(loaded.datasets.loc[loaded.datasets["dataset"] == "figures", "file"]) == \
        ["data/observations/figures.parquet"]
    shutil.copy(root_copy / "twin.csv", root_copy / FIGURES.with_suffix(".csv"))
    assert [str(p) for p in load_root(root_copy).problems] == [
        "data/observations/figures.parquet: found 'figures.parquet', expected one data file named 'figures' "
        "(figures.csv is there too: both would be the dataset 'figures')"]


def test_the_cache_sees_a_changed_parquet_file(root_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_CACHE_DIR", str(tmp_path / "cache"))
    path = to_parquet(root_copy)
    validated(root_copy)
    write_parquet(path, {"indicator": ["people-trained"], "territory": ["atlantis"], "date": ["2021-12-31"],
                         "value": ["1"]})
    with pytest.raises(InvalidDataRoot) as raised:
        validated(root_copy)
    assert "figures.parquet, row 2, column 'territory': found 'atlantis'" in raised.value.report()


def test_a_parquet_root_builds_a_valid_data_package(root_copy, tmp_path):
    from frictionless import validate

    from observatory.build import build

    to_parquet(root_copy, types={"value": "DOUBLE"})
    out = tmp_path / "site"
    report = build(root_copy, out, jobs=1, only=["programme"], langs=("fr",), say=lambda _: None)
    assert report.ok, report.failed
    package = out / "data" / "datapackage.json"
    checked = validate(str(package))
    assert checked.valid, checked.flatten(["type", "note"])[:10]
    table = (out / "data" / "tables" / "observations.csv").read_text(encoding="utf-8")
    assert "data/observations/figures.parquet" in table and "figures.csv" not in table
    described = json.loads(package.read_text(encoding="utf-8"))
    assert any(r["name"] == "observations" for r in described["resources"])
    assert "figures.parquet" in (out / "index.html").read_text(encoding="utf-8")


def test_watch_sees_parquet_files(root_copy):
    """`build --watch` rebuilds on a saved Parquet file as on a CSV one."""
    from observatory import watch

    path = to_parquet(root_copy)
    assert watch._visible(None, str(path))
    before = watch._snapshot(watch.watched_folders(root_copy))
    write_parquet(path, {"indicator": ["people-trained"], "territory": ["rennes"], "date": ["2021-12-31"],
                         "value": ["1"]})
    assert (None, str(path)) in watch._changed_since(before, watch.watched_folders(root_copy))


def test_the_cache_key_follows_duckdbs_version(monkeypatch):
    """DuckDB reads the Parquet files: another version of it may read them otherwise, so the root is checked again."""
    import importlib.metadata

    from observatory import cache

    real = importlib.metadata.version
    cache.code_digest.cache_clear()
    before = cache.code_digest()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1" if name == "duckdb" else real(name))
    cache.code_digest.cache_clear()
    try:
        assert cache.code_digest() != before
    finally:
        cache.code_digest.cache_clear()
