"""Benchmark: tabular-engine's par and deepecho against the libraries called directly.

Two sides per generator, the same settings and epochs, in the same run:

* ``par``: ``tabular_engine.fit(..., "par")`` + ``sample_sequences`` against SDV 2.0's
  ``PARSynthesizer`` (SDV-detected metadata with the same sequence key, index and
  context) + ``sample_sequences``;
* ``deepecho``: ``tabular_engine.fit(..., "deepecho")`` against deepecho's
  ``BasicGANModel.fit(data, entity_columns, context_columns, sequence_index=...)`` +
  ``sample(num_entities)``.

Datasets: ``chickweight`` (50 chicks, key ``Chick``, index ``Time``, context ``Diet``),
``grunfeld`` (10 firms x 20 years) and, for deepecho only, ``bank_calls``: one series of
27,716 five-minute steps, learned in segments of 256 rows (``segment_size``, the plugin's
default; the library is given the same ``segment_size``) and drawn back as one series of
27,716 rows.

Each run is a fresh subprocess of this script (``--worker``), so imports and peak memory
(``ru_maxrss``) are its own; fit and sample wall times exclude imports. Each side runs
``--repeats`` times (default 2), in the order te, lib, lib, te, so that a drifting load
on a busy machine slows both alike; the table shows medians. torch uses
``--threads`` threads (default 1: on a shared 2-core machine more threads only spin).

    python bench/bench_sequences.py            # full: par 16 epochs, deepecho 128 (bank_calls 32)
    python bench/bench_sequences.py --quick    # a smoke run: 2 and 8 epochs

It prints a markdown table of ratios (tabular-engine / library) and writes every figure to
``bench/results/sequences.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
RESULTS = ROOT / "bench" / "results" / "sequences.json"

#: dataset -> (file, sequence key, sequence index, context columns, sequences to draw)
DATASETS = {
    "chickweight": ("chickweight.csv", "Chick", "Time", ["Diet"], 50),
    "grunfeld": ("grunfeld.csv", "firm", "year", [], 10),
    "bank_calls": ("bank_calls.csv", None, "DateTime", [], 1),
}
CASES = (
    ("par", "chickweight"),
    ("par", "grunfeld"),
    ("deepecho", "chickweight"),
    ("deepecho", "grunfeld"),
    ("deepecho", "bank_calls"),
)
SEGMENT_SIZE = 256


def epochs_for(generator: str, dataset: str, quick: bool) -> int:
    if quick:
        return 2 if generator == "par" else 8
    if generator == "par":
        return 16
    return 32 if dataset == "bank_calls" else 128


# -- the two sides, run inside a worker ------------------------------------------------------


def run_te(generator: str, dataset: str, epochs: int, seed: int) -> dict[str, float]:
    import tabular_engine
    from tabular_engine.io import read_table

    name, key, index, context, count = DATASETS[dataset]
    frame = read_table(EXAMPLES / name)
    params: dict[str, Any] = {"epochs": epochs, "device": "cpu"}
    if generator == "deepecho":
        params["segment_size"] = SEGMENT_SIZE
    started = time.perf_counter()
    model = tabular_engine.fit(
        frame,
        generator,
        seed=seed,
        sequence_key=key,
        sequence_index=index,
        context_columns=context or None,
        **params,
    )
    fitted = time.perf_counter()
    length = len(frame) if key is None else None
    drawn = model.sample_sequences(count, sequence_length=length, seed=seed)
    return {"fit_s": fitted - started, "sample_s": time.perf_counter() - fitted, "rows": len(drawn)}


def run_lib(generator: str, dataset: str, epochs: int, seed: int) -> dict[str, float]:
    import numpy as np
    import pandas as pd
    import torch

    name, key, index, context, count = DATASETS[dataset]
    frame = pd.read_csv(EXAMPLES / name)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if generator == "par":
        from sdv.metadata import Metadata
        from sdv.sequential import PARSynthesizer

        metadata = Metadata.detect_from_dataframes({dataset: frame})
        metadata.update_column(key, sdtype="id", table_name=dataset)
        metadata.set_sequence_key(key, table_name=dataset)
        metadata.set_sequence_index(index, table_name=dataset)
        started = time.perf_counter()
        synthesizer = PARSynthesizer(metadata, context_columns=context, epochs=epochs, cuda=False)
        synthesizer.fit({dataset: frame})
        fitted = time.perf_counter()
        drawn = synthesizer.sample_sequences(count)[dataset]
        return {
            "fit_s": fitted - started,
            "sample_s": time.perf_counter() - fitted,
            "rows": len(drawn),
        }
    from deepecho import BasicGANModel

    if index == "DateTime":
        frame[index] = pd.to_datetime(frame[index])
    model = BasicGANModel(epochs=epochs, cuda=False, verbose=False)
    started = time.perf_counter()
    if key is None:
        model.fit(frame, segment_size=SEGMENT_SIZE, sequence_index=index)
    else:
        model.fit(frame, entity_columns=[key], context_columns=context, sequence_index=index)
    fitted = time.perf_counter()
    length = len(frame) if key is None else None
    drawn = model.sample(num_entities=count, sequence_length=length)
    return {"fit_s": fitted - started, "sample_s": time.perf_counter() - fitted, "rows": len(drawn)}


def import_libraries(side: str, generator: str) -> None:
    """Import before timing what each side imports anyway, so fit times exclude imports."""
    import importlib

    names = ["sdv.sequential" if generator == "par" else "deepecho", "pandas"]
    if side == "te":
        names += ["tabular_engine.api", "pandera.pandas", f"tabular_engine_{generator}.model"]
    for name in names:
        importlib.import_module(name)


def worker(args: argparse.Namespace) -> None:
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    import_libraries(args.side, args.generator)
    run = run_te if args.side == "te" else run_lib
    result = run(args.generator, args.dataset, args.epochs, args.seed)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# -- the driver -------------------------------------------------------------------------------


def spawn(side: str, generator: str, dataset: str, epochs: int, threads: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        side,
        "--generator",
        generator,
        "--dataset",
        dataset,
        "--epochs",
        str(epochs),
        "--threads",
        str(threads),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"{side} {generator} {dataset} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| generator | dataset | epochs | fit s (te / lib) | sample s (te / lib) | "
        "peak RSS MiB (te / lib) | fit ratio | sample ratio | memory ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in results:
        te, lib = case["te"], case["lib"]
        lines.append(
            f"| {case['generator']} | {case['dataset']} | {case['epochs']} "
            f"| {te['fit_s']:.1f} / {lib['fit_s']:.1f} "
            f"| {te['sample_s']:.2f} / {lib['sample_s']:.2f} "
            f"| {te['peak_rss_mib']:.0f} / {lib['peak_rss_mib']:.0f} "
            f"| {te['fit_s'] / lib['fit_s']:.2f} | {te['sample_s'] / lib['sample_s']:.2f} "
            f"| {te['peak_rss_mib'] / lib['peak_rss_mib']:.2f} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs: a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs per side (default: 2, --quick: 1)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", choices=["te", "lib"], dest="side", help=argparse.SUPPRESS)
    parser.add_argument("--generator", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.side:
        worker(args)
        return 0
    args.repeats = args.repeats or (1 if args.quick else 2)
    results = []
    for generator, dataset in CASES:
        epochs = epochs_for(generator, dataset, args.quick)
        case: dict[str, Any] = {"generator": generator, "dataset": dataset, "epochs": epochs}
        runs: dict[str, list[dict[str, Any]]] = {"te": [], "lib": []}
        order = ("te", "lib", "lib", "te")  # ABBA: a drifting load hits both sides alike
        for side in (order * args.repeats)[: 2 * args.repeats]:
            print(f"{generator} on {dataset}, {side}, {epochs} epochs ...", file=sys.stderr)
            runs[side].append(spawn(side, generator, dataset, epochs, args.threads))
        for side, measured in runs.items():
            case[side] = {
                name: statistics.median(run[name] for run in measured) for name in measured[0]
            }
        case["runs"] = runs
        results.append(case)
    table = markdown(results)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"quick": args.quick, "cases": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
