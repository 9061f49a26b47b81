"""User steps for the example pipelines: plain functions over a table."""

from __future__ import annotations

import pandas as pd


def drop_incomplete(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows with a value in every one of ``columns`` (the others may stay empty)."""
    return frame.dropna(subset=columns).reset_index(drop=True)
