"""The dashboard notebooks: render-only sources, and executed outputs that nbval reproduces exactly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_sources_are_render_only(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("parameters" in c["metadata"].get("tags", []) for c in code), "a cell tagged 'parameters'"
    for cell in code:
        source = "".join(cell["source"])
        assert cell["outputs"] == [] and cell["execution_count"] is None, "no outputs committed"
        # no business logic: no data loading, no definitions, only calls into observatory
        for forbidden in ("import pandas", "read_csv", "def ", "class ", "groupby", "lambda", "if ", "for "):
            assert forbidden not in source, f"{path.name}: {forbidden!r} belongs in the observatory package"


def test_executed_dashboards_are_reproduced_by_nbval(built_site):
    executed = built_site / "notebooks" / "fr"
    targets = [executed / "programme.ipynb", executed / "coalitions" / "alpha.ipynb",
               executed / "coalitions" / "beta.ipynb", executed / "territories" / "rennes.ipynb"]
    english = built_site / "notebooks" / "en" / "coalitions" / "alpha.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval", "-p", "no:cacheprovider", "--rootdir", str(built_site),
         *map(str, targets), str(english)],
        capture_output=True, text=True, timeout=600, cwd=built_site)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
