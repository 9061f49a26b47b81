"""Reading CSV/Parquet with faithful types; writing atomically, chunk by chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tabular_engine.errors import InputError, OutputError
from tabular_engine.io import read_dataset, read_table, write_table


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_columns_get_the_narrowest_faithful_type(tmp_path):
    frame = read_table(
        _csv(
            tmp_path,
            "code,n,x,flag,word,gap\n"
            "00123,1,1.5,True,a,\n"
            "00456,,inf,false,b,\n"
            "00789,3,-inf,TRUE,c,\n",
        )
    )
    assert frame["code"].tolist() == ["00123", "00456", "00789"]
    assert str(frame["n"].dtype) == "Int64"
    assert frame["n"].isna().tolist() == [False, True, False]
    assert frame["x"].tolist() == [1.5, np.inf, -np.inf]
    assert str(frame["flag"].dtype) == "boolean"
    assert frame["word"].dtype == object
    assert frame["gap"].isna().all()


def test_credit_reads_with_integer_and_float_columns(credit):
    assert str(credit["Seniority"].dtype) == "Int64"
    assert credit["Income"].dtype == "float64"
    assert credit["Income"].isna().sum() == 381
    assert credit.shape == (4454, 14)


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("", "t.csv", "is empty"),
        ("a,b\n", "t.csv", "has a header but no rows"),
        ("a,b,a\n1,2,3\n", "t.csv", "duplicate column names: a"),
        ("a\n1\n", "t.xlsx", "unsupported extension '.xlsx'"),
    ],
)
def test_unusable_inputs_are_clear_errors(tmp_path, text, name, message):
    with pytest.raises(InputError, match=message):
        read_table(_csv(tmp_path, text, name))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_dataset(tmp_path / "nope.csv")


def test_dataframe_with_duplicate_columns_is_refused():
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InputError, match="table 'table' has duplicate column names: a"):
        read_dataset(frame)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_chunks_read_back_identically(tmp_path, credit, suffix):
    path = tmp_path / f"out{suffix}"
    chunks = [credit.iloc[:1000], credit.iloc[1000:3000], credit.iloc[3000:]]
    assert write_table(iter(chunks), path) == len(credit)
    back = read_table(path)
    pd.testing.assert_frame_equal(back, credit.reset_index(drop=True), check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_failed_write_leaves_no_file_behind(tmp_path, credit):
    path = tmp_path / "out.csv"

    def failing():
        yield credit.iloc[:10]
        raise RuntimeError("the generator broke half way")

    with pytest.raises(RuntimeError):
        write_table(failing(), path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path, credit):
    path = tmp_path / "out.csv"
    path.write_text("previous,content\n1,2\n")

    def failing():
        raise RuntimeError("broke")
        yield credit

    with pytest.raises(RuntimeError):
        write_table(failing(), path)
    assert path.read_text() == "previous,content\n1,2\n"


def test_output_folder_must_exist(tmp_path, credit):
    with pytest.raises(OutputError, match="does not exist; create it first"):
        write_table([credit], tmp_path / "missing" / "out.csv")


def test_semicolon_separated_files_are_read(tmp_path):
    frame = read_table(_csv(tmp_path, "a;b;c\n1;x;2.5\n2;y;3.5\n"))
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["c"].tolist() == [2.5, 3.5]


def test_blank_cells_in_a_numeric_column_are_missing(tmp_path):
    frame = read_table(_csv(tmp_path, "n,t\n1,a\n   ,b\n3,  \n"))
    assert str(frame["n"].dtype) == "Int64"
    assert frame["n"].isna().tolist() == [False, True, False]
    assert frame["t"].tolist() == ["a", "b", "  "]  # text keeps what was written


def test_latin1_file_says_to_save_as_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="save it as UTF-8"):
        read_table(path)


def test_empty_parquet_keeps_string_columns(tmp_path, credit):
    path = tmp_path / "empty.parquet"
    write_table([credit.iloc[:0]], path)
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    assert str(schema.field("Home").type) == "string"
