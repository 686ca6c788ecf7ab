"""The project's own files install what it needs: pyproject.toml and environment.yml agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import REPO


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    assert dict(map(_normalise, conda)) == dict(map(_normalise, declared))
    assert "python=3.11" in environment["dependencies"]
    pip_part = [d for d in environment["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip_part


def test_console_script_is_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["observatory"] == "observatory.cli:main"
    assert project["requires-python"] == ">=3.11"
