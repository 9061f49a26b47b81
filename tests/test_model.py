"""Models: reproducible sampling in chunks, and model files that refuse to be misread."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
import tabular_engine
from support import generator_not_installed
from tabular_engine.errors import ModelFileError, ParameterError
from tabular_engine.model import BLOCK_ROWS


@pytest.fixture(scope="module")
def model(credit_path):
    return tabular_engine.fit(credit_path, "gaussian_copula", seed=7)


def test_same_seed_same_rows_different_seed_different_rows(model):
    first = model.sample(300, seed=1)
    pd.testing.assert_frame_equal(first, model.sample(300, seed=1))
    assert not first.equals(model.sample(300, seed=2))


def test_fitting_twice_with_one_seed_gives_identical_models(credit_path, model):
    again = tabular_engine.fit(credit_path, "gaussian_copula", seed=7)
    pd.testing.assert_frame_equal(again.sample(200, seed=3), model.sample(200, seed=3))


def test_rows_do_not_depend_on_chunk_size(model):
    rows = BLOCK_ROWS + 2_500
    whole = model.sample(rows, seed=5)
    chunks = list(model.sample_chunks(rows, chunk_rows=4_000, seed=5))
    assert [len(c) for c in chunks] == [4_000, 4_000, 4_000, 500]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)


def test_zero_rows_give_an_empty_table_with_the_columns(model, credit):
    empty = model.sample(0, seed=1)
    assert list(empty.columns) == list(credit.columns)
    assert len(empty) == 0


@pytest.mark.parametrize("rows", [-1, 2.5, "10", True])
def test_invalid_row_counts_are_refused(model, rows):
    with pytest.raises(ParameterError, match="num_rows"):
        model.sample(rows)


def test_save_and_load_give_the_same_samples(model, tmp_path):
    path = model.save(tmp_path / "credit.model")
    loaded = tabular_engine.load(path)
    assert loaded.generator.name == "gaussian_copula"
    assert loaded.params == model.params
    pd.testing.assert_frame_equal(loaded.sample(100, seed=9), model.sample(100, seed=9))


def test_loading_refuses_files_it_cannot_trust(model, tmp_path):
    not_zip = tmp_path / "a.model"
    not_zip.write_text("hello")
    with pytest.raises(ModelFileError, match="not a tabular-engine model file"):
        tabular_engine.load(not_zip)

    path = model.save(tmp_path / "b.model")
    tampered = tmp_path / "c.model"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        target.writestr("manifest.json", source.read("manifest.json"))
        target.writestr("state.pickle", source.read("state.pickle") + b"x")
    with pytest.raises(ModelFileError, match="corrupted"):
        tabular_engine.load(tampered)

    newer = tmp_path / "d.model"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(newer, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        manifest["format_version"] = 99
        target.writestr("manifest.json", json.dumps(manifest))
        target.writestr("state.pickle", source.read("state.pickle"))
    with pytest.raises(ModelFileError, match="newer tabular-engine"):
        tabular_engine.load(newer)

    with pytest.raises(ModelFileError, match="does not exist"):
        tabular_engine.load(tmp_path / "missing.model")


def test_a_model_of_an_uninstalled_generator_says_what_to_install(model, tmp_path):
    missing = generator_not_installed()
    if missing is None:
        pytest.skip("every first-party generator is installed here")
    path = model.save(tmp_path / "e.model")
    other = tmp_path / "f.model"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(other, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        manifest["generator"]["name"] = missing[0]
        target.writestr("manifest.json", json.dumps(manifest))
        target.writestr("state.pickle", source.read("state.pickle"))
    with pytest.raises(tabular_engine.TabularEngineError, match=f"pip install {missing[1]}"):
        tabular_engine.load(other)


def test_generators_lists_installed_ones():
    names = [info.name for info in tabular_engine.generators()]
    assert "gaussian_copula" in names
