"""The command line's privacy-budget parts: ``budget`` commands and the DP options of fit.

``tabular-engine budget status|set|history`` read and change the budget kept by the
installed budget backend (see docs/privacy.md); ``fit`` and ``generate`` take
``--epsilon``, ``--delta``, ``--tenant``, ``--job-id`` and ``--bounds`` through
:func:`privacy_options`. Only click is imported here, so ``--help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from .errors import ParameterError


def privacy_options(command: Callable) -> Callable:
    """Add the differential-privacy options to a fitting command."""
    options = [
        click.option(
            "--bounds",
            "bounds",
            multiple=True,
            metavar="COL=LO:HI",
            help="Public bounds of a continuous column, for differentially private "
            "generators; repeat for more columns.",
        ),
        click.option(
            "--job-id",
            default=None,
            metavar="ID",
            help="Privacy-budget job id; reuse the printed one to retry a job without "
            "charging twice (a new UUID when left out).",
        ),
        click.option(
            "--tenant",
            default=None,
            metavar="NAME",
            help="Whose privacy budget to charge; default $TABULAR_ENGINE_TENANT, else 'default'.",
        ),
        click.option(
            "--delta",
            default=None,
            metavar="D",
            help="Privacy budget delta (0 <= D < 1) of a differentially private generator.",
        ),
        click.option(
            "--epsilon",
            default=None,
            metavar="E",
            help="Privacy budget epsilon (0 < E <= 10) of a differentially private "
            "generator, e.g. --epsilon 1.",
        ),
    ]
    for option in options:
        command = option(command)
    return command


def privacy_params(
    epsilon: str | None, delta: str | None, bounds: tuple[str, ...]
) -> dict[str, Any]:
    """The generator parameters the DP options stand for (only those given)."""
    from .budget import check_delta, check_epsilon

    params: dict[str, Any] = {}
    if epsilon is not None:
        params["epsilon"] = check_epsilon(epsilon, "--epsilon")
    if delta is not None:
        params["delta"] = check_delta(delta, "--delta")
    if bounds:
        params["bounds"] = parse_bounds(bounds)
    return params


def parse_bounds(pairs: tuple[str, ...]) -> dict[str, list[float]]:
    """``("Age=18:100", ...)`` as ``{"Age": [18.0, 100.0]}``, each pair checked."""
    bounds: dict[str, list[float]] = {}
    for pair in pairs:
        column, sep, span = pair.rpartition("=")
        low, colon, high = span.partition(":")
        example = "e.g. --bounds Age=18:100"
        if not sep or not column or not colon:
            raise ParameterError(f"--bounds {pair!r}: write COL=LO:HI, {example}")
        try:
            low_value, high_value = float(low), float(high)
        except ValueError:
            raise ParameterError(
                f"--bounds {pair!r}: LO and HI must be numbers, {example}"
            ) from None
        if not low_value < high_value:
            raise ParameterError(f"--bounds {pair!r}: LO must be below HI, {example}")
        bounds[column] = [low_value, high_value]
    return bounds


# -- tabular-engine budget ------------------------------------------------------------------


@click.group("budget")
def budget_group() -> None:
    """Show and set differential-privacy budgets (epsilon, delta) per tenant.

    \b
    The budget lives in the embedded ledger (a SQLite file, $TABULAR_ENGINE_LEDGER
    overrides where) or, when $TABULAR_ENGINE_PRIVACY_ENGINE_URL is set, in the aumos
    privacy engine. Installed with: pip install tabular-engine-smartnoise
    """


_tenant_option = click.option(
    "--tenant", default=None, metavar="NAME", help="One tenant; every known tenant when left out."
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@budget_group.command("status")
@_tenant_option
@_json_option
def status_command(tenant: str | None, as_json: bool) -> None:
    """Total, spent and remaining epsilon and delta."""
    from . import budget

    if tenant is not None:
        tenant = budget.check_tenant(tenant)
    statuses = budget.status(tenant)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in statuses], indent=2))
        return
    if not statuses:
        click.echo(
            "No tenant has a budget yet; set one with: tabular-engine budget set "
            "--tenant NAME --epsilon E"
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "tenant", "epsilon total", "spent", "remaining", "delta total", "spent", "remaining"
    )
    for s in statuses:
        table.add_row(
            s.tenant,
            f"{s.total_epsilon:g}",
            f"{s.spent_epsilon:g}",
            f"{s.remaining_epsilon:g}",
            f"{s.total_delta:g}",
            f"{s.spent_delta:g}",
            f"{s.remaining_delta:g}",
        )
    Console(width=200).print(table)
    sources = sorted({s.source for s in statuses if s.source})
    if sources:
        click.echo("source: " + ", ".join(sources))


@budget_group.command("set")
@click.option("--tenant", required=True, metavar="NAME", help="The tenant whose budget to set.")
@click.option("--epsilon", required=True, metavar="E", help="Total epsilon of the tenant.")
@click.option(
    "--delta",
    default="1e-5",
    show_default=True,
    metavar="D",
    help="Total delta of the tenant (0 <= D < 1).",
)
def set_command(tenant: str, epsilon: str, delta: str) -> None:
    """Set a tenant's total budget; what was spent stays spent."""
    from . import budget

    status = budget.set_total(tenant, epsilon, delta)
    click.echo(
        f"tenant {status.tenant}: epsilon {status.total_epsilon:g} in total, "
        f"{status.spent_epsilon:g} spent, {status.remaining_epsilon:g} left; "
        f"delta {status.total_delta:g} in total, {status.remaining_delta:g} left"
    )


@budget_group.command("history")
@_tenant_option
@_json_option
def history_command(tenant: str | None, as_json: bool) -> None:
    """Every recorded operation (reserve, commit, release, set), oldest first."""
    from . import budget

    if tenant is not None:
        tenant = budget.check_tenant(tenant)
    operations = budget.history(tenant)
    if as_json:
        click.echo(json.dumps([o.to_dict() for o in operations], indent=2))
        return
    if not operations:
        click.echo("No budget operation recorded yet.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("time", "tenant", "job", "outcome", "epsilon", "delta", "unit", "generator")
    for o in operations:
        table.add_row(
            o.time,
            o.tenant,
            o.job_id,
            o.outcome,
            f"{o.epsilon:g}",
            f"{o.delta:g}",
            o.privacy_unit,
            o.generator,
        )
    Console(width=200).print(table)
