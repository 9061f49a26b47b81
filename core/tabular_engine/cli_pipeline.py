"""The ``run`` and ``evaluate`` commands, and the release gate and run record of ``generate``.

Registered on the main group by ``cli.py``. A run below its release gate prints the scores
and the gate that failed, keeps its output apart (``rejected/`` beside where it would have
gone) and exits with status 1; mistakes exit with status 2 as everywhere else.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from .evaluation import Evaluation, Gate, GateResult
    from .model import Model

GATE_FAILED = 1


def _say(message: str) -> None:
    ctx = click.get_current_context(silent=True)
    if not (ctx and ctx.obj and ctx.obj.get("quiet")):
        click.echo(message, err=True)


def _threshold(name: str) -> Any:
    return click.option(
        f"--{name.replace('_', '-')}",
        name,
        type=click.FloatRange(0, 1),
        default=None,
        metavar="Q" if "quality" in name else "P",
        help=(
            "Release gate: minimum overall quality (default 0.75)."
            if "quality" in name
            else "Release gate: minimum privacy, 1 - highest Anonymeter risk (default 0.50)."
        ),
    )


min_quality_option = _threshold("min_quality")
min_privacy_option = _threshold("min_privacy")


def gate_from(min_quality: float | None, min_privacy: float | None) -> Gate | None:
    """The gate asked for on the command line, or None when neither threshold is given."""
    from .evaluation import Gate

    if min_quality is None and min_privacy is None:
        return None
    return Gate.from_options(min_quality, min_privacy)


# -- run -------------------------------------------------------------------------------------


class StepReporter:
    """Prints one line per pipeline step on stderr (a lifecycle hook implementation)."""

    __name__ = "tabular-engine cli step reporter"

    @hookimpl
    def pipeline_step_start(self, step: Any, context: Any) -> None:
        _say(f"- {step.name} ...")

    @hookimpl
    def pipeline_step_finish(self, step: Any, context: Any, seconds: float) -> None:
        _say(f"  {step.name} done in {seconds:.1f} s")

    @hookimpl
    def pipeline_step_error(self, step: Any, context: Any, error: BaseException) -> None:
        _say(f"  {step.name} failed: nothing was written")


@click.command("run")
@click.argument("config", metavar="PIPELINE.toml", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the pipeline's seed.")
@min_quality_option
@min_privacy_option
def run_command(
    config: Path, seed: int | None, min_quality: float | None, min_privacy: float | None
) -> None:
    """Run the pipeline declared in PIPELINE.toml (see docs/pipelines.md).

    \b
    Outputs are written only when every step passes; below the release gate they go to
    rejected/ beside their destination and the command exits 1.
      tabular-engine run docs/examples/credit.toml
    """
    from dataclasses import replace

    from .errors import ParameterError, PipelineError, TabularEngineError
    from .evaluation import GateFailedError
    from .model import check_seed
    from .pipeline import Runner
    from .pipeline.config import load_pipeline
    from .pipeline.steps import Evaluate

    flow = load_pipeline(config)
    if seed is not None:
        flow = replace(flow, seed=check_seed(seed, "--seed"))
    gate = gate_from(min_quality, min_privacy)
    if gate is not None and not any(isinstance(s, Evaluate) for s in flow.steps):
        raise ParameterError(
            f"--min-quality/--min-privacy need an evaluate step; {config} has none. Add "
            '[[steps]] step = "evaluate" before the write step'
        )
    _say(f"running pipeline {flow.name!r} from {config} ({len(flow.steps)} steps)")
    try:
        result = Runner(observers=(StepReporter(),), gate=gate).run(flow)
    except GateFailedError as failed:
        click.echo(failed.result.summary(), err=True)
        for path in failed.kept_at:
            click.echo(f"kept apart: {path}", err=True)
        sys.exit(GATE_FAILED)
    except TabularEngineError:
        raise
    except Exception as error:  # a user's step: one line, exit 2, like any failed step
        raise PipelineError(
            f"a step of pipeline {flow.name!r} ({config}) raised {type(error).__name__}: "
            f"{error}; nothing was written"
        ) from error
    if result.gate is not None:
        _say(result.gate.summary())
    for path in result.outputs:
        _say(f"wrote {path}")
    _say(f"pipeline {flow.name!r} done in {result.seconds:.1f} s (seed {result.seed})")


# -- evaluate --------------------------------------------------------------------------------


@click.command("evaluate")
@click.argument("real_path", metavar="REAL", type=click.Path(path_type=Path))
@click.argument("synthetic_path", metavar="SYNTH", type=click.Path(path_type=Path))
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(path_type=Path),
    help="SDV-compatible metadata JSON; detected from REAL when left out.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Write a self-contained HTML report here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print every score as JSON on stdout.")
@min_quality_option
@min_privacy_option
@click.option(
    "--n-attacks",
    type=click.IntRange(1),
    default=500,
    show_default=True,
    help="Anonymeter attacks per privacy risk (more: slower, tighter interval).",
)
@click.option(
    "--control",
    "control_path",
    type=click.Path(path_type=Path),
    help="Real rows NOT used for fitting, for Anonymeter's baseline.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(10),
    default=20_000,
    show_default=True,
    help="Compare at most this many rows of a single table (a seeded random sample).",
)
def evaluate_command(
    real_path: Path,
    synthetic_path: Path,
    metadata_path: Path | None,
    report_path: Path | None,
    as_json: bool,
    min_quality: float | None,
    min_privacy: float | None,
    n_attacks: int,
    control_path: Path | None,
    max_rows: int,
) -> None:
    """Score SYNTH against REAL: quality, diagnostic, privacy; apply the release gate.

    \b
    Needs the quality plugin (pip install tabular-engine-quality). Exits 1 when a score is
    below its gate (defaults: quality 0.75, privacy 0.50; 0 switches a gate off).
    """
    from .api import resolve_metadata
    from .evaluation import Gate, evaluate, require_evaluator, write_report
    from .io import read_dataset

    require_evaluator()
    real = read_dataset(real_path)
    synthetic = _same_names(read_dataset(synthetic_path), real)
    control = None if control_path is None else _same_names(read_dataset(control_path), real)
    metadata = resolve_metadata(metadata_path, real)
    gate = Gate.from_options(min_quality, min_privacy)
    if report_path is not None:
        _check_report_path(report_path)
    options = gate.options(n_attacks=n_attacks, control=control, max_rows=max_rows)
    measured = "quality and diagnostic reports (SDMetrics)"
    if options.privacy:
        measured += f", privacy ({n_attacks} Anonymeter attacks per risk)"
    _say(f"evaluating {synthetic_path} against {real_path}: {measured} ...")
    started = time.perf_counter()
    evaluation = evaluate(real, synthetic, metadata, options)
    result = gate.check(evaluation)
    _say(f"evaluated in {time.perf_counter() - started:.1f} s")
    if report_path is not None:
        write_report(report_path, evaluation, real, synthetic, metadata, result)
        _say(f"report written to {report_path}")
    if as_json:
        click.echo(json.dumps({**evaluation.to_dict(), "gate": result.to_dict()}, indent=2))
    else:
        _print_scores(evaluation)
    click.echo(result.summary(), err=True)
    if not result.passed:
        sys.exit(GATE_FAILED)


def _same_names(dataset: dict, names: Iterable[str]) -> dict:
    """One table each: the table of ``dataset`` takes the one name of ``names`` (a real
    table's, a model's: file stems differ)."""
    names = list(names)
    if len(dataset) == 1 and len(names) == 1:
        return {names[0]: next(iter(dataset.values()))}
    return dataset


def _check_report_path(path: Path) -> None:
    from .errors import OutputError

    if path.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"--report {str(path)!r}: give a file name ending .html")
    if not path.parent.is_dir():
        raise OutputError(f"report folder {str(path.parent)!r} does not exist; create it first")


def _print_scores(evaluation: Evaluation) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("group", "score", "table", "value", "details")
    for score in evaluation.scores:
        if score.name not in ("overall", "property", "singling_out", "linkability"):
            continue
        detail = score.details.get("property", "")
        if "risk" in score.details and "risk_ci" in score.details:
            low, high = score.details["risk_ci"]
            detail = f"risk {score.details['risk']:.3f} (95% CI {low:.3f} to {high:.3f})"
        value = "-" if score.value is None else f"{score.value:.3f}"
        table.add_row(str(score.group), score.name, score.table or "", value, detail)
    Console(width=200).print(table)


# -- generate: gate and run record -----------------------------------------------------------


def _fitted_tables(
    model: Model, dataset: dict[str, pd.DataFrame], on_orphans: str
) -> dict[str, pd.DataFrame]:
    """The input as the model was fitted on it: key types aligned, orphans handled alike."""
    from .orphans import handle_orphans
    from .relationships import align_key_types

    dataset = _same_names(dataset, model.table_names)
    if not model.metadata.relationships:
        return dataset
    dataset = align_key_types(dataset, model.metadata)
    return handle_orphans(dataset, model.metadata, on_orphans)[0]


def record_run(
    command: str,
    model: Model,
    seed: int,
    output: Path,
    rows: int | dict[str, int],
    seconds: float,
    evaluation: Evaluation | None = None,
    gate: GateResult | None = None,
) -> Path:
    """Write ``OUTPUT.run.json`` for a ``generate`` or ``sample`` run; ``rows`` is the row
    count of a single-table output or rows per table of a multi-table one."""
    from .run_record import build_record, write_record

    outputs = rows if isinstance(rows, dict) else {model.table_names[0]: rows}
    record = build_record(
        command=command,
        model=model,
        sample_seed=seed,
        outputs=outputs,
        status="passed" if gate is None or gate.passed else "rejected",
        evaluation=evaluation,
        gate=gate,
        seconds=seconds,
    )
    return write_record(output, record)


def generate_gated(
    model: Model,
    input_path: Path,
    output: Path,
    gate: Gate,
    write: Any,
    started: float,
    on_orphans: str = "error",
) -> None:
    """Sample into a staging folder with ``write(path) -> (rows, seed)``, evaluate against
    the input, then move the output into place, or into ``rejected/`` and exit 1."""
    from .evaluation import evaluate
    from .io import read_dataset
    from .pipeline.outputs import OutputStage

    stage = OutputStage()
    try:
        staged = stage.stage(output)
        rows, seed = write(staged)
        real = _fitted_tables(model, read_dataset(input_path), on_orphans)
        synthetic = _same_names(read_dataset(staged), model.table_names)
        _say(f"evaluating against {input_path} for the release gate ...")
        evaluation = evaluate(real, synthetic, model.metadata, gate.options(seed=model.seed))
        result = gate.check(evaluation)
        seconds = time.perf_counter() - started
        if result.passed:
            (final,) = stage.commit()
            record_run("generate", model, seed, final, rows, seconds, evaluation, result)
            _say(result.summary())
            return
        (kept,) = stage.reject()
        record_run("generate", model, seed, kept, rows, seconds, evaluation, result)
    finally:
        stage.discard()
    click.echo(result.summary(), err=True)
    click.echo(f"kept apart: {kept} (not written to {output})", err=True)
    sys.exit(GATE_FAILED)
