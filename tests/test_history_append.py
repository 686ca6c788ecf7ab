"""The history of imports grows by appending, all or nothing (issue 20, item 10).

Each import used to rewrite the whole ``data/history.csv`` (4.5 s and 458 MB per import at 300,000
entries). Now its lines are appended; the journal records the file's size before, so that an import
killed at any moment leaves the old state or the new one, never half of it.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from observatory import journal
from tests.conftest import REPO

HEADER = "indicator,territory,date,value,source,comment\n"
# Today's columns (the review steps' `by`, then the comment, the figure's quality and evidence, issues 22, 25
# and 26): a history with them is only appended to.
HISTORY = ("recorded_at,submission,action,indicator,territory,coalition,date,value,previous_value,"
           "previous_source,source,file,row,by,comment,quality,link,contribution,contribution_note\n")
OLD = "2020-01-01T00:00:00+00:00,old,added,people-trained,nantes,beta,2019-12-31,1,,,R,old.csv,2,,,,,,\n"
SENT = [("2031-01", "5.1"), ("2031-02", "5.2"), ("2031-03", "5.3")]


def _sent(folder: Path) -> Path:
    path = folder / "envoi.csv"
    path.write_text(HEADER + "".join(f"people-trained,rennes,{d},{v},R,\"dit \"\"oui\"\"\r\"\n" for d, v in SENT),
                    encoding="utf-8")
    return path


def _history(root: Path) -> list[dict]:
    text = (root / "data" / "history.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _figures(root: Path) -> set[tuple[str, str]]:
    from observatory.load import load_root

    obs = load_root(root).observations
    return {(d, v) for d, v in zip(obs["date_text"], obs["value_text"]) if d.startswith("2031")}


def test_an_import_appends_to_the_history_and_rewrites_none_of_it(root_copy, tmp_path, cli):
    history = root_copy / "data" / "history.csv"
    history.write_text(HISTORY + OLD * 1000, encoding="utf-8")
    before, inode = history.read_bytes(), history.stat().st_ino
    code, _, err = cli("import", _sent(tmp_path), "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    after = history.read_bytes()
    assert after.startswith(before) and history.stat().st_ino == inode, "the old entries are not rewritten"
    assert [(h["date"], h["value"]) for h in _history(root_copy)[1000:]] == SENT
    from observatory import results  # the published tables say which file brought each figure

    observations = results.from_root(root_copy).observations
    brought = observations.loc[observations["date"].dt.year == 2031, "submitted"]
    assert len(brought) == 3 and all(label.endswith(" — envoi.csv") for label in brought)
    assert cli("undo", "--coalition", "alpha", "--root", root_copy)[0] == 0
    assert history.read_bytes().startswith(after)
    assert [h["action"] for h in _history(root_copy)[1003:]] == ["undone"] * 3


@pytest.mark.parametrize("history", ["no line end at the end", "older columns", "empty", "none"])
def test_a_history_as_found_is_kept_whole(root_copy, tmp_path, cli, history):
    path = root_copy / "data" / "history.csv"
    if history == "no line end at the end":
        path.write_text(HISTORY + OLD.rstrip("\n"), encoding="utf-8")
    elif history == "older columns":  # before `previous_source`: the file is written again with today's columns
        path.write_text(HISTORY.replace("previous_source,", "") + OLD.replace(",,,R", ",,R"), encoding="utf-8")
    elif history == "empty":
        path.write_bytes(b"")
    code, _, err = cli("import", _sent(tmp_path), "--coalition", "alpha", "--root", root_copy)
    assert code == 0, err
    entries = _history(root_copy)
    assert [(h["date"], h["value"]) for h in entries if h["submission"] != "old"] == SENT
    if history in ("no line end at the end", "older columns"):
        assert entries[0]["submission"] == "old" and entries[0]["territory"] == "nantes"
    assert cli("validate", "--root", root_copy)[0] == 0


# An import in a process of its own, killed (SIGKILL) at a chosen moment of its commit.
KILLED = r"""
import os, signal, sys
from observatory import journal
from observatory.cli import main

moment = sys.argv[1]
die = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
append = journal._append
if moment == "before the commit point":
    journal.mark_committed = die
elif moment == "halfway through the append":
    def half(root, tmp, final, size):
        content = (root / tmp).read_bytes()
        with open(root / final, "r+b") as handle:
            handle.truncate(size)
            handle.seek(size)
            handle.write(content[: len(content) // 2])
        die()
    journal._append = half
elif moment == "appended, the lines aside still there":
    def whole(root, tmp, final, size):
        with open(root / final, "r+b") as handle:
            handle.seek(size)
            handle.write((root / tmp).read_bytes())
        die()
    journal._append = whole
elif moment == "appended, before the renames":
    journal._append = lambda *args: (append(*args), die())
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("moment", ["before the commit point", "halfway through the append",
                                    "appended, the lines aside still there", "appended, before the renames"])
def test_an_import_killed_at_any_moment_leaves_the_old_state_or_the_new_one(root_copy, tmp_path, cli, moment):
    history = root_copy / "data" / "history.csv"
    history.write_text(HISTORY + OLD * 100, encoding="utf-8")
    old = history.read_bytes()
    done = subprocess.run([sys.executable, "-c", KILLED, moment, "import", str(_sent(tmp_path)), "--coalition",
                           "alpha", "--root", str(root_copy)], cwd=REPO, capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr
    # The next command that reads the root completes a committed change; the next writer clears what was aside.
    assert cli("validate", "--root", root_copy)[0] == 0
    journal.recover(root_copy)
    leftovers = [p.name for p in root_copy.rglob("*") if "import-tmp" in p.name or "journal" in p.name]
    assert leftovers == []
    new = [(h["date"], h["value"]) for h in _history(root_copy) if h["submission"] != "old"]
    assert history.read_bytes().startswith(old)
    if moment == "before the commit point":
        assert history.read_bytes() == old and new == [] and _figures(root_copy) == set()
    else:
        assert new == SENT and _figures(root_copy) == set(SENT)
        assert len(_history(root_copy)) == 103


def test_the_history_is_never_read_halfway_through_an_append(root_copy):
    """An append is in place: a reader meeting one under way waits for it, then reads the whole of it (here the
    build's reader, which reads the history after validating the root, between two commits maybe)."""
    import threading
    import time

    from observatory import locking
    from observatory.results.computing import _provenance
    from observatory.validate import validated

    history = root_copy / "data" / "history.csv"
    history.write_text(HISTORY + OLD, encoding="utf-8")
    valid = validated(root_copy, use_cache=False)
    line = OLD.replace("nantes", "rennes").replace("old,added", "new,added")
    seen: list = []
    with locking.root_lock(root_copy, "test import"):
        size = history.stat().st_size
        aside = journal.write_aside(root_copy, {"data/history.csv": line.encode()})
        plan = {"renames": [], "appends": [[aside[0][0], "data/history.csv", size]]}
        journal.mark_committed(root_copy, plan)
        with history.open("ab") as handle:  # halfway through the append
            handle.write(line.encode()[:20])

        reader = threading.Thread(target=lambda: seen.append(_provenance(valid, valid.observations)))
        reader.start()
        time.sleep(1.0)
        assert not seen  # the reader waits for the change to be complete
        journal.finish(root_copy, plan)
    reader.join(30)
    assert seen and history.read_text(encoding="utf-8") == HISTORY + OLD + line


def test_a_history_from_before_the_evidence_columns_is_appended_to_until_a_figure_brings_some(root_copy, tmp_path,
                                                                                           cli):
    """A history written before the comment, quality and evidence columns: an import without them appends (not
    a 300,000-line rewrite for nothing); one that brings some writes it again once, with today's columns."""
    history = root_copy / "data" / "history.csv"
    older = HISTORY.split(",comment,")[0] + "\n"
    history.write_text(older + OLD.replace(",2,,,,,", ",2"), encoding="utf-8")
    before = history.read_bytes()
    sent = tmp_path / "plain.csv"
    sent.write_text("indicator,territory,date,value,source\npeople-trained,rennes,2031-01,5.1,R\n", encoding="utf-8")
    assert cli("import", sent, "--coalition", "alpha", "--root", root_copy)[0] == 0
    assert history.read_bytes().startswith(before)
    sent.write_text("indicator,territory,date,value,source,quality\npeople-trained,rennes,2031-02,5.2,R,estimated\n",
                    encoding="utf-8")
    assert cli("import", sent, "--coalition", "alpha", "--root", root_copy)[0] == 0
    assert history.read_text(encoding="utf-8").startswith(HISTORY)
    assert [(h["date"], h["quality"]) for h in _history(root_copy)] == [("2019-12-31", ""), ("2031-01", ""),
                                                                         ("2031-02", "estimated")]
