"""The package as pip installs it from a wheel (not editable): everything it needs travels inside."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import FIXTURE_ROOT, REPO


def test_a_wheel_installed_elsewhere_builds_a_page(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # The wheel's package comes first; the dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)

    where = run("-c", "import observatory; print(observatory.__file__)")
    assert where.stdout.strip() == str(site / "observatory" / "__init__.py"), where.stderr
    sources = run("-m", "observatory", "import-source", "--help")
    assert "barometre" in sources.stdout and "jgmd" in sources.stdout, sources.stderr
    assert "could not be loaded" not in sources.stdout  # observatory.sources travelled with the wheel
    out = work / "site"
    built = run("-m", "observatory", "build", "--root", str(FIXTURE_ROOT), "--only", "coalition:alpha",
                "--lang", "fr", "--out", str(out))
    assert built.returncode == 0, built.stderr
    assert "built 1, unchanged 0, failed 0" in built.stderr
    page = out / "coalitions" / "alpha.html"  # the French edition is at the top
    assert page.is_file(), sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert "alpha" in page.read_text(encoding="utf-8").lower()
