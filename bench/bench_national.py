"""National scale: France's communes × 25 indicators × 10 years, loaded, validated, computed and rolled up.

    python bench/bench_national.py [--communes 35000] [--indicators 25] [--years 10] [--bad 10] [--parquet]
                                    [--realistic] [--commands | --commands-only]

Writes a data root in a temporary folder: a geography shaped like France's (communes in 1,250 EPCI,
101 départements, 18 régions, France, with populations that add up), 25 indicators (sums, rates weighted by
population, means, maxima), one observation file with a figure per commune, indicator and year (35,000 × 25
× 10 = 8.75 M rows), and ``--bad`` rows made wrong in it. Then, in one process, as ``observatory validate``
and ``build`` do: load the root, check it (the problems: those ``--bad`` rows, worded as on a small file),
and with ``--bad 0`` compute the results (roll-ups included). Prints each step's time and the peak memory.
``--parquet``: the observation file as Parquet instead (``communes.parquet``, written by DuckDB from the CSV:
dates as DATE and values as DOUBLE, as an export would type them; every column as text with ``--bad``, whose
wrong cells no typed column could hold). Its messages are the CSV's, file name aside.

``--realistic``: the figures in five files (five indicators each) shaped like real exports: a ``comment``
column, filled on a few per cent of rows with quoted texts holding commas (one holding a decimal comma),
quoted numbers on a few per cent of rows, CRLF line ends in one file, a BOM in another; with ``--bad``, the
faults are spread over the five files, plus two with quotes (a quoted decimal comma, an unquoted one in a row
with a quoted comment). ``--commands`` then also runs ``observatory validate --no-cache`` and ``observatory
progress --no-cache`` on the root, each in its own process, and reports each one's CPU time and peak memory
(the goals of issue 23: under 60 s of CPU and 4 GB each), and whether the faults named are exactly those
planted, each by its file and row; ``--commands-only``: those two commands, not the in-process steps.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_rollup import geography  # noqa: E402

AGGREGATIONS = ("sum", "weighted-mean", "mean", "max")


def _territories_and_indicators(folder: Path, communes: int, indicators: int):
    """The root's folders, its territories (from bench_rollup's geography) and its indicator files: what
    both roots share."""
    territories = geography(communes)
    (folder / "data" / "observations").mkdir(parents=True)
    (folder / "data" / "coalitions").mkdir()
    territories.assign(name=territories["id"], code_insee="", siren="", iso_3166="")[
        ["id", "name", "level", "parent", "code_insee", "siren", "iso_3166", "population"]].to_csv(
        folder / "data" / "territories.csv", index=False)
    quality = folder / "indicators" / "inclusif"
    quality.mkdir(parents=True)
    for i in range(indicators):
        (quality / f"i{i}.yml").write_text(
            f"id: i{i}\nname: {{fr: Indicateur {i}, en: Indicator {i}}}\nquality: inclusif\nunit: '%'\n"
            f"direction: increase\ndescription: bench\nmethod: bench\nsource: {{name: bench}}\n"
            f"aggregation: {AGGREGATIONS[i % 4]}\n", encoding="utf-8")
    return territories


def make_root(folder: Path, communes: int, indicators: int, years: int, bad: int) -> int:
    territories = _territories_and_indicators(folder, communes, indicators)
    ids = territories[territories["level"] == "commune"]["id"].to_numpy()
    rng = np.random.default_rng(2)
    path = folder / "data" / "observations" / "communes.csv"
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("indicator,territory,date,value\n")
        for i in range(indicators):  # one indicator at a time: the file is written in slices
            for year in range(2015, 2015 + years):
                values = np.round(rng.random(len(ids)) * 100, 2).astype(str)
                out.write("".join(f"i{i},{c},{year}-12-31,{v}\n" for c, v in zip(ids, values)))
                rows += len(ids)
    if bad:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        wrong = ["i0,atlantis,2021-12-31,1\n", "i1,c1,2021-13-01,1\n", "i2,c2,2021-12-31,abc\n", "nope,c3,2021,1\n",
                 "i3,c4,31/12/2021,1\n", "i4,c5,2021-12-31,1e16\n", "i5,c6,1850,1\n", "i6,c7,2021-12-31,\n",
                 "i7,,2021-12-31,3\n", "i0,c0,2015-12-31,7\n"]  # the last repeats the file's first figure
        for n in range(bad):
            lines.insert(1 + (n + 1) * (len(lines) - 1) // (bad + 1), wrong[n % len(wrong)])
        path.write_text("".join(lines), encoding="utf-8")
    return rows + bad


# The faults of realistic files: those of make_root, at a date no other figure has (else the figure of that
# date would be named too, as repeating the fault), but the last, which repeats the first figure of i0.
WRONG = ["i0,atlantis,2026-06-30,1", "i1,c1,2021-13-01,1", "i2,c2,2026-06-30,abc", "nope,c3,2021,1",
         "i3,c4,31/12/2021,1", "i4,c5,2026-06-30,1e16", "i5,c6,1850,1", "i6,c7,2026-06-30,",
         "i7,,2026-06-30,3", "i0,c0,2015-12-31,7"]
# Two more, with quotes: a quoted decimal comma (not a number), and an unquoted one that splits the value in
# two cells, in a row whose comment is quoted.
WRONG_QUOTED = ['i8,c8,2026-06-30,"3,7",', 'i9,c9,2026-06-30,4,2,"estimation, à revoir"']
COMMENTS = ['"relevé partiel, à confirmer"', '"source : enquête 2021, redressée"', '"écart de 3,7 % avec N-1"',
            '"saisie ""manuelle"", vérifiée"']
FILES = 5


def make_realistic_root(folder: Path, communes: int, indicators: int, years: int, bad: int) -> tuple[int, list]:
    """The root of --realistic: five files, quoted comments and numbers, CRLF in one, a BOM in another; the
    faults planted (file, row, line)."""
    territories = _territories_and_indicators(folder, communes, indicators)
    ids = territories[territories["level"] == "commune"]["id"].to_numpy().astype(object)
    rng = np.random.default_rng(2)
    wrong = [WRONG[n % len(WRONG)] + "," for n in range(bad)] + (WRONG_QUOTED if bad else [])

    def file_of(fault: str) -> int:
        indicator = fault.split(",", 1)[0][1:]
        return min(int(indicator) if indicator.isdigit() else 0, indicators - 1) * FILES // indicators

    rows, planted = 0, []
    for k in range(FILES):  # one file at a time: 8.75 M lines are not all held at once
        lines = ["indicator,territory,date,value,comment"]
        for i in (i for i in range(indicators) if i * FILES // indicators == k):
            for year in range(2015, 2015 + years):
                values = np.round(rng.random(len(ids)) * 100, 2).astype(str).astype(object)
                quoted = rng.random(len(ids)) < 0.03
                values[quoted] = '"' + values[quoted] + '"'
                comments = np.full(len(ids), "", dtype=object)
                commented = np.flatnonzero(rng.random(len(ids)) < 0.03)
                comments[commented] = np.array(COMMENTS, dtype=object)[commented % len(COMMENTS)]
                lines.extend(f"i{i},{c},{year}-12-31,{v},{m}" for c, v, m in zip(ids, values, comments))
                rows += len(ids)
        mine = [fault for fault in wrong if file_of(fault) == k]
        for n, fault in enumerate(mine):  # each after the last: the rows of those before do not move
            at = 1 + (n + 1) * (len(lines) - 1) // (len(mine) + 1)
            lines.insert(at, fault)
            planted.append((f"communes-{k + 1}.csv", at + 1, fault))  # the header is row 1
        end = "\r\n" if k == 1 else "\n"  # CRLF in the second file
        text = ("\ufeff" if k == 2 else "") + end.join(lines) + end  # a BOM in the third
        del lines
        (folder / "data" / "observations" / f"communes-{k + 1}.csv").write_text(text, encoding="utf-8", newline="")
    return rows + len(wrong), planted


def named_as_planted(lines: list[str], planted: list[tuple[str, int, str]]) -> str:
    """Does a command's output name the planted faults, each by its file and row, and nothing else?"""
    problems = [line for line in lines if re.match(r"data/observations/[^,]+, row \d+, ", line)]
    named = sorted((line.split(",", 1)[0].rsplit("/", 1)[1], int(line.split(", row ", 1)[1].split(",", 1)[0]))
                   for line in problems)
    expected = sorted((file, row) for file, row, _ in planted)
    summary = re.compile(r".*: (\d+ problem\(s\)[.;]|OK — )|wrote ")  # a command's last line
    others = [line for line in lines if line not in problems and not summary.match(line)]
    if named == expected and not others:
        return (f"named: the {len(expected)} faults planted (file and row), nothing else" if expected else
                "named: no problem, none planted")
    return (f"NOT the faults planted: {len(named)} named, {len(expected)} planted; missing "
            f"{sorted(set(expected) - set(named))}, more {sorted(set(named) - set(expected))}, other lines {others[:3]}")


def run_command(*args: str) -> tuple[int, float, float, str]:
    """One command in its own process: exit code, CPU seconds (user + system), peak resident MB, stderr."""
    process = subprocess.Popen([sys.executable, "-m", "observatory", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "OBSERVATORY_NO_CACHE": "1"})
    err = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, err


def to_parquet(csv_path: Path, typed: bool) -> Path:
    """The observation file as Parquet beside it (the CSV removed): what a large export would be."""
    import duckdb

    path = csv_path.with_suffix(".parquet")
    columns = ("indicator, territory, CAST(date AS DATE) AS date, CAST(value AS DOUBLE) AS value" if typed
               else "indicator, territory, date, value")
    if csv_path.read_bytes()[:200].split(b"\n", 1)[0].rstrip().endswith(b",comment"):  # --realistic: kept
        columns += ", comment"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT {columns} FROM read_csv('{csv_path}', all_varchar = true, header = true)) "
                    f"TO '{path}' (FORMAT parquet)")
    csv_path.unlink()
    return path


def cpu_s() -> float:
    """User and system time of the process so far: less sensitive than wall time to a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=35000)
    parser.add_argument("--indicators", type=int, default=25)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--bad", type=int, default=0)
    parser.add_argument("--parquet", action="store_true", help="the observation file(s) as Parquet")
    parser.add_argument("--realistic", action="store_true", help="five files with quotes, CRLF, a BOM")
    parser.add_argument("--commands", action="store_true",
                        help="also run validate --no-cache and progress --no-cache, each in its own process")
    parser.add_argument("--commands-only", action="store_true",
                        help="with --commands: the two commands only, not the in-process load, check, compute")
    args = parser.parse_args()
    args.commands |= args.commands_only
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        if args.realistic:
            rows, planted = make_realistic_root(root, args.communes, args.indicators, args.years, args.bad)
            files = sorted((root / "data" / "observations").glob("*.csv"))
        else:
            rows = make_root(root, args.communes, args.indicators, args.years, args.bad)
            files = [root / "data" / "observations" / "communes.csv"]
        if args.parquet:
            files = [to_parquet(file, typed=not args.bad) for file in files]
        size = sum(file.stat().st_size for file in files) / 2**20
        print(f"{rows:,} observations in {len(files)} file(s) ({size:.0f} MB), written in "
              f"{time.perf_counter() - started:.0f} s")
        if args.commands:
            for command in (["validate"], ["progress", "--out", str(Path(tmp) / "progress.csv")]):
                code, cpu, peak, err = run_command(*command, "--no-cache", "--root", str(root))
                lines = err.strip().splitlines()
                print(f"observatory {command[0]} --no-cache: exit {code} | CPU {cpu:.1f} s | peak {peak:,.0f} MB | "
                      f"{len(lines)} line(s) on stderr")
                for line in lines[:16]:
                    print("  ", line)
                if args.realistic:
                    print("   " + named_as_planted(lines, planted))
        if args.commands_only:
            return
        import observatory.expectations  # noqa: F401  (Great Expectations' import, apart: ~5 s)
        from observatory.errors import InvalidDataRoot
        from observatory.load import load_root
        from observatory.results import compute
        from observatory.validate import check_root, validated

        before = peak_mb()
        t0 = time.perf_counter()
        c0 = cpu_s()
        loaded = load_root(root)
        t1, c1 = time.perf_counter(), cpu_s()
        problems, _, _ = check_root(loaded)
        t2, c2 = time.perf_counter(), cpu_s()
        print(f"load {t1 - t0:.1f} s (CPU {c1 - c0:.1f} s) | checks {t2 - t1:.1f} s (CPU {c2 - c1:.1f} s) | "
              f"{len(problems)} problems | peak {peak_mb():,.0f} MB (before the root: {before:,.0f} MB)")
        for problem in problems[:16]:
            print("  ", problem)
        if problems:
            return
        del loaded
        t3, c3 = time.perf_counter(), cpu_s()
        try:
            results = compute(validated(root, use_cache=False))
        except InvalidDataRoot as error:
            print(error)
            return
        t4 = time.perf_counter()
        computed = results.observations["file"].str.endswith("(roll-up)").sum()
        print(f"load + check + compute (roll-ups: {computed:,} figures) {t4 - t3:.1f} s (CPU {cpu_s() - c3:.1f} s) "
              f"| peak {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
