"""Sampling a Parquet dataset on a Dask cluster, one part per partition, resumably.

The client plans block-aligned partitions (see :mod:`.partitions`), sends the fitted
model to every worker once (``Client.scatter(..., broadcast=True)``: no shared file system
is needed for the model, and each worker unpickles it once, not once per part), and
submits one task per partition. Workers write their parts straight into the output folder
(which every worker must see at the same path); the client records each finished part in
the folder's manifest, which is what ``resume`` trusts.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ExecutorError, ParameterError
from ..log import get_logger
from ..model import BLOCK_ROWS, DEFAULT_CHUNK_ROWS, Model, check_num_rows, check_seed, new_seed
from ..progress import NullProgress, Progress
from ..types import Kind
from . import manifest as manifests
from .cluster import check_worker_versions, connect, import_distributed, wait_for_workers
from .partitions import Partition, check_partitions, default_partitions, max_partitions, plan
from .parts import PartJob, PartResult, installed_versions, write_part

logger = get_logger(__name__)

#: Seconds between manifest writes while parts finish (and always at the end).
MANIFEST_INTERVAL = 1.0


class SamplingInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; the finished parts are kept for ``resume``."""

    def __init__(self, folder: Path, finished: int, total: int) -> None:
        super().__init__(f"{finished} of {total} parts finished in {folder}")
        self.folder, self.finished, self.total = folder, finished, total


@dataclass
class DatasetResult:
    """What a run did: the dataset folder, its size, which parts it wrote or kept."""

    folder: Path
    rows: int
    seed: int
    partitions: int
    written: list[PartResult] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    findings: dict[tuple[str, Any, str], int] = field(default_factory=dict)
    seconds: float = 0.0
    requested_partitions: int | None = None
    workers: int = 0


def sample_dataset(
    model: Model | str | Path,
    num_rows: int,
    folder: str | Path,
    *,
    seed: int | None = None,
    partitions: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    workers: int | None = None,
    processes: bool = True,
    resume: bool = False,
    validate: bool = True,
    connect_timeout: float = 10.0,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    quiet_warnings: bool = False,
    progress: Progress | None = None,
) -> DatasetResult:
    """Sample ``num_rows`` rows of a single-table model into a Parquet dataset folder on Dask.

    The rows equal ``model.sample(num_rows, seed=seed)`` whatever the number of workers
    or partitions; read them back with ``pandas.read_parquet(folder)``.

    Args:
        model: a fitted :class:`Model` or the path of a saved model file.
        folder: the output folder (created if missing; must be new or empty unless resuming).
        seed: random when left out (and taken from the folder's manifest when resuming).
        partitions: parts to write; default one per million rows and at least one per
            worker. Capped at one per block of ``BLOCK_ROWS`` rows.
        scheduler: address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        client: an existing ``distributed.Client`` to use instead (left open).
        workers: size of the local cluster started when neither of the two is given
            (default: one single-threaded process per CPU); ``processes=False`` runs
            its workers as threads of this process.
        resume: keep the parts a previous run with the same settings finished in
            ``folder`` and draw only the others.
        validate: check every chunk against the real data's schema on the workers.
        connect_timeout: seconds to wait for the scheduler and for its first worker.
    """
    started = time.perf_counter()
    model = _loaded(model)
    num_rows = check_num_rows(num_rows, "num_rows")
    seed = check_seed(seed)
    requested = check_partitions(partitions)
    capped = min(requested, max_partitions(num_rows)) if requested else None
    _check_cluster_options(scheduler, client, workers, connect_timeout)
    folder = Path(folder)
    existing = manifests.check_output_folder(folder, resume)
    fingerprint = model_fingerprint(model)
    versions = installed_versions(model.generator.name)
    settings = {
        "model_sha256": fingerprint,
        "generator": model.generator.name,
        "generator_version": model.generator.version,
        "core_version": versions["core"],
        "rows": num_rows,
        "block_rows": BLOCK_ROWS,
    }
    if existing is not None:
        seed = existing.settings["seed"] if seed is None else seed
        capped = capped or existing.settings["partitions"]
        settings["seed"], settings["partitions"] = seed, capped
        manifests.check_settings(folder, existing, settings)
    seed = new_seed() if seed is None else seed
    import_distributed()
    run: _Run | None = None
    try:
        with connect(
            scheduler,
            client=client,
            workers=workers,
            processes=processes,
            connect_timeout=connect_timeout,
        ) as dask_client:
            threads = wait_for_workers(dask_client, connect_timeout)  # address -> threads
            count = capped or default_partitions(num_rows, len(threads))
            settings["seed"], settings["partitions"] = seed, count
            if requested and count < requested:
                logger.info(
                    "fewer partitions than asked",
                    asked=requested,
                    using=count,
                    reason=f"a partition holds whole blocks of {BLOCK_ROWS} rows",
                )
            check_worker_versions(dask_client, model.generator.name, versions)
            manifest = manifests.DatasetManifest(settings)
            run = _Run(folder, manifest, existing, plan(num_rows, count))
            result = DatasetResult(
                folder, num_rows, seed, count, requested_partitions=requested, workers=len(threads)
            )
            jobs = [
                PartJob(part, str(folder.resolve()), seed, chunk_rows, validate, quiet_warnings)
                for part in run.todo
            ]
            run.execute(dask_client, model, jobs, result, progress or NullProgress())
    except BaseException as error:
        if run is None:
            raise
        run.tidy()  # after the cluster is closed: no worker writes any more
        if isinstance(error, KeyboardInterrupt) and not isinstance(error, SamplingInterrupted):
            raise run.interrupted() from None  # while the cluster started or closed
        raise
    result.seconds = time.perf_counter() - started
    return result


def _loaded(model: Model | str | Path) -> Model:
    from ..model import load

    if not isinstance(model, Model):
        model = load(model)
    if model.generator.kind is not Kind.SINGLE_TABLE:
        raise ParameterError(
            f"the dask executor samples one table, but generator {model.generator.name!r} makes "
            f"{model.generator.kind.value} data; use the local executor (--executor local)"
        )
    return model


def _check_cluster_options(
    scheduler: str | None, client: Any, workers: int | None, timeout: float
) -> None:
    if scheduler is not None and client is not None:
        raise ParameterError("give a scheduler address or a client, not both")
    if workers is not None and (scheduler is not None or client is not None):
        raise ParameterError(
            "--workers sizes the local cluster; a scheduler (--scheduler) has its own workers"
        )
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ParameterError(f"workers must be a whole number, at least 1, got {workers!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ParameterError(
            f"the connect timeout must be a positive number of seconds, got {timeout!r}"
        )


def model_fingerprint(model: Model) -> str:
    """The SHA-256 of the saved payload, or of the pickled state for a model in memory."""
    if model.payload_sha256:
        return model.payload_sha256
    return hashlib.sha256(pickle.dumps(model.state, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


class _Run:
    """One pass over a dataset folder: which parts are kept, which to draw, the manifest."""

    def __init__(
        self,
        folder: Path,
        manifest: manifests.DatasetManifest,
        existing: manifests.DatasetManifest | None,
        parts: list[Partition],
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.created = not folder.exists()
        self.resumed = existing is not None
        self.parts = {part.index: part for part in parts}
        self.todo: list[Partition] = []
        for part in parts:
            record = existing.parts.get(part.index) if existing else None
            problem = manifests.finished_part_problem(folder, record) if existing else "new"
            if problem is None:
                manifest.parts[part.index] = record
            else:
                if record is not None:
                    logger.warning("drawing a damaged part again", part=part.file, problem=problem)
                self.todo.append(part)
        self._saved_at = 0.0

    def execute(
        self,
        client: Any,
        model: Model,
        jobs: list[PartJob],
        result: DatasetResult,
        progress: Progress,
    ) -> None:
        import distributed

        result.kept = sorted(self.manifest.parts)
        for index in result.kept:
            self._add_findings(result, self.manifest.parts[index]["findings"])
        self.folder.mkdir(exist_ok=True)
        manifests.remove_temporary_files(self.folder)
        self._save(force=True)
        progress.start("sampling rows", total=result.rows)
        progress.advance(sum(self.manifest.parts[i]["rows"] for i in result.kept))
        futures: list[Any] = []
        try:
            if jobs:
                shared = client.scatter(model, broadcast=True, hash=False)
                futures = [
                    client.submit(write_part, shared, job, pure=False, key=_key(job))
                    for job in jobs
                ]
                for future in distributed.as_completed(futures, loop=client.loop):
                    self._finished(future.result(), result, progress)
            self.manifest.complete = True
            self._save(force=True)
        except KeyboardInterrupt:
            self._stop(client, futures)
            raise self.interrupted() from None
        except distributed.KilledWorker as error:
            self._stop(client, futures)
            raise ExecutorError(
                f"a Dask worker died while drawing a part ({error}); it may have run out of "
                f"memory. {self._resume_hint()}"
            ) from None
        except distributed.comm.CommClosedError as error:
            self._stop(client, futures)
            raise ExecutorError(f"lost the Dask cluster ({error}). {self._resume_hint()}") from None
        except OSError as error:  # from a worker's write, or the connection
            self._stop(client, futures)
            raise ExecutorError(
                f"a part could not be written, or the cluster was lost ({error}). "
                f"{self._resume_hint()}"
            ) from None
        except BaseException:
            self._stop(client, futures)
            raise
        finally:
            progress.finish()

    def _finished(self, part: PartResult, result: DatasetResult, progress: Progress) -> None:
        partition = self._record(part)
        self._add_findings(result, part.findings)
        result.written.append(part)
        logger.info(
            "part written",
            part=partition.file,
            rows=part.rows,
            seconds=round(part.seconds, 2),
            worker_pid=part.worker_pid,
        )
        progress.advance(part.rows)
        self._save()

    def _record(self, part: PartResult) -> Partition:
        partition = self.parts[part.index]
        if part.rows != partition.rows:
            raise ExecutorError(
                f"{partition.file} holds {part.rows} rows, not {partition.rows}; draw it again "
                "with --resume"
            )
        self.manifest.record(partition, part.rows, part.bytes, part.findings)
        return partition

    @staticmethod
    def _add_findings(result: DatasetResult, findings: list[list[Any]]) -> None:
        for table, column, check, count in findings:
            key = (table, column, check)
            result.findings[key] = result.findings.get(key, 0) + count

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._saved_at >= MANIFEST_INTERVAL:
            self.manifest.save(self.folder)
            self._saved_at = now

    def _stop(self, client: Any, futures: list[Any]) -> None:
        """Record the parts that finished, cancel the others."""
        for future in futures:
            if future.status == "finished":
                with contextlib.suppress(Exception):
                    part = future.result(timeout=1)
                    if part.index not in self.manifest.parts:
                        self._record(part)
        if futures:
            client.cancel(futures)
        if self.manifest.parts or self.resumed:
            self._save(force=True)

    def tidy(self) -> None:
        """After a failed run: no temporary file, no part the manifest does not list (one
        a cancelled task still finished), and no trace at all if nothing finished."""
        manifests.remove_temporary_files(self.folder)
        for index, part in self.parts.items():
            if index not in self.manifest.parts:
                (self.folder / part.file).unlink(missing_ok=True)
        if self.manifest.parts or self.resumed:
            return
        (self.folder / manifests.MANIFEST_NAME).unlink(missing_ok=True)
        if self.created and self.folder.is_dir() and not any(self.folder.iterdir()):
            self.folder.rmdir()

    def interrupted(self) -> SamplingInterrupted:
        return SamplingInterrupted(self.folder, len(self.manifest.parts), len(self.parts))

    def _resume_hint(self) -> str:
        finished = len(self.manifest.parts)
        return (
            f"{finished} of {len(self.parts)} parts are finished in {str(self.folder)!r}; "
            "run the same command with --resume to draw the others"
        )


def _key(job: PartJob) -> str:
    return f"tabular-engine-part-{job.partition.index}-{job.seed}-{time.time_ns()}"
