"""Fixtures of the smartnoise plugin's tests: real data, an isolated ledger, the CLI, and
the contrib privacy-engine server started as a real process on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
CREDIT = ROOT / "docs" / "examples" / "credit.csv"


@pytest.fixture(autouse=True)
def isolated_budget(tmp_path, monkeypatch) -> Path:
    """Every test gets its own ledger file and no privacy-engine URL."""
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("TABULAR_ENGINE_LEDGER", str(ledger))
    for name in (
        "TABULAR_ENGINE_PRIVACY_ENGINE_URL",
        "TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN",
        "TABULAR_ENGINE_PRIVACY_ENGINE_TIMEOUT",
        "TABULAR_ENGINE_TENANT",
    ):
        monkeypatch.delenv(name, raising=False)
    return ledger


@pytest.fixture(scope="session")
def credit_small(tmp_path_factory) -> Path:
    """300 real credit rows, 3 columns (2 categorical, 1 numerical): quick to train on."""
    frame = pd.read_csv(CREDIT)[["Status", "Home", "Age"]].head(300)
    path = tmp_path_factory.mktemp("data") / "credit_small.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def credit_path() -> Path:
    return CREDIT


def run_cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m tabular_engine ARGS`` in a fresh process with this test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "RUST_BACKTRACE": "0", **(env or {})},
    )


@pytest.fixture
def cli():
    return run_cli


@dataclass
class PrivacyEngine:
    """A running contrib privacy-engine server."""

    url: str
    process: subprocess.Popen
    db: str

    def set_budget(self, tenant: str, token: str | None, epsilon: float) -> None:
        args = ["set-budget", "--db", self.db, "--tenant", tenant, "--epsilon", str(epsilon)]
        if token:
            args += ["--token", token]
        subprocess.run([_server_command(), *args], check=True, capture_output=True)


def _server_command() -> str:
    found = shutil.which("tabular-engine-privacy-engine", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("tabular-engine-privacy-engine (contrib/privacy-engine) is not installed")
    return found


@pytest.fixture
def privacy_engine(tmp_path) -> Iterator[PrivacyEngine]:
    """The contrib server on a free port of 127.0.0.1, tenants acme (ε 5) and other (ε 1)."""
    db = f"sqlite:///{tmp_path / 'engine.sqlite'}"
    env = {**os.environ, "PRIVACY_ENGINE_TENANTS": "acme=token-acme:5,other=token-other:1"}
    process = subprocess.Popen(
        [_server_command(), "serve", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"the server did not start: {line}{process.stdout.read()}"
        url = match.group(1)
        _wait_until_up(url)
        yield PrivacyEngine(url, process, db)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(url: str) -> None:
    import httpx

    for _ in range(100):
        try:
            httpx.get(url + "/docs", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def use_engine(monkeypatch, privacy_engine):
    """Point the budget hooks at the server, as tenant acme."""
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_URL", privacy_engine.url)
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN", "token-acme")
    monkeypatch.setenv("TABULAR_ENGINE_TENANT", "acme")
    return privacy_engine
