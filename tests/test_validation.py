"""validate: pandera schemas inferred from real data, findings as data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import tabular_engine
from tabular_engine.metadata import detect
from tabular_engine.validation import check, infer_schemas


def test_real_data_passes_its_own_schema(credit):
    dataset = {"credit": credit}
    metadata = detect(dataset)
    assert check(dataset, metadata, infer_schemas(dataset, metadata)) == []


def test_broken_rows_are_reported_by_table_column_check_and_count(credit):
    dataset = {"credit": credit}
    metadata = detect(dataset)
    schemas = infer_schemas(dataset, metadata)
    broken = credit.copy()
    broken.loc[:4, "Age"] = 200
    broken.loc[:2, "Home"] = "castle"
    broken["Status"] = broken["Status"].where(broken.index > 0, np.nan)
    findings = {
        (f.table, f.column, f.check.split("(")[0]): f.failing_count
        for f in check({"credit": broken}, metadata, schemas)
    }
    assert findings == {
        ("credit", "Age", "in_range"): 5,
        ("credit", "Home", "isin"): 3,
        ("credit", "Status", "not_nullable"): 1,
    }


def test_datetime_text_is_checked_by_format_and_range():
    real = pd.DataFrame({"month": ["Mar-2018", "Apr-2018", "Jan-2019"]})
    dataset = {"t": real}
    metadata = detect(dataset)
    schemas = infer_schemas(dataset, metadata)
    fake = pd.DataFrame({"month": ["Mar-2018", "2018-03-01", "Jan-2030"]})
    checks = {f.check.split("(")[0]: f.failing_count for f in check({"t": fake}, metadata, schemas)}
    assert checks == {"datetime_format": 1, "in_range": 1}


def test_missing_and_extra_columns_are_findings(credit):
    dataset = {"credit": credit}
    metadata = detect(dataset)
    schemas = infer_schemas(dataset, metadata)
    changed = credit.drop(columns=["Age"]).assign(extra=1)
    columns = {(f.column, f.check) for f in check({"credit": changed}, metadata, schemas)}
    assert ("Age", "column_in_dataframe") in columns
    assert ("extra", "column_in_schema") in columns


def test_a_user_schema_file_is_used(tmp_path, credit_path):
    schema = pa.DataFrameSchema({"Age": pa.Column(checks=pa.Check.le(30))}, strict=False)
    path = tmp_path / "schema.json"
    path.write_text(schema.to_json())
    findings = tabular_engine.validate(credit_path, schema=path)
    assert [(f.column, f.check) for f in findings] == [("Age", "less_than_or_equal_to(30)")]
    assert findings[0].failing_count > 1000
