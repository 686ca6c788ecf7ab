"""One import into a root whose history already holds many entries: time and peak memory.

    python bench/bench_import_history.py [--history-rows 300000] [--runs 3]

Each run: a fresh copy of the fixture root with ``--history-rows`` old entries in data/history.csv,
then ``observatory import`` of a file of 5 figures, as a subprocess (start-up included). Prints the
wall time and the peak resident memory of that process, and checks the history gained 5 entries and
kept every old one. The peak is the import process's own (VmHWM, read by the process itself as it exits:
a forked child's ru_maxrss would count the pages of this script too).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_injection import HEADER, figure, fresh_root, rows_of, write_csv  # noqa: E402


PEAK = """
import atexit, sys
from observatory.cli import main
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("VmHWM " + status.split("VmHWM:")[1].split()[0] + "\\n")
atexit.register(peak)
sys.exit(main(sys.argv[1:]))
"""


def one_run(folder: Path, history_rows: int) -> tuple[float, float]:
    root = fresh_root(folder, history_rows)
    sent = write_csv(folder / "envoi.csv", [HEADER, *[figure(k) for k in range(5)]])
    env = {**os.environ, "OBSERVATORY_NO_CACHE": "1"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", PEAK, "import", str(sent), "--coalition", "alpha",
                           "--root", str(root)], capture_output=True, text=True, env=env)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    peak_kb = int(done.stderr.rsplit("VmHWM ", 1)[1].split()[0])
    entries = sum(1 for _ in rows_of(root / "data" / "history.csv"))
    assert entries == history_rows + 5, entries
    return elapsed, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history-rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(1, args.runs + 1):
            elapsed, peak = one_run(Path(scratch), args.history_rows)
            print(f"run {run}: import of 5 figures with {args.history_rows:,} history entries: "
                  f"{elapsed:.2f} s, peak {peak:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
