"""What the example generator promises: real marginals, no correlations, exact columns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import tabular_engine

CREDIT = Path(__file__).resolve().parents[3] / "docs" / "examples" / "credit.csv"


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    from tabular_engine.io import read_table

    return read_table(CREDIT)


@pytest.fixture(scope="module")
def synthetic(real) -> pd.DataFrame:
    model = tabular_engine.fit(real, "independent", seed=1, exact_columns=["Time"])
    return model.sample(len(real), seed=2)


def test_columns_keep_their_distribution(real, synthetic):
    for column in ("Age", "Amount", "Price"):
        assert synthetic[column].mean() == pytest.approx(real[column].mean(), rel=0.05)
    shares = synthetic["Home"].value_counts(normalize=True, dropna=False)
    real_shares = real["Home"].value_counts(normalize=True, dropna=False)
    assert (shares - real_shares).abs().max() < 0.03


def test_columns_are_drawn_independently(real, synthetic):
    assert real["Amount"].corr(real["Price"]) > 0.6
    assert abs(synthetic["Amount"].corr(synthetic["Price"])) < 0.1


def test_exact_columns_take_only_real_values_and_others_get_noise(real, synthetic):
    assert set(synthetic["Time"]) <= set(real["Time"])
    assert not set(synthetic["Price"]) <= set(real["Price"])


def test_the_command_line_finds_it_through_its_entry_point(tmp_path):
    output = tmp_path / "synthetic.csv"
    command = ["generate", str(CREDIT), "-g", "independent", "-n", "50", "-o", str(output)]
    result = subprocess.run(
        [sys.executable, "-m", "tabular_engine", *command, "--seed", "3", "-p", "noise=0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(output)) == 50
