"""``observatory build`` from scratch: papermill's engine (a new kernel per page) against warm kernels.

    python bench/bench_build.py [--root tests/fixtures/root] [--jobs 2] [--engines default,warm]

Each engine builds the root's site into a new temporary folder (``--force``: every page runs). Printed per
engine: wall time of the build, pages per second, and each page's own cost in its worker (execution and
rendering; the first page of each worker also pays its kernel's start when warm).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO / "tests" / "fixtures" / "root")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engines", default="default,warm")
    args = parser.parse_args(argv)

    from observatory.build import build

    print(f"root {args.root}, --jobs {args.jobs}")
    print("| engine | pages | wall time | pages/s | per page, median (min–max) | wall time per page × jobs |")
    print("| --- | --- | --- | --- | --- | --- |")
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-build-") as out:
            started = time.perf_counter()
            report = build(args.root, Path(out), jobs=args.jobs, force=True, engine=engine, say=lambda _: None)
            wall = time.perf_counter() - started
        if not report.ok:
            print(f"{engine}: {len(report.failed)} page(s) failed: {report.failed[:3]}", file=sys.stderr)
            return 1
        costs = sorted(page["seconds"] for page in report.built)
        n = len(costs)
        print(f"| {engine} | {n} | {wall:.1f} s | {n / wall:.2f} | {statistics.median(costs):.2f} s "
              f"({costs[0]:.2f}–{costs[-1]:.2f}) | {wall * args.jobs / n:.2f} s |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
