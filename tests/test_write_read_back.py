"""What an import writes, the loader reads back identically (issue 20, item 1).

A lone carriage return in a quoted cell (old spreadsheet exports, pasted text) used to be written
unquoted: the import said it was done, then `validate` refused the root and every later import,
undo and build with it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory import root_csv, submissions
from observatory.load import load_root
from observatory.load.observations import observation_table
from tests.helpers import snapshot

HEADER = b"indicator,territory,date,value,source,comment\r\n"


def comments(root: Path) -> dict[str, str | None]:
    obs = load_root(root).observations
    return dict(zip(obs["date_text"], obs["comment"]))


CELLS = {
    "a lone CR": "premier\rsecond",
    "a lone LF": "premier\nsecond",
    "CRLF": "premier\r\nsecond",
    "a CR at the end": "premier\r",  # stripped by the loader, as any edge whitespace
    "quotes and commas": 'dit "oui", puis\r"non"',
}


def _send(folder: Path, comment: str) -> Path:
    quoted = '"' + comment.replace('"', '""') + '"'
    sent = folder / "cr.csv"
    sent.write_bytes(HEADER + f"people-trained,rennes,2031-02,5.6,R,{quoted}\r\n".encode())
    return sent


@pytest.mark.parametrize("how", ["observatory import", "the submission page's import"])
@pytest.mark.parametrize("cell", list(CELLS), ids=list(CELLS))
def test_a_line_end_inside_a_cell_is_imported_and_read_back_as_sent(root_copy, tmp_path, cli, cell, how):
    sent = _send(tmp_path, CELLS[cell])
    if how == "observatory import":
        code, _, err = cli("import", sent, "--coalition", "alpha", "--root", root_copy)
        assert code == 0, err
    else:
        submissions.import_file(root_copy, sent, "alpha")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 0, err
    assert comments(root_copy)["2031-02"] == CELLS[cell].strip()
    # The root stays usable: another import, then undo of it.
    other = tmp_path / "other.csv"
    other.write_bytes(HEADER + b"people-trained,rennes,2031-03,5.7,R,\r\n")
    assert cli("import", other, "--coalition", "alpha", "--root", root_copy)[0] == 0
    code, _, err = cli("undo", "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    assert cli("validate", "--root", root_copy)[0] == 0
    assert comments(root_copy)["2031-02"] == CELLS[cell].strip()
    history = submissions.history(root_copy)
    assert "2031-02" in set(history["date"])


def test_a_file_that_would_not_read_back_is_refused_before_anything_is_written(root_copy, tmp_path, cli,
                                                                               monkeypatch):
    """Whatever the writer's fault, the check before the commit point keeps the root as it was."""
    # The writer as it was: a lone CR went out unquoted.
    monkeypatch.setattr(root_csv, "_cell", lambda text: ('"' + text.replace('"', '""') + '"'
                                                          if any(c in text for c in ',"\n') else text))
    before = snapshot(root_copy)
    code, _, err = cli("import", _send(tmp_path, CELLS["a lone CR"]), "--coalition", "alpha", "--root", root_copy)
    assert code == 1
    # The history now keeps the figure's comment too: whichever file is checked first is named.
    assert ("data/observations/alpha.csv" in err or "data/history.csv" in err) and "read back" in err \
        and "nothing was written" in err, err
    assert snapshot(root_copy) == before
    code, _, err = cli("--lang", "fr", "import", _send(tmp_path, CELLS["a lone CR"]), "--coalition", "alpha",
                       "--root", root_copy)  # in French, and only in French
    assert code == 1 and "tel qu'écrit, il se relirait" in err and "rien n'a été écrit" in err \
        and "nothing was written" not in err, err
    assert snapshot(root_copy) == before
    assert cli("validate", "--root", root_copy)[0] == 0


# --- round trip: arbitrary cells, written by the import's writer, read by the loader ------------------------

# Any text a cell may hold (no lone surrogate: not UTF-8), line ends, quotes, commas, semicolons and every
# kind of space favoured.
TEXTS = st.text(alphabet=st.one_of(st.sampled_from(list('\r\n",; \t\'=') + ["\u00a0", "\u2028", "\x1c", "\x85"]),
                                   st.characters(blacklist_categories=("Cs",))), max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(TEXTS, min_size=7, max_size=7), min_size=1, max_size=5))
def test_any_cell_written_by_an_import_reads_back_identically(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("roundtrip")
    header = ["indicator", "territory", "date", "value", "coalition", "source", "comment"]
    path = root / "data" / "observations" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(root_csv.table_bytes(header, rows))
    problems: list = []
    frame = observation_table(path, root, problems)
    assert problems == []
    wanted = [tuple(cell.strip() or None for cell in cells) for cells in rows]
    wanted = [cells for cells in wanted if any(c is not None for c in cells)]  # blank rows: skipped, as in a sheet
    columns = ["indicator", "territory", "date_text", "value_text", "coalition", "source", "comment"]
    found = [tuple(v if isinstance(v, str) else None for v in row)
             for row in frame[columns].itertuples(index=False)] if frame is not None else []
    assert found == wanted


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.lists(TEXTS, min_size=3, max_size=3), max_size=5))
def test_any_log_entry_written_by_an_import_reads_back_identically(records):
    columns = ["a", "b", "c"]
    dicts = [dict(zip(columns, cells)) for cells in records]
    content = root_csv.records_bytes(columns, dicts)
    root_csv.check_records("log.csv", content, columns, dicts)  # raises if it would not read back
    read = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    assert [list(r.values()) for r in read] == [list(d.values()) for d in dicts]
