"""The core's side of the privacy budget: checking ε and δ, and calling the budget hooks.

A differentially private fit runs in three steps (see docs/privacy.md):

1. ``reserve`` a :class:`~tabular_engine.types.BudgetRequest` through the
   ``budget_reserve`` hook: no reservation, no training (fail closed);
2. fit the generator;
3. ``commit`` what training spent, or ``release`` the reservation when the fit failed
   before any DP mechanism ran. Plugins mark such failures with :func:`before_data`.

The hooks are answered by the first installed budget backend (the smartnoise plugin's
embedded ledger, or its client of a privacy service); with none installed every call
fails with a message saying what to install.
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import BudgetError, ParameterError
from .types import BudgetOperation, BudgetRequest, BudgetStatus, Reservation

DEFAULT_TENANT = "default"
TENANT_ENV = "TABULAR_ENGINE_TENANT"
#: The largest ε one job may ask for; the aumos privacy engine accepts no more either.
MAX_EPSILON = 10.0
NO_BACKEND = (
    "no privacy-budget backend is installed; install one with: "
    "pip install tabular-engine-smartnoise (an embedded ledger, or a client of the aumos "
    "privacy engine when TABULAR_ENGINE_PRIVACY_ENGINE_URL is set)"
)
_UNTOUCHED = "_tabular_engine_data_untouched"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


def check_epsilon(value: Any, name: str = "epsilon") -> float:
    """``value`` as a float with 0 < ε <= 10, else a ParameterError naming ``name``."""
    number = _number(value, name, "a number > 0 and <= 10, e.g. 1 or 0.5")
    if not (0 < number <= MAX_EPSILON):
        raise ParameterError(
            f"{name} must be > 0 and <= {MAX_EPSILON:g}, got {value!r}: a differentially "
            "private job needs a positive privacy budget"
        )
    return number


def check_delta(value: Any, name: str = "delta") -> float:
    """``value`` as a float with 0 <= δ < 1, else a ParameterError naming ``name``."""
    number = _number(value, name, "a number >= 0 and < 1, e.g. 1e-6")
    if not (0 <= number < 1):
        raise ParameterError(f"{name} must be >= 0 and < 1, got {value!r}")
    return number


def _number(value: Any, name: str, expected: str) -> float:
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be {expected}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be {expected}, got {value!r}") from None
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be {expected}, got {value!r}")
    return number


def check_tenant(tenant: str | None) -> str:
    """The tenant to charge: ``tenant``, else $TABULAR_ENGINE_TENANT, else ``default``."""
    if tenant is None:
        tenant = os.environ.get(TENANT_ENV) or DEFAULT_TENANT
    if not isinstance(tenant, str) or not _NAME.match(tenant):
        raise ParameterError(
            f"tenant {tenant!r} is not a valid tenant name: use letters, digits and . _ : @ -"
        )
    return tenant


def check_job_id(job_id: str | None) -> str:
    """``job_id`` checked, or a new UUID when it is None."""
    if job_id is None:
        return str(uuid.uuid4())
    if not isinstance(job_id, str) or not _NAME.match(job_id):
        raise ParameterError(
            f"job id {job_id!r} is not valid: use letters, digits and . _ : @ - "
            "(a UUID works everywhere)"
        )
    return job_id


# -- failures before any DP mechanism ran ---------------------------------------------------


@contextmanager
def before_data() -> Iterator[None]:
    """Mark an error raised in the block as raised before any DP mechanism saw the data.

    The core releases the reservation of a fit that fails that way; any other failure
    commits it, since the data may have been touched.
    """
    try:
        yield
    except BaseException as error:
        setattr(error, _UNTOUCHED, True)
        raise


def data_untouched(error: BaseException) -> bool:
    """Whether ``error`` was raised inside :func:`before_data`."""
    return bool(getattr(error, _UNTOUCHED, False))


# -- calling the hooks ----------------------------------------------------------------------


def _call(hook: str, **kwargs: Any) -> Any:
    from .plugins import get_registry

    result = getattr(get_registry().manager.hook, hook)(**kwargs)
    if result is None:
        raise BudgetError(NO_BACKEND)
    return result


def reserve(request: BudgetRequest) -> Reservation:
    """Reserve the request's budget, or raise: DP training never starts without this."""
    reservation = _call("budget_reserve", request=request)
    if not isinstance(reservation, Reservation):
        raise BudgetError(
            f"the budget backend answered {type(reservation).__name__}, not a reservation; "
            "nothing was trained"
        )
    return reservation


def commit(reservation: Reservation, epsilon_spent: float, delta_spent: float) -> None:
    _call(
        "budget_commit",
        reservation=reservation,
        epsilon_spent=epsilon_spent,
        delta_spent=delta_spent,
    )


def release(reservation: Reservation) -> None:
    _call("budget_release", reservation=reservation)


def status(tenant: str | None = None) -> list[BudgetStatus]:
    """The budget of ``tenant``, or of every tenant the backend knows."""
    return list(_call("budget_status", tenant=tenant))


def set_total(tenant: str, epsilon: float, delta: float) -> BudgetStatus:
    """Set ``tenant``'s total ε and δ; what was spent stays spent."""
    tenant = check_tenant(tenant)
    epsilon = _number(epsilon, "--epsilon", "a number >= 0")
    if epsilon < 0:
        raise ParameterError(f"--epsilon must be 0 or more, got {epsilon:g}")
    delta = check_delta(delta, "--delta")
    return _call("budget_set", tenant=tenant, epsilon=epsilon, delta=delta)


def history(tenant: str | None = None) -> list[BudgetOperation]:
    return list(_call("budget_history", tenant=tenant))
