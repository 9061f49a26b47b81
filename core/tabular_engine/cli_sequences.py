"""The command line's options for sequential data, and writing sampled sequences.

``fit``, ``generate`` and ``metadata`` take the sequence columns (``--sequence-key``,
``--sequence-index``, ``--context COL`` repeated); ``generate`` and ``sample`` take how
many sequences to draw (``--sequences N``, ``--sequence-length L``) or a file of context
rows (``--context-file FILE``, one sequence per row). ``-n`` counts rows, which a
sequential generator does not draw: asking for it is an error that points to
``--sequences``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_types import Count
from .errors import ParameterError
from .types import Kind

if TYPE_CHECKING:
    from .model import Model

SEQUENCE_COLUMN_NAMES = ("sequence_key", "sequence_index", "context_columns")
SEQUENCE_SAMPLE_NAMES = ("sequences", "sequence_length", "context_file")


def sequence_column_options(command: Callable) -> Callable:
    """--sequence-key, --sequence-index and --context, for fit, generate and metadata."""
    options = (
        click.option(
            "--sequence-key",
            metavar="COL",
            default=None,
            help="Sequential data: the column naming each sequence's entity (detected when "
            "obvious for a sequential generator).",
        ),
        click.option(
            "--sequence-index",
            metavar="COL",
            default=None,
            help="Sequential data: the column (numbers or datetimes) ordering each sequence's "
            "rows.",
        ),
        click.option(
            "--context",
            "context_columns",
            metavar="COL",
            multiple=True,
            help="Sequential data: a column constant within each sequence; repeat for more.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def sequence_sample_options(command: Callable) -> Callable:
    """--sequences, --sequence-length and --context-file, for generate and sample."""
    options = (
        click.option(
            "--sequences",
            type=Count("sequences"),
            default=None,
            metavar="N",
            help="Sequential generators: how many sequences (entities) to draw.",
        ),
        click.option(
            "--sequence-length",
            type=Count("rows"),
            default=None,
            metavar="L",
            help="Sequential generators: rows per sequence; drawn like the real lengths "
            "when left out.",
        ),
        click.option(
            "--context-file",
            type=click.Path(path_type=Path),
            default=None,
            metavar="FILE",
            help="Sequential generators: a CSV/Parquet file of context rows; one sequence "
            "is drawn per row.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def pop_options(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Remove ``names`` from a command's keyword arguments and return them."""
    popped = {name: options.pop(name, None) for name in names}
    if "context_columns" in popped:
        popped["context_columns"] = list(popped["context_columns"] or ()) or None
    return popped


def check_sample_request(
    generator: str, kind: Kind, num_rows: int | None, sampling: dict[str, Any]
) -> None:
    """Refuse a request that does not fit the generator's kind, before any work."""
    asked_sequences = any(sampling.get(name) is not None for name in SEQUENCE_SAMPLE_NAMES)
    if kind is Kind.SEQUENTIAL:
        if num_rows is not None:
            raise ParameterError(
                f"generator {generator!r} makes sequences, not rows: ask for --sequences N "
                "(and --sequence-length L) instead of -n"
            )
        if (sampling.get("sequences") is None) == (sampling.get("context_file") is None):
            raise ParameterError(
                f"generator {generator!r} makes sequences: give --sequences N, or "
                "--context-file FILE for one sequence per context row (one of the two)"
            )
        for name in ("sequences", "sequence_length"):
            value = sampling.get(name)
            if value is not None and value < (0 if name == "sequences" else 1):
                flag = "--" + name.replace("_", "-")
                raise ParameterError(f"{flag} must be at least {0 if name == 'sequences' else 1}")
        return
    if asked_sequences:
        raise ParameterError(
            f"--sequences, --sequence-length and --context-file are for sequential generators "
            f"(par, deepecho); generator {generator!r} makes {kind.value} data: use -n"
        )
    if kind is Kind.SINGLE_TABLE and num_rows is None:
        raise ParameterError("-n/--rows is required: how many rows to generate, e.g. -n 1000")


def write_sequences(
    model: Model,
    output: Path,
    seed: int | None,
    validate: bool,
    sampling: dict[str, Any],
    say: Callable[[str], None],
    report: Callable[[Counter, Model], None],
) -> tuple[int, int]:
    """Draw sequences from ``model`` and write them to ``output`` atomically; return the
    rows written and the seed used."""
    from .api import run_validate
    from .io import read_table, write_table
    from .model import new_seed

    context = None
    if sampling.get("context_file") is not None:
        context = read_table(sampling["context_file"])
    if seed is None:
        seed = new_seed()
        say(f"sampling with seed {seed} (pass --seed {seed} to repeat this output)")
    started = time.perf_counter()
    frame = model.sample_sequences(
        None if context is not None else sampling["sequences"],
        sequence_length=sampling.get("sequence_length"),
        context=context,
        seed=seed,
    )
    written = write_table([frame], output)
    (table,) = model.table_names
    key = model.metadata.tables[table].sequence_key
    count = frame[key].nunique() if key is not None and len(frame) else (1 if len(frame) else 0)
    say(
        f"wrote {count} sequence(s), {written} rows, to {output} in "
        f"{time.perf_counter() - started:.1f} s"
    )
    if validate:
        findings: Counter = Counter()
        for finding in run_validate({table: frame}, model.metadata, "output", model.schemas):
            findings[(finding.table, finding.column, finding.check)] += finding.failing_count
        report(findings, model)
    return written, seed
