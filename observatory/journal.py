"""Writing several files of the data root as one change: all of them, or none.

Every file is first written aside under a hidden name unique to the run
(``.<name>.<pid>-<token>.import-tmp``: two runs never share one, and the loader
skips hidden files); then a journal listing the renames is put in place — the
commit point — the renames are done and the journal removed. A run that dies
before its journal leaves only hidden files aside, which the next writer
deletes; one that dies after it is completed by the next command that reads or
writes the root, under the root's lock (:mod:`observatory.locking`).

A file that only grows (``data/history.csv``: 300,000 entries are 40 MB) is
appended to rather than rewritten: its new lines are written aside like the
others, and the journal records the file's size before the change. Completing
the change cuts the file back to that size, then appends the lines: done twice
(a run killed while appending, completed by the next command), it gives the
same file. Nothing is appended before the commit point.

Before the commit point, ``check`` (given by the writer) may read the files as
written aside and refuse them: then they are deleted and nothing changed.

This module is the bottom layer of every write: it imports nothing of the
loader, the validator or the importers.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from observatory import atomic, root_paths, locking

JOURNAL = root_paths.JOURNAL
TMP_SUFFIX = ".import-tmp"
# Folders a commit may write into; leftovers of a dead run are looked for there.
WRITTEN_FOLDERS = root_paths.WRITTEN_FOLDERS


def journal_path(root: Path) -> Path:
    return root_paths.at(root, JOURNAL)


def pending(root: Path) -> bool:
    """True when a commit was started and not finished (or is being finished right now)."""
    return journal_path(root).exists()


def write_aside(root: Path, files: dict[str, bytes]) -> list[list[str]]:
    """Write each file under a name unique to this run; return the renames to do. Nothing visible changes."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    renames: list[list[str]] = []
    try:
        for relative, content in files.items():
            final = root / relative
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(f".{final.name}.{token}{TMP_SUFFIX}")
            renames.append([tmp.relative_to(root).as_posix(), relative])
            atomic.write_file(tmp, content)
    except BaseException:
        # Interrupted before the commit point: nothing happened.
        for tmp, _ in renames:
            (root / tmp).unlink(missing_ok=True)
        raise
    return renames


def mark_committed(root: Path, plan: list[list[str]] | dict) -> None:
    """The commit point: once the journal is in place, the change will be completed whatever happens.

    ``plan``: the renames ``[[aside, final], …]``, or ``{"renames": […], "appends": [[aside, final, size], …]}``.
    """
    journal = journal_path(root)
    tmp = journal.with_name(f".{journal.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}")
    atomic.replace_with(journal, json.dumps(plan).encode("utf-8"), tmp)
    atomic.fsync_folder(journal.parent)


def finish(root: Path, plan: list[list[str]] | dict) -> None:
    """Do the renames and appends of a committed change (again, if some were done already), then drop the
    journal."""
    renames = plan if isinstance(plan, list) else plan.get("renames", [])
    appends = [] if isinstance(plan, list) else plan.get("appends", [])
    for tmp, final, size in appends:
        _append(root, tmp, final, int(size))
    for tmp, final in renames:
        tmp_path, final_path = root / tmp, root / final
        if tmp_path.exists():
            final_path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_path, final_path)
    for folder in {(root / final).parent for _, final in renames}:
        atomic.fsync_folder(folder)
    journal_path(root).unlink(missing_ok=True)


def commit(root: Path, files: dict[str, bytes], appends: dict[str, bytes] | None = None,
           check: Callable[[dict[str, Path]], None] | None = None) -> None:
    """Write ``files`` and append ``appends`` (paths relative to the root) as one change. The caller holds the
    root's lock. ``check`` gets each file of ``files`` as written aside (by its final name) and may raise: then
    nothing is written."""
    appends = appends or {}
    overlap = set(files) & set(appends)
    if overlap:  # pragma: no cover - a writer's mistake
        raise ValueError(f"both written and appended: {sorted(overlap)}")
    renames = write_aside(root, {**files, **appends})
    try:
        sizes = {relative: _size(root / relative) for relative in appends}
        if check is not None:
            check({final: root / tmp for tmp, final in renames if final in files})
    except BaseException:
        for tmp, _ in renames:
            (root / tmp).unlink(missing_ok=True)
        raise
    plan = {"renames": [r for r in renames if r[1] in files],
            "appends": [[tmp, final, sizes[final]] for tmp, final in renames if final in appends]}
    mark_committed(root, plan)
    finish(root, plan)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _append(root: Path, tmp: str, final: str, size: int) -> None:
    """The file cut back to ``size`` bytes, then the lines written aside added: the same, done once or twice."""
    tmp_path, final_path = root / tmp, root / final
    if not tmp_path.exists():  # done already (the lines aside are deleted only once appended)
        return
    final_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(final_path, os.O_RDWR | os.O_CREAT, 0o666)
    with os.fdopen(descriptor, "r+b") as handle:
        handle.truncate(size)
        handle.seek(size)
        handle.write(tmp_path.read_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    tmp_path.unlink()


def read_settled(root: Path, relative: str, attempts: int = 3) -> bytes | None:
    """A file of the root as no commit is changing it (None if there is none): a file appended to in place
    (the history) must not be read halfway through an append. Read between commits, as the loader reads;
    if commits keep coming, under the root's lock."""
    path = root / relative

    def mark() -> tuple | None:
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        return info.st_size, info.st_mtime_ns, info.st_ino

    for _ in range(attempts):
        if pending(root):
            recover(root)
        before = mark()
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            content = None
        if not pending(root) and mark() == before:
            return content
    with locking.root_lock(root, "observatory (reading the history)"):
        return path.read_bytes() if path.exists() else None


def recover(root: Path, say: Callable[[str], None] | None = None, timeout: float | None = None) -> bool:
    """Under the root's lock: complete a committed change, delete what a dead run left aside.

    True if an interrupted change was completed. Waits for the lock while another
    command writes the root: what it has aside is its own, not leftovers.
    """
    with locking.root_lock(root, "observatory (completing an interrupted import)", timeout, say):
        completed = False
        journal = journal_path(root)
        if journal.exists():
            try:
                plan = json.loads(journal.read_text(encoding="utf-8"))
            except ValueError:  # pragma: no cover - the journal is written aside then renamed: never partial
                plan = []
            finish(root, plan)
            completed = True
        # No writer runs (we hold the lock): whatever is aside belongs to a run that died before its commit point.
        for folder in WRITTEN_FOLDERS:
            if (root / folder).is_dir():
                for leftover in (root / folder).rglob(f"*{TMP_SUFFIX}"):
                    leftover.unlink(missing_ok=True)
        return completed
