"""``tabular-engine-privacy-engine``: serve the API, add tenants, set their budgets.

Tenants and their tokens live in the database (the token only as a SHA-256). They can
also be given at start-up as ``$PRIVACY_ENGINE_TENANTS``:
``tenant=token:epsilon[:delta],...``.
"""

from __future__ import annotations

import os
import socket
import sys

import click

from .store import DEFAULT_DB, Store, make_engine

_db_option = click.option(
    "--db",
    default=lambda: os.environ.get("PRIVACY_ENGINE_DB", DEFAULT_DB),
    show_default=f"$PRIVACY_ENGINE_DB or {DEFAULT_DB}",
    help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db.",
)


@click.group()
def main() -> None:
    """A privacy-budget server compatible with the aumos privacy engine's budget API."""


@main.command()
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--max-epsilon-per-operation",
    default=lambda: float(os.environ.get("PRIVACY_ENGINE_MAX_EPSILON_PER_OPERATION", 2.0)),
    type=float,
    show_default="2.0",
    help="Largest epsilon one allocation may ask for.",
)
def serve(db: str, host: str, port: int, max_epsilon_per_operation: float) -> None:
    """Serve the API; prints 'listening on URL' once it accepts connections."""
    import uvicorn

    from .app import create_app

    store = Store(make_engine(db))
    for tenant, token, epsilon, delta in _tenants_from_env():
        store.set_tenant(tenant, token, epsilon, delta)
    app = create_app(store, max_epsilon_per_operation)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    bound_port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning")
    server = uvicorn.Server(config)
    click.echo(f"listening on http://{host}:{bound_port}")
    sys.stdout.flush()
    server.run(sockets=[listener])


@main.command("set-budget")
@_db_option
@click.option("--tenant", required=True, help="Tenant id (the aumos engine uses UUIDs).")
@click.option("--token", default=None, help="Its Bearer token (required for a new tenant).")
@click.option("--epsilon", required=True, type=float, help="Total epsilon.")
@click.option("--delta", default=1e-5, show_default=True, type=float, help="Total delta.")
def set_budget(db: str, tenant: str, token: str | None, epsilon: float, delta: float) -> None:
    """Add a tenant with its token, or change its total budget (spent stays spent)."""
    if epsilon < 0 or not 0 <= delta < 1:
        raise click.BadParameter("epsilon must be >= 0 and 0 <= delta < 1")
    try:
        view = Store(make_engine(db)).set_tenant(tenant, token, epsilon, delta)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(
        f"tenant {tenant}: epsilon {view['total_epsilon']:g} in total, "
        f"{view['remaining_epsilon']:g} left"
    )


def _tenants_from_env() -> list[tuple[str, str, float, float]]:
    spec = os.environ.get("PRIVACY_ENGINE_TENANTS", "").strip()
    tenants = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        try:
            tenant, rest = item.split("=", 1)
            token, epsilon, *delta = rest.split(":")
            tenants.append((tenant, token, float(epsilon), float(delta[0]) if delta else 1e-5))
        except ValueError:
            raise click.UsageError(
                f"PRIVACY_ENGINE_TENANTS item {item!r}: write tenant=token:epsilon[:delta]"
            ) from None
    return tenants
