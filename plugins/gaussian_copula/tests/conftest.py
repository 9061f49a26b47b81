"""Fixtures for the gaussian_copula plugin's tests: the real data shipped with the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def credit_path() -> Path:
    return ROOT / "docs" / "examples" / "credit.csv"


@pytest.fixture(scope="session")
def loans_path() -> Path:
    return ROOT / "tests" / "data" / "loans_500.csv"
