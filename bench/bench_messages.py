"""What problem messages from the catalogues cost (issue 22): 100,000 problems built as the validation suite builds
them (a Text per row, with a field) and said in English and in French, against the same problems with the plain
English text they had before. Three runs; the figures are in bench/README.md.

    .venv/bin/python bench/bench_messages.py [--runs 3] [--problems 100000]
"""

from __future__ import annotations

import argparse
import time

from observatory.errors import Problem, Text, show_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--problems", type=int, default=100_000)
    args = parser.parse_args()
    n = args.problems
    Text("at_most_limit", limit="100")  # the catalogues read once, as any command does before its first problem
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        plain = [Problem("data/observations/national.csv", row=i, column="value", value=str(i),
                         expected=f"a value of at most {100:g}, the indicator's limit") for i in range(n)]
        built_plain = time.perf_counter() - started
        started = time.perf_counter()
        texts = [Problem("data/observations/national.csv", row=i, column="value", value=str(i),
                         expected=Text("at_most_limit", limit=f"{100:g}")) for i in range(n)]
        built = time.perf_counter() - started
        started = time.perf_counter()
        english = [p.text("en") for p in texts]
        said_en = time.perf_counter() - started
        started = time.perf_counter()
        french = [p.text("fr") for p in texts]
        said_fr = time.perf_counter() - started
        started = time.perf_counter()
        before = [_as_before(p) for p in plain]
        said_plain = time.perf_counter() - started
        assert english[7] == before[7] and french[7] != english[7]
        print(f"run {run}: {n:,} problems built {built_plain:.2f} s plain, {built:.2f} s from the catalogue; "
              f"said {said_plain:.2f} s as before, {said_en:.2f} s in English, {said_fr:.2f} s in French")


def _as_before(p: Problem) -> str:
    """The message as Problem.__str__ made it before the catalogues (an f-string per part)."""
    parts = [p.file]
    if p.row is not None:
        parts.append(f"row {p.row}")
    if p.column is not None:
        parts.append(f"column '{p.column}'")
    return f"{', '.join(parts)}: found {show_value(p.value)}, expected {p.expected}"


if __name__ == "__main__":
    main()
