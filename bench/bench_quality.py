"""Cost of tabular-engine's evaluation, enforce and pipelines against the libraries called directly.

Sections (all on docs/examples/credit.csv, 4,454 rows x 14 columns, and ROWS synthetic rows
from the gaussian_copula generator):

* evaluate: ``tabular_engine.evaluation.evaluate`` (SDMetrics quality + diagnostic reports,
  Anonymeter singling-out + linkability) vs the same four calls made directly on the same
  frames with the same number of attacks. The direct side gets the preparation Anonymeter
  needs (numbers as float64, missing values filled, text as str), as any caller would write.
* enforce: ``model.sample(n)`` then ``enforce`` (inferred schema, which the sample already
  meets) vs ``model.sample(n)`` alone: the price of checking.
* pipeline: read -> fit -> sample -> write as a pipeline (staging, hooks, run record) vs
  the same calls made with the Python API.

Imports and numba's compilation are warmed up first; each figure is the median of REPEATS
runs in this process. Ratios are tabular-engine / direct.

    python bench/bench_quality.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CREDIT = ROOT / "docs" / "examples" / "credit.csv"


def median_time(function, repeats: int) -> float:
    laps = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        laps.append(time.perf_counter() - started)
    return statistics.median(laps)


def direct_evaluation(real, synthetic, metadata, attacks: int) -> None:
    from anonymeter.evaluators import LinkabilityEvaluator, SinglingOutEvaluator
    from sdmetrics.reports import DiagnosticReport, QualityReport
    from tabular_engine_quality.evaluate import _attack_columns, _attack_frame

    described = {"tables": {"credit": metadata.tables["credit"].to_dict()}, "relationships": []}
    QualityReport().generate({"credit": real}, {"credit": synthetic}, described, verbose=False)
    DiagnosticReport().generate({"credit": real}, {"credit": synthetic}, described, verbose=False)
    table = metadata.tables["credit"]
    columns = _attack_columns(table, real)
    original = _attack_frame(real[columns], table)
    synth = _attack_frame(synthetic[columns], table, like=original)
    singling = SinglingOutEvaluator(original, synth, n_attacks=attacks, seed=0)
    singling.evaluate(mode="multivariate")
    singling.risk()
    aux = (columns[0::2], columns[1::2])
    linking = LinkabilityEvaluator(original, synth, aux_cols=aux, n_attacks=attacks)
    linking.evaluate(n_jobs=1)
    linking.risk()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows, attacks and repeats")
    args = parser.parse_args()
    rows, attacks, repeats = (1000, 100, 1) if args.quick else (4454, 500, 3)
    warnings.simplefilter("ignore")

    import tabular_engine
    from tabular_engine.enforce import enforce
    from tabular_engine.evaluation import EvaluationOptions, evaluate
    from tabular_engine.io import read_table, write_table
    from tabular_engine.pipeline import Runner, fit, pipeline, read, sample, write

    real = read_table(CREDIT)
    model = tabular_engine.fit({"credit": real}, "gaussian_copula", seed=0)
    synthetic = model.sample(rows, seed=1)
    options = EvaluationOptions(n_attacks=attacks, seed=0)
    direct_evaluation(real.head(300), synthetic.head(300), model.metadata, 10)  # warm-up, JIT

    results = []
    ours = median_time(
        lambda: evaluate({"credit": real}, {"credit": synthetic}, model.metadata, options), repeats
    )
    theirs = median_time(
        lambda: direct_evaluation(real, synthetic, model.metadata, attacks), repeats
    )
    results.append(("evaluate", ours, theirs, "SDMetrics + Anonymeter called directly"))

    ours = median_time(
        lambda: enforce(model, {"credit": model.sample(rows, seed=2)}, seed=2), repeats
    )
    theirs = median_time(lambda: model.sample(rows, seed=2), repeats)
    results.append(("sample + enforce", ours, theirs, "sample alone"))

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)

        def as_pipeline() -> None:
            flow = pipeline(
                read(CREDIT), fit("gaussian_copula"), sample(rows), write(out / "p.csv"), seed=3
            )
            Runner().run(flow)

        def with_api() -> None:
            fitted = tabular_engine.fit(CREDIT, "gaussian_copula", seed=3)
            write_table([fitted.sample(rows, seed=3)], out / "a.csv")

        ours = median_time(as_pipeline, repeats)
        theirs = median_time(with_api, repeats)
    results.append(("pipeline read-fit-sample-write", ours, theirs, "the same Python API calls"))

    print(
        f"credit.csv: {len(real)} real rows, {rows} synthetic rows, {attacks} attacks, "
        f"median of {repeats}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    print("| what | tabular-engine (s) | direct (s) | ratio | direct is |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, mine, direct, what in results:
        print(f"| {name} | {mine:.2f} | {direct:.2f} | {mine / direct:.2f} | {what} |")


if __name__ == "__main__":
    main()
