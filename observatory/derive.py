"""Figures computed from validated data, added to the observations before anything is computed on them.

Today: the shares of the Self Data register (:mod:`observatory.selfdata`), which
become territory-wide observations like any other figure. Validation only
validates; this step, the first of :func:`observatory.results.compute`, derives.
It works on a :class:`~observatory.validate.ValidRoot` and returns a new one, so
a cache of validated roots stays valid.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from observatory import selfdata
from observatory.dates import parse_period_end
from observatory.validate import ValidRoot


def with_derived_figures(root: ValidRoot) -> ValidRoot:
    """``root`` with the register's shares among its observations, and the register among its datasets."""
    assessments = root.assessments
    if assessments is None or not len(assessments):
        return root
    derived = selfdata.derived_observations(assessments.drop(columns=["date_text"]), set(root.indicators["id"]))
    if not len(derived):
        return root
    columns = list(root.observations.columns)
    derived = derived.assign(date=parse_period_end(derived["date_text"]),
                             value=pd.to_numeric(derived["value_text"]).astype("float64"),
                             demonstration=False).drop(columns=["value_text"])
    observations = pd.concat([root.observations, derived[columns]], ignore_index=True)
    datasets = pd.concat([root.datasets, pd.DataFrame([{
        "dataset": selfdata.DATASET, "file": selfdata.COMPUTED_FILE,
        "title_fr": selfdata.DATASET_TITLES["fr"], "title_en": selfdata.DATASET_TITLES["en"],
        "demonstration": False}])], ignore_index=True)
    return replace(root, observations=observations, datasets=datasets)
