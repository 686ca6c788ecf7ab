"""``observatory build --watch``: a lead saves a file, the pages that show it are rebuilt and named;
a file saved with a mistake gets the usual message and the pages stay as they were; Ctrl-C ends it cleanly."""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

from tests.conftest import FIXTURE_ROOT


class Lines:
    """The lines a running command prints, waited for with a timeout."""

    def __init__(self, stream):
        self.seen: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def until(self, text: str, timeout: float = 120) -> list[str]:
        """Every line up to the first one containing ``text``."""
        deadline, got = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got
        raise AssertionError(f"no line with {text!r} after {timeout} s; seen:\n" + "\n".join(self.seen))


def test_watch_rebuilds_what_a_saved_file_touches_and_keeps_pages_on_a_mistake(built_site, tmp_path):
    root, out = tmp_path / "root", tmp_path / "site"
    shutil.copytree(FIXTURE_ROOT, root)
    shutil.copytree(built_site, out)
    # started with SIGINT ignored, as under a CI runner or a background job: Ctrl-C must still stop it
    process = subprocess.Popen([sys.executable, "-m", "observatory", "build", "--watch", "--root", str(root),
                                "--out", str(out), "--jobs", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        lines = Lines(process.stdout)
        assert "every page is up to date" in "\n".join(lines.until("watching"))

        # a new figure for beta's target on rennes: beta, rennes and the programme change; alpha does not
        figures = root / "data" / "observations" / "figures.csv"
        alpha_before = (out / "coalitions" / "alpha.html").read_bytes()
        with figures.open("a", encoding="utf-8") as f:
            f.write("people-trained,rennes,2021-06-30,10,beta,Registre,\n")
        said = "\n".join(lines.until("open file://"))
        assert "changed: data/observations/figures.csv" in said
        rebuilt = sorted(line.split()[1].rstrip(":") for line in said.splitlines() if line.startswith("rebuilt "))
        assert rebuilt == sorted(f"{k}{s}" for k in ("programme", "coalition:beta", "territory:rennes")
                                 for s in ("", "@en"))
        assert f"rebuilt coalition:beta: {(out / 'coalitions' / 'beta.html').as_uri()}" in said
        assert "Progrès limité" in (out / "coalitions" / "beta.html").read_text(encoding="utf-8")
        assert (out / "coalitions" / "alpha.html").read_bytes() == alpha_before

        # a mistake: the message names the file, the row and the value; no page changes
        pages = {path: path.read_bytes() for path in out.rglob("*.html")}
        with figures.open("a", encoding="utf-8") as f:
            f.write("people-trained,rennes,2021-09-30,dix,beta,Registre,\n")
        said = "\n".join(lines.until("no page was rebuilt"))
        assert "figures.csv" in said and "'dix'" in said, said
        assert {path: path.read_bytes() for path in out.rglob("*.html")} == pages
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 130
    assert not any("Traceback" in line for line in lines.seen), "\n".join(lines.seen)
