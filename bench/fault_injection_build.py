"""Fault injection for ``observatory build``: ``kill -9`` at random moments, then recover.

    python bench/fault_injection_build.py [--runs 10] [--seed 1] [--jobs 2]

On a copy of the fixture root (tests/fixtures/root), each run changes one figure,
starts a build of the French edition with ``--force``, kills it with SIGKILL
after a random delay (up to the length of a whole build), then checks:

- no orphan: every worker and kernel the build started is gone within 5 s;
- a normal build then succeeds (exit 0);
- no temporary or truncated file in OUT: no ``*.observatory-tmp`` or ``*.tmp``
  file, every page ends with ``</html>`` and parses with balanced html/head/body,
  every CSV the state records ends with a newline, plotly.min.js equals the
  package's copy;
- the site matches the state: every page the state records exists, none is
  marked out of date, and the next build has nothing to run.

It prints one line per run and ``recovered R / N runs``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
FIXTURE_ROOT = REPO / "tests" / "fixtures" / "root"


def observatory(*args) -> list[str]:
    return [sys.executable, "-m", "observatory", *[str(a) for a in args]]


class _Balance(HTMLParser):
    WATCHED = ("html", "head", "body")

    def __init__(self):
        super().__init__()
        self.depth = {tag: 0 for tag in self.WATCHED}

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1


def page_problem(path: Path) -> str | None:
    text = path.read_text(encoding="utf-8")
    if not text.rstrip().endswith("</html>"):
        return f"{path}: truncated (does not end with </html>)"
    parser = _Balance()
    parser.feed(text)
    parser.close()
    if any(parser.depth.values()):
        return f"{path}: unbalanced {parser.depth}"
    return None


def killed_build(root: Path, out: Path, jobs: int, delay: float) -> tuple[int, float]:
    """Start a build, SIGKILL it after ``delay`` s; return (survivors, seconds for its descendants to die)."""
    process = subprocess.Popen(observatory("build", "--root", root, "--out", out, "--lang", "fr", "--force",
                                           "--jobs", jobs), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(psutil.Error):
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = time.monotonic()
    gone, alive = psutil.wait_procs(list(seen.values()), timeout=5)
    took = time.monotonic() - killed
    for survivor in alive:
        with contextlib.suppress(psutil.Error):
            survivor.kill()
    return len(alive), took if seen else 0.0


def check_site(out: Path) -> list[str]:
    problems = []
    leftovers = [p for p in out.rglob("*") if p.is_file() and (p.name.endswith(".observatory-tmp")
                                                                or p.name.endswith(".tmp"))]
    problems += [f"temporary file left: {p}" for p in leftovers]
    state = json.loads((out / ".build-state.json").read_text())
    for key, entry in state["pages"].items():
        page = out / entry.get("html", "")
        if not page.is_file():
            problems.append(f"{key}: {page} missing")
            continue
        problem = page_problem(page)
        if problem:
            problems.append(problem)
        if 'role="alert"' in page.read_text(encoding="utf-8") or entry.get("digest") is None:
            problems.append(f"{key}: marked out of date")
    for relative in state["files"]:
        content = (out / relative).read_bytes()
        if not content.endswith(b"\n"):
            problems.append(f"{relative}: truncated")
    import plotly

    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if (out / "assets" / "plotly.min.js").read_bytes() != shipped.read_bytes():
        problems.append("assets/plotly.min.js differs from plotly's")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="fault-build-") as tmp:
        root, out = Path(tmp) / "root", Path(tmp) / "site"
        shutil.copytree(FIXTURE_ROOT, root)
        started = time.monotonic()
        subprocess.run(observatory("build", "--root", root, "--out", out, "--lang", "fr", "--jobs", args.jobs),
                       check=True, stderr=subprocess.DEVNULL)
        whole = time.monotonic() - started
        print(f"a whole build of the French edition: {whole:.1f} s; kills at 0–{whole:.0f} s")

        recovered, death_times = 0, []
        for run in range(1, args.runs + 1):
            with (root / "data" / "observations" / "figures.csv").open("a") as f:
                f.write(f"people-trained,rennes,2021-{(run - 1) % 12 + 1:02d}-{(run - 1) // 12 + 1:02d},"
                        f"{300 + run},alpha,Registre,fault injection run {run}\n")
            delay = rng.uniform(0, whole)
            survivors, took = killed_build(root, out, args.jobs, delay)
            death_times.append(took)
            problems = [f"{survivors} process(es) survived the build"] if survivors else []
            done = subprocess.run(observatory("build", "--root", root, "--out", out, "--lang", "fr",
                                              "--jobs", args.jobs), capture_output=True, text=True)
            if done.returncode != 0:
                problems.append(f"the build after the kill failed: {done.stderr.strip()[-300:]}")
            else:
                problems += check_site(out)
                again = subprocess.run(observatory("build", "--root", root, "--out", out, "--lang", "fr"),
                                       capture_output=True, text=True)
                if again.returncode != 0 or not re.search(r": 0 to run,", again.stderr):
                    problems.append(f"the next build did not find the site up to date: {again.stderr.strip()}")
            recovered += not problems
            print(f"run {run}: killed at {delay:.1f} s, descendants gone {took:.1f} s after the kill: "
                  + ("recovered" if not problems else "NOT recovered: " + "; ".join(problems)), flush=True)
        print(f"recovered {recovered} / {args.runs} runs; descendants gone at most "
              f"{max(death_times):.1f} s after the kill")
        return 0 if recovered == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
