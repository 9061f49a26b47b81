"""The multi-table output folder: written all or nothing, refused when it would lose data."""

from __future__ import annotations

import pandas as pd
import pytest
from tabular_engine.cli_multi_table import check_output_folder, write_tables
from tabular_engine.errors import OutputError


def test_tables_land_in_the_folder_only_when_all_are_written(tmp_path):
    good = pd.DataFrame({"a": [1, 2]})
    unwritable = pd.DataFrame({"b": [object(), object()]})  # pyarrow cannot store these
    with pytest.raises(Exception):  # noqa: B017  (whatever pyarrow raises)
        write_tables({"first": good, "second": unwritable}, tmp_path / "out", "parquet")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor the staging folder

    write_tables({"first": good, "third": good}, tmp_path / "out", "csv")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["first.csv", "third.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_folder_is_replaced(tmp_path):
    (tmp_path / "out").mkdir()
    check_output_folder(tmp_path / "out")
    write_tables({"t": pd.DataFrame({"a": [1]})}, tmp_path / "out", "parquet")
    assert pd.read_parquet(tmp_path / "out" / "t.parquet")["a"].tolist() == [1]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("out.csv", "writes a folder with one file per table"),
        ("missing/out", "does not exist; create it first"),
        ("taken", "exists and is not an empty folder"),
    ],
)
def test_unusable_output_folders_are_refused_before_any_work(tmp_path, name, message):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.csv").write_text("a\n1\n")
    with pytest.raises(OutputError, match=message):
        check_output_folder(tmp_path / name)
