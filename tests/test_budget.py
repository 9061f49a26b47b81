"""The core's side of the privacy budget: checking ε and δ, the reserve-fit-commit flow a
DP generator runs in, and the budget commands when no budget backend is installed."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pandas as pd
import pytest
import tabular_engine
from hypothesis import given
from hypothesis import strategies as st
from support import ROOT
from tabular_engine import budget
from tabular_engine.cli_budget import parse_bounds
from tabular_engine.errors import BudgetError, InputError, ParameterError
from tabular_engine.hookspecs import hookimpl
from tabular_engine.plugins import build_registry, reset_registry
from tabular_engine.types import (
    BudgetStatus,
    Capability,
    GeneratorInfo,
    Kind,
    Parameter,
    PrivacyUnit,
    Reservation,
)

# -- checking what users type ------------------------------------------------------------------


@given(st.floats(min_value=1e-6, max_value=10, allow_nan=False))
def test_any_epsilon_in_range_reads_the_same_as_text_or_number(epsilon):
    assert budget.check_epsilon(epsilon) == budget.check_epsilon(repr(epsilon)) == epsilon


@given(st.one_of(st.floats(max_value=0), st.floats(min_value=10, exclude_min=True)))
def test_epsilon_out_of_range_is_refused(epsilon):
    with pytest.raises(ParameterError, match="epsilon must be"):
        budget.check_epsilon(epsilon)


@pytest.mark.parametrize("text", ["", "one", "nan", "inf", "1,5", "True"])
def test_epsilon_that_is_not_a_number_is_refused(text):
    with pytest.raises(ParameterError, match=f"epsilon must be a number > 0 and <= 10.*{text!r}"):
        budget.check_epsilon(text)


def test_delta_range():
    assert budget.check_delta("0") == 0.0 and budget.check_delta("1e-6") == 1e-6
    for bad in ("1", "1.5", "-0.1", "x"):
        with pytest.raises(ParameterError, match="delta must be"):
            budget.check_delta(bad)


def test_tenant_and_job_id(monkeypatch):
    monkeypatch.delenv("TABULAR_ENGINE_TENANT", raising=False)
    assert budget.check_tenant(None) == "default"
    monkeypatch.setenv("TABULAR_ENGINE_TENANT", "clinic-a")
    assert budget.check_tenant(None) == "clinic-a"
    with pytest.raises(ParameterError, match="not a valid tenant name"):
        budget.check_tenant("a b")
    assert len(budget.check_job_id(None)) == 36
    with pytest.raises(ParameterError, match="job id"):
        budget.check_job_id("../etc")


def test_bounds_option():
    assert parse_bounds(("Age=18:70", "x=y=-1.5:2e3")) == {
        "Age": [18.0, 70.0],
        "x=y": [-1.5, 2000.0],
    }
    for bad, problem in (
        ("Age", "COL=LO:HI"),
        ("Age=1", "COL=LO:HI"),
        ("Age=a:b", "numbers"),
        ("Age=5:5", "below"),
    ):
        with pytest.raises(ParameterError, match=problem):
            parse_bounds((bad,))


# -- the reserve, fit, commit / release flow ----------------------------------------------------


class MemoryBudget:
    """A real (tiny) budget backend that keeps its books in memory."""

    __name__ = "memory-budget"

    def __init__(self, total: float) -> None:
        self.total, self.log = total, []

    def spent(self) -> float:
        open_jobs = {}
        for outcome, job, epsilon in self.log:
            open_jobs[job] = 0.0 if outcome == "released" else epsilon
        return sum(open_jobs.values())

    @hookimpl
    def budget_reserve(self, request):
        if request.epsilon > self.total - self.spent():
            raise BudgetError("exhausted")
        self.log.append(("reserved", request.job_id, request.epsilon))
        return Reservation(request=request, reservation_id=request.job_id)

    @hookimpl
    def budget_commit(self, reservation, epsilon_spent, delta_spent):
        self.log.append(("committed", reservation.request.job_id, epsilon_spent))
        return True

    @hookimpl
    def budget_release(self, reservation):
        self.log.append(("released", reservation.request.job_id, 0.0))
        return True


class PrivateBackend:
    """A DP generator that spends 0.75 of what it reserves, or fails where told to."""

    __name__ = "private-backend"
    info = GeneratorInfo(
        "private",
        Kind.SINGLE_TABLE,
        "test",
        parameters=(
            Parameter("epsilon", float, None, required=True),
            Parameter("delta", float, 0.0),
            Parameter("fail", str, "no", choices=("no", "before", "after")),
        ),
        capabilities=frozenset({Capability.DIFFERENTIAL_PRIVACY}),
    )

    @hookimpl
    def register_generators(self):
        return [self.info]

    @hookimpl
    def fit(self, generator, dataset, metadata, params, seed, progress):
        with budget.before_data():
            if params["fail"] == "before":
                raise InputError("bounds missing")
        if params["fail"] == "after":
            raise InputError("training diverged")
        return type("State", (), {"privacy_spent": (params["epsilon"] * 0.75, 0.0)})()


@pytest.fixture
def books():
    memory = MemoryBudget(total=2.0)
    reset_registry(
        build_registry(load_entry_points=False, extra_plugins=(memory, PrivateBackend()))
    )
    yield memory
    reset_registry()


FRAME = pd.DataFrame({"a": ["x", "y", "x"]})


def test_a_dp_fit_commits_what_it_spent(books):
    model = tabular_engine.fit(FRAME, "private", epsilon=1, job_id="j1", tenant="t")
    assert books.log == [("reserved", "j1", 1.0), ("committed", "j1", 0.75)]
    assert model.privacy == {
        "tenant": "t",
        "job_id": "j1",
        "epsilon": 0.75,
        "delta": 0.0,
        "privacy_unit": PrivacyUnit.ROW.value,
        "reservation_id": "j1",
        "epsilon_reserved": 1.0,
        "delta_reserved": 0.0,
    }
    assert model.schemas == {}


def test_a_failure_before_the_data_releases_and_after_it_commits(books):
    with pytest.raises(InputError, match="bounds missing"):
        tabular_engine.fit(FRAME, "private", epsilon=1, fail="before", job_id="j1")
    with pytest.raises(InputError, match="training diverged"):
        tabular_engine.fit(FRAME, "private", epsilon=1, fail="after", job_id="j2")
    assert books.log == [
        ("reserved", "j1", 1.0),
        ("released", "j1", 0.0),
        ("reserved", "j2", 1.0),
        ("committed", "j2", 1.0),  # touched: the whole reservation
    ]


def test_no_reservation_no_training(books):
    with pytest.raises(BudgetError, match="exhausted"):
        tabular_engine.fit(FRAME, "private", epsilon=2.5)
    assert books.log == []


def test_without_a_budget_backend_a_dp_fit_fails_closed():
    reset_registry(build_registry(load_entry_points=False, extra_plugins=(PrivateBackend(),)))
    try:
        with pytest.raises(BudgetError, match="pip install tabular-engine-smartnoise"):
            tabular_engine.fit(FRAME, "private", epsilon=1)
    finally:
        reset_registry()


def test_budget_status_remaining_never_negative():
    status = BudgetStatus("t", 1.0, 1.5, 1e-5, 0.0)
    assert status.remaining_epsilon == 0.0 and math.isclose(status.remaining_delta, 1e-5)


@pytest.mark.parametrize(
    "command", [("status",), ("history",), ("set", "--tenant", "t", "--epsilon", "1")]
)
def test_budget_commands_without_a_backend_say_what_to_install(command):
    done = subprocess.run(
        [sys.executable, "-m", "tabular_engine", "budget", *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TABULAR_ENGINE_LOAD_PLUGINS": ""},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: {budget.NO_BACKEND}"


def test_the_run_record_carries_the_epsilon_reserved_and_spent(books):
    from tabular_engine.run_record import privacy_budget

    model = tabular_engine.fit(FRAME, "private", epsilon=1, job_id="j9", tenant="t")
    assert privacy_budget(model) == {
        "epsilon_reserved": 1.0,
        "epsilon_spent": 0.75,
        "delta_reserved": 0.0,
        "delta_spent": 0.0,
        "tenant": "t",
        "job_id": "j9",
        "privacy_unit": "row",
    }
