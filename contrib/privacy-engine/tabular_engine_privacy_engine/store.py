"""The budget store: tenants, their tokens and budgets, and every allocation (SQLAlchemy).

SQLite by default, PostgreSQL (or any SQLAlchemy URL) by ``--db``. A debit reads the
tenant's row and writes it back in one transaction that holds a write lock from its
start: ``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL. So
concurrent allocations never spend more than the total.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DEFAULT_DB = "sqlite:///privacy-engine.sqlite"


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    budget_id: Mapped[str] = mapped_column(String(36))
    total_epsilon: Mapped[float] = mapped_column(Float)
    used_epsilon: Mapped[float] = mapped_column(Float, default=0.0)
    total_delta: Mapped[float] = mapped_column(Float)
    used_delta: Mapped[float] = mapped_column(Float, default=0.0)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)


class Allocation(Base):
    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.tenant_id"), index=True)
    job_id: Mapped[str] = mapped_column(String(36), index=True)
    epsilon: Mapped[float] = mapped_column(Float)
    delta: Mapped[float] = mapped_column(Float)
    mechanism: Mapped[str] = mapped_column(String(32))
    composition_type: Mapped[str] = mapped_column(String(32))
    query_description: Mapped[str] = mapped_column(String(500))
    source_engine: Mapped[str] = mapped_column(String(32))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Exhausted(Exception):
    """The tenant has less budget left than asked for."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_engine(url: str = DEFAULT_DB) -> Engine:
    """An engine whose transactions take the write lock up front (see the module docstring)."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _autocommit_driver(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=60000")

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    Base.metadata.create_all(engine)
    return engine


@dataclass
class Store:
    """Reading and changing budgets through ``engine``."""

    engine: Engine

    def tenant_for_token(self, token: str) -> str | None:
        with Session(self.engine) as session:
            found = session.scalar(
                select(Tenant.tenant_id).where(Tenant.token_sha256 == token_hash(token))
            )
        return found

    def set_tenant(
        self, tenant_id: str, token: str | None, epsilon: float, delta: float, days: int = 365
    ) -> dict[str, Any]:
        """Create a tenant (a token is then required) or change its totals and token."""
        now = datetime.now(UTC)
        with Session(self.engine) as session, session.begin():
            tenant = session.get(Tenant, tenant_id, with_for_update=True)
            if tenant is None:
                if not token:
                    raise ValueError(f"tenant {tenant_id} is new: give it a token")
                tenant = Tenant(
                    tenant_id=tenant_id,
                    token_sha256=token_hash(token),
                    budget_id=str(uuid.uuid4()),
                    used_epsilon=0.0,
                    used_delta=0.0,
                    period_start=now,
                    period_end=now + timedelta(days=days),
                    auto_renew=False,
                    total_epsilon=epsilon,
                    total_delta=delta,
                )
                session.add(tenant)
            else:
                tenant.total_epsilon, tenant.total_delta = epsilon, delta
                if token:
                    tenant.token_sha256 = token_hash(token)
            session.flush()
            return budget_view(tenant)

    def budget(self, tenant_id: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            tenant = session.get(Tenant, tenant_id)
            return None if tenant is None else budget_view(tenant)

    def allocate(self, tenant_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Debit the request's ε and δ at once, or raise Exhausted; atomic."""
        with Session(self.engine) as session, session.begin():
            tenant = session.get(Tenant, tenant_id, with_for_update=True)
            if tenant is None:
                raise LookupError(tenant_id)
            epsilon, delta = request["epsilon_requested"], request["delta_requested"]
            remaining_epsilon = tenant.total_epsilon - tenant.used_epsilon
            remaining_delta = tenant.total_delta - tenant.used_delta
            if epsilon > remaining_epsilon + 1e-12:
                raise Exhausted(
                    f"privacy budget exhausted: epsilon {epsilon:g} requested, "
                    f"{max(remaining_epsilon, 0):g} remaining of {tenant.total_epsilon:g}"
                )
            if delta > remaining_delta + 1e-18:
                raise Exhausted(
                    f"privacy budget exhausted: delta {delta:g} requested, "
                    f"{max(remaining_delta, 0):g} remaining of {tenant.total_delta:g}"
                )
            tenant.used_epsilon += epsilon
            tenant.used_delta += delta
            session.add(
                Allocation(
                    tenant_id=tenant_id,
                    job_id=str(request["job_id"]),
                    epsilon=epsilon,
                    delta=delta,
                    mechanism=request["mechanism"],
                    composition_type=request["composition_type"],
                    query_description=request["query_description"],
                    source_engine=request["source_engine"],
                    time=datetime.now(UTC),
                )
            )
            session.flush()
            return budget_view(tenant)

    def allocations(self, tenant_id: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Allocation).where(Allocation.tenant_id == tenant_id).order_by(Allocation.id)
            ).all()
            return [
                {"job_id": r.job_id, "epsilon": r.epsilon, "delta": r.delta, "time": r.time}
                for r in rows
            ]


def budget_view(tenant: Tenant) -> dict[str, Any]:
    """The aumos BudgetResponse fields of ``tenant``."""
    total = tenant.total_epsilon
    return {
        "budget_id": tenant.budget_id,
        "tenant_id": tenant.tenant_id,
        "total_epsilon": total,
        "used_epsilon": tenant.used_epsilon,
        "remaining_epsilon": max(total - tenant.used_epsilon, 0.0),
        "total_delta": tenant.total_delta,
        "used_delta": tenant.used_delta,
        "remaining_delta": max(tenant.total_delta - tenant.used_delta, 0.0),
        "epsilon_utilization_pct": 100.0 * tenant.used_epsilon / total if total else 100.0,
        "period_start": tenant.period_start.isoformat(),
        "period_end": tenant.period_end.isoformat(),
        "auto_renew": tenant.auto_renew,
    }
