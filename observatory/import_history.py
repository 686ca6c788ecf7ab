"""``data/history.csv`` as the compute step reads it: one row per figure an import wrote, those of an import
taken back by ``observatory undo`` left out, each with the key of its figure (indicator|territory|coalition|
date, the date as its period's end). Read once per caller, between commits (the file is appended to in place)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from observatory import journal, root_paths
from observatory.dates import parse_period_end

REVIEW_ACTIONS = ("submitted", "returned", "approved")  # as observatory.submissions writes them


def figure_key(frame: pd.DataFrame, dates: pd.Series) -> pd.Series:
    """indicator|territory|coalition|YYYY-MM-DD: a figure's key, as observations and history rows share it."""
    return (frame["indicator"] + "|" + frame["territory"] + "|" + frame["coalition"].fillna("") + "|"
            + dates.dt.strftime("%Y-%m-%d"))


def live_entries(root: Path) -> pd.DataFrame:
    """The history's rows still in force (none of an undone import's, nor the undo's own), with a ``key``
    column; an empty frame when there is no history."""
    content = journal.read_settled(root, root_paths.HISTORY)  # never read halfway through an append
    if not content:
        return pd.DataFrame(columns=["key"])
    history = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    if "action" in history:  # histories written before undo existed have no action column
        undone = set(history.loc[history["action"] == "undone", "submission"].str.split("-undo-").str[-1])
        history = history[(history["action"] != "undone") & ~history["submission"].isin(undone)]
        # A review step (sent, returned, approved) says what was done with a proposed figure, not that it was
        # recorded: only the import's own lines (added, replaced) date and name a figure.
        history = history[~history["action"].isin(REVIEW_ACTIONS)]
    if history.empty:
        return history.assign(key=pd.Series(dtype=str))
    return history.assign(key=figure_key(history, parse_period_end(history["date"])))
