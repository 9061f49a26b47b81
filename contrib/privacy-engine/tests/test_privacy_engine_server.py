"""The contrib privacy-engine server as a real process on 127.0.0.1: the aumos budget API's
fields and ranges, tokens and tenant isolation, atomic debits under concurrency."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

SERVER = str(Path(sys.executable).parent / "tabular-engine-privacy-engine")


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[str, str]]:
    db = f"sqlite:///{tmp_path / 'engine.sqlite'}"
    env = {**os.environ, "PRIVACY_ENGINE_TENANTS": "acme=token-acme:5,other=token-other:1"}
    process = subprocess.Popen(
        [SERVER, "serve", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, line
        url = match.group(1)
        for _ in range(100):
            try:
                httpx.get(url + "/docs", timeout=1)
                break
            except httpx.HTTPError:
                pass
        yield url, db
    finally:
        process.terminate()
        process.wait(10)


def allocate(url: str, token: str = "token-acme", **fields) -> httpx.Response:
    body = {
        "job_id": str(uuid.uuid4()),
        "source_engine": "tabular",
        "epsilon_requested": 1.0,
        "delta_requested": 1e-9,
        "mechanism": "gaussian",
        "composition_type": "sequential",
        "query_description": "test",
        **fields,
    }
    return httpx.post(
        f"{url}/api/v1/privacy/budget/allocate",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def budget(url: str, tenant: str = "acme", token: str = "token-acme") -> httpx.Response:
    return httpx.get(
        f"{url}/api/v1/privacy/budget/{tenant}", headers={"Authorization": f"Bearer {token}"}
    )


def test_allocate_debits_at_once_and_answers_the_budget(server):
    url, _ = server
    answer = allocate(url, epsilon_requested=1.5)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {
        "budget_id",
        "tenant_id",
        "total_epsilon",
        "used_epsilon",
        "remaining_epsilon",
        "total_delta",
        "used_delta",
        "remaining_delta",
        "epsilon_utilization_pct",
        "period_start",
        "period_end",
        "auto_renew",
    }
    assert (body["tenant_id"], body["used_epsilon"], body["remaining_epsilon"]) == (
        "acme",
        1.5,
        3.5,
    )
    assert body["epsilon_utilization_pct"] == pytest.approx(30.0)
    assert budget(url).json()["used_epsilon"] == 1.5


INVALID = [
    {"epsilon_requested": 0},
    {"epsilon_requested": -1},
    {"epsilon_requested": 10.5},
    {"epsilon_requested": 2.5},  # above the per-operation cap of 2.0
    {"delta_requested": 1.0},
    {"delta_requested": -0.1},
    {"mechanism": "magic"},
    {"composition_type": "random"},
    {"source_engine": "spreadsheet"},
    {"job_id": "not-a-uuid"},
    {"query_description": "x" * 501},
]


def test_invalid_requests_are_422_and_debit_nothing(server):
    url, _ = server
    for fields in INVALID:
        assert allocate(url, **fields).status_code == 422, fields
    assert budget(url).json()["used_epsilon"] == 0.0


def test_an_exhausted_budget_is_422(server):
    url, _ = server
    assert allocate(url, token="token-other", epsilon_requested=0.75).status_code == 200
    refused = allocate(url, token="token-other", epsilon_requested=0.5)
    assert refused.status_code == 422
    assert "0.25 remaining of 1" in refused.json()["detail"]


def test_tokens_read_and_spend_only_their_own_tenant(server):
    url, _ = server
    assert budget(url, "other", "token-acme").status_code == 403
    assert budget(url, "acme", "wrong-token").status_code == 401
    assert httpx.get(f"{url}/api/v1/privacy/budget/acme").status_code == 401
    allocate(url, token="token-other", epsilon_requested=0.5)
    assert budget(url).json()["used_epsilon"] == 0.0
    assert budget(url, "other", "token-other").json()["used_epsilon"] == 0.5


def test_concurrent_allocations_never_overspend(server):
    url, _ = server
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda _: allocate(url, epsilon_requested=0.5).status_code, range(24))
        )
    assert sorted(answers) == [200] * 10 + [422] * 14
    assert budget(url).json()["used_epsilon"] == pytest.approx(5.0)


def test_set_budget_adds_a_tenant_and_changes_totals(server):
    url, db = server
    run = [
        SERVER,
        "set-budget",
        "--db",
        db,
        "--tenant",
        "new",
        "--token",
        "token-new",
        "--epsilon",
        "2",
    ]
    done = subprocess.run(run, capture_output=True, text=True)
    assert done.returncode == 0 and "tenant new: epsilon 2 in total, 2 left" in done.stdout
    assert allocate(url, token="token-new", epsilon_requested=2.0).status_code == 200
    subprocess.run(
        [SERVER, "set-budget", "--db", db, "--tenant", "new", "--epsilon", "3"],
        check=True,
        capture_output=True,
    )
    assert budget(url, "new", "token-new").json()["remaining_epsilon"] == 1.0
    missing_token = subprocess.run(
        [SERVER, "set-budget", "--db", db, "--tenant", "fresh", "--epsilon", "1"],
        capture_output=True,
        text=True,
    )
    assert missing_token.returncode == 2 and "give it a token" in missing_token.stderr
