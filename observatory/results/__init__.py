"""The results tables: everything a dashboard shows, computed once, sliced per page.

A dashboard notebook never reads the data root: it reads the results written by
``observatory build`` (or computes them from a root when run by hand), and only
its own slice of them, so that the slice's digest says when a page must be
rebuilt. Contact details (leads' emails) never enter the results.

- :mod:`~observatory.results.schema`: the tables (:class:`Results`) and each column's declared type;
- :mod:`~observatory.results.computing`: the compute step (:func:`compute`);
- :mod:`~observatory.results.slicing`: the slices pages show (:func:`for_coalition`…; which page shows which:
  :mod:`observatory.pages.kinds`);
- :mod:`~observatory.results.csvfiles`: the CSV files, written and read back typed;
- :mod:`~observatory.results.descriptor`: their Frictionless Data Package descriptor.
"""

from __future__ import annotations

from pathlib import Path

from observatory.results.csvfiles import digest, read, table_csv, tables_csv, write
from observatory.results.descriptor import datapackage
from observatory.results.schema import LIST_COLUMNS, LIST_DESCRIPTION, SCHEMA, Results
from observatory.results.slicing import (
    SELF_DATA,
    for_coalition,
    for_programme,
    for_self_data,
    for_territory,
    siblings,
)

__all__ = [
    "LIST_COLUMNS", "LIST_DESCRIPTION", "SCHEMA", "SELF_DATA", "Results", "compute", "datapackage", "digest",
    "for_coalition", "for_programme", "for_self_data", "for_territory", "from_root", "load", "read",
    "siblings", "table_csv", "tables_csv", "write",
]


def load(results_dir: Path | None = None, root: Path | None = None) -> Results:
    """Results for a notebook: read from ``results_dir`` when given, else computed from ``root``."""
    if results_dir:
        return read(results_dir)
    from observatory.results.computing import from_root

    return from_root(root or Path("."))


def __getattr__(name: str):
    # The compute step (pandas' and the checks' modules: validate, derive, load, ~0.3 s) is imported when it is
    # used, not by every live page's kernel, which only reads the results (observatory serve computes them once).
    if name in ("compute", "from_root"):
        from observatory.results import computing

        return getattr(computing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
