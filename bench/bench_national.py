"""National scale: France's communes × 25 indicators × 10 years, loaded, validated, computed and rolled up.

    python bench/bench_national.py [--communes 35000] [--indicators 25] [--years 10] [--bad 10] [--parquet]

Writes a data root in a temporary folder: a geography shaped like France's (communes in 1,250 EPCI,
101 départements, 18 régions, France, with populations that add up), 25 indicators (sums, rates weighted by
population, means, maxima), one observation file with a figure per commune, indicator and year (35,000 × 25
× 10 = 8.75 M rows), and ``--bad`` rows made wrong in it. Then, in one process, as ``observatory validate``
and ``build`` do: load the root, check it (the problems: those ``--bad`` rows, worded as on a small file),
and with ``--bad 0`` compute the results (roll-ups included). Prints each step's time and the peak memory.
``--parquet``: the observation file as Parquet instead (``communes.parquet``, written by DuckDB from the CSV:
dates as DATE and values as DOUBLE, as an export would type them; every column as text with ``--bad``, whose
wrong cells no typed column could hold). Its messages are the CSV's, file name aside.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_rollup import geography  # noqa: E402

AGGREGATIONS = ("sum", "weighted-mean", "mean", "max")


def make_root(folder: Path, communes: int, indicators: int, years: int, bad: int) -> int:
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


def to_parquet(csv_path: Path, typed: bool) -> Path:
    """The observation file as Parquet beside it (the CSV removed): what a large export would be."""
    import duckdb

    path = csv_path.with_suffix(".parquet")
    columns = ("indicator, territory, CAST(date AS DATE) AS date, CAST(value AS DOUBLE) AS value" if typed
               else "indicator, territory, date, value")
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
    parser.add_argument("--parquet", action="store_true", help="the observation file as Parquet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        rows = make_root(root, args.communes, args.indicators, args.years, args.bad)
        observations = root / "data" / "observations" / "communes.csv"
        if args.parquet:
            observations = to_parquet(observations, typed=not args.bad)
        size = observations.stat().st_size / 2**20
        print(f"{rows:,} observations ({size:.0f} MB), written in {time.perf_counter() - started:.0f} s")
        import observatory.expectations  # noqa: F401  (Great Expectations' import, apart: ~5 s)
        from observatory.errors import InvalidDataRoot
        from observatory.load import load_root
        from observatory.results import compute
        from observatory.validate import check_root, validated

        before = peak_mb()
        t0 = time.perf_counter()
        loaded = load_root(root)
        t1 = time.perf_counter()
        problems, _, _ = check_root(loaded)
        t2 = time.perf_counter()
        print(f"load {t1 - t0:.1f} s | checks {t2 - t1:.1f} s | {len(problems)} problems | peak {peak_mb():,.0f} MB "
              f"(before the root: {before:,.0f} MB)")
        for problem in problems[:12]:
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
