"""The project's own files install what it needs: pyproject.toml and environment.yml agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

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


def test_console_script_and_python_are_declared():
    """What a fresh install reads (the installed command below is the one written at this venv's install)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["observatory"] == "observatory.cli:main"
    assert project["requires-python"] == ">=3.11"


def test_the_installed_command_is_this_package_and_runs():
    """`observatory`, as pip installed it from the entry point, starts this package's command line."""
    import subprocess
    import sys

    from observatory import __version__

    command = Path(sys.executable).parent / "observatory"
    assert command.exists(), "pip install -e . writes no `observatory` command next to python"
    done = subprocess.run([str(command), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"observatory {__version__}"


def test_every_library_the_package_imports_is_declared_or_required_by_a_declared_one():
    """A library that arrives only as a dependency of a dependency (babel came through jupyterlab_server) may
    vanish at any upgrade of the middle one: the install then breaks at the first page it formats."""
    import ast
    import sys
    from importlib import metadata

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {_normalise(d)[0] for d in project["dependencies"]}
    guaranteed = set(declared)
    for name in declared:
        for requirement in metadata.requires(name) or []:
            if "extra ==" not in requirement:  # an optional part is not guaranteed
                guaranteed.add(_normalise(re.split(r"[;\[]", requirement)[0])[0])
    providers = metadata.packages_distributions()
    missing = {}
    for path in (REPO / "observatory").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "observatory":
                    continue
                for distribution in providers.get(top, [top]):
                    if _normalise(distribution)[0] not in guaranteed:
                        missing.setdefault(_normalise(distribution)[0], path.relative_to(REPO).as_posix())
    assert missing == {}, f"imported but neither declared in pyproject.toml nor required by what is: {missing}"
