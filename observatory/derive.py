"""Figures computed from validated data, added to the observations before anything is computed on them.

The shares of the Self Data register (:mod:`observatory.selfdata`), which
become territory-wide observations like any other figure, and the figures rolled
up from the parts of a territory to the whole (:mod:`observatory.rollup`). Validation only
validates; this step, the first of :func:`observatory.results.compute`, derives.
It works on a :class:`~observatory.validate.ValidRoot` and returns a new one, so
a cache of validated roots stays valid.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from observatory import root_paths, selfdata
from observatory.dates import parse_period_end
from observatory.rollup import roll_up
from observatory.validate import ValidRoot


def register_figures(assessments: pd.DataFrame, known_indicators: set[str]) -> pd.DataFrame:
    """The register's shares as observation rows (text, as in a data file), for the indicators defined."""
    typed = assessments.assign(date=pd.to_datetime(assessments["date"], errors="coerce"))
    typed = typed[typed["date"].notna() & typed["difficulty"].isin(selfdata.DIFFICULTIES)]
    if not len(typed):
        return pd.DataFrame()
    table = selfdata.shares(typed)
    table = table[table["indicator"].isin(known_indicators)]
    if table.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "indicator": table["indicator"], "territory": selfdata.TERRITORY,
        "date_text": table["date"].dt.strftime("%Y-%m-%d"), "value_text": table["value"].map(lambda v: f"{v:g}"),
        "coalition": None, "source": f"Registre Self Data ({root_paths.SELF_DATA})",
        "comment": table["count"].astype(str) + " / " + table["assessed"].astype(str) + " services",
        # Computed figures have no row of their own: numbered in order, to be told apart.
        "file": selfdata.COMPUTED_FILE, "row": range(1, len(table) + 1), "dataset": selfdata.DATASET,
    }).astype(object)


def with_derived_figures(root: ValidRoot) -> ValidRoot:
    """``root`` with the register's shares among its observations, the register among its datasets, and the
    figures rolled up from the parts of territories to the whole (:mod:`observatory.rollup`)."""
    root = _with_register_figures(root)
    computed = roll_up(root.observations, root.territories, root.indicators)
    if not len(computed):
        return root
    return replace(root, observations=pd.concat([root.observations, computed], ignore_index=True))


def _with_register_figures(root: ValidRoot) -> ValidRoot:
    assessments = root.assessments
    if assessments is None or not len(assessments):
        return root
    derived = register_figures(assessments.drop(columns=["date_text"]), set(root.indicators["id"]))
    if not len(derived):
        return root
    columns = list(root.observations.columns)
    derived = derived.assign(date=parse_period_end(derived["date_text"]),
                             value=pd.to_numeric(derived["value_text"]).astype("float64"),
                             demonstration=False, quality="measured").drop(columns=["value_text"])
    derived = derived.reindex(columns=[*derived.columns, *(c for c in columns if c not in derived.columns)])
    observations = pd.concat([root.observations, derived[columns]], ignore_index=True)
    # The register's licence is its source's: JustGetMyData's file is MIT-licensed.
    sources = set(root.assessments["source"].dropna()) if "source" in root.assessments else set()
    from_jgmd = any("JustGetMyData" in str(source) for source in sources)
    datasets = pd.concat([root.datasets, pd.DataFrame([{
        "dataset": selfdata.DATASET, "file": selfdata.COMPUTED_FILE,
        "title_fr": selfdata.DATASET_TITLES["fr"], "title_en": selfdata.DATASET_TITLES["en"],
        "demonstration": False, "license": "MIT" if from_jgmd else None,
        "source": "JustGetMyData — https://github.com/daattali/jgmd" if from_jgmd else None}])], ignore_index=True)
    return replace(root, observations=observations, datasets=datasets)
