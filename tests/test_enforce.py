"""enforce: synthetic credit data made to pass a pandera schema by resampling failing rows."""

from __future__ import annotations

import pandas as pd
import pytest
import tabular_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabular_engine.enforce import enforce, failures
from tabular_engine.errors import EnforceError
from tabular_engine.metadata import detect_table
from tabular_engine.validation import _pandera, check, infer_schema


@pytest.fixture(scope="module")
def model(credit):
    return tabular_engine.fit(credit.head(600), "gaussian_copula", seed=3)


def schema_with(real: pd.DataFrame, **ranges: tuple[float, float]) -> str:
    """The schema inferred from ``real``, with some numeric ranges narrowed."""
    pa = _pandera()
    schema = infer_schema(real, detect_table(real))
    for column, (low, high) in ranges.items():
        schema = schema.update_column(column, checks=[pa.Check.in_range(low, high)])
    return schema.to_json()


def test_the_inferred_schema_is_met_and_validate_passes_100_percent(model):
    synthetic = {"table": model.sample(500, seed=1)}
    result = enforce(model, synthetic)
    assert check(result.dataset, model.metadata, model.schemas) == []
    assert len(result.dataset["table"]) == 500


def test_failing_rows_are_replaced_in_place_reproducibly(model, credit):
    schema = {"table": schema_with(credit.head(600), Age=(25, 45), Amount=(300, 1500))}
    drawn = model.sample(400, seed=8)
    failing = ~(drawn["Age"].between(25, 45) & drawn["Amount"].between(300, 1500))
    assert failing.sum() > 50  # the test means something: many rows fail at first

    first = enforce(model, {"table": drawn}, schemas=schema, seed=8)
    again = enforce(model, {"table": drawn}, schemas=schema, seed=8)
    out = first.dataset["table"]
    assert len(out) == 400
    assert out["Age"].between(25, 45).all() and out["Amount"].between(300, 1500).all()
    assert first.replaced["table"] >= failing.sum()
    pd.testing.assert_frame_equal(out, again.dataset["table"])
    # rows that passed stay where they were
    pd.testing.assert_frame_equal(out[~failing.to_numpy()], drawn[~failing])
    assert list(out.dtypes) == list(drawn.dtypes)


def test_a_schema_that_cannot_be_met_names_the_column_and_check(model, credit):
    schema = {"table": schema_with(credit.head(600), Age=(200, 300))}
    with pytest.raises(EnforceError, match=r"after 3 rounds.*Age: in_range\(200, 300\)"):
        enforce(model, {"table": model.sample(50, seed=1)}, schemas=schema, max_tries=3)


def test_failures_no_row_can_fix_are_reported_at_once(model):
    pa = _pandera()
    schema = pa.DataFrameSchema({"Age": pa.Column("int64")}, strict=True).to_json()
    with pytest.raises(EnforceError, match="replacing rows cannot fix"):
        enforce(model, {"table": model.sample(20, seed=1)}, schemas={"table": schema})


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    low=st.integers(min_value=18, max_value=50),
    width=st.integers(min_value=0, max_value=30),
    rows=st.integers(min_value=1, max_value=120),
)
def test_enforce_either_meets_the_schema_or_says_why(model, credit, low, width, rows):
    schema = {"table": schema_with(credit.head(600), Age=(low, low + width))}
    drawn = model.sample(rows, seed=low)
    try:
        result = enforce(model, {"table": drawn}, schemas=schema, max_tries=4)
    except EnforceError as error:
        assert "Age: in_range" in str(error)
        return
    out = result.dataset["table"]
    assert len(out) == rows
    assert not failures(out, schema["table"], model.metadata.tables["table"], "table").rows
