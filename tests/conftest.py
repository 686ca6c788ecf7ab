"""Shared fixtures: the small fixture data root, copies of it to break, and the CLI."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The tests read the command line's English texts: a developer's French locale must not change them (tests
# that check French set --lang fr or LANG themselves). Set before the package reads the locale.
for _name in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

from observatory.cli import main  # noqa: E402 - after the locale is pinned

TESTS = Path(__file__).parent
FIXTURE_ROOT = TESTS / "fixtures" / "root"
REPO = TESTS.parent

# Validation's cache is on, in a folder of this session's own (this process and the commands it starts).
# An entry is keyed by the root's path and every byte of it and of the package: a test's copy of the fixture
# root, broken or edited, never meets another test's entry, so every message still comes from the real suites;
# the fixture root itself, validated by many tests and the servers and builds they start, is checked once
# (a command that starts then skips importing Great Expectations: 8 s each). tests/test_cache.py tests the
# cache itself, each test in a folder of its own.
os.environ.pop("OBSERVATORY_NO_CACHE", None)
os.environ["OBSERVATORY_CACHE_DIR"] = tempfile.mkdtemp(prefix="observatory-test-cache-")


OBSERVATIONS = "data/observations/figures.csv"  # the fixture root's observation file


def with_texts_in_source_and_comment(root: Path, texts: list[str]) -> Path:
    """The root with row i of its observation file holding texts[i - 1] as its source and its comment (a
    spreadsheet's formula, a look-alike of one...), written as CSV quotes what needs it (a CR)."""
    import csv
    import io

    rows = list(csv.reader((root / OBSERVATIONS).read_text(encoding="utf-8").splitlines()))
    assert len(rows) > len(texts)
    for i, text in enumerate(texts, start=1):
        rows[i][5] = text
        rows[i][6] = text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    (root / OBSERVATIONS).write_text(buffer.getvalue(), encoding="utf-8")
    return root


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


@pytest.fixture
def serve(tmp_path):
    """Start a real `observatory serve` for this test: ``serve(*options, root=FIXTURE_ROOT, env=…, ready=…)``
    (see tests.helpers.served) returns a running Server; every one started is stopped after the test."""
    from tests.helpers import served

    with contextlib.ExitStack() as running:
        def start(*options: str, root: Path = FIXTURE_ROOT, **how):
            log = tmp_path / f"serve-{next(numbers)}.log"
            return running.enter_context(served(root, log, *options, **how))

        numbers = itertools.count(1)
        yield start


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The static site of the fixture root, both editions, built once for the session."""
    from observatory.build import build

    out = tmp_path_factory.mktemp("site")
    report = build(FIXTURE_ROOT, out, jobs=2, say=lambda _: None)
    assert report.ok, report.failed
    return out


ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _ensure_chromium() -> None:
    """Debian's Chromium, installed with apt-get where missing (never a downloaded browser build)."""
    import os
    import subprocess

    if CHROMIUM.exists():
        return
    if os.geteuid() != 0:
        pytest.fail("the browser tests need Debian's chromium: sudo apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def browser():
    _ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors and any request leaving the machine."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.outside_requests = []
    tab.on("console", lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))

    def watch(request):
        url = request.url
        if not url.startswith(("file:", "data:", "blob:", "about:", "http://127.0.0.1", "http://localhost",
                               "ws://127.0.0.1", "ws://localhost")):
            tab.outside_requests.append(url)

    tab.on("request", watch)
    yield tab
    context.close()


def screenshot(tab, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def break_territory_notebook(tmp_path: Path) -> Path:
    """A copy of notebooks/ whose territory dashboard fails on purpose (the others still work)."""
    import json

    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    broken = json.loads((notebooks / "territory.ipynb").read_text())
    broken["cells"].append({"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {},
                            "outputs": [], "source": "raise RuntimeError('territory page broken on purpose')"})
    (notebooks / "territory.ipynb").write_text(json.dumps(broken))
    return notebooks


def axe_violations(page) -> list[str]:
    """axe-core (shipped by axe-playwright-python) run on the page as it is: each violation, readable."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def dashboard_pages(site: Path) -> list[Path]:
    """The site's dashboards (each with its executed notebook), relative to it: not its 404 pages nor the pages of
    the kinds written by the site step (accessibility statements, method pages: no notebook behind them)."""
    from observatory.i18n import LANGS
    from observatory.pages import kinds
    from observatory.site import PageSpec

    written = {PageSpec(kind.name, None, lang).html_path() for kind in kinds.every() if not kind.notebook
               for lang in LANGS}
    return sorted(p.relative_to(site) for p in site.rglob("*.html")
                  if p.name != "404.html" and p.relative_to(site).as_posix() not in written)
