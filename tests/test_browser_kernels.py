"""Kernels that end, under a real `observatory serve` driven in headless Chromium: a visitor over the cap gets
the busy page in the page's language, an idle kernel ends, a visitor who leaves frees their kernel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import FIXTURE_ROOT, axe_violations
from tests.test_browser_live import free_port, open_live

pytestmark = pytest.mark.browser

IDLE = 20  # seconds: --idle-timeout of the capped server
STATIC = "https://observatoire.example/"


def start_serve(tmp_path_factory, *options: str):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "observatory", "serve", "--root", str(FIXTURE_ROOT), "--port", str(port),
             "--pool-size", "0", *options],  # no preheating: every kernel is a visitor's
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while "Voilà is running at" not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"observatory serve did not start: {log.read_text()}")
        time.sleep(0.3)
    return f"http://127.0.0.1:{port}", process, log


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def capped_server(tmp_path_factory):
    """Room for one visitor's kernel, which ends after IDLE seconds without activity."""
    base, process, log = start_serve(tmp_path_factory, "--max-kernels", "1", "--idle-timeout", str(IDLE),
                                     "--static-url", STATIC)
    yield base, process, log
    stop(process)


@pytest.fixture
def patient_server(tmp_path_factory):
    """Kernels that idle for 2 minutes: any that ends sooner ended because its visitor left."""
    base, process, log = start_serve(tmp_path_factory, "--idle-timeout", "120")
    yield base, process, log
    stop(process)


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
