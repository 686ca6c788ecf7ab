"""The slice of the results each page shows: its targets, figures, compass and the names they use.

Which page shows which slice is declared in :mod:`observatory.pages.kinds`.

A page reads only its slice, so that the slice's digest says when the page must be rebuilt.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from observatory.results.schema import Results


def _limit_to(results: Results, progress: pd.DataFrame, observations: pd.DataFrame,
              compass: pd.DataFrame, coalitions: pd.DataFrame, territories: pd.DataFrame) -> Results:
    used = set(progress["indicator"]) | set(observations["indicator"])
    return replace(
        results,
        progress=progress.reset_index(drop=True),
        compass=compass.reset_index(drop=True),
        observations=observations.reset_index(drop=True),
        indicators=results.indicators[results.indicators["id"].isin(used)].reset_index(drop=True),
        coalitions=coalitions.reset_index(drop=True),
        territories=territories.reset_index(drop=True),
        datasets=results.datasets[results.datasets["dataset"].isin(set(observations["dataset"]))]
        .reset_index(drop=True),
        # Only the Self Data page shows the register: other pages don't change when it does.
        services=results.services.iloc[0:0],
        assessments=results.assessments.iloc[0:0],
        reporting=results.reporting[results.reporting["coalition"].isin(set(coalitions["id"]))]
        .reset_index(drop=True),
    )


def _observations_for_targets(results: Results, progress: pd.DataFrame) -> pd.DataFrame:
    """The observations a set of targets can use: same indicator and territory, own or territory-wide."""
    obs = results.observations
    keys = progress[["indicator", "territory", "coalition"]].drop_duplicates()
    pairs = obs.reset_index().merge(keys[["indicator", "territory"]].drop_duplicates(), on=["indicator", "territory"])
    allowed = pairs["coalition"].isna() | pairs["coalition"].isin(set(keys["coalition"]))
    return obs.loc[sorted(pairs.loc[allowed, "index"])]


def for_coalition(results: Results, coalition: str) -> Results:
    if coalition not in set(results.coalitions["id"]):
        raise KeyError(f"coalition '{coalition}': expected one of {', '.join(sorted(results.coalitions['id']))}")
    progress = results.progress[results.progress["coalition"] == coalition]
    observations = _observations_for_targets(results, progress)
    own = results.observations[results.observations["coalition"] == coalition]
    observations = pd.concat([observations, own]).drop_duplicates(subset=["file", "row"]).sort_values(["file", "row"])
    compass = results.compass[(results.compass["scope"] == "coalition") & (results.compass["scope_id"] == coalition)]
    coalitions = results.coalitions[results.coalitions["id"] == coalition]
    named = set(progress["territory"]) | set(observations["territory"])
    for territories in coalitions["territories"]:
        named |= set(territories)
    territories = results.territories[results.territories["id"].isin(named)]
    return _limit_to(results, progress, observations, compass, coalitions, territories)


def siblings(territories: pd.DataFrame, territory: str) -> pd.DataFrame:
    """The territories with the same parent and level (the territory included)."""
    row = territories[territories["id"] == territory].iloc[0]
    same_parent = territories["parent"].isna() if row["parent"] is None else territories["parent"] == row["parent"]
    return territories[same_parent & (territories["level"] == row["level"])]


def for_territory(results: Results, territory: str) -> Results:
    if territory not in set(results.territories["id"]):
        raise KeyError(f"territory '{territory}': expected one of {', '.join(sorted(results.territories['id']))}")
    progress = results.progress[results.progress["territory"] == territory]
    observations = results.observations[results.observations["territory"] == territory]
    near = siblings(results.territories, territory)
    compass = results.compass[(results.compass["scope"] == "territory") & results.compass["scope_id"].isin(set(near["id"]))]
    coalitions = results.coalitions[
        results.coalitions["id"].isin(set(progress["coalition"]))
        | results.coalitions["territories"].map(lambda ids: territory in ids)
        | results.coalitions["id"].isin(set(observations["coalition"].dropna()))
    ]
    wanted = set(near["id"]) | {territory}
    parent = results.territories.loc[results.territories["id"] == territory, "parent"].iloc[0]
    if parent is not None:
        wanted.add(parent)
    territories = results.territories[results.territories["id"].isin(wanted)]
    part = _limit_to(results, progress, observations, compass, coalitions, territories)
    return replace(part, reporting=part.reporting.iloc[0:0])  # a territory's page does not show it


def for_programme(results: Results) -> Results:
    """The programme page shows every target, compass and territory (not the Self Data register)."""
    return replace(results, services=results.services.iloc[0:0], assessments=results.assessments.iloc[0:0])


SELF_DATA = "self-data"


def for_self_data(results: Results) -> Results:
    """The Self Data observatory: the coalition's slice and the whole register."""
    if SELF_DATA in set(results.coalitions["id"]):
        part = for_coalition(results, SELF_DATA)
    else:
        part = _limit_to(results, results.progress.iloc[0:0], results.observations.iloc[0:0],
                         results.compass.iloc[0:0], results.coalitions.iloc[0:0], results.territories.iloc[0:0])
    return replace(part, services=results.services, assessments=results.assessments)
