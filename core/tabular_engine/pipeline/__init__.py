"""Composable pipelines: read → validate → your steps → fit → sample → enforce → evaluate → write.

::

    from tabular_engine.pipeline import evaluate, fit, pipeline, read, sample, step, write, run

    def drop_ids(frame):
        return frame.drop(columns=["id"])

    flow = pipeline(
        read("credit.csv"),
        step(drop_ids),
        fit("gaussian_copula", {"default_distribution": "norm"}),
        sample(1000),
        evaluate(min_quality=0.8),
        write("out/credit.csv"),
        seed=42,
    )
    result = run(flow)

Steps are immutable and checked when built; the runner runs them, fires the lifecycle
hooks, and writes outputs only when the whole run (and its release gate) passes. The same
pipelines can be declared in TOML and run with ``tabular-engine run PIPELINE.toml``.
"""

from __future__ import annotations

from .build import Pipeline, pipeline
from .runner import RunContext, Runner, RunResult, run
from .steps import (
    Step,
    StepDefinition,
    enforce,
    evaluate,
    fit,
    read,
    registered_steps,
    sample,
    step,
    use,
    validate,
    write,
)

__all__ = [
    "Pipeline",
    "RunContext",
    "RunResult",
    "Runner",
    "Step",
    "StepDefinition",
    "enforce",
    "evaluate",
    "fit",
    "pipeline",
    "read",
    "registered_steps",
    "run",
    "sample",
    "step",
    "use",
    "validate",
    "write",
]
