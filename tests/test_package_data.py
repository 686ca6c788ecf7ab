"""An installed observatory has its templates, assets and catalogues: pyproject lists every file it needs."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.conftest import REPO

PACKAGE = REPO / "observatory"


def test_every_subpackage_and_data_file_is_packaged():
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = setuptools["packages"]["find"]["include"]
    for init in PACKAGE.rglob("__init__.py"):
        name = ".".join(init.parent.relative_to(REPO).parts)
        assert any(fnmatch.fnmatch(name, pattern) for pattern in include), f"{name} is left out of the wheel"
    patterns = setuptools["package-data"]["observatory"]
    packaged = {path for pattern in patterns for path in PACKAGE.glob(pattern) if path.is_file()}
    data = {path for path in PACKAGE.rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts}
    assert sorted(p.relative_to(PACKAGE).as_posix() for p in data - packaged) == []
    assert any(p.name == "targets.html.j2" for p in packaged) and any(p.name == "fr.yml" for p in packaged)


def test_every_shipped_metadata_title_is_read_whole():
    """A '#' after a space starts a YAML comment: an unquoted « #Reset » cut the territories' title to « The »
    in the data package. Every shipped .meta.yml title reads as written, and names #Reset where it says it."""
    import yaml

    for path in [*(REPO / "data").rglob("*.meta.yml")]:
        text = path.read_text(encoding="utf-8")
        titles = yaml.safe_load(text).get("title") or {}
        for lang, title in (titles.items() if isinstance(titles, dict) else [("fr", titles)]):
            assert len(title.split()) > 2, f"{path.name}, title.{lang}: {title!r}"
            if "#Reset" in text.split("description")[0]:
                assert "#Reset" in title, f"{path.name}, title.{lang}: {title!r}"
