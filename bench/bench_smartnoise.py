"""Benchmark: tabular-engine's smartnoise generator against smartnoise-synth called directly.

On ``docs/examples/credit.csv`` (``--quick``: its first 1,000 rows and 5 columns), with
MST at epsilon 1 and the same public bounds and bins on both sides:

* ``te``: ``tabular_engine.fit(..., "smartnoise", epsilon=1, bounds=...)`` and
  ``Model.sample(rows)``: the budget reservation and commit (embedded ledger, a fresh
  file), the column plan, the fit, scrubbing real rows, sampling with bins spread;
* ``lib``: ``snsynth.Synthesizer.create("mst", epsilon=1)`` fitted with a
  ``TableTransformer`` of the same ``BinTransformer`` bounds and ``LabelTransformer``
  categories, then ``sample(rows)``.

Each run is a fresh subprocess of this script (``--worker te|lib``), the sides interleaved
so a busy machine slows both alike; fit + sample wall time and CPU time are measured in the
worker (imports excluded). Reported: medians per side and the ratio te / lib, from the same
run. Run it with ``make bench-smartnoise`` or, in an environment with this repository and
the smartnoise plugin installed::

    python bench/bench_smartnoise.py            # whole credit data, 3 runs per side
    python bench/bench_smartnoise.py --quick    # 1,000 rows, 5 columns, 1 run per side

It prints a markdown table and writes the figures to ``bench/results/smartnoise.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "examples" / "credit.csv"
RESULTS = ROOT / "bench" / "results" / "smartnoise.json"
EPSILON = 1.0
BINS = 10
#: public bounds of the credit data's numerical columns (its codebook's ranges)
BOUNDS = {
    "Seniority": (0, 50),
    "Time": (0, 80),
    "Age": (18, 70),
    "Expenses": (0, 200),
    "Income": (0, 1000),
    "Assets": (0, 300000),
    "Debt": (0, 30000),
    "Amount": (0, 5000),
    "Price": (0, 12000),
}
QUICK_COLUMNS = ["Status", "Home", "Marital", "Age", "Income"]


def load(quick: bool):
    import pandas as pd

    frame = pd.read_csv(DATA)
    if quick:
        frame = frame[QUICK_COLUMNS].head(1000)
    return frame


def run_te(frame, rows: int) -> None:
    import tabular_engine
    from tabular_engine import budget

    budget.set_total("bench", 10.0, 1e-5)
    bounds = {c: list(b) for c, b in BOUNDS.items() if c in frame}
    model = tabular_engine.fit(
        frame, "smartnoise", epsilon=EPSILON, bounds=bounds, bins=BINS, tenant="bench", seed=1
    )
    model.sample(rows, seed=2)


def run_lib(frame, rows: int) -> None:
    from snsynth import Synthesizer
    from snsynth.transform import BinTransformer, LabelTransformer
    from snsynth.transform.table import TableTransformer

    columns = []
    for name in frame.columns:
        if name in BOUNDS:
            low, high = BOUNDS[name]
            nullable = bool(frame[name].isna().any())
            columns.append(BinTransformer(bins=BINS, lower=low, upper=high, nullable=nullable))
        else:
            columns.append(LabelTransformer(nullable=True))
    synthesizer = Synthesizer.create("mst", epsilon=EPSILON, delta=1e-9)
    synthesizer.fit(frame, transformer=TableTransformer(columns))
    synthesizer.sample(rows)


def worker(side: str, quick: bool, rows: int) -> dict[str, float]:
    warnings.filterwarnings("ignore")
    frame = load(quick)
    # import what both sides import before the clock starts
    import jax  # noqa: F401
    import snsynth  # noqa: F401
    import tabular_engine_smartnoise.model  # noqa: F401

    wall, cpu = time.perf_counter(), time.process_time()
    (run_te if side == "te" else run_lib)(frame, rows)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def measure(side: str, quick: bool, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "TABULAR_ENGINE_LEDGER": str(Path(folder) / "ledger.sqlite")}
        env.pop("TABULAR_ENGINE_PRIVACY_ENGINE_URL", None)
        command = [sys.executable, __file__, "--worker", side, "--rows", str(rows)]
        done = subprocess.run(
            command + (["--quick"] if quick else []),
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"{side} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 5 columns, 1 run")
    parser.add_argument("--repeats", type=int, default=None, help="runs per side (3; quick 1)")
    parser.add_argument("--rows", type=int, default=None, help="rows to sample (len(real))")
    parser.add_argument("--worker", choices=["te", "lib"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rows = args.rows or len(load(args.quick))
    if args.worker:
        print(json.dumps(worker(args.worker, args.quick, rows)))
        return
    repeats = args.repeats or (1 if args.quick else 3)
    runs: dict[str, list[dict[str, float]]] = {"te": [], "lib": []}
    for repeat in range(repeats):
        for side in ("lib", "te") if repeat % 2 else ("te", "lib"):
            runs[side].append(measure(side, args.quick, rows))
            print(
                f"  run {repeat + 1}/{repeats} {side}: {runs[side][-1]['wall']:.1f} s",
                file=sys.stderr,
            )
    median = {
        side: {k: statistics.median(r[k] for r in results) for k in ("wall", "cpu")}
        for side, results in runs.items()
    }
    ratio = {k: median["te"][k] / median["lib"][k] for k in ("wall", "cpu")}
    print(
        f"\nsmartnoise mst, epsilon {EPSILON:g}, {rows:,} rows sampled, {repeats} run(s) per side"
    )
    print("\n| side | fit + sample wall (median) | CPU (median) |")
    print("|---|---:|---:|")
    for side, label in (("te", "tabular-engine"), ("lib", "snsynth directly")):
        print(f"| {label} | {median[side]['wall']:.1f} s | {median[side]['cpu']:.1f} s |")
    print(f"| **ratio te / lib** | **{ratio['wall']:.2f}** | **{ratio['cpu']:.2f}** |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"quick": args.quick, "rows": rows, "runs": runs, "median": median, "ratio": ratio},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
