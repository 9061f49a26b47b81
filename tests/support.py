"""Helpers shared by the core's tests: paths of the shipped data and the CLI in a subprocess.

Imported as ``from support import ...`` (not from conftest, whose name every test folder of
the repository shares).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
