"""`observatory serve`: Voilà started for real, the explorer driven in headless Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import FIXTURE_ROOT, axe_violations, screenshot

pytestmark = pytest.mark.browser

COMPASS = "() => { const d = document.querySelector('.js-plotly-plot'); " \
          "return d && d.layout ? [d.layout.title.text, d.data[0].r] : null; }"


def compass_title_has(text: str) -> str:
    """A predicate for wait_for_function: the compass is drawn and its title holds ``text`` (while the explorer
    redraws, there is a moment with no chart)."""
    return ("() => { const d = document.querySelector('.js-plotly-plot'); "
            f"return !!(d && d.layout && d.layout.title.text.includes({text!r})); }}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_live(page, url: str, timeout: float = 60000) -> None:
    """Open a Voilà page and wait for its first chart (no reload: a page that stalls fails)."""
    page.goto(url, wait_until="commit", timeout=90000)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            # One preheated explorer a language, not serve's crowd-sized pool: these tests are one visitor, and
            # 20 more kernels to start would only slow the start-up down (tests/test_pools.py checks the pools).
            [sys.executable, "-m", "observatory", "serve", "--root", str(FIXTURE_ROOT), "--port", str(port),
             "--explorer-pool-size", "1"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"observatory serve stopped: {log.read_text()}")
        # Wait for the preheated pools (5 pages in 2 languages), as a visitor arriving after start-up finds them.
        if log.read_text().count("is filled with") >= 10:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"Voilà's kernel pools were not ready in 120 s: {log.read_text()}")
    yield base, log
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_explorer_compass_follows_the_widgets(server, page):
    base, _ = server
    started = time.perf_counter()
    open_live(page, base + "/voila/render/explorer.ipynb")
    first_chart = time.perf_counter() - started
    title, values = page.evaluate(COMPASS)
    assert title == "Boussole des sept qualités — Coalition Alpha"
    assert values[0] == pytest.approx(50)  # capacitant: progress 1.05 and -0.1, clipped, averaged
    screenshot(page, "live-explorer-alpha")

    page.locator("select").first.select_option(label="Coalition Bêta")
    page.wait_for_function(compass_title_has("Bêta"),
                           timeout=30000)
    title, values = page.evaluate(COMPASS)
    assert title == "Boussole des sept qualités — Coalition Bêta"
    assert values == [None] * 7  # beta's only target has no data yet: no bar (never a bar of 0)
    assert "Pas de donnée" in page.inner_text("table.targets")

    page.get_by_role("button", name="Territoire").click()
    page.wait_for_function(compass_title_has("Bretagne"),
                           timeout=30000)
    screenshot(page, "live-explorer-territory")
    assert page.outside_requests == []  # offline: no CDN, not even Voilà's icon font
    assert [p for p in page.problems if "setData is not a function" not in p] == []
    print(f"explorer: first chart after {first_chart:.1f} s from a preheated pool")


def test_coalition_dashboard_served_live(server, page):
    base, _ = server
    open_live(page, base + "/voila/render/coalition.ipynb")
    assert page.inner_text("h1") == "Coalition Alpha"
    assert page.locator(".js-plotly-plot").count() >= 7


def test_serve_listens_on_localhost_only(server):
    base, log = server
    assert base.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(base + "/voila/render/explorer.ipynb", timeout=30) as response:
        assert response.status == 200
    assert "Traceback" not in log.read_text()


VISITS = 8


def test_explorer_renders_eight_times_in_a_row(server, page):
    """Voilà used to stop streaming now and then (nbclient missed a kernel reply, see
    observatory/kernel_client.py; 5 visits in 20 stalled): 8 visits in a row (90 % to catch a 1-in-4 stall),
    each must show its chart."""
    base, _ = server
    stalls, times = [], []
    for visit in range(VISITS):
        started = time.perf_counter()
        try:
            open_live(page, base + "/voila/render/explorer.ipynb", timeout=45000)
        except Exception as error:  # noqa: BLE001
            stalls.append(f"visit {visit + 1}: {str(error).splitlines()[0]}")
        else:
            times.append(time.perf_counter() - started)
            title, _ = page.evaluate(COMPASS)
            assert title.startswith("Boussole des sept qualités")
    print(f"explorer, {VISITS} visits: {len(stalls)} stalls; chart after {min(times or [0]):.1f}–{max(times or [0]):.1f} s, "
          f"mean {sum(times) / max(len(times), 1):.1f} s")
    assert stalls == []


@pytest.mark.parametrize("notebook, lang", [("explorer.ipynb", "fr"), ("coalition.ipynb", "fr"),
                                            ("en/explorer.ipynb", "en"), ("en/territory.ipynb", "en")])
def test_live_pages_pass_axe_in_each_language(server, page, notebook, lang):
    """WCAG 2.2 AA as axe-core checks it, on the live pages in French and in English: zero violations, the page
    says its language, and every chart has its words beside it (Voilà draws the plotly output, not the HTML
    one that holds them on the static pages)."""
    base, _ = server
    open_live(page, f"{base}/voila/render/{notebook}")
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.lang") == lang
    charts, words = page.locator(".js-plotly-plot").count(), page.locator(".chart-summary")
    assert charts >= 1 and words.count() == charts
    assert words.first.is_visible() and words.first.inner_text().startswith("En bref" if lang == "fr" else "In brief")
    assert axe_violations(page) == []


def test_the_live_explorer_speaks_one_language_and_links_back(server, page):
    """The English explorer: its title, words, choices and compass in English; a banner where it shows
    fictitious values; links back to the programme's live page and to the French explorer."""
    base, _ = server
    open_live(page, base + "/voila/render/en/explorer.ipynb")
    assert page.title() == "Explorer — #Reset impact observatory"
    assert page.inner_text("h1") == "The observatory's explorer"
    title, _ = page.evaluate(COMPASS)
    assert title == "Compass of the seven qualities — Alpha coalition"
    assert "values on this page are fictitious" in page.inner_text(".demo")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/voila/render/explorer.ipynb", wait_until="commit", timeout=60000)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=60000)
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.inner_text("h1") == "Explorateur de l'observatoire"
    page.get_by_role("link", name="Tableau de bord du programme").click()
    page.wait_for_url("**/voila/render/programme.ipynb", wait_until="commit", timeout=60000)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=60000)
    assert page.evaluate("document.documentElement.lang") == "fr"
