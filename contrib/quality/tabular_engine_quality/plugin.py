"""The hooks: cheap to import (sdmetrics, anonymeter and matplotlib load on first use)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tabular_engine.hookspecs import hookimpl

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.evaluation import Evaluation, EvaluationOptions, GateResult
    from tabular_engine.metadata import Metadata


@hookimpl
def evaluate(
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    options: EvaluationOptions,
) -> Evaluation:
    from .evaluate import evaluate_dataset

    return evaluate_dataset(real, synthetic, metadata, options)


@hookimpl
def write_report(
    path: Path,
    evaluation: Evaluation,
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    gate: GateResult | None,
) -> Path:
    from .report import render_report

    return render_report(Path(path), evaluation, real, synthetic, metadata, gate)
