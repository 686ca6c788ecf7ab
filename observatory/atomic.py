"""Files written whole or not at all: written aside under a temporary name, flushed to disk, renamed over.

A reader opens the old file or the new one, never half of one; an interrupted writer leaves the old file
as it was and no temporary file behind (a killed process may: each writer names its temporaries so that
it, or whoever sweeps them, knows them). Every module that replaces a file does it here.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

# A full disk, a full quota, a file too large for the file system: the user can act on these. The build
# stops and says so rather than failing page after page; the command line names the file.
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def write_file(path: Path, content: bytes, *, durable: bool = True, mode: int = 0o666) -> None:
    """Write ``content`` to ``path`` (created with ``mode``, less the umask), on disk before it returns
    unless ``durable`` is False."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        if durable:
            os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - not every OS opens folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def written_aside(path: Path, temporary: Path, folder_mode: int = 0o777):
    """Yield ``temporary``; rename it over ``path`` once the block has written it all.

    On any error the temporary file is removed and ``path`` is left as it was; an OSError names ``path``
    (a full disk raises on write, where the system gives no file name).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def replace_with(path: Path, content: bytes, temporary: Path, *, durable: bool = True, mode: int = 0o666,
                 folder_mode: int = 0o777) -> None:
    """``path`` holds ``content``, whole, written at ``temporary`` then renamed (see :func:`written_aside`)."""
    with written_aside(path, temporary, folder_mode) as aside:
        write_file(aside, content, durable=durable, mode=mode)
