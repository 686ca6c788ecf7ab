"""A command that reads the data root while imports commit never sees half a change."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from observatory import journal, locking
from observatory.load import load_root

HEADER = "indicator,territory,date,value,coalition,source,comment\n"


def _files(value: int) -> dict[str, bytes]:
    # One change writes two files and the history: a reader must see all three from the same change.
    row = f"people-trained,rennes,2021-12-31,{value},alpha,,\n"
    return {"data/observations/first.csv": (HEADER + row).encode(),
            "data/observations/second.csv": (HEADER + row.replace("2021-12-31", "2022-12-31")).encode(),
            "data/history.csv": f"value\n{value}\n".encode()}


def _keep_committing(root: str, stop) -> None:
    value = 1
    while not stop.is_set():
        with locking.root_lock(root, "test writer"):
            journal.commit(Path(root), _files(value))
        value += 1
        time.sleep(0.002 * (value % 3))  # imports come one after another, not in one unbroken stream


def test_a_reader_sees_each_change_whole_while_writers_commit(root_copy: Path):
    journal.commit(root_copy, _files(0))
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    writer = context.Process(target=_keep_committing, args=(str(root_copy), stop))
    writer.start()
    reads, mixed, values = 80, [], set()
    try:
        for _ in range(reads):
            obs = load_root(root_copy).observations
            first = obs.loc[obs["dataset"] == "first", "value_text"].tolist()
            second = obs.loc[obs["dataset"] == "second", "value_text"].tolist()
            values.update(first)
            if first != second:
                mixed.append((first, second))
    finally:
        stop.set()
        writer.join(timeout=30)
    assert len(values) > 5, "the writer did not commit while the reader read"
    assert mixed == [], f"{len(mixed)} of {reads} reads mixed two changes, e.g. {mixed[:3]}"
