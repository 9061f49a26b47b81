"""Fixtures for the par plugin's tests: real sequences shipped with the repo, fitted once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def chickweight_path() -> Path:
    """R's ChickWeight: 50 chicks, 578 rows; key Chick, index Time, context Diet."""
    return ROOT / "tests" / "data" / "chickweight.csv"


@pytest.fixture(scope="session")
def chickweight(chickweight_path) -> pd.DataFrame:
    from tabular_engine.io import read_table

    return read_table(chickweight_path)


@pytest.fixture(scope="session")
def par_chicks(chickweight_path):
    """par fitted on ChickWeight for one epoch (detected key, index and context)."""
    import tabular_engine

    return tabular_engine.fit(chickweight_path, "par", seed=5, epochs=1)


@pytest.fixture(scope="session")
def bank_days() -> pd.DataFrame:
    """The first 40 five-minute steps of 6 days of fpp3's bank_calls, one sequence per day."""
    from tabular_engine.io import read_table

    calls = read_table(ROOT / "docs" / "examples" / "bank_calls.csv").iloc[:1100]
    calls = calls.assign(day=calls["DateTime"].str[:10])
    return calls.groupby("day").head(40).reset_index(drop=True)


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the tabular-engine command in a fresh process."""

    def run(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "tabular_engine", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
        )

    return run
