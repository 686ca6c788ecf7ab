"""Observation files are read as columns (national files of millions of rows), exactly as row by row."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from observatory import vocabulary
from observatory.load.columnar import columnar_rows
from observatory.load.csv_records import check_header, read_csv_records, records_to_rows
from observatory.load.observations import observation_table
from observatory.root_paths import rel

CELLS = ["fibre", " x ", "", "12,5", '"a,b"', '"q""x"', "2021-12-31", "1e3", "\t", "é", '"multi\nline"', "  ",
         'bad"q', "3", "\u00a0y", "a b", "\x00"]
# What real files hold: quoted comments with commas, quoted numbers, a quoted decimal comma, quotes at odd places.
QUOTED = ['"relevé partiel, à confirmer"', '"12.5"', '"3,7"', '" 7 "', '"a"b"c"', '""', '"  "', '"x\r\ny"', "7",
          "-3", '"source: INSEE, 2021"', '"""cité"""', '"\n"']
HEADERS = ["indicator,territory,date,value", "indicator,territory,date,value,comment",
           " indicator , territory,date,value,source", "indicator,territory,date,value,value", "indicator,,date,value",
           '"indicator","territory","date","value","comment"', "indicator,territory,date,value,source,comment"]


def row_by_row(path, root):
    """The reader the columnar one replaces (and still falls back on): its rows and its messages."""
    problems = []
    read = read_csv_records(path, root, problems)
    if read is None:
        return None, problems
    header, body = read
    if not check_header(rel(path, root), header, vocabulary.OBSERVATION_REQUIRED, vocabulary.OBSERVATION_OPTIONAL,
                        problems):
        return None, problems
    frame = pd.DataFrame(records_to_rows(rel(path, root), header, body, problems))
    return frame.rename(columns={"date": "date_text", "value": "value_text"}), problems


def as_records(frame):
    if frame is None:
        return None
    return [{k: v for k, v in row.items() if v is not None and not (isinstance(v, float) and pd.isna(v))}
            for row in frame.astype(object).to_dict("records")]


@pytest.mark.parametrize("seed", range(3))
def test_the_columnar_reader_reads_every_file_as_the_row_by_row_reader(tmp_path, seed):
    """Random files mixing padded cells, quotes, decimal commas, blank rows, short and long rows, \\r\\n, NUL
    bytes and bad headers: the same rows, row numbers and messages, whichever reader reads them."""
    rng = random.Random(seed)
    path = tmp_path / "data" / "observations" / "x.csv"
    path.parent.mkdir(parents=True)
    columnar = quoted = 0
    for _ in range(250):
        cells = CELLS + QUOTED * rng.randint(0, 2)  # a third of the files without the real files' quotes
        lines = [rng.choice(HEADERS)] + [",".join(rng.choice(cells) for _ in range(rng.randint(0, 7)))
                                         for _ in range(rng.randint(0, 8))]
        bom = "\ufeff" if rng.random() < 0.2 else ""
        path.write_text(bom + rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n", "\r\n"]),
                        encoding="utf-8", newline="")
        problems = []
        got = observation_table(path, tmp_path, problems)
        expected, expected_problems = row_by_row(path, tmp_path)
        assert as_records(got) == as_records(expected), path.read_text(encoding="utf-8")
        assert [str(p) for p in problems] == [str(p) for p in expected_problems], path.read_text(encoding="utf-8")
        read = columnar_rows(path, "x.csv", []) is not None
        columnar += read
        quoted += read and '"' in path.read_text(encoding="utf-8")
    # Most files took the columnar path, quoted ones included: the comparison is not of the fallback with itself.
    assert columnar > 70 and quoted > 40, (columnar, quoted)


def test_a_quoted_file_with_a_long_row_is_read_as_columns_and_only_that_row_is_worded(tmp_path):
    """Quoted comments with commas, quoted numbers, a BOM and CRLF: columns; a decimal comma that splits a
    value in two makes one message, for its row, and the other rows are read as they are."""
    path = tmp_path / "data" / "observations" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\ufeffindicator,territory,date,value,comment\r\n"
                    'people-trained,rennes,2021-12-31,"12.5","relevé partiel, à confirmer"\r\n'
                    "people-trained,brest,2021-12-31,3,7,\r\n"
                    'people-trained,lille,2021-12-31,"3,7",\r\n', encoding="utf-8", newline="")
    problems = []
    frame = columnar_rows(path, "x.csv", problems)
    assert frame is not None
    assert [str(p) for p in problems] == [
        "x.csv, row 3, column 'value': found '3,7', expected no more cells than the 5 columns of the header (a "
        "decimal comma? write 3.7 or quote the cell)"]
    assert frame[["value", "comment", "row"]].to_numpy().tolist() == [
        ["12.5", "relevé partiel, à confirmer", 2], ["3,7", None, 3], ["3,7", None, 4]]


BAD = {"indicator": ["illectronism-rate", "people-trained", "nope", "", "device-lifetime"], "territory": ["rennes", "bretagne", "atlantis", ""],
       "date": ["2021-12-31", "2021-13-01", "31/12/2021", "1850-01-01", "2021", "", "2021-06"],
       "value": ["-5", "12", "1e16", "abc", "", "12.5", "999999", ".5"], "coalition": ["alpha", "", "ghost", "beta"]}


@pytest.mark.parametrize("seed", range(2))
def test_great_expectations_on_the_suspect_rows_only_says_what_it_says_on_all(root_copy, monkeypatch, seed):
    """Vectorised checks pick the rows an expectation could find wrong, and Great Expectations reads those
    only: on a file of bad dates, values, ids, duplicates and values past an indicator's limit, the problems
    are the same, in the same order, as when it reads every row."""
    from observatory.expectations import runner
    from observatory.load import load_root
    from observatory.validate import check_root

    rng = random.Random(seed)
    rows = ["indicator,territory,date,value,coalition"]
    for _ in range(300):
        rows.append(",".join(rng.choice(BAD[c][:2] if rng.random() < 0.8 else BAD[c])
                             for c in ("indicator", "territory", "date", "value", "coalition")))
    (root_copy / "data" / "observations" / "mixed.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    loaded = load_root(root_copy)
    fast = [str(p) for p in check_root(loaded)[0]]
    monkeypatch.setattr(runner, "PREFILTER", False)
    everything = [str(p) for p in check_root(loaded)[0]]
    assert fast == everything
    assert len(fast) > 50 and any("repeats" in p for p in fast) and any("limit" in p for p in fast)


def test_a_value_on_its_limit_or_bound_is_no_suspect():
    """A rate of 100 with a limit of 100 is valid: the vectorised checks must not send it to Great Expectations
    (they did, their bounds being strict whatever the expectation said), nor leave out what is beyond."""
    from observatory.expectations import EXPECT, could_fail

    frame = pd.DataFrame({"value": [100.0, 100.5, 1e15, 2e15], "limit_upper": [100.0, 100.0, None, None]})
    at_most = EXPECT.ExpectColumnPairValuesAToBeGreaterThanB(column_A="limit_upper", column_B="value", or_equal=True,
                                                         ignore_row_if="either_value_is_missing")
    assert could_fail(at_most, frame).tolist() == [False, True, False, False]
    between = EXPECT.ExpectColumnValuesToBeBetween(column="value", min_value=-1e15, max_value=1e15)
    assert could_fail(between, frame).tolist() == [False, False, False, True]


def test_the_benchs_realistic_root_in_small_is_told_exactly_its_planted_faults(tmp_path):
    """bench_national.py --realistic --bad 10 at a small scale: quoted comments and numbers, CRLF, a BOM, five
    files; the problems are the twelve faults planted, each named by its file and row, and nothing else (the
    national run's claim, checked here where it is quick)."""
    import sys
    from pathlib import Path

    from observatory.load import load_root
    from observatory.validate import check_root

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    try:
        from bench_national import make_realistic_root
    finally:
        sys.path.pop(0)
    _, planted = make_realistic_root(tmp_path, communes=200, indicators=25, years=3, bad=10)
    problems = check_root(load_root(tmp_path))[0]
    assert len(planted) == 12
    assert sorted((p.file, p.row) for p in problems) == sorted(
        (f"data/observations/{file}", row) for file, row, _ in planted), "\n".join(map(str, problems))
