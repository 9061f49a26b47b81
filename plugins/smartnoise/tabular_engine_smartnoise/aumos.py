"""A client of the aumos privacy engine's budget API, with the ledger file as its memory.

The engine (``/api/v1/privacy``) debits a tenant's budget at once on ``POST
/budget/allocate`` and has neither release nor idempotency. So this client:

* never allocates twice for one job: every attempt is written to the local ledger file
  (backend ``aumos``) before the request goes out, and a job whose attempt got no clear
  answer (a timeout, a 5xx, a process killed mid-request) is never allocated again;
* fails closed: a timeout, a connection error or a 5xx means "not granted";
* turns a 422 for an exhausted budget into :class:`BudgetExceededError` showing what is
  left, read from ``GET /budget/{tenant}``;
* records commits and releases locally only (the engine's debit stands; a released job
  retried with the same id reuses its allocation instead of paying again).

The tenant is the one the Bearer token belongs to; ``--tenant`` must name it (the
engine's tenant id).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tabular_engine.errors import BudgetError, BudgetExceededError
from tabular_engine.types import BudgetStatus, Reservation

from .parameters import MECHANISMS

if TYPE_CHECKING:
    import sqlite3

    from tabular_engine.types import BudgetOperation, BudgetRequest

    from .ledger import Ledger

BACKEND = "aumos"
API = "/api/v1/privacy"
#: Outcomes of an allocation attempt whose debit may or may not have happened.
UNCLEAR = ("allocating", "unknown")


class AumosClient:
    """Reserve, commit and release against the aumos privacy engine at ``url``."""

    def __init__(self, url: str, token: str, ledger: Ledger, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.ledger = ledger
        self.timeout = timeout

    # -- HTTP ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, json: dict | None = None) -> Any:
        """The response, or a BudgetError that says the budget was not granted."""
        import httpx

        if not self.token:
            raise BudgetError(
                "TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN is not set: the privacy engine at "
                f"{self.url} needs a Bearer token; nothing was trained"
            )
        timeout = httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))
        try:
            with httpx.Client(timeout=timeout) as client:
                return client.request(
                    method,
                    self.url + API + path,
                    json=json,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
        except httpx.TimeoutException:
            raise _Unclear(
                f"the privacy engine at {self.url} did not answer within {self.timeout:g} s "
                f"(TABULAR_ENGINE_PRIVACY_ENGINE_TIMEOUT); budget not granted, nothing was "
                "trained"
            ) from None
        except httpx.HTTPError as error:
            raise _Unreachable(
                f"cannot reach the privacy engine at {self.url} ({type(error).__name__}: "
                f"{error}); budget not granted, nothing was trained. Check "
                "TABULAR_ENGINE_PRIVACY_ENGINE_URL, or unset it to use the embedded ledger"
            ) from None

    def _budget(self, tenant: str) -> dict[str, Any]:
        response = self._request("GET", f"/budget/{tenant}")
        if response.status_code in (401, 403):
            raise _Refused(
                f"the privacy engine at {self.url} refused the token for tenant {tenant} "
                f"({response.status_code}: {_detail(response)}); --tenant must be the tenant "
                "the token belongs to"
            )
        if response.status_code == 404:
            raise _Refused(f"the privacy engine at {self.url} has no budget for tenant {tenant}")
        if response.status_code != 200:
            raise _Refused(
                f"the privacy engine at {self.url} answered {response.status_code} "
                f"({_detail(response)}) for tenant {tenant}'s budget; nothing was trained"
            )
        return response.json()

    # -- hooks -----------------------------------------------------------------------------

    def status(self, tenant: str | None) -> list[BudgetStatus]:
        from tabular_engine.budget import check_tenant

        tenant = check_tenant(tenant)
        try:
            return [_status(tenant, self._budget(tenant), self.url)]
        except _Failure as failure:
            raise BudgetError(str(failure)) from None

    def set_total(self, tenant: str, epsilon: float, delta: float) -> BudgetStatus:
        raise BudgetError(
            f"the budget of tenant {tenant} is kept by the privacy engine at {self.url}; set "
            "it there (for contrib/privacy-engine: tabular-engine-privacy-engine "
            "set-budget), or unset TABULAR_ENGINE_PRIVACY_ENGINE_URL to use the embedded ledger"
        )

    def history(self, tenant: str | None) -> list[BudgetOperation]:
        return self.ledger.history(tenant)

    def reserve(self, request: BudgetRequest) -> Reservation:
        with self.ledger.transaction() as connection:
            last = _last(connection, request.job_id)
            reused = self._reuse(connection, request, last)
            if reused is not None:
                return reused
            reservation_id = str(uuid.uuid4())
            self.ledger.append(
                connection,
                request,
                "allocating",
                epsilon=request.epsilon,
                delta=request.delta,
                reservation_id=reservation_id,
                backend=BACKEND,
                detail=self.url,
            )
        try:
            granted = self._allocate(request)
        except _Failure as failure:
            self._record(request, failure.outcome, reservation_id, str(failure))
            error = BudgetExceededError if failure.exceeded else BudgetError
            raise error(str(failure)) from None
        self._record(request, "reserved", reservation_id, f"budget {granted.get('budget_id')}")
        return Reservation(
            request=request,
            reservation_id=reservation_id,
            remaining_epsilon=granted.get("remaining_epsilon"),
            details={"backend": BACKEND, "url": self.url, "budget": granted},
        )

    def commit(self, reservation: Reservation, epsilon: float, delta: float) -> bool:
        self._close(reservation, "committed", epsilon, delta, "debited at allocation")
        return True

    def release(self, reservation: Reservation) -> bool:
        request = reservation.request  # the debit stands: the row keeps its epsilon
        self._close(
            reservation,
            "released",
            request.epsilon,
            request.delta,
            "the privacy engine has no release: its debit stands; retrying this job id "
            "reuses the allocation",
        )
        return True

    # -- steps -----------------------------------------------------------------------------

    def _reuse(
        self, connection: sqlite3.Connection, request: BudgetRequest, last: Any
    ) -> Reservation | None:
        """The job's earlier allocation, when it may be used again; None to allocate."""
        if last is None or last["outcome"] in ("refused", "failed"):
            return None
        outcome, job = last["outcome"], request.job_id
        if outcome in UNCLEAR:
            raise BudgetError(
                f"an earlier allocation for job {job} got no clear answer from the privacy "
                f"engine ({last['detail']}); it may have been debited, so this job id is never "
                "allocated again: check 'tabular-engine budget status' and start a new job "
                "(leave out --job-id)"
            )
        if outcome == "committed":
            raise BudgetError(
                f"job {job} already trained and spent its budget; training it again would "
                "spend it again: start a new job (leave out --job-id)"
            )
        if abs(last["epsilon"] - request.epsilon) > 1e-9 or last["tenant"] != request.tenant:
            raise BudgetError(
                f"job {job} was allocated epsilon {last['epsilon']:g} for tenant "
                f"{last['tenant']}; retry it with the same budget, or start a new job"
            )
        if outcome == "released":  # the engine kept the debit: the job may use it again
            self.ledger.append(
                connection,
                request,
                "reserved",
                epsilon=request.epsilon,
                delta=request.delta,
                reservation_id=last["reservation_id"],
                backend=BACKEND,
                detail="reusing the job's earlier allocation",
            )
        return Reservation(
            request=request,
            reservation_id=last["reservation_id"],
            details={"backend": BACKEND, "url": self.url, "retried": True},
        )

    def _allocate(self, request: BudgetRequest) -> dict[str, Any]:
        try:
            budget = self._budget(request.tenant)
        except _Unclear as failure:  # a GET debits nothing: a retry may allocate
            raise _Refused(str(failure)) from None
        remaining = float(budget.get("remaining_epsilon", 0.0))
        if request.epsilon > remaining + 1e-9:
            raise _Exceeded(_exceeded(request, budget, self.url))
        body = {
            "job_id": _job_uuid(request.job_id),
            "source_engine": "tabular",
            "epsilon_requested": request.epsilon,
            "delta_requested": request.delta,
            "mechanism": _mechanism(request),
            "composition_type": "sequential",
            "query_description": (
                f"{request.description} (job {request.job_id}, privacy unit "
                f"{request.privacy_unit.value})"
            )[:500],
        }
        response = self._request("POST", "/budget/allocate", json=body)
        if response.status_code == 200:
            return response.json()
        if response.status_code == 422:
            try:
                budget = self._budget(request.tenant)
            except _Failure:
                budget = {}
            raise _Exceeded(
                f"the privacy engine refused the allocation ({_detail(response)}); "
                + _exceeded(request, budget, self.url)
            )
        if response.status_code >= 500:
            raise _Unclear(
                f"the privacy engine at {self.url} answered {response.status_code} "
                f"({_detail(response)}); budget not granted, nothing was trained"
            )
        raise _Refused(
            f"the privacy engine at {self.url} refused the allocation "
            f"({response.status_code}: {_detail(response)}); nothing was trained"
        )

    def _record(self, request: BudgetRequest, outcome: str, reservation_id: str, detail: str):
        epsilon = request.epsilon if outcome in ("reserved", "unknown") else 0.0
        delta = request.delta if outcome in ("reserved", "unknown") else 0.0
        with self.ledger.transaction() as connection:
            self.ledger.append(
                connection,
                request,
                outcome,
                epsilon=epsilon,
                delta=delta,
                reservation_id=reservation_id,
                backend=BACKEND,
                detail=detail[:500],
            )

    def _close(
        self, reservation: Reservation, outcome: str, epsilon: float, delta: float, detail: str
    ) -> None:
        request = reservation.request
        with self.ledger.transaction() as connection:
            last = _last(connection, request.job_id)
            if last is None or last["reservation_id"] != reservation.reservation_id:
                raise BudgetError(
                    f"job {request.job_id} has no allocation {reservation.reservation_id} "
                    "recorded; nothing was changed"
                )
            if last["outcome"] == outcome:
                return
            if last["outcome"] == "committed":
                raise BudgetError(f"job {request.job_id} was committed already")
            self.ledger.append(
                connection,
                request,
                outcome,
                epsilon=epsilon,
                delta=delta,
                reservation_id=reservation.reservation_id,
                backend=BACKEND,
                detail=detail,
            )


class _Failure(Exception):
    outcome = "failed"
    exceeded = False


class _Unreachable(_Failure):
    """The request never reached the engine: nothing was debited."""

    outcome = "failed"


class _Unclear(_Failure):
    """The engine may have debited (timeout, 5xx)."""

    outcome = "unknown"


class _Refused(_Failure):
    outcome = "refused"


class _Exceeded(_Failure):
    outcome = "refused"
    exceeded = True


def _last(connection: sqlite3.Connection, job_id: str) -> Any:
    return connection.execute(
        "SELECT * FROM operations WHERE job_id = ? AND backend = ? ORDER BY id DESC LIMIT 1",
        (job_id, BACKEND),
    ).fetchone()


def _job_uuid(job_id: str) -> str:
    """The engine wants a UUID: the job id itself, or a UUID derived from it."""
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tabular-engine:{job_id}"))


def _mechanism(request: BudgetRequest) -> str:
    return MECHANISMS.get(str(request.params.get("synthesizer", "")), "gaussian")


def _status(tenant: str, budget: dict[str, Any], url: str) -> BudgetStatus:
    return BudgetStatus(
        tenant=str(budget.get("tenant_id", tenant)),
        total_epsilon=float(budget.get("total_epsilon", 0.0)),
        spent_epsilon=float(budget.get("used_epsilon", 0.0)),
        total_delta=float(budget.get("total_delta", 0.0)),
        spent_delta=float(budget.get("used_delta", 0.0)),
        source=url,
    )


def _exceeded(request: BudgetRequest, budget: dict[str, Any], url: str) -> str:
    if not budget:
        return f"tenant {request.tenant}'s budget at {url} is exhausted; nothing was trained"
    return (
        f"tenant {request.tenant} has epsilon {float(budget.get('remaining_epsilon', 0)):g} "
        f"left of {float(budget.get('total_epsilon', 0)):g} at {url}, less than the "
        f"{request.epsilon:g} this job asks for; nothing was trained or charged"
    )


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    if isinstance(detail, list):  # FastAPI validation errors
        detail = "; ".join(str(item.get("msg", item)) for item in detail)
    return str(detail)[:300] or response.reason_phrase
