"""Running a pipeline: steps in order, lifecycle hooks around each, outputs staged.

``pipeline_step_start`` fires before a step, ``pipeline_step_finish`` after it and
``pipeline_step_error`` when it raises; the run then stops and its staged outputs are
removed. When every step passed but the release gate did not, the outputs go to
``rejected/`` beside their destinations with their run records, and
:class:`~tabular_engine.evaluation.GateFailedError` is raised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PipelineError
from ..log import get_logger
from ..progress import NullProgress, Progress
from .build import Pipeline
from .outputs import OutputStage
from .steps import Write

if TYPE_CHECKING:
    import pandas as pd

    from ..enforce import EnforceResult
    from ..evaluation import Evaluation, Gate, GateResult
    from ..metadata import Metadata
    from ..model import Model
    from ..plugins import Registry
    from ..types import Finding

logger = get_logger(__name__)


@dataclass
class RunContext:
    """What one run knows so far; steps read and update it, hooks may look at it.

    ``data`` is the current dataset (real data before ``sample``, synthetic after),
    ``real`` the data the model was fitted on.
    """

    pipeline: Pipeline
    seed: int
    outputs: OutputStage
    progress: Progress = field(default_factory=NullProgress)
    data: dict[str, pd.DataFrame] | None = None
    metadata_source: Any = None
    metadata: Metadata | None = None
    real: dict[str, pd.DataFrame] | None = None
    model: Model | None = None
    synthetic: bool = False
    sample_seed: int | None = None
    enforced: EnforceResult | None = None
    evaluation: Evaluation | None = None
    gate_override: Gate | None = None
    gate_result: GateResult | None = None
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    written: list[tuple[Path, dict[str, int]]] = field(default_factory=list)

    def require_data(self, step: str) -> dict[str, pd.DataFrame]:
        if self.data is None:
            raise PipelineError(
                f"step {step!r} has no data: start the pipeline with read(...), or pass "
                "data to the runner"
            )
        return self.data

    def require_model(self, step: str) -> Model:
        if self.model is None:
            raise PipelineError(f"step {step!r} needs a fit step before it")
        return self.model

    def require_synthetic(self, step: str) -> dict[str, pd.DataFrame]:
        if not self.synthetic or self.data is None:
            raise PipelineError(f"step {step!r} needs a sample step before it")
        return self.data


@dataclass
class RunResult:
    """What a run produced: the final data, the model, scores and where outputs went."""

    data: dict[str, pd.DataFrame] | None
    model: Model | None
    evaluation: Evaluation | None
    gate: GateResult | None
    outputs: list[Path]
    records: list[Path]
    seed: int
    seconds: float


class Runner:
    """Runs pipelines. ``observers`` are extra hook implementations (objects with
    ``@hookimpl`` methods such as ``pipeline_step_start``) registered for each run only.
    """

    def __init__(
        self,
        *,
        observers: tuple[object, ...] = (),
        registry: Registry | None = None,
        progress: Progress | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.observers = observers
        self.registry = registry
        self.progress = progress or NullProgress()
        self.gate = gate

    def run(self, pipeline: Pipeline, data: Any = None, *, command: str = "run") -> RunResult:
        """Run ``pipeline`` (on ``data`` when it does not start with ``read``)."""
        from ..io import read_dataset
        from ..model import new_seed
        from ..plugins import get_registry

        registry = self.registry or get_registry()
        if data is None and not pipeline.has_read:
            raise PipelineError(
                f"pipeline {pipeline.name!r} does not start with read(...); pass its data to "
                "the runner: Runner().run(pipeline, data=frame)"
            )
        for item in pipeline.steps:  # fail before any work when an output cannot be written
            if isinstance(item, Write):
                from .outputs import check_destination

                check_destination(item.path)
        seed = pipeline.seed if pipeline.seed is not None else new_seed()
        context = RunContext(pipeline, seed, OutputStage(), self.progress, gate_override=self.gate)
        if data is not None:
            context.data = read_dataset(data)
        started = time.perf_counter()
        registered = [o for o in self.observers if not registry.manager.is_registered(o)]
        for observer in registered:
            registry.manager.register(observer)
        try:
            for item in pipeline.steps:
                self._run_step(registry, item, context)
            return self._finish(context, command, time.perf_counter() - started)
        finally:
            context.outputs.discard()
            for observer in registered:
                registry.manager.unregister(observer)

    def _run_step(self, registry: Registry, item: Any, context: RunContext) -> None:
        hook = registry.manager.hook
        hook.pipeline_step_start(step=item, context=context)
        logger.info("pipeline step", step=item.name)
        started = time.perf_counter()
        try:
            item.run(context)
        except BaseException as error:
            hook.pipeline_step_error(step=item, context=context, error=error)
            raise
        hook.pipeline_step_finish(step=item, context=context, seconds=time.perf_counter() - started)

    def _finish(self, context: RunContext, command: str, seconds: float) -> RunResult:
        from ..evaluation import GateFailedError
        from ..run_record import build_record, write_record

        gate = context.gate_result
        passed = gate is None or gate.passed
        record = build_record(
            command=command,
            model=context.model,
            sample_seed=context.sample_seed,
            outputs={},
            status="passed" if passed else "rejected",
            steps=context.pipeline.describe(),
            evaluation=context.evaluation,
            gate=gate,
            seconds=seconds,
            extra={"pipeline": context.pipeline.name, "pipeline_seed": context.seed},
        )
        rows = {path: counts for path, counts in context.written}
        moved = context.outputs.commit() if passed else context.outputs.reject()
        records = [
            write_record(path, {**record, "output_rows": rows[destination]})
            for path, destination in zip(moved, context.outputs.staged, strict=True)
            if destination in rows  # data outputs; reports need no record of their own
        ]
        if not passed:
            assert gate is not None
            raise GateFailedError(gate, moved)
        return RunResult(
            context.data,
            context.model,
            context.evaluation,
            gate,
            moved,
            records,
            context.seed,
            seconds,
        )


def run(pipeline: Pipeline, data: Any = None, **runner_options: Any) -> RunResult:
    """Run ``pipeline`` with a default :class:`Runner`."""
    return Runner(**runner_options).run(pipeline, data)
