"""Benchmark: `observatory import-source decoupage-administratif` with the whole real package.

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0
    python bench/bench_territories.py /tmp/etalab-decoupage-administratif-6.0.0.tgz

Imports every région, département, EPCI and commune (about 35,000 communes) into a
temporary copy of the shipped data root (indicators/ and data/), in this process,
through the command's own code (`sources.import_source`: read, convert, check the
whole root in a scratch copy, commit); then imports again (nothing to write) and
validates the imported root without the cache. Reports each step's wall and CPU time, the
conversion's peak of Python allocations (tracemalloc, a separate run of the
conversion alone) and the process's peak resident memory (getrusage). Figures
measured on the project's 2-core machine are in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["OBSERVATORY_NO_CACHE"] = "1"  # nothing kept in the user's cache


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package", help="the .tgz of npm pack @etalab/decoupage-administratif@6.0.0, or its folder")
    args = parser.parse_args()
    from observatory import sources
    from observatory.sources import decoupage
    from observatory.validate import validated

    package = Path(args.package)
    print(f"package: {package} ({package.stat().st_size / 1e6:.1f} MB)" if package.is_file() else package)
    print(f"peak RSS after the imports of Python modules: {peak_rss_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "root"
        shutil.copytree(REPO / "indicators", root / "indicators")
        shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("submissions"))
        before = (root / "data" / "territories.csv").stat().st_size

        tracemalloc.start()
        started = time.perf_counter()
        conversion = decoupage.PLUGIN.convert(root, package)
        convert_s = time.perf_counter() - started
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del conversion
        print(f"conversion alone (read the package, match, write the table in memory): {convert_s:.2f} s "
              f"under tracemalloc, peak of Python allocations {traced_peak / 1e6:.0f} MB")

        started, cpu = time.perf_counter(), time.process_time()
        report = sources.import_source(root, decoupage.PLUGIN, package, {})
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"import (convert, check the whole root, commit): {import_s:.2f} s ({import_cpu:.2f} s CPU) — "
              f"{report.messages[0]}")
        print(f"peak RSS so far: {peak_rss_mb():.0f} MB")

        table = root / "data" / "territories.csv"
        with table.open(encoding="utf-8") as f:
            levels = Counter(row["level"] for row in csv.DictReader(f))
        print(f"data/territories.csv: {before / 1e3:.1f} kB → {table.stat().st_size / 1e6:.2f} MB, rows by level: "
              + ", ".join(f"{level} {count}" for level, count in levels.items()))

        started, cpu = time.perf_counter(), time.process_time()
        again = sources.import_source(root, decoupage.PLUGIN, package, {})
        print(f"import again (nothing to write: {not again.files}): {time.perf_counter() - started:.2f} s "
              f"({time.process_time() - cpu:.2f} s CPU)")
        with table.open(encoding="utf-8") as f:
            france = next(row for row in csv.DictReader(f) if row["id"] == "fr")
        print(f"France's population (the sum of its régions'): {france['population']}")

        started, cpu = time.perf_counter(), time.process_time()
        validated(root, use_cache=False)
        print(f"observatory validate --no-cache on the imported root: {time.perf_counter() - started:.2f} s "
              f"({time.process_time() - cpu:.2f} s CPU)")
        print(f"peak RSS of the whole run: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
