"""The example pipelines of docs/examples, run as written: credit (gaussian_copula), flights
(hma, several tables) and chickweight (par, sequences). Each skips when its generator is not
installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tabular_engine.errors import UnknownGeneratorError
from tabular_engine.io import read_dataset, read_table
from tabular_engine.pipeline import Runner
from tabular_engine.pipeline.config import load_pipeline
from tabular_engine.plugins import get_registry

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def require_generator(name: str, package: str) -> None:
    try:
        get_registry().get(name)
    except UnknownGeneratorError:
        pytest.skip(f"generator {name!r} is not installed (pip install {package})")


def run_example(name: str, workdir: Path, monkeypatch) -> dict:
    """Run docs/examples/NAME.toml from ``workdir`` (outputs go to workdir/out)."""
    (workdir / "out").mkdir()
    monkeypatch.chdir(workdir)
    result = Runner().run(load_pipeline(EXAMPLES / f"{name}.toml"))
    assert result.gate is not None and result.gate.passed, result.gate
    return {"result": result, "out": workdir / "out"}


@pytest.mark.slow
def test_credit_example(tmp_path, monkeypatch):
    ran = run_example("credit", tmp_path, monkeypatch)
    out = ran["out"]
    synthetic = read_table(out / "credit_synthetic.csv")
    assert len(synthetic) == 1000
    assert synthetic["Status"].notna().all() and synthetic["Amount"].notna().all()
    assert (out / "credit_report.html").stat().st_size > 10_000
    record = json.loads((out / "credit_synthetic.csv.run.json").read_text())
    assert record["pipeline"] == "credit" and record["seeds"]["fit"] == 42
    assert record["gate"] == ran["result"].gate.to_dict()


@pytest.mark.slow
def test_flights_example_with_hma(tmp_path, monkeypatch):
    require_generator("hma", "tabular-engine-hma")
    ran = run_example("flights", tmp_path, monkeypatch)
    synthetic = read_dataset(ran["out"] / "flights_synthetic")
    assert set(synthetic) == {"airlines", "airports", "flights", "planes"}
    flights, planes = synthetic["flights"], synthetic["planes"]
    assert flights["tailnum"].dropna().isin(planes["tailnum"]).all()  # foreign keys hold
    properties = {s.details.get("property") for s in ran["result"].evaluation.scores}
    assert "Cardinality" in properties
    record = json.loads((ran["out"] / "flights_synthetic.run.json").read_text())
    assert record["generator"]["kind"] == "multi_table"
    assert set(record["output_rows"]) == set(synthetic)


@pytest.mark.slow
def test_chickweight_example_with_par(tmp_path, monkeypatch):
    require_generator("par", "tabular-engine-par")
    ran = run_example("chickweight", tmp_path, monkeypatch)
    synthetic = read_table(ran["out"] / "chickweight_synthetic.csv")
    assert synthetic["Chick"].nunique() == 20
    assert list(synthetic.columns) == ["weight", "Time", "Chick", "Diet"]
    # Diet is constant within each synthetic chick, as in the real data
    assert (synthetic.groupby("Chick")["Diet"].nunique() == 1).all()
    record = json.loads((ran["out"] / "chickweight_synthetic.csv.run.json").read_text())
    assert record["generator"]["kind"] == "sequential"
    assert record["input_schema"]["tables"]["chickweight"]["sequence_key"] == "Chick"
