"""evaluate and generate with release gates, from the command line; gates in pipelines."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tabular_engine.cli import cli
from tabular_engine.evaluation import GateFailedError
from tabular_engine.io import read_table
from tabular_engine.pipeline import Runner, evaluate, fit, pipeline, read, sample, step, write


@pytest.fixture(scope="module")
def real_csv(tmp_path_factory, credit_small):
    path = tmp_path_factory.mktemp("real") / "credit.csv"
    credit_small.to_csv(path, index=False)
    return path


def test_evaluate_prints_json_writes_the_report_and_exits_1_below_the_gate(
    real_csv, credit_synthetic, tmp_path
):
    synthetic = tmp_path / "synthetic.csv"
    credit_synthetic.to_csv(synthetic, index=False)
    report = tmp_path / "report.html"
    result = invoke(
        "evaluate",
        real_csv,
        synthetic,
        "--json",
        "--report",
        report,
        "--min-quality",
        "0.99",
        "--n-attacks",
        "20",
    )
    assert result.exit_code == 1, result.output
    scores = json.loads(result.stdout)
    assert 0 < scores["quality"] < 0.99 and 0 <= scores["privacy"] <= 1
    assert scores["gate"]["passed"] is False
    assert scores["gate"]["failures"] == [f"quality {scores['quality']:.3f} < 0.99"]
    assert {s["group"] for s in scores["scores"]} == {"quality", "diagnostic", "privacy"}
    assert "release gate failed: quality" in result.stderr
    assert report.read_text().startswith("<!DOCTYPE html>")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_generate_below_the_gate_keeps_the_output_apart_and_exits_1(real_csv, tmp_path):
    output = tmp_path / "synthetic.csv"
    result = invoke(
        "generate",
        real_csv,
        "-g",
        "gaussian_copula",
        "-n",
        "300",
        "-o",
        output,
        "--seed",
        "4",
        "--min-quality",
        "0.99",
        "--min-privacy",
        "0",
    )
    assert result.exit_code == 1, result.output
    assert "release gate failed: quality 0." in result.output and "< 0.99" in result.output
    assert not output.exists() and not (tmp_path / "synthetic.csv.run.json").exists()
    kept = tmp_path / "rejected" / "synthetic.csv"
    assert len(read_table(kept)) == 300
    record = json.loads((tmp_path / "rejected" / "synthetic.csv.run.json").read_text())
    assert record["status"] == "rejected" and record["command"] == "generate"
    assert record["gate"]["passed"] is False and record["gate"]["min_quality"] == 0.99
    assert record["scores"]["quality"] == pytest.approx(record["gate"]["quality"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_generate_above_the_gate_writes_output_and_scores_in_its_record(real_csv, tmp_path):
    output = tmp_path / "synthetic.csv"
    result = invoke(
        "generate",
        real_csv,
        "-g",
        "gaussian_copula",
        "-n",
        "300",
        "-o",
        output,
        "--seed",
        "4",
        "--min-quality",
        "0.5",
        "--min-privacy",
        "0",
    )
    assert result.exit_code == 0, result.output
    assert "release gate passed" in result.output
    assert len(read_table(output)) == 300 and not (tmp_path / "rejected").exists()
    record = json.loads((tmp_path / "synthetic.csv.run.json").read_text())
    assert record["status"] == "passed" and record["gate"]["passed"] is True
    assert record["seeds"] == {"fit": 4, "sample": 4}


@pytest.mark.slow
def test_generate_gates_a_multi_table_output_as_a_whole_folder(
    flights_path, flights_metadata_path, tmp_path
):
    output = tmp_path / "flights"
    result = invoke(
        "generate",
        flights_path,
        "-g",
        "hma",
        "--metadata",
        flights_metadata_path,
        "--scale",
        "1",
        "-o",
        output,
        "--seed",
        "5",
        "--min-quality",
        "0.99",
        "--min-privacy",
        "0",
    )
    assert result.exit_code == 1, result.output
    assert "release gate failed: quality 0." in result.output and "< 0.99" in result.output
    assert not output.exists()
    kept = tmp_path / "rejected" / "flights"
    tables = sorted(p.stem for p in kept.iterdir())
    assert tables == sorted(p.stem for p in flights_path.glob("*.csv"))
    record = json.loads((tmp_path / "rejected" / "flights.run.json").read_text())
    assert record["status"] == "rejected" and record["gate"]["passed"] is False
    assert set(record["output_rows"]) == set(tables)
    assert 0 < record["scores"]["quality"] < 0.99
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_generate_gates_sequences(credit_path, tmp_path):
    chickweight = credit_path.parent / "chickweight.csv"
    output = tmp_path / "chicks.csv"
    result = invoke(
        "generate",
        chickweight,
        "-g",
        "par",
        "--sequence-key",
        "Chick",
        "--sequence-index",
        "Time",
        "-p",
        "epochs=1",
        "--sequences",
        "6",
        "-o",
        output,
        "--seed",
        "3",
        "--min-quality",
        "0.2",
        "--min-privacy",
        "0",
    )
    assert result.exit_code == 0, result.output
    assert "release gate passed" in result.output
    assert read_table(output)["Chick"].nunique() == 6
    record = json.loads((tmp_path / "chicks.csv.run.json").read_text())
    assert record["status"] == "passed" and record["scores"]["quality"] >= 0.2


def test_a_pipeline_below_its_gate_keeps_every_output_apart(credit_path, tmp_path):
    flow = pipeline(
        read(credit_path),
        step(lambda frame: frame.head(400), name="first_400"),
        fit("gaussian_copula"),
        sample(200),
        evaluate(min_quality=0.999, n_attacks=20, report=tmp_path / "report.html"),
        write(tmp_path / "synthetic.csv"),
        seed=6,
    )
    with pytest.raises(GateFailedError, match=r"release gate failed: quality 0\.\d+ < 1\.00"):
        Runner().run(flow)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rejected"]
    kept = sorted(p.name for p in (tmp_path / "rejected").iterdir())
    assert kept == ["report.html", "synthetic.csv", "synthetic.csv.run.json"]
    record = json.loads((tmp_path / "rejected" / "synthetic.csv.run.json").read_text())
    assert record["status"] == "rejected"
    assert record["scores"]["privacy"] is not None
    assert "Release gate: FAILED" in (tmp_path / "rejected" / "report.html").read_text()
