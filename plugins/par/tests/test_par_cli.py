"""The par generator from the command line: --sequences, --context-file, -n refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest


@pytest.mark.slow
def test_generate_then_sample_from_the_saved_model(cli, chickweight_path, tmp_path):
    model = tmp_path / "chicks.model"
    fitted = cli(
        "fit",
        chickweight_path,
        "-g",
        "par",
        "-o",
        model,
        "--seed",
        "1",
        "-p",
        "epochs=1",
        "--sequence-key",
        "Chick",
        "--sequence-index",
        "Time",
        "--context",
        "Diet",
    )
    assert fitted.returncode == 0, fitted.stderr
    output = tmp_path / "chicks.csv"
    sampled = cli("sample", model, "--sequences", "6", "--sequence-length", "4", "-o", output)
    assert sampled.returncode == 0, sampled.stderr
    assert "wrote 6 sequence(s), 24 rows" in sampled.stderr
    frame = pd.read_csv(output)
    assert frame["Chick"].nunique() == 6 and len(frame) == 24
    record = json.loads((tmp_path / "chicks.csv.run.json").read_text())
    assert record["command"] == "sample" and record["output_rows"] == {"chickweight": 24}

    contexts = tmp_path / "diets.csv"
    pd.DataFrame({"Diet": [2, 2, 4]}).to_csv(contexts, index=False)
    conditioned = tmp_path / "diets_out.parquet"
    result = cli("sample", model, "--context-file", contexts, "-o", conditioned, "--seed", "3")
    assert result.returncode == 0, result.stderr
    frame = pd.read_parquet(conditioned)
    assert frame.drop_duplicates("Chick")["Diet"].tolist() == [2, 2, 4]

    refused = tmp_path / "refused.csv"
    result = cli("sample", model, "-n", "100", "-o", refused)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: generator 'par' makes sequences, not rows: ask for --sequences N "
        "(and --sequence-length L) instead of -n"
    ]
    assert not refused.exists()


def test_generate_refuses_rows_before_fitting(cli, chickweight_path, tmp_path):
    output = tmp_path / "out.csv"
    result = cli("generate", chickweight_path, "-g", "par", "-n", "10", "-o", output)
    assert result.returncode == 2
    assert "--sequences N" in result.stderr and "fitted" not in result.stderr
    assert not output.exists()


def test_a_bad_sequence_column_is_one_line(cli, chickweight_path, tmp_path):
    output = tmp_path / "out.csv"
    result = cli(
        "generate",
        chickweight_path,
        "-g",
        "par",
        "--sequences",
        "2",
        "-o",
        output,
        "--sequence-key",
        "Chick",
        "--context",
        "weight",
    )
    assert result.returncode == 2
    assert "context column 'weight' varies within sequence(s) Chick = 1, 2" in result.stderr
    assert "Traceback" not in result.stderr and not output.exists()
