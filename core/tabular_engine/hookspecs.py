"""The hook specifications: the whole contract between the core and its plugins.

A plugin is a module (or object) with functions marked ``@hookimpl`` and an entry point
in the ``tabular_engine`` group::

    [project.entry-points.tabular_engine]
    tabular-engine-mybackend = "tabular_engine_mybackend.plugin"

Four jobs plus registration:

* ``register_generators`` announces what a plugin provides, as :class:`GeneratorInfo`
  records. It must be cheap: no heavy imports, no I/O.
* ``fit`` and ``sample`` train and draw from one generator. They are ``firstresult``
  hooks and the core calls them **only on the plugin that registered the generator**;
  an implementation still receives the generator name and returns ``None`` for names
  that are not its own.
* ``validate`` checks a dataset at a named stage; every plugin may contribute findings.
* ``budget_reserve`` / ``budget_commit`` / ``budget_release`` account for a
  differential-privacy budget, two-phase. DP training never starts without a granted
  reservation. ``budget_status`` / ``budget_set`` / ``budget_history`` serve the
  ``tabular-engine budget`` commands. All are ``firstresult``: the first installed budget
  backend answers (the smartnoise plugin ships one); see docs/privacy.md.
* ``evaluate`` / ``write_report`` score synthetic data against real data and draw the
  HTML report (the ``tabular-engine-quality`` plugin implements them).
* ``register_steps`` contributes named pipeline steps; ``pipeline_step_start``,
  ``pipeline_step_finish`` and ``pipeline_step_error`` observe every pipeline step.

See docs/plugins.md for a worked example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .evaluation import Evaluation, EvaluationOptions, GateResult
    from .metadata import Metadata
    from .pipeline.runner import RunContext
    from .pipeline.steps import Step, StepDefinition
    from .progress import Progress
    from .types import (
        BudgetOperation,
        BudgetRequest,
        BudgetStatus,
        Finding,
        GeneratorInfo,
        Reservation,
        SampleOptions,
    )

PROJECT_NAME = "tabular_engine"
ENTRY_POINT_GROUP = "tabular_engine"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_generators() -> list[GeneratorInfo]:
    """Return the generators this plugin provides.

    Returns:
        A list of :class:`~tabular_engine.types.GeneratorInfo`. Names must be unique
        across all installed plugins; a clash is an error naming both providers.
    """


@hookspec(firstresult=True)
def fit(
    generator: str,
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    params: dict[str, Any],
    seed: int,
    progress: Progress,
) -> Any:
    """Train ``generator`` on ``dataset`` and return its fitted state.

    Args:
        generator: the generator name; return ``None`` if it is not yours.
        dataset: table name -> DataFrame, as read from the user's input.
        metadata: column types, keys and relationships, checked against ``dataset``.
        params: every declared parameter, defaults filled in and values checked.
        seed: fitting must be deterministic given this seed (never seed global state).
        progress: report long work through ``progress.advance``.

    Returns:
        Any picklable object; the core stores it in the model file and hands it back to
        ``sample``.
    """


@hookspec(firstresult=True)
def sample(
    generator: str,
    state: Any,
    num_rows: int,
    seed: int,
    row_offset: int,
    options: SampleOptions,
) -> dict[str, pd.DataFrame] | None:
    """Draw ``num_rows`` rows from a fitted ``state``.

    The core calls this block by block to stream large outputs; each block gets its own
    ``seed`` (derived from the user's seed and the block number) and ``row_offset``, the
    number of rows drawn before it, so generated ids stay unique across blocks.

    For a multi-table generator ``num_rows`` counts rows of the root table; for a
    sequential one it counts sequences. ``options`` carries the rest (``scale``,
    ``sequence_length``, ``context``); single-table generators may ignore it.

    Returns:
        table name -> DataFrame, or ``None`` if ``generator`` is not yours.
    """


@hookspec
def validate(
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    stage: str,
    reference: dict[str, Any] | None,
) -> list[Finding]:
    """Check ``dataset`` and return the failed checks, as findings.

    Args:
        stage: ``"input"`` before fitting or ``"output"`` after sampling.
        reference: the serialized schemas (table name -> pandera JSON) to check against,
            inferred from the real data at fit time or given by the user.
    """


@hookspec(firstresult=True)
def budget_reserve(request: BudgetRequest) -> Reservation | None:
    """Reserve ``request.epsilon``/``request.delta`` for ``request.tenant``.

    Idempotent per ``request.job_id``: a second call for the same job while its
    reservation is open returns the same reservation and charges nothing more; a job
    whose reservation was already committed is refused (training it again would spend
    the budget again). Raise :class:`~tabular_engine.errors.BudgetExceededError` when the
    tenant has too little left and :class:`~tabular_engine.errors.BudgetError` when the
    budget cannot be reached (fail closed).
    """


@hookspec(firstresult=True)
def budget_commit(reservation: Reservation, epsilon_spent: float, delta_spent: float) -> bool:
    """Record that training spent ``epsilon_spent``/``delta_spent`` of the reservation.

    Called once the data was touched, whether training succeeded or not. Return True when
    recorded; committing an already committed reservation again changes nothing.
    """


@hookspec(firstresult=True)
def budget_release(reservation: Reservation) -> bool:
    """Give a reservation back; only allowed when the data was never touched."""


@hookspec(firstresult=True)
def budget_status(tenant: str | None) -> list[BudgetStatus] | None:
    """The budget of ``tenant``, or of every known tenant when ``tenant`` is None."""


@hookspec(firstresult=True)
def budget_set(tenant: str, epsilon: float, delta: float) -> BudgetStatus | None:
    """Set ``tenant``'s total budget (what was spent stays spent); return the new status."""


@hookspec(firstresult=True)
def budget_history(tenant: str | None) -> list[BudgetOperation] | None:
    """Every recorded operation of ``tenant`` (or of all tenants), oldest first."""


@hookspec(firstresult=True)
def evaluate(
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    options: EvaluationOptions,
) -> Evaluation | None:
    """Score ``synthetic`` against ``real``: quality, diagnostic and privacy scores.

    Returns:
        An :class:`~tabular_engine.evaluation.Evaluation` (every score in one structure),
        or ``None`` to let another evaluator answer.
    """


@hookspec(firstresult=True)
def write_report(
    path: Path,
    evaluation: Evaluation,
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    gate: GateResult | None,
) -> Path | None:
    """Write a self-contained HTML report of ``evaluation`` to ``path``; return the path."""


@hookspec
def register_steps() -> list[StepDefinition]:
    """Return named pipeline steps this plugin provides, as ``StepDefinition`` records.

    A step is a function ``func(data, **params)`` over a dataset (a DataFrame for one
    table, a dict of DataFrames for several) returning the new dataset. Names are unique
    across plugins; a clash is an error naming both.
    """


@hookspec
def pipeline_step_start(step: Step, context: RunContext) -> None:
    """Called before a pipeline step runs (for logging, tracing, metrics)."""


@hookspec
def pipeline_step_finish(step: Step, context: RunContext, seconds: float) -> None:
    """Called after a pipeline step succeeded, with its wall time."""


@hookspec
def pipeline_step_error(step: Step, context: RunContext, error: BaseException) -> None:
    """Called when a pipeline step raised ``error``; the run stops and writes nothing."""
