"""Metadata detection and the SDV-compatible JSON format."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tabular_engine.errors import MetadataError
from tabular_engine.io import read_table
from tabular_engine.metadata import Metadata, detect, detect_datetime_format


def test_credit_columns_are_detected(credit):
    table = detect({"credit": credit}).tables["credit"]
    sdtypes = {name: column.sdtype for name, column in table.columns.items()}
    assert sdtypes["Status"] == "categorical"
    assert sdtypes["Seniority"] == "numerical"
    assert table.columns["Seniority"].extra == {"computer_representation": "Int64"}
    assert sdtypes["Income"] == "numerical"
    assert table.primary_key is None


def test_loans_month_strings_and_free_text(loans_path):
    table = detect({"loans": read_table(loans_path)}).tables["loans"]
    assert table.columns["issue_month"].to_dict() == {
        "sdtype": "datetime",
        "datetime_format": "%b-%Y",
    }
    assert table.columns["emp_title"].sdtype == "categorical"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-01-05", "2023-12-31"], "%Y-%m-%d"),
        (["2003-03-03T07:00:00Z", "2003-03-03T07:05:00Z"], "%Y-%m-%dT%H:%M:%SZ"),
        (["Mar-2018", "Dec-2017"], "%b-%Y"),
        (["12", "13"], None),
        (["red", "blue"], None),
        (["2024-01-05", "not a date"], None),
    ],
)
def test_datetime_formats(values, expected):
    assert detect_datetime_format(pd.Series(values)) == expected


def test_unique_columns_named_like_ids_are_ids():
    frame = pd.DataFrame({"customer_id": [3, 1, 2], "id": ["a", "b", "c"], "code": [1, 1, 2]})
    table = detect({"t": frame}).tables["t"]
    assert table.columns["customer_id"].sdtype == "id"
    assert table.columns["id"].sdtype == "id"
    assert table.columns["code"].sdtype == "numerical"


def test_json_round_trip_in_sdv_shape(credit):
    metadata = detect({"credit": credit})
    data = json.loads(metadata.to_json())
    assert data["METADATA_SPEC_VERSION"] == "V1"
    assert data["tables"]["credit"]["columns"]["Status"] == {"sdtype": "categorical"}
    assert Metadata.from_dict(data).to_dict() == metadata.to_dict()


def test_old_single_table_shape_is_accepted():
    metadata = Metadata.from_dict({"columns": {"a": {"sdtype": "numerical"}}})
    assert list(metadata.tables["table"].columns) == ["a"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tables": {"t": {"columns": {"a": {"sdtype": "email"}}}}}, "sdtype 'email'"),
        ({"tables": {"t": {"columns": {"a": {}}}}}, "column 'a': expected an 'sdtype'"),
        (
            {"tables": {"t": {"columns": {"a": {"sdtype": "id"}}, "primary_key": "b"}}},
            "primary_key 'b'",
        ),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_malformed_metadata_names_the_problem(data, message):
    with pytest.raises(MetadataError, match=message):
        Metadata.from_dict(data)


def test_metadata_must_match_the_data(credit):
    metadata = detect({"credit": credit})
    del metadata.tables["credit"].columns["Age"]
    with pytest.raises(MetadataError, match="column\\(s\\) Age have no metadata"):
        metadata.check_against({"credit": credit})
    with pytest.raises(MetadataError, match="names table\\(s\\) credit"):
        metadata.check_against({"other": credit})


def test_load_reports_bad_json(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(MetadataError, match="is not valid JSON"):
        Metadata.load(path)


def test_day_first_dates_are_detected_whatever_the_first_value():
    values = pd.Series(["01/01/2024", "02/01/2024", "27/10/2024"])
    assert detect_datetime_format(values) == "%d/%m/%Y"


def test_offsets_are_detected_as_datetimes():
    values = pd.Series(["2024-03-20T00:00:00+01:00", "2024-07-20T10:00:00+02:00"])
    assert detect_datetime_format(values) == "%Y-%m-%dT%H:%M:%S%z"
