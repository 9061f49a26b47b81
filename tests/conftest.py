"""Shared fixtures: the real datasets shipped in the repository and CLI helpers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
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


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m tabular_engine ARGS`` in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def generator_not_installed() -> tuple[str, str] | None:
    """A first-party generator whose package is not installed here, with that package."""
    from importlib.metadata import PackageNotFoundError, distribution

    from tabular_engine.plugins import KNOWN_GENERATORS

    for name, package in KNOWN_GENERATORS.items():
        try:
            distribution(package)
        except PackageNotFoundError:
            return name, package
    return None
