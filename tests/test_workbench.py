"""The analysts' workbench: observatory.open(), its frames, its charts, `observatory lab`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import psutil
import pytest

import observatory
from observatory import results as results_module
from observatory.errors import InvalidDataRoot
from observatory.lab import prepare_analysis
from tests.conftest import FIXTURE_ROOT, REPO, screenshot
from tests.helpers import answers, free_port, wait_until


@pytest.fixture(scope="module")
def analysis():
    return observatory.open(FIXTURE_ROOT, "en")


@pytest.mark.parametrize("table", ["progress", "observations", "compass", "indicators", "territories",
                                   "coalitions", "datasets", "services"])
def test_each_frame_is_the_published_csv(analysis, built_site, table):
    """What an analyst reads is what the site publishes under data/tables/, typed as the site reads it."""
    published = results_module.read(built_site / "data" / "tables")
    pd.testing.assert_frame_equal(getattr(analysis, table)().reset_index(drop=True),
                                  getattr(published, table).reset_index(drop=True), check_dtype=False)


def test_filters_and_copies(analysis):
    alpha = analysis.progress("alpha")
    assert len(alpha) and set(alpha["coalition"]) == {"alpha"}
    first = alpha.iloc[0]
    figures = analysis.observations(indicator=first["indicator"], territory=first["territory"])
    assert len(figures) and set(figures["indicator"]) == {first["indicator"]}
    figures["value"] = -1  # an analyst's change stays in the analyst's frame
    assert (analysis.observations(indicator=first["indicator"], territory=first["territory"])["value"] != -1).all()
    assert list(analysis.targets("alpha").columns)[:4] == ["coalition", "indicator", "quality", "territory"]


def test_an_invalid_root_names_its_problems_as_validate_does(root_copy, cli):
    data = root_copy / "data" / "observations"
    victim = sorted(data.glob("*.csv"))[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace("\n", "\nnot-an-indicator,x,2021,1\n", 1),
                      encoding="utf-8")
    code, _, err = cli("validate", "--root", root_copy)
    assert code == 1
    with pytest.raises(InvalidDataRoot) as raised:
        observatory.open(root_copy)
    assert [str(p) for p in raised.value.problems]
    assert all(str(p) in err for p in raised.value.problems)


def test_the_register_by_sector_and_its_chart(tmp_path):
    """Portability by sector: each sector's shares over its own services, adding up to the register's."""
    root = _shipped_root_copy(tmp_path)
    services = root / "data" / "self-data" / "services.csv"
    table = pd.read_csv(services, dtype=str, keep_default_na=False)
    table["sector"] = ["banque" if i % 3 == 0 else "commerce" for i in range(len(table))]
    table.to_csv(services, index=False)
    opened = observatory.open(root)
    whole = opened.register_shares()
    by_sector = opened.register_shares(by="sector")
    assert set(by_sector["sector"]) == {"banque", "commerce"}
    easy = "self-data-easy-copy-share"  # counted among all services: the sectors' counts add up to the whole
    for column in ("count", "assessed"):
        parts = by_sector[by_sector["indicator"] == easy].groupby("date")[column].sum()
        assert parts.to_dict() == whole[whole["indicator"] == easy].set_index("date")[column].to_dict()
    banque = by_sector[(by_sector["sector"] == "banque") & (by_sector["indicator"] == easy)].iloc[-1]
    assert banque["assessed"] == (table["sector"] == "banque").sum()
    figure = opened.chart("register_shares", whole)
    assert len(figure.data) == whole["indicator"].nunique()


def test_a_dashboard_chart_from_a_frame(analysis):
    target = analysis.progress().dropna(subset=["latest_value"]).iloc[0]
    frame = analysis.observations(indicator=target["indicator"], territory=target["territory"])
    figure = analysis.chart("timeline", frame)
    drawn = [y for trace in figure.data for y in (trace.y if trace.y is not None else ())]
    assert set(frame["value"]) <= set(drawn)
    assert target["target_value"] in drawn  # the target's path, as the page draws it
    compass = analysis.compass()
    assert analysis.chart("compass", compass[compass["scope"] == "programme"]).data[0].type == "barpolar"
    with pytest.raises(ValueError, match="one indicator on one territory"):
        analysis.chart("timeline", analysis.observations())


def test_lab_makes_its_folder_once_and_never_overwrites(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(FIXTURE_ROOT, root)
    folder, written = prepare_analysis(root)
    names = {p.relative_to(folder).as_posix() for p in written}
    assert {"coalition_targets.ipynb", "self_data_register.ipynb", "dashboards/coalition.ipynb"} <= names
    assert "dashboards/submit.ipynb" not in names
    parameters = json.loads((folder / "dashboards" / "coalition.ipynb").read_text())["cells"][1]
    assert 'root = "../.."' in "".join(parameters["source"])
    (folder / "coalition_targets.ipynb").write_text("my own work")
    assert prepare_analysis(root)[1] == []
    assert (folder / "coalition_targets.ipynb").read_text() == "my own work"


def _shipped_root_copy(tmp_path: Path) -> Path:
    root = tmp_path / "shipped"
    root.mkdir()
    for part in ("data", "indicators"):
        shutil.copytree(REPO / part, root / part)
    return root


def test_the_starter_notebooks_run_top_to_bottom_on_the_shipped_root(tmp_path):
    folder, _ = prepare_analysis(_shipped_root_copy(tmp_path))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "-p", "no:cacheprovider",
                           "--rootdir", str(folder), "coalition_targets.ipynb", "self_data_register.ipynb"],
                          capture_output=True, text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


@pytest.mark.browser
def test_lab_opens_a_starter_notebook_runs_it_and_shows_its_chart(tmp_path, page):
    root = _shipped_root_copy(tmp_path)
    port, token = free_port(), "test-token-for-lab"
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "observatory", "lab", "--root", str(root),
                                    "--port", str(port), "--token", token],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: answers(f"{base}/api/status?token={token}"), process, log, 90,
                   "JupyterLab did not answer")
        # Localhost only, behind its token.
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/contents", timeout=5)
        assert refused.value.code == 403
        servers = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        listening = {c.laddr.ip for p in servers for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN}
        assert listening == {"127.0.0.1"}
        page.goto(f"{base}/lab/tree/self_data_register.ipynb?token={token}", timeout=90000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90000)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90000)  # its kernel is ready
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        chart = page.locator(".jp-OutputArea .js-plotly-plot").last
        chart.wait_for(state="attached", timeout=120000)
        chart.scroll_into_view_if_needed()  # JupyterLab draws the cells in view only
        chart.locator("svg.main-svg").first.wait_for(state="visible", timeout=60000)
        assert "Self Data" in chart.inner_text() or chart.locator(".gtitle").count()
        screenshot(page, "lab-self-data-register")
        assert "Error" not in page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")\
            .all_inner_texts().__str__()
        assert not page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").count()
        assert page.outside_requests == []  # no news feed, no update check
    finally:
        process.terminate()
        process.wait(30)
