"""Public sources a coalition already follows, read in their own published format (plug-ins).

A source is an object with a ``name``, a one-line ``description``, its own
command-line options and a ``convert`` that turns a downloaded file into the
files of the data root to write (the :class:`Source` protocol). Sources are
found through the entry-point group ``observatory.sources``: the built-in ones
(``barometre``, ``jgmd``) are declared in pyproject.toml, and another package
adds one by declaring it in its own metadata, e.g.::

    [project.entry-points."observatory.sources"]
    mysource = "mypackage.mysource:SOURCE"

:func:`import_source` does the rest for every source: under the root's lock, it
finishes an interrupted import, converts, checks the result against the whole
data root (same checks and messages as ``observatory validate``) and writes it
atomically, or not at all.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import yaml

from observatory import journal, locking
from observatory.errors import InvalidDataRoot, ObservatoryError, Text

GROUP = "observatory.sources"


@dataclass
class Conversion:
    """What a source makes of a file: the files to write and what to tell the user about them."""

    files: dict[str, bytes]  # path relative to the data root -> its whole new content
    facts: dict = field(default_factory=dict)  # counts and notes, for the source's own summary


@runtime_checkable
class Source(Protocol):
    name: str  # as typed after `observatory import-source`
    description: str  # one line, shown by `observatory import-source --help`

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the source's own options (the file and --root are already there)."""

    def options(self, args: argparse.Namespace) -> dict:
        """The keyword arguments of ``convert`` from the command line; checked before the root is locked."""

    def convert(self, root: Path, path: Path, **options) -> Conversion:
        """Read ``path`` and the data root as it is; return the files to write. Writes nothing."""

    def summary(self, file: str, conversion: Conversion, written: bool) -> list[str]:
        """The lines the command prints once done (``written`` is False when nothing changed)."""

    # Optional: ``accepts_folder = True`` when the source also reads a folder (e.g. an unpacked package).


@dataclass
class SourceReport:
    source: str
    files: list[str]  # written, relative to the root; empty when the root already said the same
    messages: list[str]  # the source's summary, for the user


@dataclass
class Registry:
    sources: dict[str, Source]
    broken: dict[str, str]  # name -> why it could not be loaded


def registry() -> Registry:
    """Every source installed, ours and other packages', by name."""
    sources: dict[str, Source] = {}
    broken: dict[str, str] = {}
    for entry in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        # A broken third-party plug-in must not stop the other commands: it is reported, not raised.
        try:
            source = entry.load()
        except Exception as exc:  # noqa: BLE001 - any failure of someone else's code
            broken[entry.name] = f"{entry.value}: {type(exc).__name__}: {exc}"
            continue
        if not isinstance(source, Source) or source.name != entry.name:
            broken[entry.name] = (f"{entry.value}: expected an object with name '{entry.name}', description, "
                                  "add_arguments, options, convert and summary")
            continue
        sources[entry.name] = source
    return Registry(sources, broken)


def get(name: str) -> Source:
    found = registry()
    if name not in found.sources:
        installed = ", ".join(found.sources) or Text("source_none_installed")
        if name in found.broken:
            raise ObservatoryError(Text("source_broken", name=name, why=found.broken[name], installed=installed))
        raise ObservatoryError(Text("source_not_installed", name=name, installed=installed))
    return found.sources[name]


def import_source(root: Path, source: str | Source, path: Path, options: dict | None = None,
                  say=None, timeout: float | None = None) -> SourceReport:
    """Convert ``path`` with ``source`` and write the result into the root: all of it, or nothing."""
    source = get(source) if isinstance(source, str) else source
    shown = str(path)  # the file as the user named it, for messages
    # A source whose input is a folder (an unpacked package) says so with ``accepts_folder = True`` (optional).
    if not (path.is_file() or (path.is_dir() and getattr(source, "accepts_folder", False))):
        raise ObservatoryError(Text("no_such_file", name=path))
    with locking.root_lock(root, f"observatory import-source {source.name} {path.name}", timeout, say):
        journal.recover(root)
        conversion = source.convert(root, path, **(options or {}))
        check_as_it_would_become(root, conversion.files)
        unchanged = all((root / k).is_file() and (root / k).read_bytes() == v for k, v in conversion.files.items())
        if not unchanged:
            journal.commit(root, conversion.files)
    written = sorted(conversion.files) if not unchanged else []
    return SourceReport(source.name, written, source.summary(shown, conversion, not unchanged))


def check_as_it_would_become(root: Path, files: dict[str, bytes]) -> None:
    """Validate the root with ``files`` written, in a scratch copy; raise InvalidDataRoot if anything is wrong."""

    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "root"
        shutil.copytree(root / "indicators", trial / "indicators")
        shutil.copytree(root / "data", trial / "data", ignore=shutil.ignore_patterns("submissions"))
        for relative, content in files.items():
            (trial / relative).parent.mkdir(parents=True, exist_ok=True)
            (trial / relative).write_bytes(content)
        from observatory.load import load_root  # here: the parser lists the sources, pandas only for an import
        from observatory.validate import check_root

        problems, _, _ = check_root(load_root(trial))
        if problems:
            raise InvalidDataRoot(problems)


def yaml_bytes(data: dict) -> bytes:
    """A YAML file as the sources write them: keys in order, accents as they are."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110).encode("utf-8")
