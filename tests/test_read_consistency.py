"""A command that reads the data root while imports commit never sees half a change.

A change that lands between the reading of two of its files is forced, rather than hoped for from many
reloads: once (the loader reads again), on every attempt (it reads under the root's lock), and left
half-done by a writer that died (it completes it first). Then real writer and reader processes run side by
side, each reader loading the root again and again."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from observatory import journal, load, locking
from observatory.load import observations
from observatory.load import load_root

HEADER = "indicator,territory,date,value,coalition,source,comment\n"
READS = 4  # by each of the concurrent readers (the interleavings that matter are forced above)


def _files(value: int) -> dict[str, bytes]:
    # One change writes two files and the history: a reader must see all three from the same change.
    row = f"people-trained,rennes,2021-12-31,{value},alpha,,\n"
    return {"data/observations/first.csv": (HEADER + row).encode(),
            "data/observations/second.csv": (HEADER + row.replace("2021-12-31", "2022-12-31")).encode(),
            "data/history.csv": f"value\n{value}\n".encode()}


def _read(root: Path) -> tuple[list[str], list[str]]:
    obs = load_root(root).observations
    return (obs.loc[obs["dataset"] == "first", "value_text"].tolist(),
            obs.loc[obs["dataset"] == "second", "value_text"].tolist())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A data root of the two files only: what is checked is how they are read, not the rest of a root."""
    journal.commit(tmp_path, _files(0))
    return tmp_path


def _commit_after_first(monkeypatch, root: Path, times: int) -> list[int]:
    """Each of the next ``times`` reads of first.csv is followed by a whole commit (as an import in another
    process would make it) before second.csv is read; the values committed are listed."""
    committed: list[int] = []
    read_table = observations.observation_table

    def reading(path, *args, **kwargs):
        frame = read_table(path, *args, **kwargs)
        if path.name == "first.csv" and len(committed) < times:
            committed.append(len(committed) + 1)
            with locking.root_lock(root, "test writer"):
                journal.commit(root, _files(committed[-1]))
        return frame

    monkeypatch.setattr(observations, "observation_table", reading)  # where load_observations calls it
    return committed


def test_a_change_committed_while_the_root_is_read_is_read_whole(root, monkeypatch):
    committed = _commit_after_first(monkeypatch, root, times=1)
    assert _read(root) == (["1"], ["1"])
    assert committed == [1]


def test_changes_committed_during_every_attempt_are_read_under_the_lock(root, monkeypatch):
    committed = _commit_after_first(monkeypatch, root, times=load.READ_ATTEMPTS)
    assert _read(root) == ([str(load.READ_ATTEMPTS)], [str(load.READ_ATTEMPTS)])
    assert len(committed) == load.READ_ATTEMPTS


def test_a_change_a_dead_writer_left_half_done_is_completed_before_it_is_read(root):
    plan = {"renames": journal.write_aside(root, _files(7))}
    journal.mark_committed(root, plan)  # the commit point, then the writer dies before renaming anything
    assert _read(root) == (["7"], ["7"])
    assert not journal.pending(root)


def _keep_committing(root: Path, stop) -> None:
    value = 1
    while not stop.is_set():
        with locking.root_lock(root, "test writer"):
            journal.commit(root, _files(value))
        value += 1
        time.sleep(0.02 * (value % 3))  # imports come one after another, not in one unbroken stream


def _keep_reading(root: Path, reads: int, results, seconds: float = 60) -> None:
    # At least ``reads`` reads, and on until this reader has seen three changes (within ``seconds``): on a fast
    # machine four reads could all fall between two of the writer's commits, and the test would prove nothing.
    seen, mixed, done, deadline = set(), [], 0, time.monotonic() + seconds
    while done < reads or (len(seen) < 3 and time.monotonic() < deadline):
        done += 1
        first, second = _read(root)
        seen.update(first)
        if first != second:
            mixed.append((first, second))
    results.put((seen, mixed))


def test_readers_see_each_change_whole_while_a_writer_commits(root):
    context = multiprocessing.get_context("fork")
    stop, results = context.Event(), context.Queue()
    writer = context.Process(target=_keep_committing, args=(root, stop))
    readers = [context.Process(target=_keep_reading, args=(root, READS, results)) for _ in range(3)]
    writer.start()
    try:
        for reader in readers:
            reader.start()
        outcomes = [results.get(timeout=120) for _ in readers]
    finally:
        stop.set()
        writer.join(timeout=30)
        for reader in readers:
            reader.join(timeout=30)
    values = set().union(*(seen for seen, _ in outcomes))
    mixed = [m for _, found in outcomes for m in found]
    assert len(values) > 3, "the writer did not commit while the readers read"
    assert mixed == [], f"{len(mixed)} of {READS * len(readers)} reads mixed two changes, e.g. {mixed[:3]}"
