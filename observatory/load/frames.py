"""Text columns as frames: every cell a Python string or None, the columns not copied."""

from __future__ import annotations

import numpy as np
import pandas as pd


def as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns as Python strings or None, whatever pandas guessed (an all-empty column reads as float)."""
    for column in columns:
        values = frame[column].astype("object")
        missing = values.isna().to_numpy()
        # Compared in C, not by a Python loop over every empty cell (a comment column: millions, 0.5 s a file).
        if missing.any() and not (values.to_numpy()[missing] == None).all():  # noqa: E711 (element-wise)
            values = values.where(~missing, None)  # NaN (an all-empty column, a reindexed one) to None
        frame[column] = values
    return frame


def frame_of(columns: dict[str, np.ndarray], length: int) -> pd.DataFrame:
    """Text columns as a frame, each its own block, not copied: pandas' constructor would copy them all into
    one block (millions of cells, and the memory twice for a moment)."""
    frame = pd.DataFrame(index=pd.RangeIndex(length))
    for name, values in columns.items():
        frame[name] = pd.Series(values, dtype=values.dtype, index=frame.index, copy=False)
    return frame
