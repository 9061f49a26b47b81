"""The ``tabular-engine`` command line.

User errors (bad input, unknown generator, invalid parameter ...) print one line that
names the problem and what to do, exit with status 2 and leave no output file behind;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from . import cli_multi_table as multi
from .cli_budget import budget_group, privacy_options, privacy_params
from .cli_pipeline import evaluate_command, min_privacy_option, min_quality_option, run_command
from .cli_sequences import (
    SEQUENCE_COLUMN_NAMES,
    SEQUENCE_SAMPLE_NAMES,
    check_sample_request,
    pop_options,
    sequence_column_options,
    sequence_sample_options,
    write_sequences,
)
from .cli_types import Count
from .errors import ParameterError, TabularEngineError
from .types import Kind

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model
    from .types import Finding

USER_ERROR = 2
INTERRUPTED = 130


class Group(click.Group):
    """A click group whose every user error is one line on stderr and exit status 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            # without standalone mode, click returns the exit status instead of exiting
            status = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as done:
            status = done.exit_code
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()} (see --help)", err=True)
            sys.exit(USER_ERROR)
        except click.exceptions.Abort:
            click.echo("Interrupted: no output was written.", err=True)
            sys.exit(INTERRUPTED)
        sys.exit(status if isinstance(status, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TabularEngineError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {error}", err=True)
            ctx.exit(USER_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted: no output was written.", err=True)
            ctx.exit(INTERRUPTED)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tabular-engine")
@click.option(
    "--log-format",
    type=click.Choice(["console", "json"]),
    default=None,
    help="Log format; default console on a terminal, json otherwise.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress or summary.")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, log_format: str | None, verbose: int, quiet: bool, debug: bool) -> None:
    """Generate synthetic tabular data with pluggable generators.

    \b
    Quick start:
      tabular-engine plugins
      tabular-engine generate data.csv -g gaussian_copula -n 1000 -o synthetic.csv
    """
    from .log import configure

    configure(log_format, -1 if quiet else verbose)
    if verbose < 2:
        warnings.filterwarnings("ignore")  # library chatter; -vv shows it
    ctx.obj = {"debug": debug, "quiet": quiet, "verbose": verbose}


# -- plugins -------------------------------------------------------------------------------


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="Include the core's built-in plugins.")
def plugins(as_json: bool, show_all: bool) -> None:
    """List installed plugins, their generators and their status."""
    from .plugins import DEFAULT_PLUGINS, get_registry

    registry = get_registry()
    records = [p for p in registry.plugins if show_all or p.name not in DEFAULT_PLUGINS]
    infos = {}
    for record in records:
        for name in record.generators:
            try:
                infos[name] = registry.get(name).to_dict()
            except TabularEngineError:
                infos[name] = {"name": name}
    if as_json:
        payload = [
            {**record.to_dict(), "generators": [infos[g] for g in record.generators]}
            for record in records
        ]
        click.echo(json.dumps(payload, indent=2))
        return
    if not records:
        allow = os.environ.get("TABULAR_ENGINE_LOAD_PLUGINS")
        if allow is not None:
            click.echo(
                f"No plugin loaded: TABULAR_ENGINE_LOAD_PLUGINS={allow!r} names none of the "
                "installed ones (unset it to load them all)"
            )
            return
        click.echo(
            "No generator plugins installed. Install one, for example:\n"
            "  pip install tabular-engine-gaussian-copula"
        )
        return
    _print_plugins(records, infos)


def _print_plugins(records: list, infos: dict[str, dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("generator", "kind", "DP", "distribution", "version", "license", "status")
    for record in records:
        status = "ok" if record.ok else f"{record.status}: {record.error}"
        if not record.generators:
            table.add_row("-", "-", "-", record.distribution, record.version, "-", status)
        for name in record.generators:
            info = infos[name]
            license_text = info.get("license", "")
            if info.get("library_license"):
                license_text += f" (wraps {info.get('library')}: {info['library_license']})"
            table.add_row(
                name,
                info.get("kind", ""),
                "yes" if info.get("differential_privacy") else "no",
                record.distribution,
                record.version,
                license_text,
                status,
            )
    Console(width=200).print(table)


# -- metadata ------------------------------------------------------------------------------


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write JSON here.")
@sequence_column_options
def metadata(input_path: Path, output: Path | None, **sequence: Any) -> None:
    """Detect metadata of INPUT and print (or write) it as SDV-compatible JSON."""
    from .io import read_dataset
    from .metadata import detect
    from .sequences import apply_sequence_options

    dataset = read_dataset(input_path)
    detected = detect(dataset)
    sequence = pop_options(sequence, SEQUENCE_COLUMN_NAMES)
    if any(sequence.values()):
        detected = apply_sequence_options(detected, dataset, **sequence)
    text = detected.to_json()
    if output is None:
        click.echo(text, nl=False)
        return
    _write_text(output, text)
    _say(f"metadata written to {output}")


def _write_text(path: Path, text: str) -> None:
    from .errors import OutputError
    from .io import atomic_path

    if not path.parent.is_dir():
        raise OutputError(f"output folder {str(path.parent)!r} does not exist; create it first")
    with atomic_path(path) as temporary:
        temporary.write_text(text)


# -- fit, sample, generate ------------------------------------------------------------------

_generator_option = click.option(
    "-g", "--generator", required=True, help="Generator name (see 'tabular-engine plugins')."
)
_seed_option = click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed (0 to 4294967295) for reproducible output; random when left out.",
)
_param_option = click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A generator parameter; repeat for more.",
)
_metadata_option = click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(path_type=Path),
    help="SDV-compatible metadata JSON; detected when left out.",
)
_rows_option = click.option(
    "-n",
    "--rows",
    "num_rows",
    default=None,
    type=Count(),
    help="Rows to generate, e.g. 1000 or 1e6 (0 writes only the header); multi-table: "
    "rows of the main table; sequential generators take --sequences instead.",
)
_validate_option = click.option(
    "--validate/--no-validate",
    default=True,
    help="Check the output against the real data's schema.",
)
_fit_rows_option = click.option(
    "--fit-rows",
    type=Count(),
    default=None,
    metavar="N",
    help="Fit on a uniform random sample of N rows, read from the file in a stream "
    "(for inputs larger than memory); seeded by --seed.",
)


def _parse_params(pairs: Iterable[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                f"-p {pair!r}: write parameters as KEY=VALUE, e.g. -p enforce_rounding=false"
            )
        params[key.strip()] = value
    return params


def _fit(
    input_path: Path,
    generator: str,
    seed: int | None,
    params: tuple[str, ...],
    metadata_path: Path | None,
    fit_rows: int | None = None,
    on_orphans: str = "error",
    sequence: dict[str, Any] | None = None,
    privacy: dict[str, Any] | None = None,
) -> Model:
    from .api import fit

    started = time.perf_counter()
    parsed, options = _parse_params(params), _dp_params(generator, privacy or {})
    twice = sorted(set(parsed) & set(options))
    if twice:
        name = twice[0]
        raise ParameterError(
            f"-p {name}=... and --{name} both set {name}; give it once, with --{name}"
        )
    generator_params = {**parsed, **options}
    data: Any = input_path
    if fit_rows is not None:
        data, seed = _fit_sample(input_path, fit_rows, seed)
    progress = _progress()
    try:
        model = fit(
            data,
            generator,
            metadata=metadata_path,
            seed=seed,
            progress=progress,
            tenant=(privacy or {}).get("tenant"),
            job_id=(privacy or {}).get("job_id"),
            on_orphans=on_orphans,
            **(sequence or {}),
            **generator_params,
        )
    finally:
        progress.finish()
    multi.say_orphans(model)
    if model.privacy:
        _say(
            f"privacy budget: charged epsilon {model.privacy['epsilon']:g}, delta "
            f"{model.privacy['delta']:g} to tenant {model.privacy['tenant']} "
            f"(job {model.privacy['job_id']})"
        )
    _say(
        f"fitted {generator} on {input_path} in {time.perf_counter() - started:.1f} s "
        f"(seed {model.seed})"
    )
    return model


def _dp_params(generator: str, privacy: dict[str, Any]) -> dict[str, Any]:
    """The DP options as generator parameters; a new job id is printed for retries."""
    from . import budget
    from .plugins import get_registry

    params = privacy_params(privacy.get("epsilon"), privacy.get("delta"), privacy.get("bounds", ()))
    info = get_registry().get(generator)
    if not info.differentially_private:
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("epsilon", "delta", "tenant", "job_id")
            if privacy.get(name) is not None
        ]
        if given:
            raise ParameterError(
                f"{', '.join(given)} apply to differentially private generators only "
                f"(e.g. smartnoise); {generator!r} is not one"
            )
        return params
    if privacy.get("job_id") is None:
        privacy["job_id"] = budget.check_job_id(None)
        _say(
            f"privacy budget job id {privacy['job_id']} (if this run fails, retry with "
            f"--job-id {privacy['job_id']} to be charged once)"
        )
    return params


def _fit_sample(input_path: Path, fit_rows: int, seed: int | None) -> tuple[dict, int]:
    """A random sample of ``fit_rows`` rows of the input, and the seed that drew it."""
    from .model import check_seed, new_seed
    from .reservoir import read_sample

    seed = check_seed(seed, "--seed")
    seed = new_seed() if seed is None else seed
    sampled = read_sample(input_path, fit_rows, seed, option="--fit-rows")
    _say(
        f"read {sampled.rows_used:,} of {sampled.rows_total:,} rows of {input_path} to fit on "
        f"(a uniform random sample, --fit-rows {fit_rows:,}, seed {seed})"
    )
    return {input_path.stem: sampled.frame}, seed


@cli.command("fit")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@_generator_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to save the fitted model.",
)
@_seed_option
@_param_option
@_metadata_option
@_fit_rows_option
@multi.on_orphans_option
@sequence_column_options
@privacy_options
def fit_command(
    input_path: Path,
    generator: str,
    output: Path,
    seed: int | None,
    params: tuple[str, ...],
    metadata_path: Path | None,
    fit_rows: int | None,
    on_orphans: str,
    **options: Any,
) -> None:
    """Fit a generator on INPUT and save the model to a file."""
    from .errors import OutputError
    from .io import TABLE_SUFFIXES

    if not output.parent.is_dir():
        raise OutputError(f"output folder {str(output.parent)!r} does not exist; create it first")
    if output.suffix.lower() in TABLE_SUFFIXES:
        raise OutputError(
            f"{str(output)!r} would hold a model, not a table; name it e.g. "
            f"{output.with_suffix('.model').name}"
        )
    _check_not_input(input_path, output)
    sequence = pop_options(options, SEQUENCE_COLUMN_NAMES)
    model = _fit(
        input_path,
        generator,
        seed,
        params,
        metadata_path,
        fit_rows,
        on_orphans,
        sequence,
        privacy=options,
    )
    model.save(output)
    _say(f"model saved to {output}")


@cli.command("sample")
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@_rows_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file, .csv or .parquet; with --executor dask, or for a multi-table "
    "model, a folder.",
)
@_seed_option
@_validate_option
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: this process writes one file. dask: workers of a Dask cluster write a "
    "Parquet dataset folder, one part per partition.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786; a local cluster when left out.",
)
@click.option(
    "--partitions",
    type=int,
    default=None,
    metavar="P",
    help="Parts to write (dask); default one per million rows, at least one per worker.",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    metavar="N",
    help="Worker processes of the local Dask cluster; default one per CPU.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the parts an interrupted dask run finished in OUTPUT; draw the others.",
)
@click.option(
    "--connect-timeout",
    type=float,
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the Dask scheduler and its first worker.",
)
@multi.scale_option
@multi.main_table_option
@multi.format_option
@sequence_sample_options
def sample_command(
    model_path: Path,
    num_rows: int | None,
    output: Path,
    seed: int | None,
    validate: bool,
    executor: str,
    scale: float | None,
    main_table: str | None,
    table_format: str | None,
    **dask_options: Any,
) -> None:
    """Sample ROWS rows from a saved MODEL into OUTPUT.

    \b
    With --executor dask, OUTPUT is a Parquet dataset folder written by Dask workers
    (pip install 'tabular-engine[dask]'), with the same rows as one process writes:
      tabular-engine sample m.model -n 1e9 -o synthetic/ --executor dask --seed 1
    """
    from .io import check_output_path
    from .model import check_num_rows, load

    sampling = pop_options(dask_options, SEQUENCE_SAMPLE_NAMES)
    if multi.model_is_multi_table(model_path):
        if executor == "dask":
            raise ParameterError(
                "a multi-table model is sampled in one piece by this process; leave out "
                "--executor dask"
            )
        _refuse_dask_options(dask_options)
        model = load(model_path)
        check_sample_request(model.generator.name, Kind.MULTI_TABLE, num_rows, sampling)
        multi.check_sizes(num_rows, scale)
        multi.check_output_folder(output)
        started = time.perf_counter()
        rows, seed = multi.sample_to_folder(
            model, num_rows, scale, main_table, output, table_format, seed, validate
        )
        from .cli_pipeline import record_run

        record_run("sample", model, seed, output, rows, time.perf_counter() - started)
        return
    multi.refuse_multi_table_options(scale, main_table, table_format)
    rows_only = num_rows is not None and all(v is None for v in sampling.values())
    if executor == "dask" and rows_only:
        check_num_rows(num_rows, "--rows")
        _sample_dataset(model_path, num_rows, output, seed, validate, **dask_options)
        return
    if executor == "dask":
        raise ParameterError(
            "--executor dask draws -n rows of a single table (-n is required); sequences "
            "are drawn by the local executor: leave out --executor dask"
        )
    _refuse_dask_options(dask_options)
    check_output_path(output)
    _check_not_input(model_path, output)
    model = load(model_path)
    check_sample_request(model.generator.name, model.generator.kind, num_rows, sampling)
    started = time.perf_counter()
    if model.generator.kind is Kind.SEQUENTIAL:
        rows, seed = write_sequences(model, output, seed, validate, sampling, _say, _report)
    else:
        check_num_rows(num_rows, "--rows")
        rows, seed = _write_sample(model, num_rows, output, seed, validate)
    from .cli_pipeline import record_run

    record_run("sample", model, seed, output, rows, time.perf_counter() - started)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@_generator_option
@_rows_option
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file, .csv or .parquet; multi-table: a new folder, one file per table.",
)
@_seed_option
@_param_option
@_metadata_option
@_validate_option
@_fit_rows_option
@multi.scale_option
@multi.main_table_option
@multi.on_orphans_option
@multi.format_option
@sequence_column_options
@sequence_sample_options
@privacy_options
@min_quality_option
@min_privacy_option
def generate(
    input_path: Path,
    generator: str,
    num_rows: int | None,
    output: Path,
    seed: int | None,
    params: tuple[str, ...],
    metadata_path: Path | None,
    validate: bool,
    fit_rows: int | None,
    scale: float | None,
    main_table: str | None,
    on_orphans: str,
    table_format: str | None,
    min_quality: float | None,
    min_privacy: float | None,
    **options: Any,
) -> None:
    """Fit a generator on INPUT and write ROWS synthetic rows (or sequences) to OUTPUT.

    \b
    A multi-table generator reads a folder (one file per table) and writes a folder:
      tabular-engine generate tables/ -g hma -n 1000 -o synthetic/ --on-orphans drop
    A sequential generator draws --sequences N entities:
      tabular-engine generate visits.csv -g par --sequence-key patient --sequences 50 -o s.csv

    With --min-quality and/or --min-privacy the output (a file, or a folder of tables) is
    evaluated against INPUT (pip install tabular-engine-quality); below the gate it goes to
    rejected/ beside OUTPUT and the command exits 1.
    """
    from .cli_pipeline import gate_from, generate_gated, record_run
    from .io import check_output_path
    from .model import check_num_rows
    from .plugins import get_registry

    sampling = pop_options(options, SEQUENCE_SAMPLE_NAMES)
    sequence = pop_options(options, SEQUENCE_COLUMN_NAMES)
    kind = get_registry().get(generator).kind
    if kind is not Kind.MULTI_TABLE:
        multi.refuse_multi_table_options(scale, main_table, table_format)
    check_sample_request(generator, kind, num_rows, sampling)
    gate = gate_from(min_quality, min_privacy)
    if kind is not Kind.MULTI_TABLE:
        check_output_path(output)
        _check_not_input(input_path, output)
    if kind is Kind.SINGLE_TABLE:
        check_num_rows(num_rows, "--rows")
    elif kind is Kind.MULTI_TABLE:
        multi.check_sizes(num_rows, scale)
        multi.check_output_folder(output)
        multi.check_main_table_of(input_path, main_table)
    if gate is not None:
        from .evaluation import require_evaluator

        require_evaluator()  # before fitting, not after
    started = time.perf_counter()
    model = _fit(
        input_path,
        generator,
        seed,
        params,
        metadata_path,
        fit_rows,
        on_orphans,
        sequence,
        privacy=options,
    )

    def write(path: Path) -> tuple[int | dict[str, int], int]:
        """Sample into ``path``; one seed for both steps, so the seed printed after
        fitting reproduces the output."""
        if kind is Kind.MULTI_TABLE:
            return multi.sample_to_folder(
                model, num_rows, scale, main_table, path, table_format, model.seed, validate
            )
        if kind is Kind.SEQUENTIAL:
            return write_sequences(model, path, model.seed, validate, sampling, _say, _report)
        return _write_sample(model, num_rows, path, model.seed, validate)

    if gate is not None:
        generate_gated(model, input_path, output, gate, write, started, on_orphans)
        return
    rows, seed = write(output)
    record_run("generate", model, seed, output, rows, time.perf_counter() - started)


_DASK_DEFAULTS = {"scheduler": None, "partitions": None, "workers": None, "resume": False}


def _refuse_dask_options(options: dict[str, Any]) -> None:
    for name, default in _DASK_DEFAULTS.items():
        if options[name] != default:
            raise ParameterError(
                f"--{name} works with --executor dask only; add --executor dask (it writes a "
                "Parquet dataset folder), or leave out --" + name
            )


def _sample_dataset(
    model_path: Path,
    num_rows: int,
    output: Path,
    seed: int | None,
    validate: bool,
    *,
    scheduler: str | None,
    partitions: int | None,
    workers: int | None,
    resume: bool,
    connect_timeout: float,
) -> None:
    """``sample --executor dask``: a Parquet dataset folder written by Dask workers."""
    from .executors import SamplingInterrupted, sample_dataset
    from .executors.manifest import check_output_folder
    from .executors.partitions import check_partitions
    from .model import BLOCK_ROWS, load

    check_partitions(partitions)
    check_output_folder(output, resume)
    model = load(model_path)
    ctx = click.get_current_context()
    progress = _progress()
    try:
        result = sample_dataset(
            model,
            num_rows,
            output,
            seed=seed,
            partitions=partitions,
            scheduler=scheduler,
            workers=workers,
            resume=resume,
            validate=validate,
            connect_timeout=connect_timeout,
            quiet_warnings=ctx.obj.get("verbose", 0) < 2,
            progress=progress,
        )
    except SamplingInterrupted as stop:
        if stop.finished == stop.total:
            click.echo(f"Interrupted: all {stop.total} parts are finished in {output}.", err=True)
        elif stop.finished:
            click.echo(
                f"Interrupted: {stop.finished} of {stop.total} parts are finished in {output}; "
                "run the same command with --resume to draw the others.",
                err=True,
            )
        else:
            click.echo("Interrupted: no output was written.", err=True)
        ctx.exit(INTERRUPTED)
    if result.requested_partitions and result.partitions < result.requested_partitions:
        _say(
            f"using {result.partitions} partition(s), not {result.requested_partitions}: "
            f"a partition holds whole blocks of {BLOCK_ROWS:,} rows"
        )
    kept = (
        f" ({len(result.written)} drawn now, {len(result.kept)} kept from before)"
        if result.kept
        else ""
    )
    _say(
        f"wrote {result.rows:,} rows to {output} as {result.partitions} Parquet part(s){kept} "
        f"on {result.workers} Dask worker(s) in {result.seconds:.1f} s (seed {result.seed})"
    )
    if validate:
        _report(Counter(result.findings), model)


def _check_not_input(input_path: Path, output: Path) -> None:
    from .errors import OutputError

    inputs = [input_path, *(input_path.iterdir() if input_path.is_dir() else [])]
    if output.exists() and any(output.resolve() == path.resolve() for path in inputs):
        raise OutputError(
            f"output {str(output)!r} is the input; writing it would destroy the real data. "
            "Choose another output file"
        )


def _write_sample(
    model: Model, num_rows: int, output: Path, seed: int | None, validate: bool
) -> tuple[int, int]:
    from .io import write_table
    from .model import new_seed

    if seed is None:
        seed = new_seed()
        _say(f"sampling with seed {seed} (pass --seed {seed} to repeat this output)")
    started = time.perf_counter()
    findings: Counter = Counter()
    chunks = model.sample_chunks(num_rows, seed=seed)
    if validate:
        chunks = _validated(chunks, model, findings)
    written = write_table(_with_progress(chunks, num_rows), output)
    _say(f"wrote {written} rows to {output} in {time.perf_counter() - started:.1f} s")
    if validate:
        _report(findings, model)
    return written, seed


def _validated(
    chunks: Iterator[pd.DataFrame], model: Model, findings: Counter
) -> Iterator[pd.DataFrame]:
    from .api import run_validate

    (table,) = model.table_names
    for chunk in chunks:
        for finding in run_validate({table: chunk}, model.metadata, "output", model.schemas):
            findings[(finding.table, finding.column, finding.check)] += finding.failing_count
        yield chunk


def _report(findings: Counter, model: Model) -> None:
    if not model.schemas and model.privacy:
        _say(
            "validation: skipped (a differentially private model keeps no schema of the real data)"
        )
        return
    if not findings:
        columns = sum(len(t.columns) for t in model.metadata.tables.values())
        _say(f"validation: passed, every check on {columns} columns")
        return
    click.echo("validation: failed checks (table, column, check, failing rows):", err=True)
    for (table, column, check), count in sorted(findings.items(), key=str):
        click.echo(f"  {table}  {column}  {check}  {count}", err=True)


cli.add_command(budget_group)


# -- validate ------------------------------------------------------------------------------


@cli.command("validate")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(path_type=Path),
    help="A pandera schema file (JSON or YAML).",
)
@click.option(
    "--against",
    "real_path",
    type=click.Path(path_type=Path),
    help="Real data to infer the schema from.",
)
@_metadata_option
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
def validate_command(
    input_path: Path,
    schema_path: Path | None,
    real_path: Path | None,
    metadata_path: Path | None,
    as_json: bool,
) -> None:
    """Check INPUT against a schema; exit 1 when any check fails."""
    from .api import validate
    from .validation import findings_to_json

    if (schema_path is None) == (real_path is None):
        raise ParameterError("give exactly one of --schema FILE or --against REAL")
    findings = validate(input_path, against=real_path, schema=schema_path, metadata=metadata_path)
    if as_json:
        click.echo(findings_to_json(findings))
    elif not findings:
        click.echo(f"{input_path}: every check passed")
    else:
        _print_findings(findings)
    if findings:
        sys.exit(1)


def _print_findings(findings: list[Finding]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("table", "column", "check", "failing", "examples")
    for finding in findings:
        table.add_row(
            finding.table,
            str(finding.column),
            finding.check,
            str(finding.failing_count),
            ", ".join(map(str, finding.examples)),
        )
    Console(width=200).print(table)


# -- helpers -------------------------------------------------------------------------------


def _quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.obj and ctx.obj.get("quiet"))


def _say(message: str) -> None:
    if not _quiet():
        click.echo(message, err=True)


def _progress() -> Any:
    from .progress import NullProgress, RichProgress

    return RichProgress() if sys.stderr.isatty() and not _quiet() else NullProgress()


def _with_progress(chunks: Iterable[pd.DataFrame], total: int) -> Iterator[pd.DataFrame]:
    progress = _progress()
    progress.start("sampling rows", total=total)
    try:
        for chunk in chunks:
            progress.advance(len(chunk))
            yield chunk
    finally:
        progress.finish()


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temporary files are removed


cli.add_command(run_command)
cli.add_command(evaluate_command)


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="tabular-engine")
