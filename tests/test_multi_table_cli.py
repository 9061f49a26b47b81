"""The command line with a multi-table generator (hma): a folder in, a folder out.

The input is a smaller copy of tests/data/flights (its first 120 flights and the rows they
refer to, dirt kept), so that each fit takes a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT, run_cli

pytest.importorskip("tabular_engine_hma", reason="the hma plugin is not installed")

FLIGHTS = ROOT / "tests" / "data" / "flights"


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        path.stem: pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        for path in sorted(folder.iterdir())
    }


def _orphans(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    flights = tables["flights"]
    links = {
        "carrier": tables["airlines"]["carrier"],
        "tailnum": tables["planes"]["tailnum"],
        "origin": tables["airports"]["faa"],
        "dest": tables["airports"]["faa"],
    }
    return {
        column: int((flights[column].notna() & ~flights[column].isin(parents)).sum())
        for column, parents in links.items()
    }


@pytest.fixture(scope="module")
def small_flights(tmp_path_factory) -> Path:
    """120 real flights with the airlines, airports and planes they name; orphans kept."""
    folder = tmp_path_factory.mktemp("input") / "flights"
    folder.mkdir()
    read = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in FLIGHTS.iterdir()}
    flights = read["flights"].head(120)
    kept = {
        "flights": flights,
        "airlines": read["airlines"][read["airlines"]["carrier"].isin(flights["carrier"])],
        "airports": read["airports"][
            read["airports"]["faa"].isin(set(flights["origin"]) | set(flights["dest"]))
        ],
        "planes": read["planes"][read["planes"]["tailnum"].isin(flights["tailnum"])],
    }
    for name, frame in kept.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def model_path(small_flights, tmp_path_factory) -> Path:
    """hma fitted on the small flights (orphan keys blanked), saved; fitted in this process
    to spare a second sdv start-up (generate runs the CLI's fit path)."""
    import tabular_engine

    model = tabular_engine.fit(small_flights, "hma", seed=1, on_orphans="null")
    return model.save(tmp_path_factory.mktemp("model") / "flights.model")


def test_metadata_of_a_folder_lists_the_relationships(small_flights):
    done = run_cli("metadata", small_flights)
    assert done.returncode == 0, done.stderr
    relationships = json.loads(done.stdout)["relationships"]
    assert {(r["child_foreign_key"], r["parent_table_name"]) for r in relationships} == {
        ("carrier", "airlines"),
        ("tailnum", "planes"),
        ("origin", "airports"),
        ("dest", "airports"),
    }


@pytest.mark.parametrize("command", ["generate", "fit"])
def test_orphans_stop_the_run_with_one_line_and_no_output(small_flights, tmp_path, command):
    output = tmp_path / ("out" if command == "generate" else "flights.model")
    rows = ["-n", 5] if command == "generate" else []
    done = run_cli(command, small_flights, "-g", "hma", *rows, "-o", output)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "table 'flights', column 'tailnum':" in done.stderr
    assert "--on-orphans drop" in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_generate_folder_in_folder_out_dropping_orphans(small_flights, tmp_path):
    out = tmp_path / "synthetic"
    done = run_cli(
        "generate", small_flights, "-g", "hma", "-n", 8, "-o", out, "--seed", 2,
        "--on-orphans", "drop", "--format", "parquet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "airlines.parquet",
        "airports.parquet",
        "flights.parquet",
        "planes.parquet",
    ]
    real_orphans = sum(_orphans(_tables(small_flights)).values())
    assert real_orphans > 0
    assert "--on-orphans drop: dropped" in done.stderr
    tables = _tables(out)
    assert len(tables["planes"]) == 8  # -n counts the main table: planes, the largest root
    assert "-n counts rows of planes" in done.stderr
    assert _orphans(tables) == {"carrier": 0, "tailnum": 0, "origin": 0, "dest": 0}
    assert "validation: passed" in done.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    record = json.loads((tmp_path / "synthetic.run.json").read_text())
    assert record["output_rows"] == {name: len(frame) for name, frame in tables.items()}
    assert record["generator"]["name"] == "hma" and record["command"] == "generate"


@pytest.mark.slow
def test_sample_by_scale(model_path, small_flights, tmp_path):
    real = {name: len(frame) for name, frame in _tables(small_flights).items()}
    half = tmp_path / "half"
    done = run_cli("sample", model_path, "--scale", 0.5, "-o", half, "--seed", 3)
    assert done.returncode == 0, done.stderr
    tables = _tables(half)
    assert {name: len(frame) for name, frame in tables.items()} == {
        name: round(rows * 0.5) for name, rows in real.items()
    }
    assert _orphans(tables) == {"carrier": 0, "tailnum": 0, "origin": 0, "dest": 0}
    assert tables["flights"]["tailnum"].isna().any()  # blanked orphans: missing keys stay


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", 5, "--scale", 2], "give -n ROWS or --scale F, not both"),
        ([], "give -n ROWS (rows of the main table) or --scale F"),
        (["-n", 5, "-o", "x.csv"], "writes a folder with one file per table"),
        (["--scale", 0], "scale must be a positive number"),
        (["-n", 5, "--executor", "dask"], "a multi-table model is sampled in one piece"),
        (["--sequences", 3], "--sequences, --sequence-length and --context-file are for"),
    ],
)
def test_sample_option_errors(model_path, tmp_path, args, message):
    if "-o" not in args:
        args = [*args, "-o", tmp_path / "out"]
    done = run_cli("sample", model_path, *args)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_an_unknown_main_table_is_refused_before_fitting(small_flights, tmp_path):
    out = tmp_path / "out"
    args = ("generate", small_flights, "-g", "hma", "-n", 5, "--main-table", "nope", "-o", out)
    done = run_cli(*args)
    assert done.returncode == 2 and "fitted" not in done.stderr
    assert "main table 'nope' is not a table of" in done.stderr
    assert "choose one of airlines, airports, flights, planes" in done.stderr
    assert not out.exists()


def test_a_non_empty_output_folder_is_refused(model_path, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    done = run_cli("sample", model_path, "-n", 3, "-o", tmp_path / "out")
    assert done.returncode == 2
    assert "exists and is not an empty folder" in done.stderr
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"


def test_multi_table_options_with_a_single_table_generator(credit_path, tmp_path):
    out = tmp_path / "out.csv"
    done = run_cli("generate", credit_path, "-g", "gaussian_copula", "--scale", 2, "-o", out)
    assert done.returncode == 2
    assert "--scale sizes the tables of a multi-table generator" in done.stderr
    done = run_cli("generate", credit_path, "-g", "gaussian_copula", "-o", out)
    assert done.returncode == 2 and "-n/--rows is required" in done.stderr
    assert not out.exists()


def test_validate_finds_broken_keys_across_tables(small_flights, tmp_path):
    """validate on a folder checks each table and the keys between them."""
    from tabular_engine.io import read_dataset
    from tabular_engine.metadata import detect
    from tabular_engine.orphans import handle_orphans

    real = read_dataset(small_flights)
    clean, _ = handle_orphans(real, detect(real), "drop")
    folder = tmp_path / "clean"
    folder.mkdir()
    for name, frame in clean.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    metadata = tmp_path / "metadata.json"
    assert run_cli("metadata", small_flights, "-o", metadata).returncode == 0
    done = run_cli("validate", folder, "--against", small_flights, "--metadata", metadata)
    assert done.returncode == 0, done.stdout + done.stderr
    flights = clean["flights"].copy()
    flights.loc[0, "tailnum"] = "N0NE"
    flights.to_csv(folder / "flights.csv", index=False)
    done = run_cli("validate", folder, "--against", small_flights, "--metadata", metadata, "--json")
    assert done.returncode == 1
    findings = json.loads(done.stdout)
    assert {(f["table"], f["column"], f["check"], f["failing_count"]) for f in findings} == {
        ("flights", "tailnum", "foreign_key_in_parent(planes.tailnum)", 1)
    }
