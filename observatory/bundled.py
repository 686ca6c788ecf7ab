"""The files shipped inside the package, found the same way in a checkout and in an installed wheel.

``observatory/notebooks`` is a link to the repository's top-level ``notebooks/``
(where the project keeps them): a wheel carries the notebooks themselves, an
editable install follows the link. papermill, nbconvert and Voilà need real
folders, so the package must be installed as files (never zipped).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def _folder(name: str) -> Path:
    # resolve(): the link's target, so that Voilà and the kernels' working folder see the real path.
    return Path(str(importlib.resources.files("observatory") / name)).resolve()


def notebooks() -> Path:
    """The dashboards' notebooks (programme, coalition, territory, self_data, explorer)."""
    return _folder("notebooks")


def templates() -> Path:
    """The one templates folder: nbconvert's page shell (``observatory/``) and the Jinja2 templates of the pages and
    of the site (:mod:`observatory.pages.render`)."""
    return _folder("templates")


def jupyter_data() -> Path:
    """The Jupyter data folder holding our Voilà template (found through JUPYTER_PATH)."""
    return _folder("jupyter")


def asset(name: str) -> bytes:
    """A file of the pages' assets (observatory/pages/assets), as bytes."""
    return (_folder("pages") / "assets" / name).read_bytes()
