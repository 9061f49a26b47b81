"""Shared fixtures: the real datasets shipped in the repository and CLI helpers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support import ROOT

CREDIT = ROOT / "docs" / "examples" / "credit.csv"
LOANS = ROOT / "tests" / "data" / "loans_500.csv"


@pytest.fixture(scope="session")
def credit_path() -> Path:
    return CREDIT


@pytest.fixture(scope="session")
def loans_path() -> Path:
    return LOANS


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    from tabular_engine.io import read_table

    return read_table(CREDIT)
