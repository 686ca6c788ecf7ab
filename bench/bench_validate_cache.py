"""Benchmark: `observatory validate` on an unchanged root, with the validation cache.

    python bench/bench_validate_cache.py [--runs 5] [--communes 0]

Times the whole command (interpreter start and imports included) on the shipped
data root: without the cache (--no-cache), the first run (suites run, outcome
stored) and the following runs (outcome read back). Then profiles the imports of
a warm run (`python -X importtime`) and checks that none of the heavy libraries
is imported. With --communes N, does the same on the synthetic national-scale
root of bench_progress.py. The cache goes to a temporary folder, never the user's.
Figures measured on the project's 2-core machine are in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("great_expectations", "nbformat", "papermill", "plotly", "scipy", "matplotlib", "jupyter_client")


def run(root: Path, env: dict, *options: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "observatory", "validate", "--root", str(root), *options],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"validate failed:\n{done.stderr}")
    return seconds


def import_profile(root: Path, env: dict) -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "observatory", "validate", "--root", str(root)],
                          env=env, capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split(":", 1)[1].split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name[1:]))  # one space, then two more per level of nesting
    top_level = [(us, name) for us, name in rows if not name.startswith(" ")]
    print("  warm run, top-level imports by cumulative time:")
    for us, name in sorted(top_level, reverse=True)[:8]:
        print(f"    {us / 1000:7.1f} ms  {name}")
    imported = {name.strip().split(".")[0] for _, name in rows}
    heavy = [h for h in HEAVY if h in imported]
    print(f"  heavy libraries imported on the warm path: {', '.join(heavy) or 'none'}")


def bench(root: Path, label: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "OBSERVATORY_CACHE_DIR": cache}
        env.pop("OBSERVATORY_NO_CACHE", None)
        print(f"{label}: {root}")
        print(f"  --no-cache: {run(root, env, '--no-cache'):.2f} s")
        print(f"  first run (suites, then stored): {run(root, env):.2f} s")
        warm = [run(root, env) for _ in range(runs)]
        print(f"  unchanged root, {runs} runs: median {statistics.median(warm):.2f} s "
              f"(min {min(warm):.2f}, max {max(warm):.2f})")
        sys.path.insert(0, str(REPO))
        from observatory import cache as cache_module

        started = time.perf_counter()
        cache_module.root_digest(root)
        digest = time.perf_counter() - started
        started = time.perf_counter()
        cache_module.code_digest()
        print(f"  digest of the root: {digest * 1000:.0f} ms; of the package and versions: "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        size = sum(p.stat().st_size for p in Path(cache).iterdir())
        print(f"  cache entry: {size / 1e6:.1f} MB")
        import_profile(root, env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--communes", type=int, default=0, help="also a synthetic root of N communes")
    args = parser.parse_args()
    bench(REPO, "shipped data root", args.runs)
    if args.communes:
        sys.path.insert(0, str(REPO / "bench"))
        from bench_progress import make_root

        with tempfile.TemporaryDirectory() as folder:
            targets, observations = make_root(Path(folder), args.communes, 3)
            size = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
            bench(Path(folder), f"synthetic root ({targets} targets, {observations} observations, "
                                f"{size / 1e6:.0f} MB)", args.runs)


if __name__ == "__main__":
    main()
