"""Fixtures for the tvae plugin's tests: the real data shipped with the repo, logs, the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def credit_path() -> Path:
    return ROOT / "docs" / "examples" / "credit.csv"


@pytest.fixture(scope="session")
def loans_path() -> Path:
    return ROOT / "tests" / "data" / "loans_500.csv"


@pytest.fixture(scope="session")
def emp_title_path() -> Path:
    """10,000 loans: emp_title (4,742 distinct job titles), annual_income, homeownership."""
    return ROOT / "tests" / "data" / "loans_emp_title.csv"


@contextmanager
def captured_logs() -> Iterator[list[dict]]:
    """Every structlog event logged inside the block, debug level included."""
    from tabular_engine.log import configure

    saved = structlog.get_config()
    configure(verbosity=2)
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


def run_cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m tabular_engine ARGS`` in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


class RecordingProgress:
    """A progress display that writes down what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start(self, task: str, total: float | None = None) -> None:
        self.calls.append(("start", task, total))

    def advance(self, steps: float = 1, **values: float) -> None:
        self.calls.append(("advance", steps, values))

    def finish(self) -> None:
        self.calls.append(("finish",))


@pytest.fixture(scope="session")
def capture_logs():
    """``with capture_logs() as logs:`` gathers every structlog event of the block."""
    return captured_logs


@pytest.fixture(scope="session")
def cli():
    """``cli(*args)`` runs the tabular-engine command in a fresh process."""
    return run_cli


@pytest.fixture
def progress() -> RecordingProgress:
    return RecordingProgress()
