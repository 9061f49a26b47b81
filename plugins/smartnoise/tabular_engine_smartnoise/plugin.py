"""The plugin: the smartnoise generator and the privacy-budget hooks.

Importing this module is cheap (no snsynth, jax, torch or httpx): the model and the
budget backends are imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.hookspecs import hookimpl
from tabular_engine.types import Capability, GeneratorInfo, Kind

from .parameters import PARAMETERS

if TYPE_CHECKING:
    from tabular_engine.types import (
        BudgetOperation,
        BudgetRequest,
        BudgetStatus,
        Reservation,
    )

NAME = "smartnoise"

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SINGLE_TABLE,
    summary="Differentially private synthesizers of SmartNoise (OpenDP): mst, aim, mwem, "
    "dpctgan, patectgan, pacsynth; charges the privacy budget (--epsilon, --delta).",
    parameters=PARAMETERS,
    capabilities=frozenset({Capability.DIFFERENTIAL_PRIVACY}),
    license="Apache-2.0",
    library="smartnoise-synth",
    library_license="MIT",
)


def budget_backend() -> Any:
    """The aumos privacy engine's client when its URL is set, else the embedded ledger."""
    from .budget_backends import current_backend

    return current_backend()


class SmartNoisePlugin(GeneratorPlugin):
    """The smartnoise generator, plus the budget hooks every DP generator relies on."""

    @hookimpl
    def budget_reserve(self, request: BudgetRequest) -> Reservation:
        return budget_backend().reserve(request)

    @hookimpl
    def budget_commit(
        self, reservation: Reservation, epsilon_spent: float, delta_spent: float
    ) -> bool:
        return budget_backend().commit(reservation, epsilon_spent, delta_spent)

    @hookimpl
    def budget_release(self, reservation: Reservation) -> bool:
        return budget_backend().release(reservation)

    @hookimpl
    def budget_status(self, tenant: str | None) -> list[BudgetStatus]:
        return budget_backend().status(tenant)

    @hookimpl
    def budget_set(self, tenant: str, epsilon: float, delta: float) -> BudgetStatus:
        return budget_backend().set_total(tenant, epsilon, delta)

    @hookimpl
    def budget_history(self, tenant: str | None) -> list[BudgetOperation]:
        return budget_backend().history(tenant)


plugin = SmartNoisePlugin(GENERATOR, model="tabular_engine_smartnoise.model:SmartNoiseModel")
