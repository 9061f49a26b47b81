"""The embedded ledger: two-phase accounting, idempotency, concurrency, crashes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabular_engine.errors import BudgetError, BudgetExceededError
from tabular_engine.types import BudgetRequest, PrivacyUnit
from tabular_engine_smartnoise.ledger import Ledger


def request(job: str, epsilon: float = 1.0, tenant: str = "t", delta: float = 0.0):
    return BudgetRequest(
        tenant=tenant,
        job_id=job,
        epsilon=epsilon,
        delta=delta,
        privacy_unit=PrivacyUnit.ROW,
        generator="smartnoise",
    )


@pytest.fixture
def ledger(isolated_budget) -> Ledger:
    ledger = Ledger()
    assert ledger.path == isolated_budget  # TABULAR_ENGINE_LEDGER is honoured
    ledger.set_total("t", 3.0, 1e-5)
    return ledger


def remaining(ledger: Ledger, tenant: str = "t") -> float:
    (status,) = ledger.status(tenant)
    return status.remaining_epsilon


def test_reserve_then_commit_charges_what_was_spent(ledger):
    reservation = ledger.reserve(request("job-1", 1.0))
    assert reservation.remaining_epsilon == pytest.approx(2.0)
    ledger.commit(reservation, 0.75, 0.0)
    assert remaining(ledger) == pytest.approx(2.25)
    outcomes = [(o.job_id, o.outcome, o.epsilon) for o in ledger.history("t")]
    assert outcomes == [("", "set", 3.0), ("job-1", "reserved", 1.0), ("job-1", "committed", 0.75)]


def test_release_gives_the_reservation_back(ledger):
    reservation = ledger.reserve(request("job-1", 2.0))
    assert remaining(ledger) == pytest.approx(1.0)
    assert ledger.release(reservation)
    assert remaining(ledger) == pytest.approx(3.0)
    ledger.reserve(request("job-2", 3.0))  # the whole budget is usable again
    assert remaining(ledger) == pytest.approx(0.0)


def test_a_retried_job_is_charged_once(ledger):
    first = ledger.reserve(request("job-1", 1.0))
    again = ledger.reserve(request("job-1", 1.0))
    assert again.reservation_id == first.reservation_id
    assert remaining(ledger) == pytest.approx(2.0)
    ledger.commit(again, 1.0, 0.0)
    ledger.commit(again, 1.0, 0.0)  # committing twice changes nothing
    assert remaining(ledger) == pytest.approx(2.0)


def test_a_committed_job_cannot_train_again(ledger):
    ledger.commit(ledger.reserve(request("job-1")), 1.0, 0.0)
    with pytest.raises(BudgetError, match="already trained and spent its budget"):
        ledger.reserve(request("job-1"))
    assert remaining(ledger) == pytest.approx(2.0)


def test_a_retry_with_another_budget_is_refused(ledger):
    ledger.reserve(request("job-1", 1.0))
    with pytest.raises(BudgetError, match="already reserved for tenant t with epsilon 1"):
        ledger.reserve(request("job-1", 2.0))


def test_more_than_is_left_is_refused_and_nothing_is_charged(ledger):
    ledger.reserve(request("job-1", 2.5))
    with pytest.raises(BudgetExceededError) as caught:
        ledger.reserve(request("job-2", 1.0))
    assert "tenant t has epsilon 0.5 left of 3, less than the 1 this job asks for" in str(
        caught.value
    )
    assert remaining(ledger) == pytest.approx(0.5)
    assert ledger.history("t")[-1].outcome == "refused"


def test_delta_is_budgeted_too(ledger):
    with pytest.raises(BudgetExceededError, match="delta"):
        ledger.reserve(request("job-1", 0.1, delta=1e-3))


def test_an_unknown_tenant_has_no_budget(ledger):
    with pytest.raises(BudgetError, match="tenant nobody has no privacy budget yet; set one"):
        ledger.reserve(request("job-1", tenant="nobody"))


def test_setting_a_total_keeps_what_was_spent(ledger):
    ledger.commit(ledger.reserve(request("job-1", 2.0)), 2.0, 0.0)
    status = ledger.set_total("t", 10.0, 1e-5)
    assert (status.spent_epsilon, status.remaining_epsilon) == (2.0, 8.0)


def test_the_operations_log_is_append_only(ledger):
    ledger.reserve(request("job-1"))
    with sqlite3.connect(ledger.path) as connection, pytest.raises(sqlite3.DatabaseError):
        connection.execute("UPDATE operations SET epsilon = 0")
    with sqlite3.connect(ledger.path) as connection, pytest.raises(sqlite3.DatabaseError):
        connection.execute("DELETE FROM operations")
    assert remaining(ledger) == pytest.approx(2.0)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 5),  # job
            st.sampled_from(["reserve", "commit", "release"]),
            st.floats(0.1, 2.0),
        ),
        max_size=25,
    )
)
def test_no_sequence_of_operations_overspends(tmp_path_factory, steps):
    ledger = Ledger(tmp_path_factory.mktemp("ledger") / "ledger.sqlite")
    ledger.set_total("t", 3.0, 1.0)
    open_reservations = {}
    for job, action, epsilon in steps:
        job_id = f"job-{job}"
        try:
            if action == "reserve":
                open_reservations[job_id] = ledger.reserve(request(job_id, epsilon))
            elif job_id in open_reservations and action == "commit":
                reservation = open_reservations[job_id]
                ledger.commit(reservation, reservation.request.epsilon, 0.0)
            elif job_id in open_reservations:
                ledger.release(open_reservations.pop(job_id))
        except BudgetError:
            pass
        (status,) = ledger.status("t")
        assert status.spent_epsilon <= status.total_epsilon + 1e-9


def _reserve_in_a_process(path: str, job: str, results) -> None:
    try:
        Ledger(path).reserve(request(job, 1.0))
        results.put("granted")
    except BudgetExceededError:
        results.put("refused")


def test_eight_processes_reserving_at_once_never_overspend(ledger):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = context.Barrier(8)
    processes = [
        context.Process(target=_reserve_after, args=(start, str(ledger.path), f"job-{i}", results))
        for i in range(8)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in processes)
    assert outcomes == ["granted"] * 3 + ["refused"] * 5
    (status,) = ledger.status("t")
    assert status.spent_epsilon == pytest.approx(3.0)
    assert status.remaining_epsilon == pytest.approx(0.0)


def _reserve_after(start, path: str, job: str, results) -> None:
    start.wait()
    _reserve_in_a_process(path, job, results)


def test_a_process_killed_after_reserving_stays_charged(ledger):
    script = textwrap.dedent(
        f"""
        import sys, time
        from tabular_engine.types import BudgetRequest, PrivacyUnit
        from tabular_engine_smartnoise.ledger import Ledger
        Ledger({str(ledger.path)!r}).reserve(BudgetRequest(
            "t", "killed-job", 2.0, 0.0, PrivacyUnit.ROW, "smartnoise"))
        print("reserved", flush=True)
        time.sleep(60)  # "training"
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    assert process.stdout.readline().strip() == "reserved"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert remaining(ledger) == pytest.approx(1.0)  # never silently refunded
    # the retried job reuses its reservation: charged once
    ledger.reserve(request("killed-job", 2.0))
    assert remaining(ledger) == pytest.approx(1.0)


def test_a_file_that_is_not_a_ledger_is_a_clear_error(tmp_path):
    path = tmp_path / "ledger.sqlite"
    path.write_text("not a database\n")
    with pytest.raises(BudgetError, match=r"cannot be used \(file is not a database\).*nothing"):
        Ledger(path).status("default")
    assert path.read_text() == "not a database\n"  # left as it was
