"""Fitting a differentially private generator: reserve the budget, fit, then commit.

:func:`fit_with_budget` is what :func:`tabular_engine.api.fit` runs for a generator with
the ``differential_privacy`` capability. Such a generator declares the parameters
``epsilon`` (required) and ``delta``; they are the privacy budget the job asks for, and
its fitted state may report what it actually spent as ``privacy_spent`` (ε, δ), which
must not exceed them. Without that report the whole reservation is charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import budget
from .log import get_logger
from .privacy import privacy_unit_for
from .types import BudgetRequest

if TYPE_CHECKING:
    from collections.abc import Callable

    from .metadata import Metadata
    from .types import GeneratorInfo

logger = get_logger(__name__)


@dataclass(frozen=True)
class PrivacySpent:
    """What a DP fit charged to the budget; saved in the model file."""

    tenant: str
    job_id: str
    epsilon: float
    delta: float
    privacy_unit: str
    reservation_id: str
    epsilon_reserved: float
    delta_reserved: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "job_id": self.job_id,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "epsilon_reserved": self.epsilon_reserved,
            "delta_reserved": self.delta_reserved,
            "privacy_unit": self.privacy_unit,
            "reservation_id": self.reservation_id,
        }


def budget_request(
    info: GeneratorInfo,
    params: dict[str, Any],
    metadata: Metadata,
    tenant: str | None,
    job_id: str | None,
) -> BudgetRequest:
    """The request a DP fit makes, from the generator's ``epsilon``/``delta`` parameters."""
    epsilon = budget.check_epsilon(params.get("epsilon"))
    delta = budget.check_delta(params.get("delta") or 0.0)
    return BudgetRequest(
        tenant=budget.check_tenant(tenant),
        job_id=budget.check_job_id(job_id),
        epsilon=epsilon,
        delta=delta,
        privacy_unit=privacy_unit_for(info, metadata),
        generator=info.name,
        description=f"tabular-engine {info.name}: " + ", ".join(metadata.tables),
        params=dict(params),
    )


def fit_with_budget(request: BudgetRequest, fit: Callable[[], Any]) -> tuple[Any, PrivacySpent]:
    """Run ``fit`` under a granted reservation and charge what it spent.

    A fit that fails before any DP mechanism ran (see :func:`budget.before_data`) gives the
    reservation back; any other failure commits the whole reservation, as the data may
    have been touched.
    """
    reservation = budget.reserve(request)
    logger.info(
        "privacy budget reserved",
        tenant=request.tenant,
        job_id=request.job_id,
        epsilon=request.epsilon,
        delta=request.delta,
        privacy_unit=request.privacy_unit.value,
        remaining_epsilon=reservation.remaining_epsilon,
    )
    try:
        state = fit()
    except BaseException as error:
        if budget.data_untouched(error):
            budget.release(reservation)
            logger.info("privacy budget released: no data was touched", job_id=request.job_id)
        else:
            budget.commit(reservation, request.epsilon, request.delta)
            logger.warning(
                "training failed after touching the data: the reservation stays charged",
                job_id=request.job_id,
                epsilon=request.epsilon,
            )
        raise
    epsilon, delta = _spent(state, request)
    budget.commit(reservation, epsilon, delta)
    logger.info("privacy budget committed", job_id=request.job_id, epsilon=epsilon, delta=delta)
    spent = PrivacySpent(
        tenant=request.tenant,
        job_id=request.job_id,
        epsilon=epsilon,
        delta=delta,
        privacy_unit=request.privacy_unit.value,
        reservation_id=reservation.reservation_id,
        epsilon_reserved=request.epsilon,
        delta_reserved=request.delta,
    )
    return state, spent


def _spent(state: Any, request: BudgetRequest) -> tuple[float, float]:
    reported = getattr(state, "privacy_spent", None)
    if reported is None:
        return request.epsilon, request.delta
    epsilon, delta = (float(value) for value in reported)
    if epsilon > request.epsilon + 1e-12 or delta > request.delta + 1e-15:
        logger.warning(
            "the generator reports spending more than it reserved; charging what it reports",
            reserved_epsilon=request.epsilon,
            spent_epsilon=epsilon,
        )
    return epsilon, delta
