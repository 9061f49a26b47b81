"""Benchmark: tabular-engine's ctgan and tvae against SDV and against the ctgan library.

For each generator (``ctgan``, ``tvae``), on ``docs/examples/credit.csv``, with the same
number of epochs everywhere (300, the library's default; ``--quick``: 10), three sides:

* ``te``: tabular-engine (``tabular_engine.fit`` + ``Model.sample``);
* ``sdv``: SDV 2.0's ``CTGANSynthesizer`` / ``TVAESynthesizer`` called directly;
* ``lib``: the ``ctgan`` library's ``CTGAN`` / ``TVAE`` called directly, with the least
  preparation it needs: object columns as ``discrete_columns`` and missing numbers
  replaced by the column mean (the library refuses them).

Each run fits with one seed, times fit and sampling ``--rows`` rows, then scores a sample
of ``len(real)`` rows with SDMetrics' QualityReport against SDV-detected metadata (not
timed). Runs are repeated with fit seeds 0, 1, 2 (the sides interleaved, so a busy machine
slows all of them alike) and reported as:

1. quality: mean overall score per side; target |tabular-engine - SDV| <= 0.03;
2. time: median fit + sample wall time; target tabular-engine / library <= 1.1.

Every run is a fresh subprocess of this script (``--worker ...``), as in
``bench_gaussian_copula.py``, whose measuring helpers it reuses. Run it with
``make bench-ctgan`` or, in an environment with torch, sdv, sdmetrics and this repository::

    python bench/bench_ctgan.py            # full run: 300 epochs, 3 seeds (about 25 min on 2 cores)
    python bench/bench_ctgan.py --quick    # 10 epochs, 1 seed: a smoke test

It prints markdown tables and writes every figure to ``bench/results/ctgan.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from bench_gaussian_copula import (
    Stopwatch,
    fmt,
    import_modules,
    median_of,
    memory_report,
    proc_status_mib,
    ratio,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "examples" / "credit.csv"
RESULTS = ROOT / "bench" / "results" / "ctgan.json"
TABLE = "credit"
GENERATORS = ("ctgan", "tvae")
SIDES = ("te", "sdv", "lib")
SIDE_NAMES = {"te": "tabular-engine", "sdv": "SDV", "lib": "ctgan library"}
QUALITY_TARGET = 0.03
TIME_TARGET = 1.1
PACKAGES = (
    "tabular-engine",
    "tabular-engine-ctgan",
    "tabular-engine-tvae",
    "ctgan",
    "sdv",
    "sdmetrics",
    "rdt",
    "torch",
    "pandas",
    "numpy",
    "scikit-learn",
)


@dataclass(frozen=True)
class Sizes:
    epochs: int
    sample_rows: int
    seeds: tuple[int, ...]


FULL = Sizes(300, 100_000, (0, 1, 2))
QUICK = Sizes(10, 10_000, (0,))


# -- the three sides ------------------------------------------------------------------------


def read_real() -> Any:
    import pandas as pd

    return pd.read_csv(DATA)


class TabularEngine:
    def imports(self) -> None:
        import_modules(
            "tabular_engine.api",
            "tabular_engine.validation",
            "tabular_engine_ctgan.model",
            "tabular_engine_tvae.model",
        )

    def read(self) -> Any:
        from tabular_engine.io import read_table

        return read_table(DATA)

    def fit(self, generator: str, frame: Any, epochs: int, seed: int) -> Any:
        import tabular_engine

        return tabular_engine.fit(frame, generator, seed=seed, epochs=epochs, device="cpu")

    def sample(self, model: Any, rows: int, seed: int) -> Any:
        return model.sample(rows, seed=seed)


class SDV:
    CLASSES = {"ctgan": "CTGANSynthesizer", "tvae": "TVAESynthesizer"}

    def imports(self) -> None:
        import_modules("sdv.metadata", "sdv.single_table")

    def read(self) -> Any:
        return read_real()

    def fit(self, generator: str, frame: Any, epochs: int, seed: int) -> Any:
        import numpy as np
        import sdv.single_table
        import torch
        from sdv.metadata import Metadata

        # SDV's fit draws from the global generators (SDV#2022): seeding them is the way
        # to get a given fit.
        np.random.seed(seed)
        torch.manual_seed(seed)
        metadata = Metadata.detect_from_dataframes({TABLE: frame})
        synthesizer_class = getattr(sdv.single_table, self.CLASSES[generator])
        synthesizer = synthesizer_class(metadata, epochs=epochs, enable_gpu=False)
        synthesizer.fit({TABLE: frame})
        return synthesizer

    def sample(self, synthesizer: Any, rows: int, seed: int) -> Any:
        synthesizer._set_random_state(seed)  # SDV 2.0's own way to choose a sampling seed
        sampled = synthesizer.sample(rows)
        return sampled[TABLE] if isinstance(sampled, dict) else sampled


class Library:
    def imports(self) -> None:
        import_modules("ctgan")

    def read(self) -> Any:
        return read_real()

    def fit(self, generator: str, frame: Any, epochs: int, seed: int) -> Any:
        import ctgan

        discrete = [name for name in frame.columns if frame[name].dtype == object]
        numbers = [name for name in frame.columns if name not in discrete]
        prepared = frame.fillna({name: frame[name].mean() for name in numbers})
        model_class = {"ctgan": ctgan.CTGAN, "tvae": ctgan.TVAE}[generator]
        model = model_class(epochs=epochs, enable_gpu=False)
        model.set_random_state(seed)
        model.fit(prepared, discrete_columns=discrete)
        return model

    def sample(self, model: Any, rows: int, seed: int) -> Any:
        model.set_random_state(seed)
        return model.sample(rows)


SIDE_CLASSES = {"te": TabularEngine, "sdv": SDV, "lib": Library}


# -- workers, each in a fresh process -------------------------------------------------------


def worker_run(args: argparse.Namespace) -> dict[str, Any]:
    """Fit one side with one seed, time fit and sample, then score quality (not timed)."""
    from sdmetrics.reports.single_table import QualityReport

    side = SIDE_CLASSES[args.side]()
    watch = Stopwatch()
    watch.time("import", side.imports)
    rss_after_import = proc_status_mib("VmRSS")
    frame = watch.time("read", side.read)
    cpu_started = cpu_seconds()
    model = watch.time("fit", lambda: side.fit(args.generator, frame, args.epochs, args.seed))
    synthetic = watch.time("sample", lambda: side.sample(model, args.rows, args.seed + 100))
    cpu = cpu_seconds() - cpu_started
    if len(synthetic) != args.rows:
        raise RuntimeError(f"{args.side} sampled {len(synthetic)} rows, not {args.rows}")
    memory = memory_report()
    real = read_real()
    table_metadata = json.loads(Path(args.metadata).read_text())
    report = QualityReport()
    scored = side.sample(model, len(real), args.seed + 200)
    report.generate(real, scored, table_metadata, verbose=False)
    properties = report.get_properties()
    return {
        "seconds": watch.laps,
        "cpu_seconds_fit_plus_sample": cpu,
        "rss_after_import_mib": rss_after_import,
        **memory,
        "quality": float(report.get_score()),
        "properties": {str(row.Property): float(row.Score) for row in properties.itertuples()},
    }


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of its finished children.

    The library's transform runs in joblib worker processes that outlive a fit, so their
    time is not counted here; it is the same work on every side.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def worker_metadata(args: argparse.Namespace) -> dict[str, Any]:
    from sdv.metadata import Metadata

    detected = Metadata.detect_from_dataframes({TABLE: read_real()})
    return {"table_metadata": detected.to_dict()["tables"][TABLE]}


WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "run": worker_run,
    "metadata": worker_metadata,
}


def run_worker(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")
    Path(args.result).write_text(json.dumps(WORKERS[args.worker](args)))


# -- the parent -----------------------------------------------------------------------------


class WorkerError(RuntimeError):
    pass


#: Threads for torch and the BLAS libraries in every worker; None leaves their defaults.
THREADS: int | None = None


def spawn(worker: str, scratch: Path, *options: str) -> tuple[dict[str, Any], float]:
    handle, name = tempfile.mkstemp(prefix=f"{worker}-", suffix=".json", dir=scratch)
    os.close(handle)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", worker]
    command += ["--result", name, *options]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TQDM_DISABLE": "1"}
    if THREADS is not None:
        for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[variable] = str(THREADS)
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if finished.returncode != 0:
        raise WorkerError(
            f"worker {worker} {' '.join(options)} failed ({finished.returncode}):\n"
            f"{finished.stderr[-4000:]}"
        )
    return json.loads(Path(name).read_text()), wall


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def bench_generator(
    generator: str, sizes: Sizes, scratch: Path, metadata_path: Path
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for seed in sizes.seeds:
        for side in SIDES:
            say(f"{generator}: {side}, seed {seed}, {sizes.epochs} epochs")
            result, wall = spawn(
                "run",
                scratch,
                "--generator", generator,
                "--side", side,
                "--seed", str(seed),
                "--epochs", str(sizes.epochs),
                "--rows", str(sizes.sample_rows),
                "--metadata", str(metadata_path),
            )  # fmt: skip
            result["process_seconds"] = wall
            runs[side].append(result)
    sides: dict[str, Any] = {}
    for side, side_runs in runs.items():
        seconds = {
            lap: median_of(side_runs, lambda run, lap=lap: run["seconds"][lap])
            for lap in ("import", "read", "fit", "sample")
        }
        seconds["fit_plus_sample"] = median_of(
            side_runs, lambda run: run["seconds"]["fit"] + run["seconds"]["sample"]
        )
        seconds["process"] = median_of(side_runs, lambda run: run["process_seconds"])
        seconds["cpu_fit_plus_sample"] = median_of(
            side_runs, lambda run: run["cpu_seconds_fit_plus_sample"]
        )
        sides[side] = {
            "seconds": seconds,
            "peak_rss_mib": median_of(side_runs, lambda run: run["peak_rss_mib"]),
            "quality": statistics.mean(run["quality"] for run in side_runs),
            "quality_runs": [run["quality"] for run in side_runs],
            "properties": {
                name: statistics.mean(run["properties"][name] for run in side_runs)
                for name in side_runs[0]["properties"]
            },
            "runs": side_runs,
        }
    te, sdv, lib = sides["te"], sides["sdv"], sides["lib"]
    difference = te["quality"] - sdv["quality"]
    time_ratio = ratio(te["seconds"]["fit_plus_sample"], lib["seconds"]["fit_plus_sample"])
    paired = [  # te / library for each seed: the two ran one after the other
        ratio(
            t["seconds"]["fit"] + t["seconds"]["sample"],
            b["seconds"]["fit"] + b["seconds"]["sample"],
        )
        for t, b in zip(te["runs"], lib["runs"], strict=True)
    ]
    return {
        **sides,
        "quality_difference_vs_sdv": difference,
        "quality_within_target": abs(difference) <= QUALITY_TARGET,
        "time_ratio_vs_library": time_ratio,
        "time_within_target": time_ratio is not None and time_ratio <= TIME_TARGET,
        "time_ratio_vs_library_per_seed": paired,
        "ratios_vs_library": {
            lap: ratio(te["seconds"][lap], lib["seconds"][lap]) for lap in te["seconds"]
        },
        "ratios_vs_sdv": {
            lap: ratio(te["seconds"][lap], sdv["seconds"][lap]) for lap in te["seconds"]
        },
    }


def environment(sizes: Sizes) -> dict[str, Any]:
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
        "data": str(DATA.relative_to(ROOT)),
        "epochs": sizes.epochs,
        "sample_rows": sizes.sample_rows,
        "seeds": list(sizes.seeds),
    }


def markdown(results: dict[str, Any]) -> str:
    env = results["environment"]
    lines = []
    for generator in GENERATORS:
        if generator not in results:
            continue
        found = results[generator]
        quality = "within" if found["quality_within_target"] else "OUTSIDE"
        timing = "within" if found["time_within_target"] else "OUTSIDE"
        lines += [
            f"### {generator}: {env['epochs']} epochs, fit seeds {env['seeds']}, "
            f"sample {env['sample_rows']:,} rows, threads {env.get('threads') or 'default'} "
            "(times: medians; quality: means)",
            "",
            "| measure | tabular-engine | SDV | ctgan library | te / library | te / SDV |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for lap, label in (
            ("fit", "fit (s)"),
            ("sample", "sample (s)"),
            ("fit_plus_sample", "fit + sample (s)"),
            ("cpu_fit_plus_sample", "fit + sample, CPU time (s)"),
            ("import", "import (s)"),
            ("process", "whole process (s)"),
        ):
            lines.append(
                f"| {label} | {fmt(found['te']['seconds'][lap])} "
                f"| {fmt(found['sdv']['seconds'][lap])} | {fmt(found['lib']['seconds'][lap])} "
                f"| {fmt(found['ratios_vs_library'][lap])} | {fmt(found['ratios_vs_sdv'][lap])} |"
            )
        lines += [
            f"| peak RSS (MiB) | {fmt(found['te']['peak_rss_mib'], 0)} "
            f"| {fmt(found['sdv']['peak_rss_mib'], 0)} | {fmt(found['lib']['peak_rss_mib'], 0)} "
            "| | |",
            f"| quality (QualityReport) | {fmt(found['te']['quality'], 4)} "
            f"| {fmt(found['sdv']['quality'], 4)} | {fmt(found['lib']['quality'], 4)} | | |",
        ]
        for name in found["te"]["properties"]:
            lines.append(
                f"| {name} | {fmt(found['te']['properties'][name], 4)} "
                f"| {fmt(found['sdv']['properties'][name], 4)} "
                f"| {fmt(found['lib']['properties'][name], 4)} | | |"
            )
        lines += [
            "",
            f"- quality, tabular-engine - SDV: {found['quality_difference_vs_sdv']:+.4f} "
            f"({quality} ±{QUALITY_TARGET}); per seed: te "
            f"{[round(q, 4) for q in found['te']['quality_runs']]}, SDV "
            f"{[round(q, 4) for q in found['sdv']['quality_runs']]}",
            f"- fit + sample, tabular-engine / ctgan library: "
            f"{fmt(found['time_ratio_vs_library'])} ({timing} ≤ {TIME_TARGET}); per seed "
            f"{[round(r, 3) for r in found['time_ratio_vs_library_per_seed']]}; CPU time "
            f"{fmt(found['ratios_vs_library']['cpu_fit_plus_sample'])}",
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 epochs, one seed")
    parser.add_argument("--generators", nargs="+", choices=GENERATORS, default=list(GENERATORS))
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for torch and BLAS in every run (default: theirs); 1 makes the figures "
        "steadier on a machine shared with other work",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})"
    )
    internal = parser.add_argument_group("internal (one measurement in a fresh process)")
    internal.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    internal.add_argument("--result", help=argparse.SUPPRESS)
    internal.add_argument("--generator", choices=GENERATORS, help=argparse.SUPPRESS)
    internal.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    internal.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--metadata", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = QUICK if args.quick else FULL
    global THREADS
    THREADS = args.threads
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ctgan-"))
    try:
        results: dict[str, Any] = {"quick": args.quick, "environment": environment(sizes)}
        results["environment"]["threads"] = THREADS
        say("detecting metadata with SDV (for scoring)")
        detected, _ = spawn("metadata", scratch)
        metadata_path = scratch / "metadata.json"
        metadata_path.write_text(json.dumps(detected["table_metadata"]))
        for generator in args.generators:
            results[generator] = bench_generator(generator, sizes, scratch, metadata_path)
    except WorkerError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["bench_seconds"] = time.perf_counter() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    print(f"results written to {args.output} in {results['bench_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
