"""Roll-ups at national scale: France's communes (35,000) × 25 indicators × 10 years ≈ 8.75 M figures.

A synthetic geography shaped like France's (35,000 communes in 1,250 EPCI, 101 départements, 18 régions, one
country, populations that add up), every commune with a figure for each indicator and year; the roll-up
(observatory/rollup.py) then computes every EPCI's, département's, région's and France's. Reports the time of
the roll-up alone and the process's peak memory.

    .venv/bin/python bench/bench_rollup.py [--communes 35000] [--indicators 25] [--years 10]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from observatory.rollup import roll_up


def geography(communes: int, epcis: int = 1250, departements: int = 101, regions: int = 18) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    people = rng.integers(50, 20000, communes)
    epci_of = np.sort(rng.integers(0, epcis, communes))
    dep_of_epci = np.sort(rng.integers(0, departements, epcis))
    reg_of_dep = np.sort(rng.integers(0, regions, departements))
    rows = [("fr", "country", None, int(people.sum()))]
    rows += [(f"r{r}", "region", "fr", 0) for r in range(regions)]
    rows += [(f"d{d}", "departement", f"r{reg_of_dep[d]}", 0) for d in range(departements)]
    rows += [(f"e{e}", "epci", f"d{dep_of_epci[e]}", 0) for e in range(epcis)]
    rows += [(f"c{c}", "commune", f"e{epci_of[c]}", int(people[c])) for c in range(communes)]
    frame = pd.DataFrame(rows, columns=["id", "level", "parent", "population"])
    # wholes: the sums of their parts, bottom up
    for level in ("epci", "departement", "region"):
        sums = frame.groupby("parent")["population"].sum()
        mask = frame["level"] == level
        frame.loc[mask, "population"] = frame.loc[mask, "id"].map(sums).fillna(0).astype(int)
    frame = frame[(frame["population"] > 0)]
    return frame.assign(population=frame["population"].astype(str))


def with_insee_codes(territories: pd.DataFrame, across: float = 0.02) -> pd.DataFrame:
    """The same geography with INSEE codes, and ``across`` of the EPCI spread over two départements (every
    other commune of theirs lies in the département after their EPCI's, as in some EPCI of France):
    populations of départements and régions are then their communes' by code, as INSEE counts them."""
    frame = territories.copy()
    rng = np.random.default_rng(3)
    deps = frame[frame["level"] == "departement"]["id"].tolist()
    code_of = {d: (f"{i + 1:02d}" if i < 95 else f"97{i - 94}") for i, d in enumerate(deps)}
    parent = frame.set_index("id")["parent"]
    communes = frame["level"] == "commune"
    dep = frame.loc[communes, "parent"].map(parent)  # the commune's EPCI's département
    epcis = frame.loc[communes, "parent"].to_numpy()
    spread = set(rng.choice(sorted(set(epcis)), max(1, int(len(set(epcis)) * across)), replace=False))
    shift = np.array([e in spread for e in epcis]) & (np.arange(len(epcis)) % 2 == 1)
    dep = [deps[(deps.index(d) + 1) % len(deps)] if s else d for d, s in zip(dep, shift)]
    codes = [code_of[d] + f"{n:03d}"[-(5 - len(code_of[d])):] for n, d in enumerate(dep)]
    frame["code_insee"] = ""
    frame.loc[frame["level"] == "departement", "code_insee"] = frame.loc[frame["level"] == "departement", "id"].map(code_of)
    frame.loc[communes, "code_insee"] = codes
    people = frame.loc[communes, "population"].astype(int)
    by_dep = pd.Series(people.to_numpy()).groupby(pd.Series(dep)).sum()
    mask = frame["level"] == "departement"
    frame.loc[mask, "population"] = frame.loc[mask, "id"].map(by_dep).fillna(0).astype(int).astype(str)
    regions = frame["level"] == "region"
    by_region = frame[mask].assign(n=frame.loc[mask, "population"].astype(int)).groupby("parent")["n"].sum()
    frame.loc[regions, "population"] = frame.loc[regions, "id"].map(by_region).fillna(0).astype(int).astype(str)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=35000)
    parser.add_argument("--indicators", type=int, default=25)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--across", type=float, default=None,
                        help="give INSEE codes, with this share of EPCI spread over two départements")
    args = parser.parse_args()
    territories = geography(args.communes)
    if args.across is not None:
        territories = with_insee_codes(territories, args.across)
    communes = territories[territories["level"] == "commune"]["id"].to_numpy()
    indicators = pd.DataFrame({"id": [f"i{i}" for i in range(args.indicators)],
                               "aggregation": [("sum", "weighted-mean", "mean", "max")[i % 4]
                                               for i in range(args.indicators)]})
    dates = pd.to_datetime([f"{2015 + y}-12-31" for y in range(args.years)])
    n = len(communes) * args.indicators * args.years
    rng = np.random.default_rng(1)
    observations = pd.DataFrame({
        "indicator": np.repeat(indicators["id"].to_numpy(), len(communes) * args.years),
        "territory": np.tile(np.repeat(communes, args.years), args.indicators),
        "coalition": None,
        "date_text": "",
        "date": np.tile(dates.to_numpy(), len(communes) * args.indicators),
        "value": rng.random(n) * 100, "source": "bench", "comment": None,
        "file": "data/observations/communes.csv", "row": np.arange(2, n + 2), "dataset": "communes",
        "demonstration": False})
    print(f"{len(territories)} territories, {n:,} figures")
    started = time.perf_counter()
    out = roll_up(observations, territories, indicators)
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"roll-up: {len(out):,} computed figures in {took:.1f} s; peak memory of the process {peak:,.0f} MB")
    levels = territories.set_index("id")["level"]
    print("computed figures by level:", out["territory"].map(levels).value_counts().to_dict())


if __name__ == "__main__":
    main()
