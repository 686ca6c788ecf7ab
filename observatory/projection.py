"""Where each target is heading, and where it stood at its deadline.

The method (also on the site's methodology page and in the README):

* **Points**: the target's baseline (its date and value) and every usable figure
  dated after it — the coalition's own or the territory-wide ones, the
  coalition's own winning on a date both have (the figures the status reads).
* **Projection** to the target date: with 3 points or more, a straight line
  fitted by ordinary least squares (value against time in days), and an 80 %
  prediction interval from Student's t distribution with n − 2 degrees of
  freedom: ŷ ± t(0.90; n − 2) · s · √(1 + 1/n + (x₀ − x̄)² / Sxx). With 2
  points, the straight line through them and no interval. With 1, none.
* **Projected status**: ``likely_reached`` when the whole interval is on the
  target's side (the indicator's direction decides which side), ``likely_missed``
  when it is wholly on the other side, ``uncertain`` when it holds the target;
  with 2 points, ``reached`` or ``missed`` by the projected value alone.
* **At the deadline**, once it has passed: the figure dated on it
  (``on_deadline``), else the straight line between the figures just before
  and just after it (``interpolated``), else the last figure before it
  (``last_before``, dated); ``reached`` or ``missed`` by that value, and
  ``not_assessable`` with no figure after the baseline.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np
import pandas as pd

LEVEL = 0.80  # the prediction interval's coverage
PROJECTED_STATUSES = ("likely_reached", "uncertain", "likely_missed", "reached", "missed")
FINAL_STATUSES = ("reached", "missed", "not_assessable")
FINAL_METHODS = ("on_deadline", "interpolated", "last_before")
COLUMNS = ["points", "projected_value", "projected_low", "projected_high", "projected_status",
           "deadline_passed", "final_value", "final_date", "final_method", "final_status"]


def t_quantile(probability: float, freedom: int) -> float:
    """Student's t quantile (scipy.special's, a small import: no scipy.stats)."""
    from scipy.special import stdtrit

    return float(stdtrit(freedom, probability))


def target_points(targets: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """For each target (by position, ``target_row``): its baseline and usable figures after it, by date,
    one per date (the coalition's own figure wins over the territory-wide one)."""
    keys = targets[["coalition", "indicator", "territory", "baseline_date"]].copy()
    keys["target_row"] = np.arange(len(targets))
    obs = observations[["indicator", "territory", "coalition", "date", "value"]].rename(
        columns={"coalition": "obs_coalition"})
    pairs = keys.merge(obs, on=["indicator", "territory"], how="inner")
    usable = (pairs["obs_coalition"].isna() | (pairs["obs_coalition"] == pairs["coalition"])) & (
        pairs["date"] > pairs["baseline_date"])
    pairs = pairs[usable].assign(own=lambda f: f["obs_coalition"].notna())
    pairs = pairs.sort_values(["target_row", "date", "own"], kind="stable").groupby(
        ["target_row", "date"], sort=False).tail(1)
    baselines = pd.DataFrame({"target_row": keys["target_row"], "date": targets["baseline_date"].to_numpy(),
                              "value": targets["baseline_value"].to_numpy(), "baseline": True})
    points = pd.concat([baselines, pairs[["target_row", "date", "value"]].assign(baseline=False)],
                       ignore_index=True)
    return points.sort_values(["target_row", "date"], kind="stable").reset_index(drop=True)


def _meets(value: float, target: float, direction: str) -> bool:
    return value >= target if direction == "increase" else value <= target


def project(days: np.ndarray, values: np.ndarray, at: float) -> tuple[float, float | None, float | None]:
    """The straight line's value at ``at`` (days), with its 80 % prediction interval (3 points or more)."""
    n = len(days)
    mean_x, mean_y = days.mean(), values.mean()
    sxx = float(((days - mean_x) ** 2).sum())
    slope = float(((days - mean_x) * (values - mean_y)).sum()) / sxx
    intercept = mean_y - slope * mean_x
    value = intercept + slope * at
    if n < 3:
        return float(value), None, None
    residuals = values - (intercept + slope * days)
    s = math.sqrt(float((residuals ** 2).sum()) / (n - 2))
    half = t_quantile(0.5 + LEVEL / 2, n - 2) * s * math.sqrt(1 + 1 / n + (at - mean_x) ** 2 / sxx)
    return float(value), float(value - half), float(value + half)


def projected_status(value: float, low: float | None, high: float | None, target: float, direction: str) -> str:
    if low is None or high is None:
        return "reached" if _meets(value, target, direction) else "missed"
    if _meets(low, target, direction) and _meets(high, target, direction):
        return "likely_reached"
    if not _meets(low, target, direction) and not _meets(high, target, direction):
        return "likely_missed"
    return "uncertain"


def at_deadline(dates: list[pd.Timestamp], values: list[float], deadline: pd.Timestamp
                ) -> tuple[float, pd.Timestamp, str] | None:
    """The value at the deadline from the figures after the baseline (dates sorted), and how it was read."""
    if not dates:
        return None
    for date, value in zip(dates, values):
        if date == deadline:
            return value, date, "on_deadline"
    before = [(d, v) for d, v in zip(dates, values) if d < deadline]
    after = [(d, v) for d, v in zip(dates, values) if d > deadline]
    if before and after:
        (d0, v0), (d1, v1) = before[-1], after[0]
        share = (deadline - d0).days / (d1 - d0).days
        return v0 + (v1 - v0) * share, deadline, "interpolated"
    if before:
        return before[-1][1], before[-1][0], "last_before"
    # Only figures after the deadline: the value at the deadline is not known (a line from the baseline would be
    # an assumption, not a figure).
    return None


def projections(targets: pd.DataFrame, observations: pd.DataFrame, directions: pd.Series,
                today: _dt.date | None = None) -> pd.DataFrame:
    """One row per target (same order): the columns of :data:`COLUMNS`."""
    today = pd.Timestamp(today or _dt.date.today())
    points = target_points(targets, observations)
    rows = []
    grouped = dict(tuple(points.groupby("target_row", sort=False)))
    for position in range(len(targets)):
        target = targets.iloc[position]
        direction = directions.iloc[position]
        mine = grouped.get(position)
        row = dict.fromkeys(COLUMNS)
        row["points"] = 0 if mine is None else len(mine)
        row["deadline_passed"] = bool(target["target_date"] < today)
        if mine is not None and len(mine) >= 2:
            start = target["baseline_date"]
            days = (mine["date"] - start).dt.days.to_numpy(dtype="float64")
            at = float((target["target_date"] - start).days)
            value, low, high = project(days, mine["value"].to_numpy(dtype="float64"), at)
            row.update(projected_value=value, projected_low=low, projected_high=high,
                       projected_status=projected_status(value, low, high, target["target_value"], direction))
        if row["deadline_passed"]:
            figures = mine[~mine["baseline"]] if mine is not None else None
            found = None if figures is None else at_deadline(list(figures["date"]), list(figures["value"]),
                                                             target["target_date"])
            if found is None:
                row["final_status"] = "not_assessable"
            else:
                value, date, method = found
                row.update(final_value=value, final_date=date, final_method=method,
                           final_status="reached" if _meets(value, target["target_value"], direction) else "missed")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["points"] = frame["points"].astype("int64")
    frame["deadline_passed"] = frame["deadline_passed"].astype(bool)
    frame["final_date"] = pd.to_datetime(frame["final_date"])
    for column in ("projected_value", "projected_low", "projected_high", "final_value"):
        frame[column] = frame[column].astype("float64")
    return frame


def band(days: np.ndarray, values: np.ndarray, until: float, steps: int = 12
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The fitted line from the first point to ``until`` (days), and its 80 % prediction band (3 points on):
    what a chart draws (the band widens away from the points)."""
    xs = np.linspace(float(days.min()), until, steps)
    ys, lows, highs = zip(*(project(days, values, x) for x in xs))
    if lows[0] is None:
        return xs, np.array(ys), None, None
    return xs, np.array(ys), np.array(lows), np.array(highs)
