"""The command line's sequence options with the core alone (the backends test the rest)."""

from __future__ import annotations

import json

from support import ROOT, run_cli

CHICKWEIGHT = ROOT / "tests" / "data" / "chickweight.csv"


def test_metadata_with_a_sequence_key_detects_the_rest(tmp_path):
    output = tmp_path / "chicks.json"
    result = run_cli("metadata", CHICKWEIGHT, "--sequence-key", "Chick", "-o", output)
    assert result.returncode == 0, result.stderr
    table = json.loads(output.read_text())["tables"]["chickweight"]
    assert table["sequence_key"] == "Chick"
    assert table["sequence_index"] == "Time"
    assert table["context_columns"] == ["Diet"]
    assert table["columns"]["Chick"] == {"sdtype": "id"}


def test_metadata_flags_override_detection(tmp_path):
    result = run_cli(
        "metadata",
        CHICKWEIGHT,
        "--sequence-key",
        "Chick",
        "--sequence-index",
        "weight",
        "--context",
        "Diet",
    )
    assert result.returncode == 0, result.stderr
    table = json.loads(result.stdout)["tables"]["chickweight"]
    assert (table["sequence_index"], table["context_columns"]) == ("weight", ["Diet"])


def test_metadata_without_flags_stays_a_plain_table():
    table = json.loads(run_cli("metadata", CHICKWEIGHT).stdout)["tables"]["chickweight"]
    assert not {"sequence_key", "sequence_index", "context_columns"} & set(table)


def test_an_unknown_sequence_column_is_one_line(tmp_path):
    result = run_cli("metadata", CHICKWEIGHT, "--sequence-key", "chick")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --sequence-key 'chick': table 'chickweight' has no")
    assert "Traceback" not in result.stderr


def test_sequence_options_need_a_sequential_generator(tmp_path):
    output = tmp_path / "out.csv"
    result = run_cli(
        "generate", CHICKWEIGHT, "-g", "gaussian_copula", "--sequences", "3", "-o", output
    )
    assert result.returncode == 2
    assert "are for sequential generators (par, deepecho)" in result.stderr
    assert "use -n" in result.stderr
    assert not output.exists()


def test_rows_are_still_required_for_a_table(tmp_path):
    output = tmp_path / "out.csv"
    result = run_cli("generate", CHICKWEIGHT, "-g", "gaussian_copula", "-o", output)
    assert result.returncode == 2
    assert "-n/--rows is required" in result.stderr
    assert not output.exists()
