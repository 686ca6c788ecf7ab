"""One writer at a time: an exclusive lock on a data root or on a build's output folder.

Every command that writes the data root (``import``, ``import-source``,
``undo``, the recovery of an interrupted import) holds the root's lock; a build
holds the lock of its output folder. A second command waits for the lock,
saying who holds it and since when, and gives up with a clear message after a
timeout. The lock is an OS-level lock (``filelock``): it is released when its
process dies, even by ``kill -9``, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from observatory import root_paths
from observatory.errors import ObservatoryError, Text

ROOT_LOCK = root_paths.ROOT_LOCK  # inside the data root
BUILD_LOCK = ".build.lock"  # inside a build's output folder
DEFAULT_TIMEOUT = float(os.environ.get("OBSERVATORY_LOCK_TIMEOUT", "600"))

# Locks this thread already holds, so that a command holding the root's lock can
# call code that takes it again; other threads of the process wait like other processes.
_held: dict[tuple[str, int], FileLock] = {}
_guard = threading.Lock()


def _holder_file(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder")


def _describe_holder(lock_path: Path) -> str:
    try:
        info = json.loads(_holder_file(lock_path).read_text(encoding="utf-8"))
        return Text("lock_holder", what=info["what"], pid=info["pid"], host=info["host"], since=info["since"])
    except (OSError, ValueError, KeyError):
        return Text("lock_another")


@contextlib.contextmanager
def hold(lock_path: Path, what: str, timeout: float | None = None,
         say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock at ``lock_path`` while the block runs; wait for it up to ``timeout`` seconds."""
    lock_path = lock_path.resolve()
    key = (str(lock_path), threading.get_ident())
    if key in _held:  # already ours: nested use in the same process
        with _held[key]:
            yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # A lock object per acquisition (not filelock's per-path singleton): threads exclude each other too.
    lock = FileLock(str(lock_path), thread_local=False, is_singleton=False)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _describe_holder(lock_path)
        if say is not None:
            say(Text("lock_waiting", holder=holder, folder=lock_path.parent, seconds=f"{timeout:.0f}"))
        started = time.monotonic()
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise ObservatoryError(Text("lock_timeout", folder=lock_path.parent, holder=holder,
                                        seconds=f"{time.monotonic() - started:.0f}")) from None
    _held[key] = lock
    try:
        info = {"what": what, "pid": os.getpid(), "host": socket.gethostname(),
                "since": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}
        with contextlib.suppress(OSError):
            _holder_file(lock_path).write_text(json.dumps(info), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            _holder_file(lock_path).unlink()
        del _held[key]
        lock.release()


def root_lock(root: Path, what: str, timeout: float | None = None,
              say: Callable[[str], None] | None = None):
    """The lock every writer of the data root ``root`` holds."""
    return hold(root_paths.at(root, ROOT_LOCK), what, timeout, say)


def build_lock(out: Path, what: str = "observatory build", timeout: float | None = None,
               say: Callable[[str], None] | None = None):
    """The lock a build holds on its output folder."""
    return hold(out / BUILD_LOCK, what, timeout, say)
