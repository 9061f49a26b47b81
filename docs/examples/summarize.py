"""Print a side-by-side summary of a real table and its synthetic copy.

Usage: python docs/examples/summarize.py REAL.csv SYNTHETIC.csv
"""

from __future__ import annotations

import sys

import pandas as pd
from rich.console import Console
from rich.table import Table
from tabular_engine.io import read_table


def summarize(real: pd.DataFrame, synthetic: pd.DataFrame) -> Table:
    table = Table(
        "column",
        "real",
        "synthetic",
        title=(f"real: {len(real)} rows, synthetic: {len(synthetic)} rows"),
    )
    for name in real.columns:
        table.add_row(name, _describe(real[name]), _describe(synthetic[name]))
    return table


def _describe(column: pd.Series) -> str:
    missing = f"{column.isna().mean():.0%} missing"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return f"mean {column.mean():.1f}, sd {column.std():.1f}, {missing}"
    top = column.value_counts(normalize=True).head(2)
    shares = ", ".join(f"{value} {share:.0%}" for value, share in top.items())
    return f"{shares}, {missing}"


if __name__ == "__main__":
    Console(width=120).print(summarize(read_table(sys.argv[1]), read_table(sys.argv[2])))
