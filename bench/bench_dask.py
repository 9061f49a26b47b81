"""Benchmark: sampling at scale on Dask, and fitting from a file larger than its sample.

Two measurements, each in fresh subprocesses of this script (``--worker NAME ...``, as in
``bench_gaussian_copula.py``, whose measuring helpers it reuses):

1. **sampling** ``--rows`` rows (10,000,000; ``--quick``: 1,000,000) from a gaussian_copula
   model fitted on ``docs/examples/credit.csv``, to Parquet, with seed 1:

   * local: one process, ``Model.sample_chunks`` + ``io.write_table`` into one file (what
     ``tabular-engine sample -o out.parquet`` does);
   * dask: a ``LocalCluster`` of 2 single-threaded worker processes and
     ``sample_dataset`` writing one part per partition (what ``--executor dask --workers 2``
     does). Cluster start-up is timed on its own; the workers' peak RSS is read on the
     workers (``ru_maxrss``) before and after sampling.

   Reported: wall time and throughput (rows/s) of each, the ratio dask / local, and
   peak memory of the local process, the Dask client and each worker.

2. **--fit-rows**: ``read_sample`` of ``--fit-rows`` rows (100,000; ``--quick``: 20,000)
   from CSV files of 10x and 40x that many rows (``--quick``: 40x and 160x; credit.csv's
   rows repeated), then a fit on the sample; ``read_sample`` alone from Parquet copies of
   the same files; and, for contrast, ``read_table`` of the larger CSV whole. Reported:
   time, read throughput and peak RSS; the ratio of peak RSS large / small file should
   stay near 1 (memory flat in the file size, once the file is larger than pyarrow's
   read-ahead, about 80 MiB of buffers).

The machine's load average is recorded before and after: on a shared 2-core machine
other work slows both sides.

    python bench/bench_dask.py             # full run (a few minutes on 2 cores)
    python bench/bench_dask.py --quick     # smaller sizes, a smoke test
    python bench/bench_dask.py --only fit-rows   # one of the two measurements

It prints markdown tables and writes every figure to ``bench/results/dask.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from bench_gaussian_copula import Stopwatch, fmt, memory_report, proc_status_mib, ratio

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "examples" / "credit.csv"
RESULTS = ROOT / "bench" / "results" / "dask.json"
GENERATOR = "gaussian_copula"
FIT_SEED, SAMPLE_SEED = 0, 1
DASK_WORKERS = 2
PACKAGES = ("tabular-engine", "tabular-engine-gaussian-copula", "dask", "distributed")
PACKAGES += ("pandas", "numpy", "pyarrow")


@dataclass(frozen=True)
class Sizes:
    """How much work one run does; ``--quick`` shrinks everything."""

    sample_rows: int
    fit_rows: int
    file_multiples: tuple[int, int]


FULL = Sizes(10_000_000, 100_000, (10, 40))
QUICK = Sizes(1_000_000, 20_000, (40, 160))


# -- workers: one measurement each, in a fresh process -------------------------------------


def worker_save_model(args: argparse.Namespace) -> dict[str, Any]:
    import tabular_engine

    model = tabular_engine.fit(DATA, GENERATOR, seed=FIT_SEED)
    model.save(Path(args.model))
    return {"bytes": Path(args.model).stat().st_size}


def worker_local(args: argparse.Namespace) -> dict[str, Any]:
    """One process: load the model, stream ``--rows`` rows into one Parquet file."""
    import tabular_engine
    from tabular_engine.io import write_table

    watch = Stopwatch()
    model = watch.time("load", lambda: tabular_engine.load(Path(args.model)))
    rss_after_load = proc_status_mib("VmRSS")
    output = Path(args.path) / "local.parquet"
    chunks = model.sample_chunks(args.rows, seed=SAMPLE_SEED)
    cpu = time.process_time()
    written = watch.time("sample", lambda: write_table(chunks, output))
    cpu = time.process_time() - cpu
    if written != args.rows:
        raise RuntimeError(f"wrote {written} rows, not {args.rows}")
    return {
        "seconds": watch.laps,
        "cpu_seconds": cpu,
        "cores_used": cpu / watch.laps["sample"],
        "rss_after_load_mib": rss_after_load,
        "bytes": output.stat().st_size,
        **memory_report(),
    }


def worker_dask(args: argparse.Namespace) -> dict[str, Any]:
    """A local cluster of ``--workers`` processes; ``sample_dataset`` into a folder."""
    import pyarrow.dataset as ds
    import tabular_engine
    from distributed import Client, LocalCluster
    from tabular_engine.executors import sample_dataset
    from tabular_engine.executors.parts import peak_rss_mib

    watch = Stopwatch()
    model = watch.time("load", lambda: tabular_engine.load(Path(args.model)))
    cluster = watch.time(
        "cluster_start",
        lambda: LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ),
    )
    with cluster, Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(args.workers)
        before = client.run(peak_rss_mib)
        cpu_before = client.run(time.process_time)
        folder = Path(args.path) / "dask"
        result = watch.time(
            "sample",
            lambda: sample_dataset(model, args.rows, folder, seed=SAMPLE_SEED, client=client),
        )
        cpu = [
            seconds - cpu_before[worker]
            for worker, seconds in client.run(time.process_time).items()
        ]
        after = client.run(peak_rss_mib)
    rows = ds.dataset(folder, format="parquet").count_rows()
    if rows != args.rows:
        raise RuntimeError(f"the dataset holds {rows} rows, not {args.rows}")
    per_part = [
        {"index": p.index, "rows": p.rows, "seconds": p.seconds, "worker_pid": p.worker_pid}
        for p in sorted(result.written, key=lambda p: p.index)
    ]
    return {
        "seconds": watch.laps,
        "partitions": result.partitions,
        "parts": per_part,
        "worker_cpu_seconds": cpu,
        "cores_used": sum(cpu) / watch.laps["sample"],
        "worker_peak_rss_before_mib": sorted(before.values()),
        "worker_peak_rss_mib": sorted(after.values()),
        "bytes": sum(path.stat().st_size for path in folder.glob("*.parquet")),
        "client": memory_report(),
    }


def worker_make_csv(args: argparse.Namespace) -> dict[str, Any]:
    """A CSV of ``--rows`` data rows: credit.csv's rows repeated (its header once)."""
    header, *lines = DATA.read_text().splitlines(keepends=True)
    block = "".join(lines)
    with open(args.path, "w") as out:
        out.write(header)
        full, rest = divmod(args.rows, len(lines))
        for _ in range(full):
            out.write(block)
        out.write("".join(lines[:rest]))
    return {"bytes": os.path.getsize(args.path)}


def worker_make_parquet(args: argparse.Namespace) -> dict[str, Any]:
    """A Parquet copy of the CSV ``--path``, written batch by batch."""
    import pyarrow.csv as csv
    import pyarrow.parquet as pq

    target = Path(args.path).with_suffix(".parquet")
    with csv.open_csv(args.path) as reader, pq.ParquetWriter(target, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    return {"bytes": target.stat().st_size}


def worker_read_sample(args: argparse.Namespace) -> dict[str, Any]:
    """read_sample of ``--rows`` rows from ``--path`` alone; peak memory."""
    from tabular_engine.reservoir import read_sample

    import_plugin()
    watch = Stopwatch()
    rss_after_import = proc_status_mib("VmRSS")
    sampled = watch.time("read_sample", lambda: read_sample(args.path, args.rows, FIT_SEED))
    return {
        "seconds": watch.laps,
        "rows_used": sampled.rows_used,
        "rows_total": sampled.rows_total,
        "rss_after_import_mib": rss_after_import,
        **memory_report(),
    }


def worker_fit_rows(args: argparse.Namespace) -> dict[str, Any]:
    """read_sample of ``--rows`` rows from ``--output``, then a fit on it; peak memory."""
    import tabular_engine
    from tabular_engine.reservoir import read_sample

    import_plugin()
    watch = Stopwatch()
    rss_after_import = proc_status_mib("VmRSS")
    sampled = watch.time("read_sample", lambda: read_sample(args.path, args.rows, FIT_SEED))
    peak_after_read = proc_status_mib("VmHWM")  # the peak of reading alone
    watch.time(
        "fit", lambda: tabular_engine.fit({"credit": sampled.frame}, GENERATOR, seed=FIT_SEED)
    )
    return {
        "seconds": watch.laps,
        "rows_used": sampled.rows_used,
        "rows_total": sampled.rows_total,
        "rss_after_import_mib": rss_after_import,
        "peak_rss_read_mib": peak_after_read,
        **memory_report(),
    }


def worker_read_whole(args: argparse.Namespace) -> dict[str, Any]:
    """read_table of the whole file: what fitting without --fit-rows has to hold."""
    from tabular_engine.io import read_table

    import_plugin()
    watch = Stopwatch()
    rss_after_import = proc_status_mib("VmRSS")
    frame = watch.time("read_table", lambda: read_table(args.path))
    return {"seconds": watch.laps, "rows": len(frame), "rss_after_import_mib": rss_after_import,
            **memory_report()}  # fmt: skip


def import_plugin() -> None:
    """Load what the fit imports, so every fit-rows worker starts from the same RSS."""
    import importlib

    for name in ("tabular_engine.api", "tabular_engine_gaussian_copula.model", "pyarrow.csv"):
        importlib.import_module(name)


WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "save-model": worker_save_model,
    "local": worker_local,
    "dask": worker_dask,
    "make-csv": worker_make_csv,
    "make-parquet": worker_make_parquet,
    "read-sample": worker_read_sample,
    "fit-rows": worker_fit_rows,
    "read-whole": worker_read_whole,
}


def run_worker(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")
    result = WORKERS[args.worker](args)
    Path(args.result).write_text(json.dumps(result))


# -- the parent: runs the workers and reports -----------------------------------------------


class WorkerError(RuntimeError):
    pass


def spawn(worker: str, scratch: Path, *options: str) -> tuple[dict[str, Any], float]:
    """Run one worker in a fresh interpreter; its result and the process's wall time."""
    handle, name = tempfile.mkstemp(prefix=f"{worker}-", suffix=".json", dir=scratch)
    os.close(handle)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", worker]
    command += ["--result", name, *options]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if finished.returncode != 0:
        raise WorkerError(
            f"worker {worker} {' '.join(options)} failed ({finished.returncode}):\n"
            f"{finished.stderr[-4000:]}"
        )
    return json.loads(Path(name).read_text()), wall


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def bench_sampling(sizes: Sizes, scratch: Path) -> dict[str, Any]:
    model = scratch / "credit.model"
    progress("sampling: fitting and saving the model")
    spawn("save-model", scratch, "--model", str(model))
    rows = str(sizes.sample_rows)
    progress(f"sampling: {sizes.sample_rows:,} rows, local process")
    local, local_wall = spawn("local", scratch, "--model", str(model), "--rows", rows,
                              "--path", str(scratch))  # fmt: skip
    (scratch / "local.parquet").unlink()
    progress(f"sampling: {sizes.sample_rows:,} rows, Dask, {DASK_WORKERS} worker processes")
    dask, dask_wall = spawn("dask", scratch, "--model", str(model), "--rows", rows,
                            "--path", str(scratch), "--workers", str(DASK_WORKERS))  # fmt: skip
    shutil.rmtree(scratch / "dask")
    local_seconds = local["seconds"]["sample"]
    dask_seconds = dask["seconds"]["sample"]
    with_start = dask_seconds + dask["seconds"]["cluster_start"]
    return {
        "rows": sizes.sample_rows,
        "workers": DASK_WORKERS,
        "local": {
            **local,
            "process_seconds": local_wall,
            "rows_per_second": sizes.sample_rows / local_seconds,
        },
        "dask": {
            **dask,
            "process_seconds": dask_wall,
            "rows_per_second": sizes.sample_rows / dask_seconds,
            "rows_per_second_with_cluster_start": sizes.sample_rows / with_start,
        },
        "throughput_ratio": ratio(local_seconds, dask_seconds),
        "throughput_ratio_with_cluster_start": ratio(local_seconds, with_start),
    }


def bench_fit_rows(sizes: Sizes, scratch: Path) -> dict[str, Any]:
    files: dict[str, Any] = {}
    parquets: dict[str, Any] = {}
    for multiple in sizes.file_multiples:
        rows = sizes.fit_rows * multiple
        path = scratch / f"credit-{rows}.csv"
        progress(f"fit-rows: writing a CSV of {rows:,} rows")
        made, _ = spawn("make-csv", scratch, "--rows", str(rows), "--path", str(path))
        progress(f"fit-rows: {sizes.fit_rows:,} of {rows:,} rows, then fit")
        result, wall = spawn("fit-rows", scratch, "--rows", str(sizes.fit_rows),
                             "--path", str(path))  # fmt: skip
        result.update(
            file_rows=rows,
            file_mib=made["bytes"] / 2**20,
            process_seconds=wall,
            read_mib_per_second=made["bytes"] / 2**20 / result["seconds"]["read_sample"],
        )
        files[str(multiple)] = result
        progress(f"fit-rows: {sizes.fit_rows:,} of {rows:,} rows of a Parquet copy")
        made, _ = spawn("make-parquet", scratch, "--path", str(path))
        parquet = path.with_suffix(".parquet")
        result, _ = spawn("read-sample", scratch, "--rows", str(sizes.fit_rows),
                          "--path", str(parquet))  # fmt: skip
        result.update(file_rows=rows, file_mib=made["bytes"] / 2**20)
        parquets[str(multiple)] = result
        parquet.unlink()
        if multiple == max(sizes.file_multiples):
            progress(f"fit-rows: read_table of all {rows:,} rows, for contrast")
            whole, _ = spawn("read-whole", scratch, "--path", str(path))
            files["whole"] = {**whole, "file_rows": rows}
        path.unlink()
    small = files[str(min(sizes.file_multiples))]
    large = files[str(max(sizes.file_multiples))]
    return {
        "fit_rows": sizes.fit_rows,
        "multiples": list(sizes.file_multiples),
        "files": files,
        "parquet": parquets,
        "parquet_peak_rss_ratio": ratio(
            parquets[str(max(sizes.file_multiples))]["peak_rss_mib"],
            parquets[str(min(sizes.file_multiples))]["peak_rss_mib"],
        ),
        "peak_rss_ratio": ratio(large["peak_rss_mib"], small["peak_rss_mib"]),
        "peak_rss_above_import_ratio": ratio(
            large["peak_rss_mib"] - large["rss_after_import_mib"],
            small["peak_rss_mib"] - small["rss_after_import_mib"],
        ),
    }


def environment() -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
        "load_average_before": os.getloadavg(),
    }


# -- the report -----------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    lines = []
    if "sampling" in results:
        lines += markdown_sampling(results["sampling"])
    if "fit_rows" in results:
        lines += markdown_fit_rows(results["fit_rows"])
    lines += [
        f"Load average (1, 5, 15 min) before: {load(results['environment']['load_average_before'])}"
        f"; after: {load(results['load_average_after'])}.",
        "",
    ]
    return "\n".join(lines)


def markdown_sampling(sampling: dict[str, Any]) -> list[str]:
    local, dask = sampling["local"], sampling["dask"]
    workers = ", ".join(fmt(m, 0) for m in dask["worker_peak_rss_mib"])
    before = ", ".join(fmt(m, 0) for m in dask["worker_peak_rss_before_mib"])
    return [
        f"### sampling {sampling['rows']:,} rows of credit to Parquet: local process vs Dask "
        f"({sampling['workers']} worker processes, {dask['partitions']} partitions)",
        "",
        "| measure | local | Dask | Dask / local |",
        "| --- | ---: | ---: | ---: |",
        f"| sample + write (s) | {fmt(local['seconds']['sample'])} "
        f"| {fmt(dask['seconds']['sample'])} "
        f"| {fmt(ratio(dask['seconds']['sample'], local['seconds']['sample']))} |",
        f"| rows / s | {fmt(local['rows_per_second'], 0)} | {fmt(dask['rows_per_second'], 0)} "
        f"| **{fmt(sampling['throughput_ratio'])}** |",
        f"| rows / s counting cluster start ({fmt(dask['seconds']['cluster_start'], 1)} s) "
        f"| {fmt(local['rows_per_second'], 0)} "
        f"| {fmt(dask['rows_per_second_with_cluster_start'], 0)} "
        f"| {fmt(sampling['throughput_ratio_with_cluster_start'])} |",
        f"| CPU cores used while sampling (CPU s / wall s) | {fmt(local['cores_used'])} "
        f"| {fmt(dask['cores_used'])} (workers) | |",
        f"| rows per CPU second | {fmt(sampling['rows'] / local['cpu_seconds'], 0)} "
        f"| {fmt(sampling['rows'] / sum(dask['worker_cpu_seconds']), 0)} "
        f"| {fmt(ratio(local['cpu_seconds'], sum(dask['worker_cpu_seconds'])))} |",
        f"| whole process (s) | {fmt(local['process_seconds'], 1)} "
        f"| {fmt(dask['process_seconds'], 1)} | |",
        f"| output (MiB) | {fmt(local['bytes'] / 2**20, 0)} | {fmt(dask['bytes'] / 2**20, 0)} | |",
        f"| peak RSS (MiB) | {fmt(local['peak_rss_mib'], 0)} (the process) "
        f"| {workers} (each worker; {before} before sampling), "
        f"{fmt(dask['client']['peak_rss_mib'], 0)} (client) | |",
        "",
    ]


def markdown_fit_rows(fit_rows: dict[str, Any]) -> list[str]:
    files = fit_rows["files"]
    multiples = [str(m) for m in fit_rows["multiples"]]
    whole = files["whole"]
    small, large = files[multiples[0]], files[multiples[-1]]
    header = " | ".join(f"{int(files[m]['file_rows']):,} rows" for m in multiples)
    return [
        f"### --fit-rows {fit_rows['fit_rows']:,}: a sample of CSV files {multiples[0]}x and "
        f"{multiples[-1]}x larger",
        "",
        f"| measure | {header} | large / small |",
        "| --- | ---: | ---: | ---: |",
        "| file (MiB) | "
        + " | ".join(fmt(files[m]["file_mib"], 0) for m in multiples)
        + f" | {fmt(ratio(files[multiples[-1]]['file_mib'], files[multiples[0]]['file_mib']))} |",
        "| read_sample (s) | "
        + " | ".join(fmt(files[m]["seconds"]["read_sample"]) for m in multiples)
        + " | |",
        "| read throughput (MiB/s) | "
        + " | ".join(fmt(files[m]["read_mib_per_second"], 0) for m in multiples)
        + " | |",
        "| fit on the sample (s) | "
        + " | ".join(fmt(files[m]["seconds"]["fit"]) for m in multiples)
        + " | |",
        "| peak RSS, read + fit (MiB) | "
        + " | ".join(fmt(files[m]["peak_rss_mib"], 0) for m in multiples)
        + f" | **{fmt(fit_rows['peak_rss_ratio'])}** |",
        "| peak RSS while reading (MiB) | "
        + " | ".join(fmt(files[m]["peak_rss_read_mib"], 0) for m in multiples)
        + f" | {fmt(ratio(large['peak_rss_read_mib'], small['peak_rss_read_mib']))} |",
        "| peak RSS above imports (MiB) | "
        + " | ".join(
            fmt(files[m]["peak_rss_mib"] - files[m]["rss_after_import_mib"], 0) for m in multiples
        )
        + f" | {fmt(fit_rows['peak_rss_above_import_ratio'])} |",
        "| Parquet copy (MiB) | "
        + " | ".join(fmt(fit_rows["parquet"][m]["file_mib"], 0) for m in multiples)
        + " | |",
        "| Parquet: read_sample (s) | "
        + " | ".join(fmt(fit_rows["parquet"][m]["seconds"]["read_sample"]) for m in multiples)
        + " | |",
        "| Parquet: peak RSS, read only (MiB) | "
        + " | ".join(fmt(fit_rows["parquet"][m]["peak_rss_mib"], 0) for m in multiples)
        + f" | **{fmt(fit_rows['parquet_peak_rss_ratio'])}** |",
        "",
        f"For contrast, `read_table` of all {int(whole['file_rows']):,} rows: "
        f"{fmt(whole['seconds']['read_table'])} s, peak RSS {fmt(whole['peak_rss_mib'], 0)} MiB.",
        "",
    ]


def load(averages: Sequence[float]) -> str:
    return ", ".join(fmt(x) for x in averages)


# -- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument(
        "--only", choices=("sampling", "fit-rows"), help="run one of the two measurements"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})"
    )
    internal = parser.add_argument_group("internal (one measurement in a fresh process)")
    internal.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    internal.add_argument("--result", help=argparse.SUPPRESS)
    internal.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--model", help=argparse.SUPPRESS)
    internal.add_argument("--path", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        results: dict[str, Any] = {"quick": args.quick, "environment": environment()}
        if args.only in (None, "sampling"):
            results["sampling"] = bench_sampling(sizes, scratch)
        if args.only in (None, "fit-rows"):
            results["fit_rows"] = bench_fit_rows(sizes, scratch)
    except WorkerError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    results["bench_seconds"] = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    print(f"results written to {args.output} in {results['bench_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
