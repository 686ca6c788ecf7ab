"""Published CSVs (issue 20): formula starts in full-width or small forms are neutralised too, and a carriage
return inside a cell keeps its row whole; notebooks read back every text as it was."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from observatory import results
from tests.conftest import OBSERVATIONS as OBS, with_texts_in_source_and_comment

# The full-width ＝ ＋ － ＠ and the small ﹦ ﹢ ﹣ ﹫: an input method makes = + - @ of them.
LOOKALIKES = ["＝1+1", "＋33 1 23", "－moins", "＠SUM(A1)", "﹦1+1", "﹢1", "﹣moins", "﹫SUM(A1)", "'＝déjà",
              "premier\rsecond"]


@pytest.fixture
def lookalike_root(root_copy):
    return with_texts_in_source_and_comment(root_copy, LOOKALIKES)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_full_width_formula_starts_are_neutralised_in_the_published_csvs(lookalike_root, tmp_path):
    from observatory import build, site

    everything = results.from_root(lookalike_root)
    out = tmp_path / "out"
    build._write_data(everything, out, site.all_pages(everything, ("fr",)))
    published = sorted(out.rglob("*.csv"))
    assert out / "data" / "tables" / "observations.csv" in published
    seen = set()
    for path in published:
        rows = _rows(path)
        assert all(len(row) == len(rows[0]) for row in rows), f"{path}: a row broken in two"
        for row in rows:
            for cell in row:
                assert not cell.startswith(tuple("＝＋－＠﹦﹢﹣﹫")), (path, cell)
                seen.add(cell)
    assert {"'＝1+1", "'＠SUM(A1)", "'﹣moins", "''＝déjà", "premier\rsecond"} <= seen


def test_notebooks_read_back_the_texts_as_they_were(lookalike_root, tmp_path):
    everything = results.from_root(lookalike_root)
    results.write(everything, tmp_path / "tables")
    back = results.read(tmp_path / "tables")
    assert len(back.observations) == len(everything.observations)
    assert list(back.observations["comment"]) == list(everything.observations["comment"])
    assert set(LOOKALIKES) <= set(back.observations["source"])
