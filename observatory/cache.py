"""Remember what validating a data root found, so that an unchanged root is not checked twice.

Validation is a pure function of what it reads: the files of ``indicators/`` and
``data/``, the package's own code, the libraries that parse and check them, and
the year (a date is plausible up to a few years ahead of today). The outcome —
the problems found, or the validated tables — is kept under a key digesting all
of these: one byte changed in any file, a file added, removed or renamed, a new
version of the code or of a library, and the entry no longer matches, so the
suites run again.

Where: in the user's cache folder (``$OBSERVATORY_CACHE_DIR``, else
``$XDG_CACHE_HOME/reset-observatory``, else ``~/.cache/reset-observatory``),
never in the data root: a root is a folder its owners commit, share and receive
(a pickle found there could run code when read), it may be read-only, and loading
it must not write to it. One entry per data root (named after its absolute
path), replaced when the root changes, so the folder does not grow with edits.

Entries are pickles of pandas tables and :class:`~observatory.errors.Problem`
lists: private to this user, only read back by the very same code and library
versions (both are in the key), and checksummed, so a truncated or foreign file
is ignored. The key is written in clear before the pickle and compared first: an
entry for another key is never unpickled, whatever its checksum. What a caller
gets back is checked for its shape by the caller (``accept``): anything else is a
miss. Each entry is written aside and renamed into place: two commands
validating at once never read half an entry. Anything unreadable is a miss,
never an error.

``OBSERVATORY_NO_CACHE=1`` (or ``--no-cache``) neither reads nor writes it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from observatory import atomic, fingerprint, root_paths

FORMAT = 2  # bump when the shape of an entry changes
MAGIC = b"observatory-cache 3\n"  # then: the key, a line end, the checksum of what follows it, the pickle
READ_FOLDERS = (root_paths.INDICATORS, root_paths.DATA)  # everything load_root and the results read lives here
# Written by commands that hold the root's lock; never read as data (see observatory/locking.py).
IGNORED = {root_paths.ROOT_LOCK, root_paths.ROOT_LOCK + ".holder"}
RECOVERY_MARKS = (".import-journal.json", ".import-tmp")  # an interrupted import: load_root will finish it
LIBRARIES = ("pandas", "numpy", "PyYAML", "great_expectations", "duckdb")  # duckdb: it reads Parquet files
STALE_TEMP_SECONDS = 3600  # a writer killed mid-write leaves its temporary file
STALE_ENTRY_SECONDS = 30 * 86400  # a root moved or deleted leaves its entry; a live one costs a check a month

_bypassed = False


def enabled() -> bool:
    """Whether the cache may be used: not under ``--no-cache`` nor ``OBSERVATORY_NO_CACHE``."""
    return not _bypassed and os.environ.get("OBSERVATORY_NO_CACHE", "").strip() in ("", "0")


@contextlib.contextmanager
def bypassed(on: bool = True) -> Iterator[None]:
    """Run the block without the cache (``--no-cache``)."""
    global _bypassed
    before = _bypassed
    _bypassed = before or on
    try:
        yield
    finally:
        _bypassed = before


def folder() -> Path:
    explicit = os.environ.get("OBSERVATORY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reset-observatory"


def _hash_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "blake2b").hexdigest()


def root_digest(root: Path) -> str | None:
    """A digest of every file and folder under the root's ``indicators/`` and ``data/``: names and contents.

    None when an interrupted import is waiting to be finished: loading will change the root first.
    Symbolic links to folders are not followed (neither does the loader); links to files are read.
    """
    digest = hashlib.blake2b()
    for top in READ_FOLDERS:
        start = root / top
        digest.update(f"{top}:{start.is_dir()}\n".encode())
        if not start.is_dir():
            continue
        for current, dirs, files in os.walk(start, onerror=_raise):
            dirs.sort()
            here = Path(current)
            for name in dirs:
                digest.update(f"d {(here / name).relative_to(root).as_posix()}\n".encode())
            for name in sorted(files):
                path = here / name
                relative = path.relative_to(root).as_posix()
                if relative in IGNORED:
                    continue
                if name.endswith(RECOVERY_MARKS):
                    return None
                try:
                    info = path.stat()
                    if stat.S_ISREG(info.st_mode):
                        content = _hash_file(path)
                    else:
                        content = f"special {stat.S_IFMT(info.st_mode)}"
                except OSError as exc:  # unreadable: the loader says so; its state is part of the key
                    content = f"error {exc.errno}"
                digest.update(f"f {relative} {content}\n".encode())
    return digest.hexdigest()


def _raise(error: OSError) -> None:
    raise error


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The package's own files (code and templates) and the versions of what it runs on."""
    from observatory import __version__

    digest = hashlib.blake2b()
    digest.update(f"{FORMAT} {__version__}\n".encode())
    digest.update(json.dumps(fingerprint.library_versions(LIBRARIES), sort_keys=True).encode())
    fingerprint.hash_tree(digest, fingerprint.PACKAGE, fingerprint.package_files())
    return digest.hexdigest()


def key(root: Path, content: str, *extra: object) -> str:
    """The key of an entry: the root's content, the code, and whatever else the outcome depends on."""
    text = json.dumps([str(root.resolve()), content, code_digest(), [str(e) for e in extra]])
    return hashlib.blake2b(text.encode()).hexdigest()


def _entry(root: Path, kind: str) -> Path:
    name = hashlib.blake2b(str(root.resolve()).encode(), digest_size=16).hexdigest()
    return folder() / f"{kind}-{name}.pickle"


def _head(entry_key: str) -> bytes:
    return MAGIC + entry_key.encode("utf-8") + b"\n"


def read(root: Path, kind: str, entry_key: str, accept: Callable[[object], bool] | None = None) -> object | None:
    """The value stored for this key, or None: missing, stale, damaged, unreadable, or not of the shape
    ``accept`` wants, all are a miss. The key is compared before anything is unpickled."""
    head = _head(entry_key)
    try:
        with open(_entry(root, kind), "rb") as handle:
            if not _private(os.fstat(handle.fileno())):
                return None
            if handle.read(len(head)) != head:  # another key, another format: not unpickled
                return None
            data = handle.read()
    except OSError:
        return None
    checksum, payload = data[:64], data[64:]
    if len(checksum) < 64 or hashlib.blake2b(head + payload, digest_size=32).hexdigest().encode() != checksum:
        return None
    try:
        stored_key, value = pickle.loads(payload)
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss, whatever the unpickler says
        return None
    if stored_key != entry_key:
        return None
    try:
        return value if accept is None or accept(value) else None
    except Exception:  # noqa: BLE001 - a shape the check did not foresee is a miss too
        return None


def _private(info: os.stat_result) -> bool:
    """Only an entry this user wrote and nobody else may change is unpickled (a pickle can run code)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: the user's own profile folder
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def write(root: Path, kind: str, entry_key: str, value: object) -> None:
    """Store a value, atomically (written aside, then renamed). Failing to store is not an error."""
    target = _entry(root, kind)
    try:
        head = _head(entry_key)
        payload = pickle.dumps((entry_key, value), protocol=pickle.HIGHEST_PROTOCOL)
        checksum = hashlib.blake2b(head + payload, digest_size=32).hexdigest().encode()
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sweep(target.parent)
        # Private (0o600: only such an entry is unpickled), under a name of this writer's own (*.tmp: swept);
        # not fsynced: a lost entry is only computed again.
        temporary = target.with_name(f"{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        atomic.replace_with(target, head + checksum + payload, temporary, durable=False, mode=0o600,
                            folder_mode=0o700)
    except Exception:  # noqa: BLE001 - a full disk or a read-only home must not fail a validation
        pass


def _sweep(where: Path) -> None:
    """Remove what writers killed mid-write left behind, and entries of roots not validated for long."""
    now = time.time()
    for pattern, age in (("*.tmp", STALE_TEMP_SECONDS), ("*.pickle", STALE_ENTRY_SECONDS)):
        for leftover in where.glob(pattern):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < now - age:
                    leftover.unlink()
