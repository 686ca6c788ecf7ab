"""What shapes a page besides its notebook and its data: the package's own files (code, templates, assets) and the
versions of the libraries that render it, so that a code change or an upgrade rebuilds every page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from observatory import execute, fingerprint
from observatory.fingerprint import PACKAGE, hash_tree, package_files

# The libraries whose output ends up in a page: an upgrade of any of them rebuilds every page.
LIBRARIES = ("plotly", "nbconvert", "nbclient", "papermill", "nbformat", "jinja2", "pandas", "numpy", "ipykernel",
             "jupyter_client", "traitlets", "mistune", "pygments")


def library_versions() -> dict[str, str]:
    """The versions of Python and of the libraries that render the pages."""
    return fingerprint.library_versions(LIBRARIES)


def environment_digest(package: Path = PACKAGE, templates: Path | None = None,
                       versions: dict[str, str] | None = None) -> str:
    """One fingerprint of everything a page depends on besides its notebook and its data.

    Computed once per build: the package's files, the templates (which may live outside
    the package) and the libraries' versions.
    """
    templates = Path(templates) if templates is not None else Path(execute.TEMPLATES)
    sha = hashlib.sha256(b"observatory-page-environment\0")
    hash_tree(sha, Path(package), package_files(package))
    sha.update(b"\0templates\0")
    hash_tree(sha, templates, package_files(templates))
    sha.update(json.dumps(versions if versions is not None else library_versions(), sort_keys=True).encode())
    return sha.hexdigest()


def _digest_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
