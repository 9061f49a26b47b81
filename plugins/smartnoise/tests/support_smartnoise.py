"""Helpers of the smartnoise plugin's tests that are not fixtures."""

from __future__ import annotations

import os
import subprocess
import sys


def run_without_plugins(*args: str) -> subprocess.CompletedProcess:
    """The CLI with no plugin entry point loaded, as if no budget backend were installed."""
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TABULAR_ENGINE_LOAD_PLUGINS": ""},
    )
