"""Reading the npm package ``@etalab/decoupage-administratif`` (its ``.tgz`` or the folder it unpacks to) for
:mod:`observatory.sources.decoupage`, within limits: a member's size, the archive's, the number of members, JSON's
nesting and number of lists and objects, each checked before the bytes are read or parsed; links never followed.
A missing, garbled or oversized file is one line naming it."""

from __future__ import annotations

import json
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from observatory.errors import ObservatoryError, Text

PACKAGE = "@etalab/decoupage-administratif"
FILES = {"region": "regions.json", "departement": "departements.json", "epci": "epci.json",
         "commune": "communes.json"}
# The COG year of each version, from the package's README table (used when the README does not say).
COG_YEARS = {"6.0.0": 2026, "5.3.0": 2025, "4.1.0": 2024, "3.1.1": 2023, "2.3.1": 2022, "1.1.1": 2021}


def _what() -> Text:
    """What the archive should be, said in the refusal (made when said: a Text reads the catalogue)."""
    return Text("decoupage_what", package=PACKAGE)


@dataclass
class Package:
    version: str
    cog_year: int | None
    regions: list[dict]
    departements: list[dict]
    epci: list[dict]
    communes: list[dict]


# What the package may hold: its largest file, data/communes.json, is 8.6 MB in 6.0.0. A member past these is
# refused before it is read (a 4 MB .tgz may declare a 4 GB member); JSON is parsed into objects many times
# its size, hence the bounds on its nesting and its number of lists and objects.
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024  # all the members' declared sizes together
MAX_MEMBERS = 10_000
MAX_JSON_DEPTH = 32  # the package nests 4 deep (epci.json: list, EPCI, members, member)
MAX_JSON_CONTAINERS = 1_000_000  # lists and objects in one file (communes.json of 6.0.0: 75,267)
WANTED = ("package.json", "README.md", *(f"data/{file}" for file in FILES.values()))


def _size(number: int) -> Text:
    return Text("decoupage_size", number=number, mb=number / 2**20)


def read_package(path: Path) -> Package:
    """The package's four tables and its version; a missing, garbled or oversized file is one line, naming it."""
    shown = str(path)
    if path.is_dir():
        base = path / "package" if (path / "package" / "package.json").is_file() else path

        def read(relative: str) -> bytes | None:
            file = base / relative
            if file.is_symlink():
                raise ObservatoryError(Text("decoupage_file_link", shown=shown, relative=relative, what=_what()))
            if not file.is_file():
                return None
            size = file.stat().st_size
            if size > MAX_MEMBER_BYTES:
                raise ObservatoryError(Text("decoupage_file_too_big", shown=shown, relative=relative, size=_size(size),
                                            limit=_size(MAX_MEMBER_BYTES), what=_what()))
            with file.open("rb") as handle:
                return _bounded_read(shown, relative, handle)

        return _parse(shown, read)
    members = _read_members(path, shown)
    return _parse(shown, members.get)


def _bounded_read(shown: str, relative: str, handle) -> bytes:
    """A member's bytes, never more than MAX_MEMBER_BYTES whatever its header said."""
    content = handle.read(MAX_MEMBER_BYTES + 1)
    if len(content) > MAX_MEMBER_BYTES:
        raise ObservatoryError(Text("decoupage_read_too_big", shown=shown, relative=relative,
                                    limit=_size(MAX_MEMBER_BYTES), what=_what()))
    return content


def _read_members(path: Path, shown: str) -> dict[str, bytes]:
    """The files of the .tgz that the import reads, streamed in one pass (no seeking back through gigabytes):
    each member's declared size is checked before its bytes are read, and the bytes read are bounded too; a
    symbolic or hard link where a file is expected is refused by name, never followed."""
    found: dict[str, bytes] = {}
    try:
        archive = tarfile.open(path, "r|gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        why = " ".join(str(exc).split())  # one line: tarfile's messages may hold several
        raise ObservatoryError(Text("decoupage_not_tgz", shown=shown, why=why, what=_what())) from None
    total = 0
    try:
        with archive:
            for number, member in enumerate(archive, start=1):
                if number > MAX_MEMBERS:
                    raise ObservatoryError(Text("decoupage_too_many_members", shown=shown, limit=MAX_MEMBERS,
                                                what=_what()))
                relative = member.name[len("package/"):] if member.name.startswith("package/") else None
                if member.issym() or member.islnk():
                    if relative in WANTED:
                        kind = Text("decoupage_symbolic_link" if member.issym() else "decoupage_hard_link")
                        raise ObservatoryError(Text("decoupage_member_link", shown=shown, name=member.name,
                                                    kind=kind, target=member.linkname, what=_what()))
                    continue  # never followed
                if not member.isfile():
                    continue
                total += member.size
                if member.size > MAX_MEMBER_BYTES or total > MAX_ARCHIVE_BYTES:
                    raise ObservatoryError(
                        Text("decoupage_member_too_big", shown=shown, name=member.name, size=_size(member.size),
                             limit=_size(MAX_MEMBER_BYTES), what=_what()) if member.size > MAX_MEMBER_BYTES else
                        Text("decoupage_archive_too_big", shown=shown, limit=_size(MAX_ARCHIVE_BYTES), what=_what()))
                if relative in WANTED:
                    handle = archive.extractfile(member)
                    if handle is not None:
                        found[relative] = _bounded_read(shown, member.name, handle)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        why = " ".join(str(exc).split())
        raise ObservatoryError(Text("decoupage_damaged", shown=shown, why=why, what=_what())) from None
    return found


def _parse(shown: str, read) -> Package:
    manifest = _json(shown, "package.json", read, dict)
    if manifest.get("name") != PACKAGE:
        raise ObservatoryError(Text("decoupage_wrong_package", shown=shown, found=manifest.get("name"), what=_what()))
    version = str(manifest.get("version") or "")
    readme = read("README.md")
    cog_year = _cog_year(readme.decode("utf-8", "replace") if readme else "", version)
    tables = {level: _json(shown, f"data/{file}", read, list) for level, file in FILES.items()}
    required = {"region": ("code", "nom", "zone"), "departement": ("code", "nom", "region", "zone"),
                "epci": ("code", "nom", "type", "membres"), "commune": ("code", "nom", "type")}
    for level, keys in required.items():
        for number, item in enumerate(tables[level], start=1):
            missing = [k for k in keys if not isinstance(item, dict) or k not in item]
            if missing:
                raise ObservatoryError(Text("decoupage_no_key", shown=shown, file=FILES[level], number=number,
                                            key=missing[0], keys=", ".join(keys)))
    return Package(version, cog_year, tables["region"], tables["departement"], tables["epci"], tables["commune"])


def _json(shown: str, relative: str, read, kind: type):
    content = read(relative)
    if content is None:
        raise ObservatoryError(Text("decoupage_no_file", shown=shown, relative=relative, what=_what()))
    try:
        _check_nesting(shown, relative, content)
        data = json.loads(content.decode("utf-8"))
    except RecursionError:  # not reached past _check_nesting; kept so that no file ends in a traceback
        raise ObservatoryError(Text("decoupage_json_too_deep", shown=shown, relative=relative,
                                    limit=MAX_JSON_DEPTH)) from None
    except UnicodeDecodeError as exc:
        raise ObservatoryError(Text("decoupage_not_utf8", shown=shown, relative=relative, byte=content[exc.start],
                                    offset=exc.start)) from None
    except json.JSONDecodeError as exc:
        raise ObservatoryError(Text("decoupage_bad_json", shown=shown, relative=relative, why=exc.msg,
                                    line=exc.lineno, column=exc.colno, what=_what())) from None
    if not isinstance(data, kind):
        raise ObservatoryError(Text("decoupage_wrong_json", shown=shown, relative=relative, found=type(data).__name__,
                                    expected=Text("decoupage_json_object" if kind is dict else "decoupage_json_list")))
    return data


def _check_nesting(shown: str, relative: str, content: bytes) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or holding more than MAX_JSON_CONTAINERS lists and objects,
    before it is parsed: brackets are counted outside strings, vectorised (a fraction of a second on 32 MB)."""
    import numpy as np

    # Strings out first (a bracket inside one is text). Every match from a quote succeeds, an unterminated
    # string running to the end: no retry from each quote, so the time stays linear whatever the bytes.
    bare = re.sub(rb'"(?:[^"\\]|\\.?)*(?:"|\Z)', b'""', content, flags=re.DOTALL)
    codes = np.frombuffer(bare, dtype=np.uint8)
    containers, depth, level = 0, 0, 0
    for start in range(0, len(codes), 1 << 22):  # by slices of 4 MB: the counts take little memory
        chunk = codes[start:start + (1 << 22)]
        opening = (chunk == ord("[")) | (chunk == ord("{"))
        steps = opening.astype(np.int32) - ((chunk == ord("]")) | (chunk == ord("}"))).astype(np.int32)
        levels = np.cumsum(steps) + level
        containers += int(opening.sum())
        if len(levels):
            depth, level = max(depth, int(levels.max())), int(levels[-1])
    if containers > MAX_JSON_CONTAINERS:
        raise ObservatoryError(Text("decoupage_json_containers", shown=shown, relative=relative, count=containers,
                                    limit=MAX_JSON_CONTAINERS))
    if depth > MAX_JSON_DEPTH:
        raise ObservatoryError(Text("decoupage_json_depth", shown=shown, relative=relative, depth=depth,
                                    limit=MAX_JSON_DEPTH))


def _cog_year(readme: str, version: str) -> int | None:
    """The year the package's README gives to its version (its table « Année | Version du package »)."""
    if version:
        found = re.search(rf"^\|\s*(\d{{4}})\s*\|\s*{re.escape(version)}\s*\|", readme, re.MULTILINE)
        if found:
            return int(found.group(1))
    return COG_YEARS.get(version)
