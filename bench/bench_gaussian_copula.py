"""Benchmark: tabular-engine's gaussian_copula against SDV's GaussianCopulaSynthesizer.

Everything is measured in one run of this script and reported as ratios
tabular-engine / SDV-called-directly, with the same settings on both sides
(``default_distribution="beta"``, ``enforce_min_max_values=True``,
``enforce_rounding=True``) on ``docs/examples/credit.csv``:

1. fit + sample 100,000 rows: wall time of fit, of sample and of both, and peak RSS;
2. quality: SDMetrics' QualityReport overall score on samples of ``len(real)`` rows,
   averaged over 3 seeds, both scored against the same SDV-detected metadata
   (the project's target: |difference| <= 0.02);
3. start-up: ``import tabular_engine`` and ``tabular-engine --help`` against
   ``python -c pass`` (median of fresh processes);
4. streaming: peak RSS of sampling 1,000,000 vs 100,000 rows to Parquet with
   ``sample_chunks`` + ``write_table`` from a saved model (the ratio should be near 1).

Every measurement runs in a fresh subprocess of this same script
(``--worker NAME ...``), and the parent imports only the standard library, so each
worker's ``ru_maxrss`` is its own peak and not the parent's (on Linux a child's
``ru_maxrss`` starts from the RSS of the process it was forked from).

Run it with ``make bench`` (which builds ``.venv-bench`` with torch, SDV, SDMetrics and
this repository), or in any environment that has those installed::

    python bench/bench_gaussian_copula.py            # full run, a few minutes
    python bench/bench_gaussian_copula.py --quick    # smaller sizes, a smoke test

It prints a markdown table and writes the figures to ``bench/results/gaussian_copula.json``.
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

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "examples" / "credit.csv"
RESULTS = ROOT / "bench" / "results" / "gaussian_copula.json"
TABLE = "credit"
GENERATOR = "gaussian_copula"
#: The same settings on both sides, as SDV's GaussianCopulaSynthesizer names them.
PARAMS: dict[str, Any] = {
    "default_distribution": "beta",
    "enforce_min_max_values": True,
    "enforce_rounding": True,
}
FIT_SEED = 0
QUALITY_TARGET = 0.02
SIDES = ("te", "sdv")
SIDE_NAMES = {"te": "tabular-engine", "sdv": "SDV"}
PACKAGES = (
    "tabular-engine",
    "tabular-engine-gaussian-copula",
    "sdv",
    "sdmetrics",
    "copulas",
    "rdt",
    "torch",
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
)


@dataclass(frozen=True)
class Sizes:
    """How much work one run does; ``--quick`` shrinks everything."""

    sample_rows: int
    repeats: int
    quality_seeds: tuple[int, ...]
    startup_runs: int
    stream_small: int
    stream_large: int
    chunk_rows: int


FULL = Sizes(100_000, 3, (0, 1, 2), 10, 100_000, 1_000_000, 50_000)
QUICK = Sizes(10_000, 1, (0,), 3, 20_000, 200_000, 10_000)


# -- measuring inside a worker -------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident set size (``ru_maxrss``), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def proc_status_mib(field: str) -> float | None:
    """A memory field of ``/proc/self/status`` (VmRSS, VmHWM) in MiB; None off Linux.

    VmHWM is the peak RSS of the current address space only, so unlike ``ru_maxrss``
    it never includes the parent's memory: a cross-check of the main figure.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def memory_report() -> dict[str, float | None]:
    return {"peak_rss_mib": peak_rss_mib(), "vm_hwm_mib": proc_status_mib("VmHWM")}


class Stopwatch:
    """Named wall-clock laps (``time.perf_counter``), in seconds."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}

    def time(self, name: str, action: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = action()
        self.laps[name] = time.perf_counter() - start
        return result


def read_real() -> Any:
    """The real data as a user of SDV would read it: plain ``pd.read_csv``."""
    import pandas as pd

    return pd.read_csv(DATA)


def fit_sdv(frame: Any, table_metadata: dict[str, Any] | None = None) -> Any:
    """A fitted GaussianCopulaSynthesizer; metadata detected unless given."""
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    if table_metadata is None:
        metadata = Metadata.detect_from_dataframes({TABLE: frame})
    else:
        metadata = Metadata.load_from_dict({"tables": {TABLE: table_metadata}})
    synthesizer = GaussianCopulaSynthesizer(metadata, **PARAMS)
    synthesizer.fit({TABLE: frame})
    return synthesizer


def sample_sdv(synthesizer: Any, num_rows: int, seed: int | None = None) -> Any:
    """``num_rows`` rows from SDV; SDV 2.0's ``sample`` returns a dict of tables."""
    if seed is not None:
        # SDV samples from a fixed seed unless told otherwise; this is its own way to
        # choose one (BaseSingleTableSynthesizer._set_random_state, SDV 2.0).
        synthesizer._set_random_state(seed)
    return synthesizer.sample(num_rows)[TABLE]


def read_te() -> Any:
    """The real data as tabular-engine reads it (typed from the text of each column)."""
    from tabular_engine.io import read_table

    return read_table(DATA)


#: What makes tabular-engine model like SDV: point-mass columns fitted with the default
#: distribution too (tabular-engine's default models them by their empirical distribution).
SDV_LIKE: dict[str, Any] = {"discrete_marginals": "default"}


def fit_te(frame: Any, *, own_defaults: bool = False) -> Any:
    """tabular-engine fitted with SDV's settings, or with its own defaults."""
    import tabular_engine

    params = PARAMS if own_defaults else {**PARAMS, **SDV_LIKE}
    return tabular_engine.fit(frame, GENERATOR, seed=FIT_SEED, **params)


def import_te() -> None:
    """Import what tabular-engine's fit and sample use, so their laps hold no imports.

    ``import tabular_engine`` alone is lazy (see the start-up figures); the plugin's
    libraries would otherwise load inside the first ``fit``.
    """
    import_modules(
        "tabular_engine.api",
        "tabular_engine.validation",
        "tabular_engine_gaussian_copula.model",
        "copulas.multivariate",
        "copulas.univariate",
        "rdt.transformers",
    )


def import_sdv() -> None:
    """Import what SDV's fit and sample use (this pulls in torch, via ctgan)."""
    import_modules("sdv.metadata", "sdv.single_table")


def import_modules(*names: str) -> None:
    import importlib

    for name in names:
        importlib.import_module(name)


# -- workers: one measurement each, in a fresh process -------------------------------------


def worker_fit_sample(args: argparse.Namespace) -> dict[str, Any]:
    """Time reading, fitting and sampling ``--rows`` rows on one side; peak memory."""
    watch = Stopwatch()
    if args.side == "te":
        watch.time("import", import_te)
        rss_after_import = proc_status_mib("VmRSS")
        frame = watch.time("read", read_te)
        model = watch.time("fit", lambda: fit_te(frame))
        synthetic = watch.time("sample", lambda: model.sample(args.rows, seed=1))
    else:
        watch.time("import", import_sdv)
        rss_after_import = proc_status_mib("VmRSS")
        frame = watch.time("read", read_real)
        # Detecting the metadata is part of fitting: tabular-engine does it inside fit().
        synthesizer = watch.time("fit", lambda: fit_sdv(frame))
        synthetic = watch.time("sample", lambda: sample_sdv(synthesizer, args.rows))
    if len(synthetic) != args.rows:
        raise RuntimeError(f"{args.side} sampled {len(synthetic)} rows, not {args.rows}")
    return {
        "seconds": watch.laps,
        "rss_after_import_mib": rss_after_import,
        **memory_report(),
    }


def worker_metadata(args: argparse.Namespace) -> dict[str, Any]:
    """SDV's detected metadata of the real data, as a single-table dict (for scoring)."""
    from sdv.metadata import Metadata

    detected = Metadata.detect_from_dataframes({TABLE: read_real()})
    return {"table_metadata": detected.to_dict()["tables"][TABLE]}


def worker_quality(args: argparse.Namespace) -> dict[str, Any]:
    """Fit once, then score a sample of ``len(real)`` rows per seed with QualityReport."""
    from sdmetrics.reports.single_table import QualityReport

    table_metadata = json.loads(Path(args.metadata).read_text())
    real = read_real()
    if args.side in ("te", "te-defaults"):
        model = fit_te(read_te(), own_defaults=args.side == "te-defaults")

        def draw(seed: int) -> Any:
            return model.sample(len(real), seed=seed)

    else:
        synthesizer = fit_sdv(real, table_metadata)

        def draw(seed: int) -> Any:
            return sample_sdv(synthesizer, len(real), seed)

    runs = []
    for seed in args.seeds:
        report = QualityReport()
        report.generate(real, draw(seed), table_metadata, verbose=False)
        properties = report.get_properties()
        shapes = report.get_details("Column Shapes")
        pairs = report.get_details("Column Pair Trends")
        runs.append(
            {
                "seed": seed,
                "score": float(report.get_score()),
                "properties": {
                    str(row.Property): float(row.Score) for row in properties.itertuples()
                },
                "column_shapes": {str(row.Column): float(row.Score) for row in shapes.itertuples()},
                "column_pair_trends_mean": float(pairs["Score"].mean()),
            }
        )
    return {"runs": runs}


def worker_save_model(args: argparse.Namespace) -> dict[str, Any]:
    """Fit tabular-engine once and save the model for the streaming workers."""
    model = fit_te(read_te())
    model.save(Path(args.model))
    return {"bytes": Path(args.model).stat().st_size}


def worker_stream(args: argparse.Namespace) -> dict[str, Any]:
    """Load the model and stream ``--rows`` rows to Parquet; time and peak memory."""
    import tabular_engine
    from tabular_engine.io import write_table

    watch = Stopwatch()
    model = watch.time("load", lambda: tabular_engine.load(Path(args.model)))
    rss_after_load = proc_status_mib("VmRSS")
    chunks = model.sample_chunks(args.rows, chunk_rows=args.chunk_rows, seed=1)
    written = watch.time("sample_and_write", lambda: write_table(chunks, Path(args.parquet)))
    if written != args.rows:
        raise RuntimeError(f"wrote {written} rows, not {args.rows}")
    return {
        "seconds": watch.laps,
        "rss_after_load_mib": rss_after_load,
        "file_bytes": Path(args.parquet).stat().st_size,
        **memory_report(),
    }


WORKERS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "fit-sample": worker_fit_sample,
    "metadata": worker_metadata,
    "quality": worker_quality,
    "save-model": worker_save_model,
    "stream": worker_stream,
}


def run_worker(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")  # SDV, rdt and scipy are chatty; results go to a file
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
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TQDM_DISABLE": "1"}
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


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def median_of(runs: Sequence[dict[str, Any]], pick: Callable[[dict[str, Any]], float]) -> float:
    return float(statistics.median(pick(run) for run in runs))


def bench_fit_sample(sizes: Sizes, scratch: Path) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for side in SIDES:
        runs = []
        for repeat in range(sizes.repeats):
            progress(
                f"fit + sample {sizes.sample_rows:,} rows: {side} ({repeat + 1}/{sizes.repeats})"
            )
            result, wall = spawn(
                "fit-sample", scratch, "--side", side, "--rows", str(sizes.sample_rows)
            )
            result["process_seconds"] = wall
            runs.append(result)
        seconds = {
            lap: median_of(runs, lambda run, lap=lap: run["seconds"][lap])
            for lap in ("import", "read", "fit", "sample")
        }
        seconds["fit_plus_sample"] = median_of(
            runs, lambda run: run["seconds"]["fit"] + run["seconds"]["sample"]
        )
        seconds["process"] = median_of(runs, lambda run: run["process_seconds"])
        sides[side] = {
            "seconds": seconds,
            "peak_rss_mib": median_of(runs, lambda run: run["peak_rss_mib"]),
            "vm_hwm_mib": median_of(runs, lambda run: run["vm_hwm_mib"] or 0.0),
            "rss_after_import_mib": median_of(runs, lambda run: run["rss_after_import_mib"] or 0.0),
            "runs": runs,
        }
    te, sdv = sides["te"], sides["sdv"]
    ratios = {
        f"{lap}_seconds": ratio(te["seconds"][lap], sdv["seconds"][lap]) for lap in te["seconds"]
    }
    ratios["peak_rss"] = ratio(te["peak_rss_mib"], sdv["peak_rss_mib"])
    ratios["peak_rss_above_import"] = ratio(
        te["peak_rss_mib"] - te["rss_after_import_mib"],
        sdv["peak_rss_mib"] - sdv["rss_after_import_mib"],
    )
    return {"rows": sizes.sample_rows, "repeats": sizes.repeats, **sides, "ratios": ratios}


def bench_quality(sizes: Sizes, scratch: Path) -> dict[str, Any]:
    progress("quality: detecting metadata with SDV")
    detected, _ = spawn("metadata", scratch)
    metadata_path = scratch / "metadata.json"
    metadata_path.write_text(json.dumps(detected["table_metadata"]))
    seeds = [str(seed) for seed in sizes.quality_seeds]
    sides: dict[str, Any] = {}
    for side in (*SIDES, "te-defaults"):
        progress(f"quality: {side}, seeds {', '.join(seeds)}")
        result, _ = spawn(
            "quality", scratch, "--side", side, "--metadata", str(metadata_path), "--seeds", *seeds
        )
        runs = result["runs"]
        columns = runs[0]["column_shapes"]
        sides[side] = {
            "score": statistics.mean(run["score"] for run in runs),
            "properties": {
                name: statistics.mean(run["properties"][name] for run in runs)
                for name in runs[0]["properties"]
            },
            "column_shapes": {
                column: statistics.mean(run["column_shapes"][column] for run in runs)
                for column in columns
            },
            "runs": runs,
        }
    difference = sides["te"]["score"] - sides["sdv"]["score"]
    return {
        "seeds": list(sizes.quality_seeds),
        "metadata": detected["table_metadata"],
        **sides,
        "difference": difference,
        "target": QUALITY_TARGET,
        "within_target": abs(difference) <= QUALITY_TARGET,
    }


def time_command(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` in fresh processes, in milliseconds (one warm-up)."""
    timings = []
    for run in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        if run:  # the first run warms the file cache and the .pyc files
            timings.append((time.perf_counter() - start) * 1000)
    return float(statistics.median(timings))


def bench_startup(sizes: Sizes) -> dict[str, Any]:
    script = Path(sys.executable).parent / "tabular-engine"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "tabular_engine"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import tabular_engine": [sys.executable, "-c", "import tabular_engine"],
        "tabular-engine --help": [*cli, "--help"],
        "import tabular_engine; tabular_engine.generators()": [
            sys.executable,
            "-c",
            "import tabular_engine; tabular_engine.generators()",
        ],
        "import sdv.single_table (context)": [sys.executable, "-c", "import sdv.single_table"],
    }
    milliseconds = {}
    for label, command in commands.items():
        progress(f"start-up: {label} x{sizes.startup_runs}")
        milliseconds[label] = time_command(command, sizes.startup_runs)
    baseline = milliseconds["python -c pass"]
    return {
        "runs": sizes.startup_runs,
        "median_ms": milliseconds,
        "over_baseline_ms": {label: ms - baseline for label, ms in milliseconds.items()},
        "ratio_to_baseline": {label: ms / baseline for label, ms in milliseconds.items()},
    }


def bench_streaming(sizes: Sizes, scratch: Path) -> dict[str, Any]:
    model = scratch / "credit.tem"
    progress("streaming: fitting and saving the model")
    spawn("save-model", scratch, "--model", str(model))
    results: dict[str, Any] = {}
    for rows in (sizes.stream_small, sizes.stream_large):
        progress(f"streaming: {rows:,} rows to Parquet")
        output = scratch / f"stream-{rows}.parquet"
        result, wall = spawn(
            "stream",
            scratch,
            "--model",
            str(model),
            "--rows",
            str(rows),
            "--chunk-rows",
            str(sizes.chunk_rows),
            "--parquet",
            str(output),
        )
        output.unlink()
        result["process_seconds"] = wall
        result["rows_per_second"] = rows / result["seconds"]["sample_and_write"]
        results[str(rows)] = result
    small, large = results[str(sizes.stream_small)], results[str(sizes.stream_large)]
    return {
        "chunk_rows": sizes.chunk_rows,
        "small_rows": sizes.stream_small,
        "large_rows": sizes.stream_large,
        "by_rows": results,
        "peak_rss_ratio": ratio(large["peak_rss_mib"], small["peak_rss_mib"]),
        "vm_hwm_ratio": ratio(large["vm_hwm_mib"], small["vm_hwm_mib"]),
        "peak_rss_above_load_ratio": ratio(
            large["peak_rss_mib"] - (large["rss_after_load_mib"] or 0.0),
            small["peak_rss_mib"] - (small["rss_after_load_mib"] or 0.0),
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
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
        "data": str(DATA.relative_to(ROOT)),
        "params": PARAMS,
    }


# -- the report -----------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}{suffix}"


def markdown(results: dict[str, Any]) -> str:
    lines: list[str] = []
    fs = results["fit_sample"]
    te, sdv, ratios = fs["te"], fs["sdv"], fs["ratios"]
    lines += [
        f"### fit + sample {fs['rows']:,} rows of credit.csv (median of {fs['repeats']})",
        "",
        "| measure | tabular-engine | SDV | tabular-engine / SDV |",
        "| --- | ---: | ---: | ---: |",
    ]
    for lap, label in (
        ("fit", "fit (s)"),
        ("sample", "sample (s)"),
        ("fit_plus_sample", "fit + sample (s)"),
        ("read", "read CSV (s)"),
        ("import", "import (s)"),
        ("process", "whole process (s)"),
    ):
        lines.append(
            f"| {label} | {fmt(te['seconds'][lap], 3)} | {fmt(sdv['seconds'][lap], 3)} "
            f"| {fmt(ratios[f'{lap}_seconds'])} |"
        )
    lines += [
        f"| peak RSS (MiB) | {fmt(te['peak_rss_mib'], 0)} | {fmt(sdv['peak_rss_mib'], 0)} "
        f"| {fmt(ratios['peak_rss'])} |",
        f"| RSS after imports (MiB) | {fmt(te['rss_after_import_mib'], 0)} "
        f"| {fmt(sdv['rss_after_import_mib'], 0)} "
        f"| {fmt(ratio(te['rss_after_import_mib'], sdv['rss_after_import_mib']))} |",
        f"| peak RSS above imports (MiB) "
        f"| {fmt(te['peak_rss_mib'] - te['rss_after_import_mib'], 0)} "
        f"| {fmt(sdv['peak_rss_mib'] - sdv['rss_after_import_mib'], 0)} "
        f"| {fmt(ratios['peak_rss_above_import'])} |",
        "",
    ]

    quality = results["quality"]
    qte, qsdv = quality["te"], quality["sdv"]
    verdict = "within" if quality["within_target"] else "OUTSIDE"
    lines += [
        f"### quality: SDMetrics QualityReport, seeds {quality['seeds']}, "
        f"{len(qte['column_shapes'])} columns",
        "",
        "| score | tabular-engine | SDV | difference |",
        "| --- | ---: | ---: | ---: |",
        f"| overall | {fmt(qte['score'], 4)} | {fmt(qsdv['score'], 4)} "
        f"| {quality['difference']:+.4f} ({verdict} ±{quality['target']}) |",
    ]
    for name in qte["properties"]:
        a, b = qte["properties"][name], qsdv["properties"][name]
        lines.append(f"| {name} | {fmt(a, 4)} | {fmt(b, 4)} | {a - b:+.4f} |")
    for column in qte["column_shapes"]:
        a, b = qte["column_shapes"][column], qsdv["column_shapes"][column]
        lines.append(f"| shape: {column} | {fmt(a, 4)} | {fmt(b, 4)} | {a - b:+.4f} |")
    own = quality["te-defaults"]
    lines += [
        "",
        "The table above fits tabular-engine with SDV's settings "
        f"({', '.join(f'{k}={v}' for k, v in SDV_LIKE.items())}). With tabular-engine's "
        "defaults (point-mass columns modelled by their empirical distribution):",
        "",
        "| score | tabular-engine defaults | SDV | difference |",
        "| --- | ---: | ---: | ---: |",
        f"| overall | {fmt(own['score'], 4)} | {fmt(qsdv['score'], 4)} "
        f"| {own['score'] - qsdv['score']:+.4f} |",
    ]
    for name in own["properties"]:
        a, b = own["properties"][name], qsdv["properties"][name]
        lines.append(f"| {name} | {fmt(a, 4)} | {fmt(b, 4)} | {a - b:+.4f} |")
    lines.append("")

    startup = results["startup"]
    lines += [
        f"### start-up (median of {startup['runs']} fresh processes)",
        "",
        "| command | ms | over `python -c pass` (ms) | x baseline |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, ms in startup["median_ms"].items():
        lines.append(
            f"| `{label}` | {fmt(ms, 1)} | {fmt(startup['over_baseline_ms'][label], 1)} "
            f"| {fmt(startup['ratio_to_baseline'][label])} |"
        )
    lines.append("")

    streaming = results["streaming"]
    small = streaming["by_rows"][str(streaming["small_rows"])]
    large = streaming["by_rows"][str(streaming["large_rows"])]
    small_seconds = small["seconds"]["sample_and_write"]
    large_seconds = large["seconds"]["sample_and_write"]
    lines += [
        f"### streaming to Parquet (sample_chunks + write_table, "
        f"chunks of {streaming['chunk_rows']:,})",
        "",
        f"| measure | {streaming['small_rows']:,} rows | {streaming['large_rows']:,} rows "
        "| large / small |",
        "| --- | ---: | ---: | ---: |",
        f"| peak RSS (MiB) | {fmt(small['peak_rss_mib'], 0)} | {fmt(large['peak_rss_mib'], 0)} "
        f"| {fmt(streaming['peak_rss_ratio'])} |",
        f"| peak RSS above loaded model (MiB) "
        f"| {fmt(small['peak_rss_mib'] - small['rss_after_load_mib'], 0)} "
        f"| {fmt(large['peak_rss_mib'] - large['rss_after_load_mib'], 0)} "
        f"| {fmt(streaming['peak_rss_above_load_ratio'])} |",
        f"| sample + write (s) | {fmt(small_seconds)} | {fmt(large_seconds)} "
        f"| {fmt(ratio(large_seconds, small_seconds))} |",
        f"| rows / s | {fmt(small['rows_per_second'], 0)} | {fmt(large['rows_per_second'], 0)} | |",
        "",
    ]
    return "\n".join(lines)


# -- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})"
    )
    internal = parser.add_argument_group("internal (one measurement in a fresh process)")
    internal.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    internal.add_argument("--result", help=argparse.SUPPRESS)
    internal.add_argument("--side", choices=(*SIDES, "te-defaults"), help=argparse.SUPPRESS)
    internal.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--chunk-rows", type=int, help=argparse.SUPPRESS)
    internal.add_argument("--seeds", type=int, nargs="+", help=argparse.SUPPRESS)
    internal.add_argument("--metadata", help=argparse.SUPPRESS)
    internal.add_argument("--model", help=argparse.SUPPRESS)
    internal.add_argument("--parquet", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="bench-gaussian-copula-"))
    try:
        results: dict[str, Any] = {"quick": args.quick, "environment": environment()}
        results["fit_sample"] = bench_fit_sample(sizes, scratch)
        results["quality"] = bench_quality(sizes, scratch)
        results["startup"] = bench_startup(sizes)
        results["streaming"] = bench_streaming(sizes, scratch)
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
