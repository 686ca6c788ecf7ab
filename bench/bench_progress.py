"""Benchmark: validation and progress at national scale, on a synthetic data root.

    python bench/bench_progress.py [--communes 2000] [--years 4]

Writes a data root with one territory per commune, the fixture's indicators,
a target per commune and indicator, and monthly observations, then times
loading, validation (Great Expectations) and the vectorised progress
computation. Figures measured on the project's 2-core machine are in
bench/README.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_root(folder: Path, communes: int, years: int) -> tuple[int, int]:
    shutil.copytree(REPO / "tests" / "fixtures" / "root" / "indicators", folder / "indicators")
    (folder / "data" / "coalitions").mkdir(parents=True)
    (folder / "data" / "observations").mkdir()
    lines = ["id,name,level,parent,code_insee,siren,iso_3166", "fr,France,country,,,,FR"]
    lines += [f"c{i},Commune {i},commune,fr,,," for i in range(communes)]
    (folder / "data" / "territories.csv").write_text("\n".join(lines) + "\n")
    indicators = {"people-trained": (100, 500), "device-lifetime": (3.0, 4.0), "illectronism-rate": (17, 11),
                  "easy-data-copy-share": (10, 50)}
    targets = []
    for i in range(communes):
        for indicator, (base, goal) in indicators.items():
            targets.append(f"  - {{indicator: {indicator}, territory: c{i}, baseline: {{date: 2019-12-31, "
                           f"value: {base}}}, target: {{date: 2022-12-31, value: {goal}}}}}")
    (folder / "data" / "coalitions" / "scale.yml").write_text(
        "id: scale\nname: {fr: Échelle, en: Scale}\naxes: []\nmaturity: pilote\nlevers: []\nleads: []\n"
        "partners: []\nterritories: []\nintention: benchmark\ntargets:\n" + "\n".join(targets) + "\n")
    rows = ["indicator,territory,date,value,coalition,source,comment"]
    for i in range(communes):
        for indicator, (base, goal) in indicators.items():
            for month in range(12 * years):
                year, m = 2020 + month // 12, month % 12 + 1
                value = base + (goal - base) * (month + 1) / (12 * years) * (0.5 + (i % 10) / 10)
                rows.append(f"{indicator},c{i},{year}-{m:02d},{value:.3f},scale,bench,")
    (folder / "data" / "observations" / "bench.csv").write_text("\n".join(rows) + "\n")
    return len(targets), len(rows) - 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=2000)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        n_targets, n_obs = make_root(root, args.communes, args.years)
        started = time.perf_counter()
        import observatory.expectations  # noqa: F401 - imports Great Expectations lazily below
        from observatory.load import load_root
        from observatory.progress import compute_progress, summarise
        from observatory.validate import check_root, validated

        t0 = time.perf_counter()
        loaded = load_root(root)
        t1 = time.perf_counter()
        problems, _, _ = check_root(loaded)
        t2 = time.perf_counter()
        assert not problems, problems[:5]
        valid = validated(root)
        t3 = time.perf_counter()
        progress = compute_progress(valid)
        summarise(progress)
        t4 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n_targets} targets, {n_obs} observations, {args.communes} territories")
        print(f"imports {t0 - started:.1f} s | load {t1 - t0:.1f} s | checks incl. GE import {t2 - t1:.1f} s | "
              f"load+validate again {t3 - t2:.1f} s | progress+compass {t4 - t3:.2f} s | peak RSS {peak:.0f} MB")
        print(progress["status"].value_counts().to_dict())


if __name__ == "__main__":
    main()
