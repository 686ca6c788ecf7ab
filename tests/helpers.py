"""What several test modules share: ports, the observatory command in a process of its own, a real
`observatory serve` started and stopped within bounded waits, the browser steps of the live pages and the
submission desk, and ways to change or fingerprint a copy of a data root. Test modules import this, never
each other."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# --- processes and ports ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def observatory(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The observatory command in a process of its own (``env`` added to this one's)."""
    return subprocess.run([sys.executable, "-m", "observatory", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, stdin=subprocess.DEVNULL)


def answers(url: str) -> bool:
    """``url`` answers without an error status."""
    try:
        urllib.request.urlopen(url, timeout=5)  # noqa: S310 - localhost
        return True
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Server:
    """A running `observatory serve`: its address, process (leading a session of its own) and log."""

    base: str
    port: int
    process: subprocess.Popen
    log: Path


def start_serve(root: Path, port: int, log: Path, *options: str, env: dict | None = None) -> subprocess.Popen:
    """`observatory serve` on ``root`` and ``port``, its output in ``log``, in a session of its own (so that
    stopping it stops Voilà and its kernels too)."""
    if "--explorer-pool-size" not in options:
        # One preheated explorer a language, not serve's crowd-sized pool: a test is a visitor or two, and 20
        # more kernels to start would only slow it down (tests/test_pools.py checks the crowd-sized pools).
        options = (*options, "--explorer-pool-size", "1")
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "observatory", "serve", "--root", str(root), "--port", str(port), *options],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, **(env or {})})


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, log: Path, seconds: float = 120,
               what: str = "observatory serve did not answer", pause: float = 0.5) -> None:
    """Wait for ``ready()``, at most ``seconds``; fail with the log if the process ends first or time runs
    out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped (exit code {process.returncode}): {log.read_text()}")
        if ready():
            return
        time.sleep(pause)
    pytest.fail(f"{what} in {seconds:.0f} s: {log.read_text()}")


def stop(process: subprocess.Popen, sig: int = signal.SIGINT, grace: float = 20) -> None:
    """Stop the process's whole session with ``sig``; killed if it has not ended within ``grace`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def voila_answers(server: Server) -> bool:
    """Voilà serves its static files: the server is up, whatever its kernel pools."""
    return answers(server.base + "/voila/static/voila.js")


@contextlib.contextmanager
def served(root: Path, log: Path, *options: str, env: dict | None = None,
           ready: Callable[[Server], bool] = voila_answers, seconds: float = 120, what: str = "",
           sig: int = signal.SIGINT) -> Iterator[Server]:
    """A real `observatory serve` on a free port, started, waited for (until ``ready(server)``, at most
    ``seconds``) and stopped with ``sig`` at the end of the block, whatever happens in it."""
    port = free_port()
    process = start_serve(root, port, log, *options, env=env)
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    try:
        wait_until(lambda: ready(server), process, log, seconds, what or "observatory serve did not answer")
        yield server
    finally:
        stop(process, sig)


# --- the live pages and the submission desk, in a browser -----------------------------------------------


def open_live(page, url: str, timeout: float = 60000) -> None:
    """Open a Voilà page and wait for its first chart (no reload: a page that stalls fails)."""
    page.goto(url, wait_until="commit", timeout=90000)
    page.wait_for_selector(".js-plotly-plot svg.main-svg", timeout=timeout)


def open_desk(page, base: str) -> None:
    page.goto(base + "/voila/render/submit.ipynb", wait_until="commit", timeout=90000)
    page.wait_for_selector("text=Vérifier le fichier", timeout=90000)


def choose(page, name: str, content: str | bytes) -> None:
    """Choose a file with the page's button (ipywidgets' FileUpload: a button that opens the chooser)."""
    with page.expect_file_chooser() as chooser:
        page.click(".submit-upload")
    data = content.encode("utf-8") if isinstance(content, str) else content
    chooser.value.set_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def send(page, server, name: str, content: str, secret: str, replace: bool = False) -> str:
    """Pick alpha, type the secret, choose the file, tick replace or not, check: the outcome's text."""
    page.select_option("select", label="Coalition Alpha")
    page.fill("input[type=password]", secret)
    choose(page, name, content)
    page.wait_for_selector(f"text=Fichier choisi : {name}")
    box = page.locator("input[type=checkbox]")
    if box.is_checked() != replace:
        box.click()
    page.click("button:has-text('Vérifier le fichier')")
    return next_outcome(page)


def next_outcome(page) -> str:
    """The text of the page's next outcome (each one is numbered: data-sequence)."""
    page.sequence = getattr(page, "sequence", 0) + 1
    return page.wait_for_selector(f".submit-outcome[data-sequence='{page.sequence}']", timeout=120000).inner_text()


# --- copies of a data root ------------------------------------------------------------------------------

OBS = "data/observations/figures.csv"  # the fixture root's observation file
ALPHA = "data/coalitions/alpha.yml"


def replace(root: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def append(root: Path, name: str, text: str) -> None:
    with (root / name).open("a", encoding="utf-8") as f:
        f.write(text)


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the root by its checksum: equal snapshots, nothing written."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".observatory.lock")}
    # (the root's lock file is the OS lock every writer takes: empty, not data)


def write_csv(path: Path, rows, separator=",", encoding="utf-8", line_end="\n") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=separator, lineterminator=line_end).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def many_communes(root, count: int = 40) -> None:
    """``count`` communes of Rennes Métropole, each with a territory-wide figure."""
    data = root / "data"
    with (data / "territories.csv").open("a", encoding="utf-8") as f:
        f.writelines(f"commune-{i},Commune {i:02d},commune,rennes-metropole,,,\n" for i in range(count))
    (data / "observations" / "communes.csv").write_text(
        "indicator,territory,date,value\n" + "".join(f"people-trained,commune-{i},2021-12-31,{i}\n"
                                                     for i in range(count)), encoding="utf-8")


def fill_template(template: Path, indicator: str, territory: str, date: str, **values: object) -> int:
    """Type ``values`` (column → value) into the rows of a leads' .xlsx template for ``indicator`` ×
    ``territory`` at ``date`` (YYYY-MM-DD), as a lead would, and save it; how many rows were filled."""
    from openpyxl import load_workbook

    book = load_workbook(template)
    sheet = book["Saisie"]
    header = [c.value for c in sheet[1]]
    filled = 0
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row))
        if (cells["indicator"].value, cells["territory"].value) == (indicator, territory) \
                and str(cells["date"].value).startswith(date):
            for column, value in values.items():
                cells[column].value = value
            filled += 1
    book.save(template)
    return filled
