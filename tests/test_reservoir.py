"""--fit-rows: a uniform random sample of a file read in a stream, typed like read_table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import tabular_engine
from support import run_cli
from tabular_engine import reservoir
from tabular_engine.errors import InputError, ParameterError
from tabular_engine.io import read_table, type_text_columns
from tabular_engine.reservoir import _Reservoir, read_sample


@pytest.fixture(params=["csv", "parquet"])
def loans_file(request, loans_path, tmp_path):
    """loans_500 (55 columns, many gaps, free text) as CSV, or as Parquet written by pandas."""
    if request.param == "csv":
        return loans_path
    path = tmp_path / "loans_500.parquet"
    read_table(loans_path).to_parquet(path)
    return path


def test_all_rows_come_back_exactly_as_read_table_reads_the_file(loans_file, credit_path):
    for path in (loans_file, credit_path):
        sampled = read_sample(path, 10**9, seed=1)
        assert sampled.rows_used == sampled.rows_total == len(read_table(path))
        pd.testing.assert_frame_equal(sampled.frame, read_table(path))


def test_a_sample_is_typed_from_its_own_text_rows(loans_path):
    sampled = read_sample(loans_path, 60, seed=3)
    assert sampled.rows_total == 500
    assert sampled.rows_used == 60
    assert list(sampled.row_numbers) == sorted(set(sampled.row_numbers))  # file order, unique
    text = pd.read_csv(loans_path, dtype=str).iloc[sampled.row_numbers].reset_index(drop=True)
    pd.testing.assert_frame_equal(sampled.frame, type_text_columns(text))


def test_the_sample_depends_on_seed_and_file_not_on_batch_size(loans_file, monkeypatch):
    first = read_sample(loans_file, 50, seed=7)
    monkeypatch.setattr(reservoir, "CSV_BLOCK_BYTES", 4096)  # ~15 rows per batch
    monkeypatch.setattr(reservoir, "PARQUET_BATCH_ROWS", 13)
    again = read_sample(loans_file, 50, seed=7)
    np.testing.assert_array_equal(first.row_numbers, again.row_numbers)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    other = read_sample(loans_file, 50, seed=8)
    assert list(other.row_numbers) != list(first.row_numbers)


def test_csv_and_parquet_copies_give_the_same_rows(loans_path, tmp_path):
    parquet = tmp_path / "loans.parquet"
    read_table(loans_path).to_parquet(parquet)
    csv_rows = read_sample(loans_path, 40, seed=2).row_numbers
    np.testing.assert_array_equal(read_sample(parquet, 40, seed=2).row_numbers, csv_rows)


def test_every_row_is_equally_likely_and_memory_stays_within_two_reservoirs():
    rows, size, runs = 60, 6, 3000
    hits = np.zeros(rows)
    widths = [7, 1, 13, 4, 20, 15]  # batches of uneven sizes
    for seed in range(runs):
        sample = _Reservoir(size, np.random.default_rng(seed))
        start = 0
        for width in widths:
            numbers = pa.array(np.arange(start, start + width))
            sample.offer(pa.RecordBatch.from_arrays([numbers], ["n"]))
            assert sample._held < 2 * size + max(widths)
            start += width
        table, picked = sample.result(pa.schema([("n", pa.int64())]))
        assert len(picked) == size
        np.testing.assert_array_equal(table.column("n").to_numpy(), picked)
        hits[picked] += 1
    expected = runs * size / rows  # 300 per row
    # binomial standard deviation ~16.4; 5 deviations either way fails only on a real bias
    assert np.abs(hits - expected).max() < 5 * np.sqrt(expected * (1 - size / rows))
    chi_square = ((hits - expected) ** 2 / expected).sum()
    assert chi_square < 100  # 59 degrees of freedom: p < 0.001 above ~98


def test_semicolon_quoted_newline_bom_and_missing_markers(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(
        "\ufeffcode;note;amount;flag\n"
        '007;"two\nlines";1.5;true\n'
        "012;NA;;false\n"
        '013;"";2;TRUE\n'.encode()
    )
    pd.testing.assert_frame_equal(read_sample(path, 100, seed=0).frame, read_table(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a,b\n", "has a header but no rows"),
        (b"a,b\n1,2\n3,4,5\n", "not readable CSV"),
        (b"a,b\n1,\xff\xfe\n", "not UTF-8"),
        (b"a,a\n1,2\n", "duplicate column names"),
    ],
)
def test_unusable_csv_files_are_clear_input_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_sample(path, 10, seed=0)


def test_bad_row_counts_and_inputs(tmp_path, credit_path, credit):
    with pytest.raises(ParameterError, match="at least 1"):
        read_sample(credit_path, 0, seed=0)
    with pytest.raises(InputError, match="does not exist"):
        read_sample(tmp_path / "missing.csv", 10, seed=0)
    with pytest.raises(InputError, match="one CSV or Parquet file"):
        tabular_engine.fit(credit, "gaussian_copula", fit_rows=100)


def test_fit_rows_in_the_python_api_is_reproducible(credit_path):
    first = tabular_engine.fit(credit_path, "gaussian_copula", seed=4, fit_rows=800)
    again = tabular_engine.fit(credit_path, "gaussian_copula", seed=4, fit_rows=800)
    pd.testing.assert_frame_equal(first.sample(200, seed=1), again.sample(200, seed=1))
    assert first.table_names == ["credit"]


def test_cli_fit_and_generate_say_how_many_rows_were_used(credit_path, tmp_path):
    model = tmp_path / "credit.model"
    fitted = run_cli(
        "fit", credit_path, "-g", "gaussian_copula", "-o", model, "--fit-rows", "1e3", "--seed", "5"
    )
    assert fitted.returncode == 0, fitted.stderr
    assert "read 1,000 of 4,454 rows" in fitted.stderr
    output = tmp_path / "out.csv"
    generated = run_cli(
        "generate",
        credit_path,
        "-g",
        "gaussian_copula",
        "-n",
        "300",
        "-o",
        output,
        "--fit-rows",
        "1000",
        "--seed",
        "5",
    )
    assert generated.returncode == 0, generated.stderr
    assert "read 1,000 of 4,454 rows" in generated.stderr
    sampled = run_cli("sample", model, "-n", "300", "-o", tmp_path / "again.csv", "--seed", "5")
    assert sampled.returncode == 0, sampled.stderr
    # the same seed draws the same 1,000 rows, fits the same model, samples the same rows
    assert output.read_bytes() == (tmp_path / "again.csv").read_bytes()
