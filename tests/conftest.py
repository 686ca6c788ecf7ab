"""Shared fixtures: the small fixture data root, copies of it to break, and the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from observatory.cli import main

TESTS = Path(__file__).parent
FIXTURE_ROOT = TESTS / "fixtures" / "root"
REPO = TESTS.parent


@pytest.fixture
def root_copy(tmp_path: Path) -> Path:
    """A copy of the fixture data root that a test may break."""
    target = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT, target)
    return target


@pytest.fixture
def cli(capsys):
    """Run the observatory command in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
