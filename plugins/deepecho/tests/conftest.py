"""Fixtures for the deepecho plugin's tests: real sequences shipped with the repo, fitted once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
def deepecho_chicks(chickweight_path):
    """deepecho fitted on ChickWeight for a few epochs (detected key, index and context)."""
    import tabular_engine

    return tabular_engine.fit(chickweight_path, "deepecho", seed=5, epochs=3)


@pytest.fixture(scope="session")
def bank_calls() -> pd.DataFrame:
    """The first 1,200 five-minute steps of fpp3's bank_calls: one series, ISO datetimes."""
    from tabular_engine.io import read_table

    return read_table(ROOT / "docs" / "examples" / "bank_calls.csv").iloc[:1200]


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


@pytest.fixture(scope="session")
def capture_logs():
    """``with capture_logs() as logs:`` gathers every structlog event of the block."""
    import structlog
    from tabular_engine.log import configure

    @contextmanager
    def captured() -> Iterator[list[dict]]:
        saved = structlog.get_config()
        configure(verbosity=2)
        try:
            with structlog.testing.capture_logs() as logs:
                yield logs
        finally:
            structlog.configure(**saved)

    return captured
