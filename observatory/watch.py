"""``observatory build --watch``: as a lead edits the data, rebuild the pages a changed file touches.

The build already reruns only the pages whose slice of the results changed (see
:mod:`observatory.build`), so watching is: build, wait for a change under ``data/`` or
``indicators/``, build again, say which pages were rebuilt and where they are. Invalid data
builds nothing: the messages are printed and the pages stay as they were until the file is
saved again, fixed.

Changes are seen with ``watchfiles`` (inotify on Linux, with debouncing: an editor's or an
import's burst of writes is one change), not by polling the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from observatory import root_paths, site
from observatory.errors import InvalidDataRoot, ObservatoryError, Text

# Writes this short apart are one change: an import renames several files in a row.
DEBOUNCE_MS = 400


def _visible(change, path: str) -> bool:  # noqa: ARG001 - watchfiles' filter signature
    """Files a person edits: not hidden (locks, journal, files being written aside) nor editor backups."""
    name = Path(path).name
    return not (name.startswith((".", "~")) or name.endswith(("~", ".swp", site.TMP_SUFFIX)))


def watched_folders(root: Path) -> list[Path]:
    return [root_paths.at(root, folder) for folder in root_paths.WRITTEN_FOLDERS if root_paths.at(root, folder).is_dir()]


def _snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    return {str(path): (stat.st_mtime_ns, stat.st_size) for folder in folders for path in folder.rglob("*")
            if path.is_file() and _visible(None, str(path)) and (stat := path.stat())}


def _changed_since(before: dict[str, tuple[int, int]], folders: list[Path]) -> set[tuple[None, str]]:
    now = _snapshot(folders)
    return {(None, path) for path in before.keys() | now.keys() if before.get(path) != now.get(path)}


def watch(root: Path, build_once: Callable, say=print, stop: threading.Event | None = None) -> None:
    """Build, then build again after every change, until ``stop`` is set or Ctrl-C.

    ``build_once()`` builds and returns its :class:`~observatory.build.BuildReport`.
    """
    import signal

    import watchfiles

    # Ctrl-C stops watching even when the command was started with SIGINT ignored (a background job of a
    # non-interactive shell, a CI runner): a watch is meant to be stopped, and SIGTERM stops it the same way.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    root = root.resolve()
    folders = watched_folders(root)
    before = _snapshot(folders)
    _build_and_say(build_once, say, first=True)
    watching = False
    # The watcher starts with the first step of the loop: a file saved during the first build is found by
    # comparing with the snapshot taken before it; after that, the watcher sees every change, even during a build.
    for changes in watchfiles.watch(*folders, watch_filter=_visible, debounce=DEBOUNCE_MS, stop_event=stop,
                                    rust_timeout=300, yield_on_timeout=True):
        if not watching:
            watching = True
            changes = changes or _changed_since(before, folders)
            say(Text("watch_watching", folders=", ".join(str(f) for f in folders)))
        if not changes:
            continue
        names = sorted({_relative(root, path) for _, path in changes})
        say(Text("watch_changed", names=", ".join(names)))
        _build_and_say(build_once, say)


def _relative(root: Path, path: str) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def _build_and_say(build_once: Callable, say, first: bool = False) -> None:
    try:
        report = build_once()
    except InvalidDataRoot as exc:
        say(exc.report())
        say(Text("watch_problems", count=len(exc.problems)))
        return
    except ObservatoryError as exc:
        say(Text("watch_error", error=exc))  # the error's own text, said in the same language as this line
        return
    for outcome in sorted(report.built, key=lambda o: o.key):
        say(Text("watch_rebuilt", key=outcome.key, uri=_page_uri(report.out, outcome.key)))
    for outcome in report.failed:
        say(Text("watch_failed", key=outcome.key, error=outcome.error))
    if not report.built and not report.failed:
        say(Text("watch_up_to_date" if first else "watch_nothing"))
    index = report.out / "index.html"
    if index.exists():
        say(Text("watch_open", uri=index.resolve().as_uri()))


def _page_uri(out: Path, key: str) -> str:
    return (out / site.PageSpec.from_key(key).html_path()).resolve().as_uri()
