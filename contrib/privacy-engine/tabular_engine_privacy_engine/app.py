"""The HTTP API: the two budget endpoints of the aumos privacy engine, same fields and ranges.

* ``POST /api/v1/privacy/budget/allocate``: validates ``job_id`` (UUID), ``source_engine``,
  ``epsilon_requested`` (0 < ε <= 10, and at most the per-operation cap, 2.0 by default),
  ``delta_requested`` (0 <= δ < 1), ``mechanism``, ``composition_type`` and
  ``query_description`` (<= 500 characters); debits the token's tenant at once and answers
  the budget after the debit. 422 for an invalid request or an exhausted budget.
* ``GET /api/v1/privacy/budget/{tenant_id}``: the budget; a token reads only its own
  tenant's (403 otherwise).

Missing or unknown tokens get 401. Like the aumos engine, there is no release and no
idempotency: a client must not allocate twice for one job.
"""

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from .store import Exhausted, Store

DEFAULT_MAX_EPSILON_PER_OPERATION = 2.0


class BudgetAllocateRequest(BaseModel):
    job_id: uuid.UUID
    source_engine: Literal["tabular", "text", "image", "audio", "video", "healthcare"]
    epsilon_requested: float = Field(gt=0.0, le=10.0)
    delta_requested: float = Field(default=0.0, ge=0.0, lt=1.0)
    mechanism: Literal["laplace", "gaussian", "exponential", "subsampled"]
    composition_type: Literal["sequential", "parallel", "advanced"] = "sequential"
    query_description: str = Field(default="", max_length=500)


class BudgetResponse(BaseModel):
    budget_id: uuid.UUID
    tenant_id: str
    total_epsilon: float
    used_epsilon: float
    remaining_epsilon: float
    total_delta: float
    used_delta: float
    remaining_delta: float
    epsilon_utilization_pct: float
    period_start: str
    period_end: str
    auto_renew: bool


def create_app(
    store: Store, max_epsilon_per_operation: float = DEFAULT_MAX_EPSILON_PER_OPERATION
) -> FastAPI:
    """The API over ``store``."""
    app = FastAPI(title="tabular-engine privacy engine (aumos-compatible budget API)")

    def current_tenant(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "missing Bearer token", {"WWW-Authenticate": "Bearer"})
        tenant = store.tenant_for_token(token.strip())
        if tenant is None:
            raise HTTPException(401, "unknown token", {"WWW-Authenticate": "Bearer"})
        return tenant

    @app.post("/api/v1/privacy/budget/allocate", response_model=BudgetResponse)
    def allocate(
        request: BudgetAllocateRequest, tenant: Annotated[str, Depends(current_tenant)]
    ) -> dict[str, Any]:
        if request.epsilon_requested > max_epsilon_per_operation:
            raise HTTPException(
                422,
                f"epsilon_requested {request.epsilon_requested:g} is above the per-operation "
                f"cap of {max_epsilon_per_operation:g}",
            )
        try:
            return store.allocate(tenant, request.model_dump())
        except Exhausted as error:
            raise HTTPException(422, str(error)) from None
        except LookupError:
            raise HTTPException(404, f"tenant {tenant} has no budget") from None

    @app.get("/api/v1/privacy/budget/{tenant_id}", response_model=BudgetResponse)
    def budget(tenant_id: str, tenant: Annotated[str, Depends(current_tenant)]) -> dict[str, Any]:
        if tenant_id != tenant:
            raise HTTPException(403, "a token reads only its own tenant's budget")
        found = store.budget(tenant_id)
        if found is None:
            raise HTTPException(404, f"tenant {tenant_id} has no budget")
        return found

    return app
