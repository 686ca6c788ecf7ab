"""Figures rolled up from the parts of a territory to the whole: communes → EPCI → département → région → France.

A territory gets a computed figure for an (indicator, coalition, date) when

- the indicator says how its figures add up (``aggregation``: ``sum``, ``mean``, ``min``, ``max``, or
  ``weighted-mean``, the mean weighted by the parts' populations, for rates and shares);
- it has no figure of its own for that key: a measured figure is never replaced by a computed one;
- its parts that have the figure make up its whole population, as ``data/territories.csv`` says. A table
  without populations, or whose parts don't add up to the whole (a hand-written table listing three communes
  of a département, an EPCI spread over two départements), rolls nothing up: a sum of three communes is no
  département's figure;
- its parts' figures come from one dataset (one licence, one kind of source).

Roll-ups go level by level until nothing new comes: a département's figure may come from its EPCIs' computed
ones. A computed row says so: its file is the parts' file followed by `` (roll-up)``, its source says how and
from how many parts, and it is a demonstration value if any part is one. Vectorised (pandas groupby), so
35,000 communes cost a few passes over the table, not a loop per territory.
"""

from __future__ import annotations

import pandas as pd

ROLLED_UP = " (roll-up)"  # after the parts' file: where a computed figure came from
HOW = {"sum": "somme", "mean": "moyenne", "min": "minimum", "max": "maximum",
       "weighted-mean": "moyenne pondérée par la population"}  # in the data's language, like every source
KEY = ["indicator", "coalition", "date"]
MAX_LEVELS = 8  # commune → EPCI → département → région → country, with room to spare; a loop is refused earlier


def _populations(territories: pd.DataFrame) -> pd.Series:
    """Each territory's population (validated digits), NaN where not known."""
    if "population" not in territories:
        return pd.Series(float("nan"), index=territories["id"])
    return pd.Series(pd.to_numeric(territories["population"], errors="coerce").to_numpy(), index=territories["id"])


def roll_up(observations: pd.DataFrame, territories: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The computed rows (same columns as ``observations``), none where the rules above are not met."""
    aggregation = indicators.set_index("id")["aggregation"].dropna()
    population = _populations(territories)
    parent = territories.set_index("id")["parent"].dropna()
    if aggregation.empty or population.isna().all() or parent.empty:
        return observations.iloc[0:0]
    # The population of each parent's parts, all of them: what the parts with a figure must make up.
    parts_total = population.groupby(parent.reindex(population.index)).sum(min_count=1)
    whole_ok = population.reindex(parts_total.index).eq(parts_total)
    # Every part must have a known population, else the comparison says nothing.
    unknown = population.isna().groupby(parent.reindex(population.index)).any()
    complete_parents = set(whole_ok[whole_ok & ~unknown.reindex(whole_ok.index, fill_value=True)].index)
    if not complete_parents:
        return observations.iloc[0:0]

    known = observations[observations["indicator"].isin(aggregation.index)]
    computed: list[pd.DataFrame] = []
    for _ in range(MAX_LEVELS):
        rows = _one_level(known, parent, population, aggregation, complete_parents)
        if rows.empty:
            break
        computed.append(rows)
        known = pd.concat([known, rows], ignore_index=True)
    if not computed:
        return observations.iloc[0:0]
    out = pd.concat(computed, ignore_index=True)
    out["row"] = out.groupby("file").cumcount() + 1
    return out[list(observations.columns)]


def _one_level(known: pd.DataFrame, parent: pd.Series, population: pd.Series, aggregation: pd.Series,
               complete_parents: set[str]) -> pd.DataFrame:
    parts = known.assign(whole=known["territory"].map(parent))
    parts = parts[parts["whole"].isin(complete_parents)]
    if parts.empty:
        return parts
    parts = parts.assign(people=parts["territory"].map(population), how=parts["indicator"].map(aggregation),
                         coalition=parts["coalition"].fillna(""))
    # A whole that has its own figure for the key keeps it.
    own = set(zip(known["territory"], known["indicator"], known["coalition"].fillna(""), known["date"]))
    keys = list(zip(parts["whole"], parts["indicator"], parts["coalition"], parts["date"]))
    parts = parts[[key not in own for key in keys]]
    if parts.empty:
        return parts
    parts = parts.assign(weighted=parts["value"] * parts["people"])
    grouped = parts.groupby(["whole", *KEY], sort=True)
    table = grouped.agg(how=("how", "first"), people=("people", "sum"), parts=("territory", "nunique"),
                        rows=("territory", "size"), total=("value", "sum"), mean=("value", "mean"),
                        low=("value", "min"), high=("value", "max"), weighted=("weighted", "sum"),
                        datasets=("dataset", "nunique"), dataset=("dataset", "first"), file=("file", "first"),
                        demonstration=("demonstration", "any")).reset_index()
    whole_people = table["whole"].map(population)
    # The parts with the figure make up the whole; one figure per part (no part counted twice); one dataset.
    table = table[table["people"].eq(whole_people) & table["parts"].eq(table["rows"]) & table["datasets"].eq(1)]
    if table.empty:
        return table
    value = table["total"].where(table["how"] == "sum",
                                 table["mean"].where(table["how"] == "mean",
                                                     table["low"].where(table["how"] == "min",
                                                                        table["high"].where(table["how"] == "max",
                                                                                            table["weighted"] / table["people"]))))
    return pd.DataFrame({
        "indicator": table["indicator"], "territory": table["whole"],
        "coalition": table["coalition"].where(table["coalition"] != "", None),
        "date_text": table["date"].dt.strftime("%Y-%m-%d"), "date": table["date"], "value": value.astype("float64"),
        "source": table["how"].map(HOW) + " de " + table["parts"].astype(str) + " territoires",
        "comment": "chiffre calculé (agrégation des territoires qui le composent)",
        "file": table["file"].str.removesuffix(ROLLED_UP) + ROLLED_UP, "row": 0, "dataset": table["dataset"],
        "demonstration": table["demonstration"].astype(bool),
    }).reset_index(drop=True)
