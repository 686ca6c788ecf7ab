"""Kernels that end, under a real `observatory serve` driven in headless Chromium: a visitor over the cap gets
the busy page in the page's language, an idle kernel ends, a visitor who leaves frees their kernel."""

from __future__ import annotations

import signal
import subprocess
import time

import psutil
import pytest

from tests.conftest import axe_violations
from tests.helpers import open_live

pytestmark = pytest.mark.browser

IDLE = 20  # seconds: --idle-timeout of the capped server
STATIC = "https://observatoire.example/"


def started(serve, *options: str):
    """`observatory serve` without preheating (every kernel is a visitor's), once Voilà says it runs."""
    server = serve("--pool-size", "0", *options, ready=lambda s: "Voilà is running at" in s.log.read_text(),
                   seconds=90, what="observatory serve did not start", sig=signal.SIGTERM)
    return server.base, server.process, server.log


@pytest.fixture
def capped_server(serve):
    """Room for one visitor's kernel, which ends after IDLE seconds without activity."""
    return started(serve, "--max-kernels", "1", "--idle-timeout", str(IDLE), "--static-url", STATIC)


@pytest.fixture
def patient_server(serve):
    """Kernels that idle for 2 minutes: any that ends sooner ended because its visitor left."""
    return started(serve, "--idle-timeout", "120")


def kernels(process: subprocess.Popen) -> int:
    try:
        tree = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for proc in tree:
        try:
            count += "observatory.live_kernel" in proc.cmdline() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            pass
    return count


def wait_for_kernels(process, expected: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while kernels(process) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kernels(process) == expected


def test_over_the_cap_the_busy_page_then_the_idle_kernel_ends(capped_server, browser):
    base, process, log = capped_server
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    try:
        open_live(first, base + "/voila/render/explorer.ipynb")
        assert kernels(process) == 1

        # The cap is reached: the next visitor gets a short page in the page's language, at once.
        response = second.goto(base + "/voila/render/en/explorer.ipynb", timeout=30000)
        assert response.status == 503
        assert second.evaluate("document.documentElement.lang") == "en"
        assert second.inner_text("h1") == "The live explorer is busy"
        link = second.get_by_role("link", name="Meanwhile, here is the static page of the same dashboard")
        assert link.get_attribute("href") == STATIC + "en/index.html"
        assert axe_violations(second) == []
        second.goto(base + "/voila/render/coalition.ipynb", timeout=30000)
        assert second.inner_text("h1") == "L'explorateur en direct est occupé"
        assert second.get_by_role("link", name="En attendant, voici la page statique du même tableau de bord") \
            .get_attribute("href") == STATIC + "index.html"
        assert "Traceback" not in second.content()
        assert kernels(process) == 1  # the busy page started none

        # The first visitor leaves the page open but does nothing: their kernel ends after the idle time...
        wait_for_kernels(process, 0, IDLE + 30)
        assert "Culling 'idle' kernel" in log.read_text()
        # ... and their page says so, instead of menus that no longer answer.
        first.wait_for_selector("#observatory-ended", timeout=15000)
        assert first.inner_text("#observatory-ended").startswith("Cette page s'est arrêtée après un moment")
        # ... and the next visitor gets the explorer.
        open_live(second, base + "/voila/render/explorer.ipynb")
        assert second.evaluate("document.title").startswith("Explorateur")
        # (The culler runs every second here, also while kernels start: it used to log a traceback then.)
        assert "Traceback" not in log.read_text()
    finally:
        first.context.close()
        second.context.close()


def test_a_visitor_who_leaves_frees_their_kernel(patient_server, browser):
    base, process, _ = patient_server
    leaving, crashing = browser.new_context().new_page(), browser.new_context().new_page()
    try:
        open_live(leaving, base + "/voila/render/en/coalition.ipynb")
        open_live(crashing, base + "/voila/render/explorer.ipynb")
        assert kernels(process) == 2
        leaving.goto("about:blank")  # navigates away: Voilà's page asks for its kernel's shutdown
        crashing.close()  # no beforeunload (as a killed tab): its WebSocket closes, nothing else
        wait_for_kernels(process, 0, 30)  # long before the 120 s idle timeout
    finally:
        leaving.context.close()
        crashing.context.close()
