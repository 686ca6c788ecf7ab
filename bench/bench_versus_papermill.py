"""Issue 9's goals, measured side by side in one run on a copy of the shipped data root.

    python bench/bench_versus_papermill.py [--sample 6] [--workers 1,2]

1. the by-hand loop the observatory replaces — the ``papermill`` command, then
   ``jupyter nbconvert --to html --no-input`` — over a sample of the site's pages (each costs
   20–30 s: the sample's per-page cost is extrapolated to the whole site, and said so);
2. ``observatory build`` from scratch over the whole site (a fresh output folder, validation
   not cached), then again with nothing changed;
3. ``observatory validate`` on an unchanged root (cache on, as users have it);
4. one observation changed: which pages run again, and how long it takes;
5. the same site on a Dask ``LocalCluster`` of 1 and 2 workers (``--scheduler``).

Every command runs as a subprocess, start-up included, as a user runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str, env: dict | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout + done.stderr


def observatory(*args: str, env: dict | None = None) -> tuple[float, str]:
    return run(str(BIN / "observatory"), *args, env=env)


def by_hand(site: Path, root: Path, keys: list[str], work: Path) -> list[float]:
    """papermill then nbconvert, page by page, as one would without the observatory."""
    costs = []
    for key in keys:
        base, _, lang = key.partition("@")
        kind, _, ident = base.partition(":")
        notebook = REPO / "notebooks" / {"programme": "programme.ipynb", "coalition": "coalition.ipynb",
                                         "territory": "territory.ipynb", "self-data": "self_data.ipynb"}[kind]
        parameters = ["-p", "lang", lang or "fr", "-p", "results_dir", str(site / "data" / "tables"),
                      "-p", "root", str(root)]
        if kind in ("coalition", "territory"):
            parameters += ["-p", kind, ident]
        executed = work / f"{key.replace(':', '-').replace('@', '-')}.ipynb"
        started = time.perf_counter()
        run(str(BIN / "papermill"), str(notebook), str(executed), *parameters, "--cwd", str(REPO / "notebooks"))
        run(str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed))
        costs.append(time.perf_counter() - started)
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=6, help="pages run by hand (default 6)")
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes (default 1,2; empty: none)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-versus-") as tmp:
        tmp = Path(tmp)
        root = tmp / "root"
        for folder in ("data", "indicators"):
            shutil.copytree(REPO / folder, root / folder)
        site, cache = tmp / "site", tmp / "cache"
        cold = {"OBSERVATORY_NO_CACHE": "1"}
        warm_cache = {"OBSERVATORY_CACHE_DIR": str(cache), "OBSERVATORY_NO_CACHE": ""}

        # Three builds from scratch, each into a new folder: on 2 cores one run varies by several seconds.
        scratches = [observatory("build", "--root", str(root), "--out", str(tmp / f"scratch-{n}"), env=cold)[0]
                     for n in range(2)]
        scratch, said = observatory("build", "--root", str(root), "--out", str(site), env=cold)
        scratches.append(scratch)
        scratch = statistics.median(scratches)
        state = json.loads((site / ".build-state.json").read_text())
        keys = sorted(state["pages"])
        observatory("validate", "--root", str(root), env=warm_cache)  # fills the cache
        # The first build with the cache on computes the site's data and keeps it; the next ones are what a user
        # sees when nothing changed.
        first_unchanged, _ = observatory("build", "--root", str(root), "--out", str(site), env=warm_cache)
        unchanged_builds = [observatory("build", "--root", str(root), "--out", str(site), env=warm_cache)[0]
                            for _ in range(3)]
        unchanged_validate = [observatory("validate", "--root", str(root), env=warm_cache)[0] for _ in range(3)]

        # one observation changed: the first row of the first observations file
        observations = sorted((root / "data" / "observations").glob("*.csv"))[0]
        lines = observations.read_text(encoding="utf-8").splitlines(keepends=True)
        header, first = lines[0].split(","), lines[1].split(",")
        value = header.index("value")
        first[value] = repr(float(first[value]) + 1)
        lines[1] = ",".join(first)
        observations.write_text("".join(lines), encoding="utf-8")
        one_changed, said_one = observatory("build", "--root", str(root), "--out", str(site), env=warm_cache)
        ran_again = next(line for line in said_one.splitlines() if "dashboards:" in line)

        sample = [k for k in keys if k.startswith("programme")][:1] + \
            [k for k in keys if k.startswith("coalition:")][: (args.sample - 1) // 2] + \
            [k for k in keys if k.startswith("territory:")][: args.sample - 1 - (args.sample - 1) // 2]
        work = tmp / "by-hand"
        work.mkdir()
        hand = by_hand(site, root, sample, work)

        clusters = []
        for n in [int(w) for w in args.workers.split(",") if w.strip()]:
            from distributed import LocalCluster

            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=50) as cluster:
                seconds, _ = observatory("build", "--root", str(root), "--out", str(tmp / f"site-dask-{n}"),
                                         "--scheduler", cluster.scheduler_address, env=warm_cache)
            clusters.append((n, seconds))

    pages = len(keys)
    per_hand = statistics.mean(hand)
    print(f"shipped root, {pages} pages, {os.cpu_count()} cores")
    print("| what | time | per page |")
    print("| --- | --- | --- |")
    print(f"| by hand: papermill + nbconvert, {len(hand)} pages ({', '.join(sample)}) | {sum(hand):.1f} s | "
          f"{per_hand:.1f} s (min {min(hand):.1f}, max {max(hand):.1f}) |")
    print(f"| by hand, extrapolated to the {pages} pages | {per_hand * pages:.0f} s | |")
    print(f"| `observatory build` from scratch (validation not cached), median of 3 "
          f"({', '.join(f'{s:.1f}' for s in scratches)} s) | {scratch:.1f} s | {scratch / pages:.2f} s |")
    print(f"| ratio | **{per_hand * pages / scratch:.0f}×** (from {per_hand * pages / max(scratches):.0f}× to "
          f"{per_hand * pages / min(scratches):.0f}×) | |")
    print(f"| rebuild, nothing changed (3 runs; the first build with the cache on, which keeps the site's data: "
          f"{first_unchanged:.2f} s) | {min(unchanged_builds):.2f}–{max(unchanged_builds):.2f} s | |")
    print(f"| `observatory validate`, unchanged root (3 runs) | {min(unchanged_validate):.2f}–"
          f"{max(unchanged_validate):.2f} s | |")
    print(f"| one observation changed ({ran_again.strip()}) | {one_changed:.1f} s | |")
    for n, seconds in clusters:
        print(f"| `--scheduler`, LocalCluster of {n} worker(s), from scratch | {seconds:.1f} s | "
              f"{pages / seconds:.2f} pages/s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
