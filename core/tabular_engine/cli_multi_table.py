"""The multi-table side of ``generate``, ``fit`` and ``sample``: options, a folder out.

A multi-table generator reads a folder (one file per table) and writes a folder with one
file per table. ``-n`` counts rows of the main table (``--main-table``; by default the
generator's choice, a root table); ``--scale F`` multiplies every table's size instead.
The output folder is written beside its final place and renamed into it only when every
table is written, so a failed run leaves no partial folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import OutputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

    from .model import Model

FORMATS = ("csv", "parquet")

scale_option = click.option(
    "--scale",
    type=float,
    default=None,
    metavar="F",
    help="Multi-table: multiply every table's size by F (1 = as many rows as the real "
    "data), instead of -n.",
)
main_table_option = click.option(
    "--main-table",
    default=None,
    metavar="TABLE",
    help="Multi-table: the table whose rows -n counts; default: the root table (no parent) "
    "with the most descendant tables, then the most rows.",
)
on_orphans_option = click.option(
    "--on-orphans",
    type=click.Choice(["error", "drop", "null"]),
    default="error",
    show_default=True,
    help="Multi-table: foreign keys with no parent row: stop and name them (error), "
    "remove those rows (drop) or blank those keys (null).",
)
format_option = click.option(
    "--format",
    "table_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Multi-table: file format of the tables written to the output folder (default csv).",
)


def generator_is_multi_table(generator: str) -> bool:
    """Whether ``generator`` is an installed multi-table generator (False when unknown)."""
    from .errors import TabularEngineError
    from .plugins import get_registry
    from .types import Kind

    try:
        return get_registry().get(generator).kind is Kind.MULTI_TABLE
    except TabularEngineError:
        return False  # the single-table path reports the unknown generator


def model_is_multi_table(model_path: Path) -> bool:
    """Whether the model file was fitted by a multi-table generator (False if unreadable)."""
    import json

    try:
        with zipfile.ZipFile(model_path) as archive:
            name = json.loads(archive.read("manifest.json"))["generator"]["name"]
    except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile):
        return False  # load() reports what is wrong with the file
    return generator_is_multi_table(name)


def refuse_multi_table_options(
    scale: float | None, main_table: str | None, table_format: str | None
) -> None:
    """For a single-table or sequential generator: no multi-table option."""
    for name, value in (("--scale", scale), ("--main-table", main_table)):
        if value is not None:
            raise ParameterError(
                f"{name} sizes the tables of a multi-table generator; this one makes one "
                "table: give -n ROWS (or --sequences N for a sequential generator)"
            )
    if table_format is not None:
        raise ParameterError(
            "--format chooses the file format of a multi-table output folder; for one "
            "table, the output file's extension (.csv or .parquet) chooses it"
        )


def check_output_folder(output: Path) -> None:
    """Fail before any work when ``output`` cannot become the output folder."""
    from .io import TABLE_SUFFIXES

    if output.suffix.lower() in TABLE_SUFFIXES:
        raise OutputError(
            f"a multi-table generator writes a folder with one file per table; give a folder "
            f"name for -o, not {str(output)!r} (e.g. {output.with_suffix('')}/)"
        )
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(
            f"output folder's parent {str(parent)!r} does not exist; create it first "
            f"(mkdir -p {parent})"
        )
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise OutputError(
            f"output {str(output)!r} exists and is not an empty folder; choose a new folder "
            "(nothing in it would be kept)"
        )
    if not os.access(parent, os.W_OK):
        raise OutputError(f"output folder's parent {str(parent)!r} is not writable")


def check_main_table_of(input_path: Path, main_table: str | None) -> None:
    """Before fitting: ``--main-table`` must name a table file of the input folder."""
    from .io import table_names_in

    if main_table is None or not input_path.is_dir():
        return
    tables = table_names_in(input_path)
    if main_table not in tables:
        raise ParameterError(
            f"main table {main_table!r} is not a table of {str(input_path)!r}; choose one of "
            f"{', '.join(tables)} (--main-table)"
        )


def check_sizes(num_rows: int | None, scale: float | None) -> None:
    from .model import check_num_rows, check_scale

    if num_rows is not None:
        check_num_rows(num_rows, "--rows")
    if num_rows is None and scale is None:
        raise ParameterError(
            "give -n ROWS (rows of the main table) or --scale F (every table times F)"
        )
    if num_rows is not None and scale is not None:
        raise ParameterError("give -n ROWS or --scale F, not both")
    check_scale(scale, num_rows)


def write_tables(dataset: dict[str, pd.DataFrame], output: Path, table_format: str) -> None:
    """Write one file per table into the folder ``output``, all or nothing."""
    from .io import write_table

    parent = output.parent if str(output.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
    try:
        for name, frame in dataset.items():
            write_table([frame], staging / f"{name}.{table_format}")
        staging.chmod(0o777 & ~_umask())
        if output.is_dir():
            output.rmdir()  # an empty folder, checked before the work started
        os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sample_to_folder(
    model: Model,
    num_rows: int | None,
    scale: float | None,
    main_table: str | None,
    output: Path,
    table_format: str | None,
    seed: int | None,
    validate: bool,
) -> tuple[dict[str, int], int]:
    """Draw every table of a multi-table ``model`` into ``output``; return rows per table
    and the seed used."""
    from .api import run_validate
    from .cli import _report, _say
    from .model import new_seed

    if seed is None:
        seed = new_seed()
        _say(f"sampling with seed {seed} (pass --seed {seed} to repeat this output)")
    started = time.perf_counter()
    dataset = model.sample(num_rows, seed=seed, scale=scale, main_table=main_table)
    write_tables(dataset, output, table_format or "csv")
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in dataset.items())
    counted = main_table or getattr(model.state, "main_table", None)
    how = f"--scale {scale:g}" if scale is not None else f"-n counts rows of {counted}"
    _say(
        f"wrote {len(dataset)} tables to {output}/ ({sizes} rows; {how}) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    if validate:
        findings: Counter = Counter()
        for finding in run_validate(dataset, model.metadata, "output", model.schemas):
            findings[(finding.table, finding.column, finding.check)] += finding.failing_count
        _report(findings, model)
    return {name: len(frame) for name, frame in dataset.items()}, seed


def say_orphans(model: Model) -> None:
    """Tell the user what --on-orphans changed, if anything."""
    from .cli import _say

    report: Any = model.orphans
    if report is not None and report.found:
        _say(report.summary())
