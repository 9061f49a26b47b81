"""What a worker runs: draw one partition and write it as one Parquet part.

Nothing here imports Dask: these are plain functions a Dask worker (or anything else)
calls with a fitted model. The part is streamed chunk by chunk into a temporary file that
is renamed to its final name only when complete (``io.write_table``).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .partitions import Partition

if TYPE_CHECKING:
    import pandas as pd

    from ..model import Model

#: One part at a time per process: backends may seed process-wide generators (torch does),
#: which threads drawing side by side would disturb, and the rows must not depend on that.
_ONE_PART_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class PartJob:
    """One partition to draw with ``seed`` and write into ``folder``."""

    partition: Partition
    folder: str
    seed: int
    chunk_rows: int
    validate: bool = True
    quiet_warnings: bool = False


@dataclass(frozen=True)
class PartResult:
    """What a worker reports back: rows and bytes written, failed checks, its costs."""

    index: int
    rows: int
    bytes: int
    findings: list[list[Any]]
    seconds: float
    peak_rss_mib: float
    worker_pid: int


def write_part(model: Model, job: PartJob) -> PartResult:
    """Draw ``job.partition``'s rows from ``model`` and write them to their part file."""
    with _ONE_PART_AT_A_TIME:
        return _write_part(model, job)


def _write_part(model: Model, job: PartJob) -> PartResult:
    from ..errors import OutputError
    from ..io import write_table

    if not Path(job.folder).is_dir():
        raise OutputError(
            f"a Dask worker cannot see the output folder {job.folder!r}: every worker must see "
            "it at the same path (a shared file system)"
        )
    if job.quiet_warnings:
        import warnings

        warnings.filterwarnings("ignore")  # library chatter, as the CLI does without -vv
    started = time.perf_counter()
    part = job.partition
    path = Path(job.folder) / part.file
    chunks = model.sample_chunks(
        part.rows, chunk_rows=job.chunk_rows, seed=job.seed, first_row=part.first_row
    )
    findings: Counter = Counter()
    if job.validate:
        chunks = _validated(chunks, model, findings)
    rows = write_table(chunks, path)
    return PartResult(
        index=part.index,
        rows=rows,
        bytes=path.stat().st_size,
        findings=[[*key, count] for key, count in sorted(findings.items(), key=str)],
        seconds=time.perf_counter() - started,
        peak_rss_mib=peak_rss_mib(),
        worker_pid=os.getpid(),
    )


def _validated(
    chunks: Iterator[pd.DataFrame], model: Model, findings: Counter
) -> Iterator[pd.DataFrame]:
    from ..api import run_validate

    (table,) = model.table_names
    for chunk in chunks:
        for finding in run_validate({table: chunk}, model.metadata, "output", model.schemas):
            findings[(finding.table, finding.column, finding.check)] += finding.failing_count
        yield chunk


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def installed_versions(generator: str) -> dict[str, str]:
    """The tabular-engine and generator plugin versions on this machine (run on workers)."""
    from .. import __version__
    from ..errors import TabularEngineError
    from ..plugins import get_registry

    try:
        plugin = get_registry().get(generator).version
    except TabularEngineError as error:
        plugin = f"unusable: {error}"
    return {"core": __version__, "plugin": plugin}
