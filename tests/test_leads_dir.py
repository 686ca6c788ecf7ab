"""The coalitions' secrets are never kept in the data root, whose data/ is committed and reports/ published
(issue 20, item 9: `--leads-dir reports/leads` was accepted, and the build then published secrets.json)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import free_port, snapshot


INSIDE = ["data/leads", "reports/leads", "indicators", ".", "link-to-data/leads"]


def _inside(root: Path, where: str) -> Path:
    if where.startswith("link-to-data"):  # a link outside the root that leads into it
        link = root.parent / "link-to-data"
        link.symlink_to(root / "data")
        return link / "leads"
    return root / where


@pytest.mark.parametrize("how", ["--leads-dir", "OBSERVATORY_LEADS_DIR"])
@pytest.mark.parametrize("where", INSIDE)
def test_leads_token_refuses_a_secrets_folder_inside_the_root(root_copy, cli, monkeypatch, where, how):
    folder = _inside(root_copy, where)
    before = snapshot(root_copy)
    if how == "--leads-dir":
        code, out, err = cli("leads", "token", "--coalition", "alpha", "--root", root_copy, "--leads-dir", folder)
    else:
        monkeypatch.setenv("OBSERVATORY_LEADS_DIR", str(folder))
        code, out, err = cli("leads", "token", "--coalition", "alpha", "--root", root_copy)
    assert code == 1 and out == ""
    assert "inside the data root" in err and "expected a folder outside it" in err, err
    assert snapshot(root_copy) == before, "no secret written"


def test_leads_token_takes_a_folder_outside_the_root(root_copy, tmp_path, cli):
    code, out, err = cli("leads", "token", "--coalition", "alpha", "--root", root_copy, "--leads-dir",
                         tmp_path / "leads")
    assert code == 0 and out.strip(), err
    assert (tmp_path / "leads" / "secrets.json").exists()


@pytest.mark.parametrize("where", ["reports/leads", "data/leads"])
def test_serve_refuses_a_secrets_folder_inside_the_root_before_starting(root_copy, where):
    process = subprocess.Popen(
        [sys.executable, "-m", "observatory", "serve", "--root", str(root_copy), "--submissions", "--pool-size", "0",
         "--port", str(free_port()), "--leads-dir", str(root_copy / where)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "OBSERVATORY_NO_CACHE": "1"})
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # it served: stop it and everything it started
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        pytest.fail(f"serve --leads-dir {where} was accepted")
    assert process.returncode == 1, err
    assert "inside the data root" in err and "Traceback" not in err
    assert not (root_copy / where).exists()
