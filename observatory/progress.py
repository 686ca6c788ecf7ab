"""Progress toward every target, computed over whole tables at once.

The method (also stated in the README and on every dashboard):

* the *latest* observation of a target is the most recent one dated strictly
  after the baseline date, among the coalition's own rows and the
  territory-wide rows (no coalition) for the same indicator and territory; on
  the same date the coalition's own figure wins. None: status ``no_data``;
* ``progress`` = (latest − baseline) / (target − baseline), the share of the way
  from baseline to target (the Baromètre des résultats de l'action publique
  publishes the same share, clamped to 0–100 %, as « pourcentage de la cible »);
* ``achieved`` when the latest value meets the target in the indicator's direction;
* otherwise the pace ratio R = (latest − baseline) / (expected − baseline), where
  *expected* is read on the straight line from the baseline (at its date) to the
  target (at its date) at the latest observation's date, or is the target itself
  from the target date on: R ≥ 0.95 ``on_track``, 0.6 ≤ R < 0.95 ``moderate``,
  0 ≤ R < 0.6 ``limited``, R < 0 ``deterioration`` (Statistics Canada's
  thresholds, as used by Open SDG).
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from observatory import vocabulary, projection
from observatory.published_csv import significant
from observatory.published_csv import to_csv  # noqa: F401 - where the commands and the build find it
from observatory.validate import ValidRoot

ON_TRACK = 0.95
MODERATE = 0.6
# Ratios are computed from decimal data: 0.95 may come out as 0.9499999999.
TOLERANCE = 1e-9

# The latest figure's quality (observatory.vocabulary.FIGURE_QUALITIES) and the evidence its lead gave beside it.
LATEST_EVIDENCE = ["latest_quality", "latest_comment", "latest_link", "latest_contribution",
                   "latest_contribution_note"]
PROGRESS_COLUMNS = [
    "coalition", "indicator", "quality", "territory", "baseline_date", "baseline_value", "target_date",
    "target_value", "latest_date", "latest_value", "progress", "status", "pace_ratio", "expected_value",
    "direction", "unit", "latest_source", "latest_file", "latest_row", "demonstration", *LATEST_EVIDENCE, "target_file",
    "target_key", "target_source", "time_elapsed", *projection.COLUMNS,
]
SUMMARY_COLUMNS = ["scope", "scope_id", "quality", "targets", *vocabulary.STATUSES, "mean_progress"]


def latest_observations(targets: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """For each target (by position), its latest usable observation, or nothing."""
    keys = targets[["coalition", "indicator", "territory", "baseline_date"]].copy()
    keys["target_row"] = np.arange(len(targets))
    obs = observations.rename(columns={"coalition": "obs_coalition"})
    pairs = keys.merge(obs, on=["indicator", "territory"], how="inner")
    usable = (pairs["obs_coalition"].isna() | (pairs["obs_coalition"] == pairs["coalition"])) & (
        pairs["date"] > pairs["baseline_date"]
    )
    pairs = pairs[usable].assign(own=lambda f: f["obs_coalition"].notna())
    pairs = pairs.sort_values(["target_row", "date", "own"], kind="stable")
    latest = pairs.groupby("target_row", sort=False).tail(1)
    return latest.set_index("target_row")


def compute_progress(root: ValidRoot, today: _dt.date | None = None) -> pd.DataFrame:
    """One row per target: its latest figure, progress, pace ratio and status; its projection to the target
    date and, once that date is before ``today``, its value then (:mod:`observatory.projection`)."""
    targets = root.targets.reset_index(drop=True)
    info = root.indicators.set_index("id")
    latest = latest_observations(targets, root.observations)
    frame = pd.DataFrame({
        "coalition": targets["coalition"],
        "indicator": targets["indicator"],
        "quality": targets["indicator"].map(info["quality"]),
        "territory": targets["territory"],
        "baseline_date": targets["baseline_date"],
        "baseline_value": targets["baseline_value"],
        "target_date": targets["target_date"],
        "target_value": targets["target_value"],
    })
    positions = pd.RangeIndex(len(targets))
    frame["latest_date"] = latest["date"].reindex(positions).to_numpy()
    frame["latest_value"] = latest["value"].reindex(positions).astype("float64").to_numpy()
    frame["latest_source"] = latest["source"].reindex(positions).to_numpy()
    frame["latest_file"] = latest["file"].reindex(positions).to_numpy()
    frame["latest_row"] = latest["row"].reindex(positions).astype("Int64").to_numpy()
    frame["demonstration"] = latest["demonstration"].reindex(positions).fillna(False).astype(bool).to_numpy()
    for column in LATEST_EVIDENCE:
        frame[column] = (latest[column.removeprefix("latest_")].reindex(positions).astype(object)
                         if column.removeprefix("latest_") in latest else pd.Series([None] * len(targets)))
        frame[column] = frame[column].where(frame[column].notna(), None).to_numpy()
    frame["direction"] = frame["indicator"].map(info["direction"])
    frame["unit"] = frame["indicator"].map(info["unit"])
    frame["target_file"] = targets["file"]
    frame["target_key"] = targets["key"]
    # Who states the target; empty: no source does, the target is illustrative (the pages say so).
    frame["target_source"] = targets["source"] if "source" in targets else None

    gap = frame["target_value"] - frame["baseline_value"]
    moved = frame["latest_value"] - frame["baseline_value"]
    frame["progress"] = moved / gap
    sign = np.where(frame["direction"] == "increase", 1.0, -1.0)
    achieved = (frame["latest_value"] - frame["target_value"]) * sign >= 0

    span = (frame["target_date"] - frame["baseline_date"]).dt.days.astype("float64")
    elapsed = (frame["latest_date"] - frame["baseline_date"]).dt.days.astype("float64")
    share_of_time = (elapsed / span).clip(upper=1.0)
    frame["expected_value"] = frame["baseline_value"] + gap * share_of_time
    frame["pace_ratio"] = moved / (frame["expected_value"] - frame["baseline_value"])
    frame["time_elapsed"] = share_of_time  # at the latest figure's date: the share of the way expected by then

    pace = frame["pace_ratio"]
    no_data = frame["latest_value"].isna()
    frame["status"] = np.select(
        [no_data, achieved, pace >= ON_TRACK - TOLERANCE, pace >= MODERATE - TOLERANCE, pace >= -TOLERANCE],
        ["no_data", "achieved", "on_track", "moderate", "limited"],
        default="deterioration",
    )
    ahead = projection.projections(targets, root.observations, frame["direction"], today)
    for column in projection.COLUMNS:
        frame[column] = ahead[column].to_numpy()
    for column in ("progress", "pace_ratio", "expected_value", "time_elapsed", "projected_value", "projected_low",
                   "projected_high", "final_value"):  # computed: no noise of division in what is shown
        frame[column] = significant(frame[column])
    return frame[PROGRESS_COLUMNS]


def summarise(progress: pd.DataFrame, territories: pd.DataFrame | None = None) -> pd.DataFrame:
    """The compass: per coalition, per territory and for the whole programme, per quality.

    Counts of targets in each status and the mean progress clipped to [0, 1]
    (targets without data are counted, not averaged). ``quality == "all"``
    sums over the seven qualities.
    """
    frame = progress.assign(clipped=progress["progress"].clip(0, 1), programme="reset")
    pieces = []
    for scope, column in (("programme", "programme"), ("coalition", "coalition"), ("territory", "territory")):
        for by_quality in (True, False):
            keys = [column, "quality"] if by_quality else [column]
            counts = pd.crosstab([frame[k] for k in keys], frame["status"])
            counts = counts.reindex(columns=list(vocabulary.STATUSES), fill_value=0)
            grouped = frame.groupby(keys)
            part = counts.assign(targets=grouped.size(), mean_progress=grouped["clipped"].mean()).reset_index()
            part = part.rename(columns={column: "scope_id"})
            if not by_quality:
                part["quality"] = "all"
            part["scope"] = scope
            pieces.append(part)
    summary = pd.concat(pieces, ignore_index=True)[SUMMARY_COLUMNS]
    order = {q: i for i, q in enumerate((*vocabulary.QUALITIES, "all"))}
    summary = summary.sort_values(
        ["scope", "scope_id", "quality"], key=lambda s: s.map(order) if s.name == "quality" else s
    ).reset_index(drop=True)
    summary[list(vocabulary.STATUSES)] = summary[list(vocabulary.STATUSES)].astype("int64")
    summary["targets"] = summary["targets"].astype("int64")
    summary["mean_progress"] = significant(summary["mean_progress"].astype("float64"))
    return summary
