"""The embedded privacy-budget ledger: one SQLite file, safe under concurrent processes.

Tables:

* ``budgets``: one row per tenant, its total ε and δ.
* ``operations``: append-only, one row per event (``reserved``, ``committed``,
  ``released``, ``refused``, ``set``) with job id, ε, δ, privacy unit, generator, time.
  Rows are never updated or deleted.

A job's state is its latest ``reserved``/``committed``/``released`` row. What a tenant
has spent is the sum over its jobs whose latest row is ``reserved`` or ``committed`` (the
ε of that row), so a process killed after reserving leaves its reservation counted; only
an explicit release gives it back. Every change runs in a ``BEGIN IMMEDIATE`` transaction
(one writer at a time, in WAL mode), so concurrent reservations never overspend.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from tabular_engine.errors import BudgetError, BudgetExceededError
from tabular_engine.types import BudgetOperation, BudgetRequest, BudgetStatus, Reservation

LEDGER_ENV = "TABULAR_ENGINE_LEDGER"
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 60.0
#: Float sums of many small ε may exceed a total by rounding; this much is tolerated.
TOLERANCE = 1e-9

OPEN = ("reserved", "committed")
JOB_STATES = ("reserved", "committed", "released")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS budgets (
    tenant TEXT PRIMARY KEY,
    total_epsilon REAL NOT NULL,
    total_delta REAL NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    tenant TEXT NOT NULL,
    job_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    epsilon REAL NOT NULL,
    delta REAL NOT NULL,
    privacy_unit TEXT NOT NULL DEFAULT '',
    generator TEXT NOT NULL DEFAULT '',
    reservation_id TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL DEFAULT 'ledger',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS operations_job ON operations (job_id, id);
CREATE INDEX IF NOT EXISTS operations_tenant ON operations (tenant, id);
CREATE TRIGGER IF NOT EXISTS operations_append_only_update
    BEFORE UPDATE ON operations
    BEGIN SELECT RAISE(ABORT, 'the operations log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS operations_append_only_delete
    BEFORE DELETE ON operations
    BEGIN SELECT RAISE(ABORT, 'the operations log is append-only'); END;
"""


def default_path() -> Path:
    """$TABULAR_ENGINE_LEDGER, else ``ledger.sqlite`` in the user's data directory."""
    override = os.environ.get(LEDGER_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tabular-engine")) / "ledger.sqlite"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Ledger:
    """The budget ledger in the SQLite file at ``path`` (created on first use)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()

    # -- connection ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
        except (OSError, sqlite3.Error) as error:
            raise BudgetError(
                f"cannot open the privacy-budget ledger {str(self.path)!r}: {error}; "
                f"set {LEDGER_ENV} to a writable file"
            ) from None
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise BudgetError(
                f"the privacy-budget ledger {str(self.path)!r} cannot be used ({error}); "
                f"point {LEDGER_ENV} at the ledger file, or at a new file to start one; "
                "nothing was charged"
            ) from None
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front."""
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.OperationalError as error:
            raise BudgetError(
                f"the privacy-budget ledger {str(self.path)!r} is unavailable ({error}); "
                "nothing was charged"
            ) from None
        finally:
            connection.close()

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _status(connection: sqlite3.Connection, tenant: str) -> BudgetStatus | None:
        row = connection.execute(
            "SELECT total_epsilon, total_delta FROM budgets WHERE tenant = ?", (tenant,)
        ).fetchone()
        if row is None:
            return None
        spent = connection.execute(
            """
            SELECT COALESCE(SUM(o.epsilon), 0), COALESCE(SUM(o.delta), 0)
            FROM operations o
            JOIN (SELECT job_id, MAX(id) AS last FROM operations
                  WHERE tenant = ? AND backend = 'ledger'
                  AND outcome IN ('reserved', 'committed', 'released')
                  GROUP BY job_id) j ON o.id = j.last
            WHERE o.outcome IN ('reserved', 'committed')
            """,
            (tenant,),
        ).fetchone()
        return BudgetStatus(
            tenant=tenant,
            total_epsilon=row["total_epsilon"],
            spent_epsilon=spent[0],
            total_delta=row["total_delta"],
            spent_delta=spent[1],
        )

    def status(self, tenant: str | None = None) -> list[BudgetStatus]:
        connection = self._connect()
        try:
            if tenant is None:
                tenants = [r[0] for r in connection.execute("SELECT tenant FROM budgets")]
            else:
                tenants = [tenant]
            statuses = []
            for name in sorted(tenants):
                found = self._status(connection, name)
                if found is None:
                    raise BudgetError(_no_budget(name))
                statuses.append(_with_source(found, str(self.path)))
            return statuses
        finally:
            connection.close()

    def history(self, tenant: str | None = None) -> list[BudgetOperation]:
        connection = self._connect()
        try:
            query = "SELECT * FROM operations"
            args: tuple = ()
            if tenant is not None:
                query += " WHERE tenant = ?"
                args = (tenant,)
            rows = connection.execute(query + " ORDER BY id", args).fetchall()
        finally:
            connection.close()
        return [
            BudgetOperation(
                time=r["time"],
                tenant=r["tenant"],
                job_id=r["job_id"],
                outcome=r["outcome"],
                epsilon=r["epsilon"],
                delta=r["delta"],
                privacy_unit=r["privacy_unit"],
                generator=r["generator"],
                detail=r["detail"],
            )
            for r in rows
        ]

    @staticmethod
    def last_job_row(connection: sqlite3.Connection, job_id: str) -> sqlite3.Row | None:
        """The job's latest reserved/committed/released row."""
        return connection.execute(
            "SELECT * FROM operations WHERE job_id = ? AND backend = 'ledger' AND outcome IN "
            "('reserved', 'committed', 'released') ORDER BY id DESC LIMIT 1",
            (job_id,),
        ).fetchone()

    # -- writing ---------------------------------------------------------------------------

    @staticmethod
    def append(
        connection: sqlite3.Connection,
        request: BudgetRequest | None,
        outcome: str,
        *,
        tenant: str = "",
        job_id: str = "",
        epsilon: float = 0.0,
        delta: float = 0.0,
        reservation_id: str = "",
        backend: str = "ledger",
        detail: str = "",
    ) -> None:
        if request is not None:
            tenant, job_id = request.tenant, request.job_id
        connection.execute(
            "INSERT INTO operations (time, tenant, job_id, outcome, epsilon, delta, "
            "privacy_unit, generator, reservation_id, backend, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now(),
                tenant,
                job_id,
                outcome,
                epsilon,
                delta,
                request.privacy_unit.value if request else "",
                request.generator if request else "",
                reservation_id,
                backend,
                detail,
            ),
        )

    def set_total(self, tenant: str, epsilon: float, delta: float) -> BudgetStatus:
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO budgets (tenant, total_epsilon, total_delta, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET "
                "total_epsilon = excluded.total_epsilon, total_delta = excluded.total_delta, "
                "updated_at = excluded.updated_at",
                (tenant, epsilon, delta, now()),
            )
            self.append(
                connection,
                None,
                "set",
                tenant=tenant,
                epsilon=epsilon,
                delta=delta,
                detail="total budget set",
            )
            status = self._status(connection, tenant)
        assert status is not None
        return _with_source(status, str(self.path))

    def reserve(self, request: BudgetRequest) -> Reservation:
        """Reserve the request's ε and δ, or return the job's open reservation."""
        with self.transaction() as connection:
            last = self.last_job_row(connection, request.job_id)
            if last is not None and last["outcome"] in OPEN:
                existing = _existing(last, request)
                if existing is not None:
                    status = self._status(connection, request.tenant)
                    return _reservation(request, last["reservation_id"], status, retried=True)
            status = self._status(connection, request.tenant)
            if status is None:
                raise BudgetError(_no_budget(request.tenant))
            short = _shortfall(status, request)
            if short:
                self.append(
                    connection,
                    request,
                    "refused",
                    epsilon=request.epsilon,
                    delta=request.delta,
                    detail=short,
                )
                refused = short
            else:
                reservation_id = str(uuid.uuid4())
                self.append(
                    connection,
                    request,
                    "reserved",
                    epsilon=request.epsilon,
                    delta=request.delta,
                    reservation_id=reservation_id,
                )
                status = self._status(connection, request.tenant)
                return _reservation(request, reservation_id, status)
        # outside the transaction, so the 'refused' row is kept
        raise BudgetExceededError(refused)

    def commit(self, reservation: Reservation, epsilon: float, delta: float) -> bool:
        request = reservation.request
        with self.transaction() as connection:
            last = self.last_job_row(connection, request.job_id)
            if last is None or last["reservation_id"] != reservation.reservation_id:
                raise BudgetError(
                    f"job {request.job_id} has no reservation {reservation.reservation_id} "
                    f"in the ledger {str(self.path)!r}; nothing was committed"
                )
            if last["outcome"] == "committed":
                return True
            if last["outcome"] == "released":
                raise BudgetError(
                    f"job {request.job_id}'s reservation was released; it cannot be committed"
                )
            self.append(
                connection,
                request,
                "committed",
                epsilon=epsilon,
                delta=delta,
                reservation_id=reservation.reservation_id,
                detail=_spent_detail(reservation, epsilon),
            )
        return True

    def release(self, reservation: Reservation) -> bool:
        request = reservation.request
        with self.transaction() as connection:
            last = self.last_job_row(connection, request.job_id)
            if last is None or last["reservation_id"] != reservation.reservation_id:
                return False
            if last["outcome"] == "released":
                return True
            if last["outcome"] == "committed":
                raise BudgetError(
                    f"job {request.job_id} was committed: its budget was spent and cannot be "
                    "released"
                )
            self.append(
                connection,
                request,
                "released",
                epsilon=0.0,
                delta=0.0,
                reservation_id=reservation.reservation_id,
                detail="released before any data was touched",
            )
        return True


def _existing(last: sqlite3.Row, request: BudgetRequest) -> Reservation | None:
    """The open reservation of a retried job, or an error if it cannot be reused."""
    if last["outcome"] == "committed":
        raise BudgetError(
            f"job {request.job_id} already trained and spent its budget "
            f"(epsilon {last['epsilon']:g}, committed {last['time']}); training it again "
            "would spend it again: start a new job (leave out --job-id)"
        )
    if (
        last["tenant"] != request.tenant
        or abs(last["epsilon"] - request.epsilon) > TOLERANCE
        or (abs(last["delta"] - request.delta) > TOLERANCE * 1e-6)
    ):
        raise BudgetError(
            f"job {request.job_id} is already reserved for tenant {last['tenant']} with "
            f"epsilon {last['epsilon']:g}, delta {last['delta']:g}; retry it with the same "
            "tenant and budget, or start a new job (leave out --job-id)"
        )
    return Reservation(request=request, reservation_id=last["reservation_id"])


def _reservation(
    request: BudgetRequest,
    reservation_id: str,
    status: BudgetStatus | None,
    retried: bool = False,
) -> Reservation:
    return Reservation(
        request=request,
        reservation_id=reservation_id,
        remaining_epsilon=status.remaining_epsilon if status else None,
        details={"backend": "ledger", "retried": retried},
    )


def _shortfall(status: BudgetStatus, request: BudgetRequest) -> str:
    """Why the request does not fit in what is left ("" when it does)."""
    if request.epsilon > status.remaining_epsilon + TOLERANCE:
        return (
            f"tenant {request.tenant} has epsilon {status.remaining_epsilon:g} left of "
            f"{status.total_epsilon:g}, less than the {request.epsilon:g} this job asks for; "
            "nothing was trained or charged. Ask for less, or raise the total with "
            f"tabular-engine budget set --tenant {request.tenant} --epsilon E"
        )
    if request.delta > status.remaining_delta + TOLERANCE * 1e-6:
        return (
            f"tenant {request.tenant} has delta {status.remaining_delta:g} left of "
            f"{status.total_delta:g}, less than the {request.delta:g} this job asks for; "
            "nothing was trained or charged. Ask for a smaller --delta, or raise the total "
            f"with tabular-engine budget set --tenant {request.tenant} --epsilon E --delta D"
        )
    return ""


def _spent_detail(reservation: Reservation, epsilon: float) -> str:
    reserved = reservation.request.epsilon
    if epsilon < reserved - TOLERANCE:
        return f"spent epsilon {epsilon:g} of {reserved:g} reserved"
    return ""


def _no_budget(tenant: str) -> str:
    return (
        f"tenant {tenant} has no privacy budget yet; set one with: "
        f"tabular-engine budget set --tenant {tenant} --epsilon E"
    )


def _with_source(status: BudgetStatus, source: str) -> BudgetStatus:
    from dataclasses import replace

    return replace(status, source=source)
