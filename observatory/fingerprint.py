"""What the observatory's outputs depend on besides the data: its own files and the libraries it runs on.

Both the build (a page is rebuilt when any of this changes) and the validation
cache (an entry is reused only by the very same code) fingerprint the same
things; they do it here, once.
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def package_files(package: Path = PACKAGE) -> list[Path]:
    """Every file of the package that can change an output: code, templates, assets (not byte-code)."""
    return sorted(p for p in Path(package).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"))


def library_versions(libraries: tuple[str, ...]) -> dict[str, str]:
    """The versions of Python and of ``libraries`` ("absent" for one that is not installed)."""
    versions = {"python": f"{platform.python_implementation()} {platform.python_version()}"}
    for name in libraries:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def hash_tree(sha, base: Path, files: list[Path]) -> None:
    """Feed each file's path (relative to ``base``) and content into ``sha``."""
    for path in files:
        content = path.read_bytes()
        sha.update(f"{path.relative_to(base).as_posix()}\0{len(content)}\0".encode())
        sha.update(content)
