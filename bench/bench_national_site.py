"""The site of every région and département, in two languages: build time and cost per page.

    python bench/bench_national_site.py [--shared ../shared] [--jobs 2]

A copy of the shipped root takes the Baromètre's regional and départemental files whole (every région and
département gets its row and its real figures: ``import-source barometre`` without ``--known-territories``),
then ``observatory build`` makes the site from scratch into a temporary folder, and again with nothing changed.
Every command runs as a subprocess, as a user runs it. Prints the pages made, the time and the cost per page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
INDICATORS = ["taux-deploiement-fibre", "nb-labellisations-france-services", "tx-transparence-resultats",
              "tx-adhesion-etat-civil", "tx-satisfaction-usagers-services-publics"]


def run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "observatory", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    parser.add_argument("--jobs", default="2")
    args = parser.parse_args()
    files = Path(args.shared) / "data" / "barometre-resultats"
    with tempfile.TemporaryDirectory() as tmp:
        root, site = Path(tmp) / "root", Path(tmp) / "site"
        shutil.copytree(REPO / "indicators", root / "indicators")
        shutil.copytree(REPO / "data", root / "data")
        only = [a for indicator in INDICATORS for a in ("--only", indicator)]
        took = 0.0
        for level in ("regional", "departemental"):
            took += run("import-source", "barometre", str(files / f"services-publics-et-territoires-synthese-{level}.csv"),
                        "--root", str(root), "--figures-only", "--same-as",
                        "taux-deploiement-fibre=fibre-coverage-share", "--accept-suggested", *only)
        territories = sum(1 for _ in (root / "data" / "territories.csv").open(encoding="utf-8")) - 1
        print(f"imports of every région and département: {took:.0f} s; {territories} territories")
        cold = run("build", "--root", str(root), "--out", str(site), "--jobs", args.jobs, "--no-cache")
        pages = sum(1 for _ in site.rglob("*.html") if _.name != "404.html")
        warm = run("build", "--root", str(root), "--out", str(site), "--jobs", args.jobs)
        print(f"build from scratch: {pages} pages in {cold:.0f} s ({cold / pages:.2f} s a page, {args.jobs} workers); "
              f"again with nothing changed: {warm:.1f} s")


if __name__ == "__main__":
    main()
