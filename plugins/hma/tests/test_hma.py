"""The hma generator on real flights: every key joins, sizes, seeds, model files.

One fit per module (the ``fitted`` fixture: tests/data/flights, orphan keys blanked, seed
1); SDV's HMA fits a model per parent row, so the data is kept small (400 flights).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
import tabular_engine
from tabular_engine.api import run_validate
from tabular_engine.errors import ParameterError
from tabular_engine.io import read_dataset
from tabular_engine.relationships import integrity_findings, relationships_of


@pytest.fixture(scope="module")
def half_size(fitted) -> dict[str, pd.DataFrame]:
    """Every table at half its real size (scale 0.5), seed 7."""
    return fitted.sample(scale=0.5, seed=7)


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    """The fitted model, saved to a file."""
    return fitted.save(tmp_path_factory.mktemp("model") / "flights.model")


@pytest.fixture(scope="module")
def thirty(fitted) -> dict[str, pd.DataFrame]:
    """30 rows of the main table, seed 2."""
    return fitted.sample(30, seed=2)


def test_every_foreign_key_joins_and_every_primary_key_is_unique(fitted, half_size):
    assert integrity_findings(half_size, fitted.metadata) == []
    for relationship in relationships_of(fitted.metadata):
        keys = half_size[relationship.child][relationship.foreign_key].dropna()
        parents = half_size[relationship.parent][relationship.primary_key]
        assert len(keys) and keys.isin(parents).all(), str(relationship)
    for name in ("airlines", "airports", "planes"):
        key = fitted.metadata.tables[name].primary_key
        assert half_size[name][key].is_unique and half_size[name][key].notna().all()
    # validation (schemas of the real data, and keys across relationships) passes
    assert run_validate(half_size, fitted.metadata, "output", fitted.schemas) == []


def test_two_foreign_keys_to_one_parent_both_join(half_size):
    flights, airports = half_size["flights"], half_size["airports"]
    assert flights["origin"].isin(airports["faa"]).all()
    assert flights["dest"].dropna().isin(airports["faa"]).all()
    # they are two links, not one copied: most flights leave and land at different airports
    assert (flights["origin"] != flights["dest"]).mean() > 0.5


def test_missing_foreign_keys_stay_at_about_their_real_rate(flights_path, half_size):
    real = read_dataset(flights_path)["flights"]
    planes = read_dataset(flights_path)["planes"]
    # 2 empty tailnum plus 62 orphans blanked by on_orphans="null": 16% of the real flights
    real_rate = (real["tailnum"].isna() | ~real["tailnum"].isin(planes["tailnum"])).mean()
    assert real_rate == pytest.approx(0.16)
    assert half_size["flights"]["tailnum"].isna().mean() == pytest.approx(real_rate, abs=0.03)


def test_scale_sizes_every_table(half_size):
    real = {"airlines": 12, "airports": 74, "flights": 400, "planes": 295}
    assert {name: len(frame) for name, frame in half_size.items()} == {
        name: round(rows * 0.5) for name, rows in real.items()
    }


def test_n_counts_rows_of_the_main_table(fitted, thirty):
    assert fitted.state.main_table == "planes"  # the root with the most rows (all have 1 child)
    assert len(thirty["planes"]) == 30
    assert len(thirty["airports"]) == round(74 * 30 / 295)
    assert integrity_findings(thirty, fitted.metadata) == []
    drawn = fitted.sample(10, seed=2, main_table="airports")
    assert len(drawn["airports"]) == 10
    assert integrity_findings(drawn, fitted.metadata) == []
    with pytest.raises(ParameterError, match="main table 'cities' is not a table of this model"):
        fitted.sample(10, seed=2, main_table="cities")


def test_zero_rows_gives_every_table_empty_with_its_columns(fitted, flights_path):
    drawn = fitted.sample(0, seed=1)
    real = read_dataset(flights_path)
    assert {n: list(f.columns) for n, f in drawn.items()} == {
        n: list(f.columns) for n, f in real.items()
    }
    assert all(len(frame) == 0 for frame in drawn.values())


def test_another_seed_gives_other_tables(fitted, thirty):
    other = fitted.sample(30, seed=3)
    assert not other["flights"].equals(thirty["flights"])


@pytest.mark.slow
def test_a_saved_model_samples_the_same_tables_in_other_processes(saved, thirty, tmp_path):
    """SDV visits tables through sets of names, whose order changes with each process's
    string hashing (with plain SDV, hash seeds 1 and 2 draw different flights); the plugin
    fixes the order, so a seed means the same rows in every process."""
    script = (
        "import sys, tabular_engine\n"
        "drawn = tabular_engine.load(sys.argv[1]).sample(30, seed=2)\n"
        "for name, frame in drawn.items(): frame.to_pickle(f'{sys.argv[2]}/{name}.pkl')\n"
    )
    for hash_seed in ("1", "2"):
        folder = tmp_path / hash_seed
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(saved), str(folder)], check=True, env=env)
        for name, frame in thirty.items():
            pd.testing.assert_frame_equal(pd.read_pickle(folder / f"{name}.pkl"), frame)


def test_model_file_round_trip_gives_the_same_tables_for_a_seed(fitted, saved, thirty):
    loaded = tabular_engine.load(saved)
    assert loaded.metadata.relationships == fitted.metadata.relationships
    assert loaded.generator.name == "hma"
    drawn = loaded.sample(30, seed=2)
    for name, frame in thirty.items():
        pd.testing.assert_frame_equal(drawn[name], frame)


def test_default_distribution_is_passed_to_every_table(flights_path):
    from tabular_engine_hma.model import _new_synthesizer

    metadata = tabular_engine.detect_metadata(flights_path)
    synthesizer = _new_synthesizer(metadata, {"default_distribution": "truncnorm"})
    for table in metadata.tables:
        parameters = synthesizer.get_table_parameters(table)["synthesizer_parameters"]
        assert parameters["default_distribution"] == "truncnorm"
    with pytest.raises(ParameterError, match="parameter 'default_distribution' of generator"):
        tabular_engine.fit(flights_path, "hma", default_distribution="gaussian_kde")
