"""The budget hooks against a real aumos-compatible server (contrib/privacy-engine) on
127.0.0.1: allocation once per job, exhausted budgets, tenant isolation, a server that is
down or too slow, concurrent jobs, and one real DP training."""

from __future__ import annotations

import multiprocessing
import socket
import threading

import httpx
import pytest
import tabular_engine
from tabular_engine import budget
from tabular_engine.errors import BudgetError, BudgetExceededError
from tabular_engine.types import BudgetRequest, PrivacyUnit
from tabular_engine_smartnoise.ledger import Ledger


def request(job: str, epsilon: float = 1.0, tenant: str = "acme") -> BudgetRequest:
    return BudgetRequest(
        tenant=tenant,
        job_id=job,
        epsilon=epsilon,
        delta=1e-9,
        privacy_unit=PrivacyUnit.ROW,
        generator="smartnoise",
        description="test",
        params={"synthesizer": "mst"},
    )


def used(engine, tenant: str = "acme", token: str = "token-acme") -> float:
    answer = httpx.get(
        f"{engine.url}/api/v1/privacy/budget/{tenant}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return answer.json()["used_epsilon"]


def test_one_job_allocates_once_however_often_it_is_retried(use_engine):
    first = budget.reserve(request("11111111-1111-4111-8111-111111111111"))
    assert first.remaining_epsilon == pytest.approx(4.0)
    again = budget.reserve(request("11111111-1111-4111-8111-111111111111"))
    assert again.reservation_id == first.reservation_id
    assert used(use_engine) == pytest.approx(1.0)
    budget.release(again)  # the engine has no release: its debit stands ...
    budget.reserve(request("11111111-1111-4111-8111-111111111111"))  # ... and is reused
    assert used(use_engine) == pytest.approx(1.0)
    budget.commit(again, 1.0, 1e-9)
    with pytest.raises(BudgetError, match="already trained and spent its budget"):
        budget.reserve(request("11111111-1111-4111-8111-111111111111"))
    assert used(use_engine) == pytest.approx(1.0)
    outcomes = [o.outcome for o in budget.history("acme")]
    assert outcomes == ["allocating", "reserved", "released", "reserved", "committed"]


def test_an_exhausted_budget_is_our_budget_exceeded_error_with_what_remains(use_engine):
    for job in range(2):
        budget.reserve(request(f"job-{job}", 2.0))
    with pytest.raises(BudgetExceededError) as caught:
        budget.reserve(request("job-3", 1.5))
    assert f"tenant acme has epsilon 1 left of 5 at {use_engine.url}" in str(caught.value)
    assert used(use_engine) == pytest.approx(4.0)


def test_the_engine_422_for_an_exhausted_budget_shows_what_remains(use_engine):
    # another client spends the budget between our check and our allocation
    budget.reserve(request("job-a", 2.0))
    httpx.post(
        f"{use_engine.url}/api/v1/privacy/budget/allocate",
        headers={"Authorization": "Bearer token-acme"},
        json={
            "job_id": "22222222-2222-4222-8222-222222222222",
            "source_engine": "tabular",
            "epsilon_requested": 2.0,
            "mechanism": "laplace",
        },
    ).raise_for_status()
    with pytest.raises(BudgetExceededError, match="epsilon 1 left of 5"):
        budget.reserve(request("job-b", 2.0))


def test_a_token_spends_only_its_own_tenant(use_engine, monkeypatch):
    with pytest.raises(BudgetError, match="refused the token for tenant other"):
        budget.reserve(request("job-x", 0.5, tenant="other"))
    assert used(use_engine, "other", "token-other") == 0.0
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN", "token-other")
    (status,) = budget.status("other")
    assert (status.total_epsilon, status.spent_epsilon) == (1.0, 0.0)


def test_budget_set_says_the_engine_keeps_the_budget(use_engine):
    with pytest.raises(BudgetError, match="kept by the privacy engine"):
        budget.set_total("acme", 10, 1e-5)


def test_a_server_that_is_down_trains_nothing(credit_small, monkeypatch, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN", "token-acme")
    with pytest.raises(
        BudgetError, match=f"cannot reach the privacy engine at http://127.0.0.1:{port}"
    ):
        tabular_engine.fit(credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70]})
    assert [o.outcome for o in Ledger().history()] == ["allocating", "failed"]


def test_a_slow_server_times_out_and_the_job_is_never_allocated_again(credit_small, monkeypatch):
    listener = socket.socket()  # accepts connections, never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_URL", url)
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN", "token-acme")
    monkeypatch.setenv("TABULAR_ENGINE_PRIVACY_ENGINE_TIMEOUT", "0.5")
    try:
        with pytest.raises(
            BudgetError, match=f"privacy engine at {url} did not answer within 0.5 s"
        ):
            tabular_engine.fit(
                credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70]}, job_id="slow-job"
            )
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in accepted:
            connection.close()
    # the GET before allocating timed out: nothing was debited, a retry may allocate
    assert [o.outcome for o in Ledger().history()] == ["allocating", "refused"]


def test_a_timed_out_allocation_is_never_sent_again(use_engine, monkeypatch):
    from tabular_engine_smartnoise import aumos

    calls = []
    original = aumos.AumosClient._request

    def slow_allocate(self, method, path, json=None):
        calls.append(path)
        if path == "/budget/allocate":  # the request reaches the engine, the answer is lost
            original(self, method, path, json)
            raise aumos._Unclear("the privacy engine did not answer within 0.5 s")
        return original(self, method, path, json)

    monkeypatch.setattr(aumos.AumosClient, "_request", slow_allocate)
    with pytest.raises(BudgetError, match="did not answer"):
        budget.reserve(request("lost-answer"))
    with pytest.raises(BudgetError, match="never allocated again"):
        budget.reserve(request("lost-answer"))
    assert calls.count("/budget/allocate") == 1
    assert used(use_engine) == pytest.approx(1.0)


def _reserve_in_a_process(url: str, ledger: str, job: str, start, results) -> None:
    import os

    os.environ.update(
        TABULAR_ENGINE_PRIVACY_ENGINE_URL=url,
        TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN="token-acme",
        TABULAR_ENGINE_LEDGER=ledger,
    )
    start.wait()
    try:
        budget.reserve(request(job, 1.0))
        results.put("granted")
    except BudgetExceededError:
        results.put("refused")


def test_eight_concurrent_jobs_never_overspend_at_the_engine(use_engine, isolated_budget):
    context = multiprocessing.get_context("spawn")
    results, start = context.Queue(), context.Barrier(8)
    processes = [
        context.Process(
            target=_reserve_in_a_process,
            args=(use_engine.url, str(isolated_budget), f"job-{i}", start, results),
        )
        for i in range(8)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["granted"] * 5 + ["refused"] * 3
    assert used(use_engine) == pytest.approx(5.0)


def test_dp_training_against_the_engine_charges_it_once(use_engine, cli, credit_small, tmp_path):
    output = tmp_path / "out.csv"
    done = cli(
        "generate",
        credit_small,
        "-g",
        "smartnoise",
        "-n",
        20,
        "-o",
        output,
        "--epsilon",
        "1",
        "--bounds",
        "Age=18:70",
        "-p",
        "synthesizer=mwem",
        "-p",
        "iterations=3",
    )
    assert done.returncode == 0, done.stderr
    assert len(output.read_text().splitlines()) == 21
    assert used(use_engine) == pytest.approx(1.0)
    shown = cli("budget", "status")
    assert shown.returncode == 0 and "acme" in shown.stdout and use_engine.url in shown.stdout
