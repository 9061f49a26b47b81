"""Orphan foreign keys: found before training, and dropped or blanked when asked."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ROOT
from tabular_engine.errors import InputError, ParameterError
from tabular_engine.io import read_dataset
from tabular_engine.metadata import Metadata, detect
from tabular_engine.orphans import find_orphans, handle_orphans

FLIGHTS = ROOT / "tests" / "data" / "flights"


@pytest.fixture(scope="module")
def flights() -> dict[str, pd.DataFrame]:
    return read_dataset(FLIGHTS)


@pytest.fixture(scope="module")
def metadata(flights) -> Metadata:
    return detect(flights)


def test_the_dirt_of_the_real_flights_is_found(flights, metadata):
    found = {
        (o.relationship.child, o.relationship.foreign_key): o
        for o in find_orphans(flights, metadata)
    }
    assert set(found) == {("flights", "tailnum"), ("flights", "dest")}
    assert found[("flights", "tailnum")].count == 62  # 15.5%: planes missing from planes.csv
    assert found[("flights", "dest")].count == 7  # SJU, BQN: airports missing from airports.csv
    assert set(found[("flights", "dest")].examples) == {"SJU", "BQN"}


def test_by_default_orphans_stop_the_run_naming_table_column_and_count(flights, metadata):
    with pytest.raises(InputError) as caught:
        handle_orphans(flights, metadata)
    message = str(caught.value)
    assert "table 'flights', column 'tailnum': 62 row(s) refer to planes.tailnum" in message
    assert "table 'flights', column 'dest': 7 row(s) refer to airports.faa" in message
    assert "--on-orphans drop" in message and "--on-orphans null" in message


def test_drop_removes_the_orphan_rows_and_says_how_many(flights, metadata):
    tailnum = flights["flights"]["tailnum"]
    dest = flights["flights"]["dest"]
    orphan = (tailnum.notna() & ~tailnum.isin(flights["planes"]["tailnum"])) | ~dest.isin(
        flights["airports"]["faa"]
    )
    cleaned, report = handle_orphans(flights, metadata, "drop")
    assert report.rows_changed == {"flights": int(orphan.sum())}
    assert len(cleaned["flights"]) == len(flights["flights"]) - int(orphan.sum())
    assert find_orphans(cleaned, metadata) == []
    assert report.summary() == f"--on-orphans drop: dropped {int(orphan.sum())} row(s) of flights"
    assert len(flights["flights"]) == 400  # the input is left alone


def test_null_blanks_the_orphan_keys_and_keeps_missing_ones(flights, metadata):
    cleaned, report = handle_orphans(flights, metadata, "null")
    assert len(cleaned["flights"]) == 400
    assert report.rows_changed == {"flights": 69}
    assert cleaned["flights"]["tailnum"].isna().sum() == 62 + 2  # 2 were empty already
    assert find_orphans(cleaned, metadata) == []


def test_drop_follows_the_chain_to_grandchildren():
    dataset = {
        "customers": pd.DataFrame({"customer_id": [1, 2]}),
        "orders": pd.DataFrame({"order_id": [10, 11, 12], "customer_id": [1, 2, 9]}),
        "items": pd.DataFrame({"item_id": [1, 2, 3, 4], "order_id": [10, 12, 12, 11]}),
    }
    metadata = detect(dataset)
    cleaned, report = handle_orphans(dataset, metadata, "drop")
    assert report.rows_changed == {"orders": 1, "items": 2}
    assert cleaned["items"]["order_id"].tolist() == [10, 11]


def test_an_unknown_policy_is_refused(flights, metadata):
    with pytest.raises(ParameterError, match="on_orphans must be one of error, drop, null"):
        handle_orphans(flights, metadata, "ignore")


parent_keys = st.lists(st.text("abcdef", min_size=1, max_size=3), min_size=1, unique=True)


@settings(max_examples=30, deadline=None)
@given(
    parents=parent_keys,
    child_keys=st.lists(st.one_of(st.none(), st.text("abcdef", min_size=1, max_size=3))),
)
def test_after_drop_or_null_no_orphan_is_left(parents, child_keys):
    dataset = {
        "parent": pd.DataFrame({"key": parents}),
        "child": pd.DataFrame(
            {"key": pd.Series(child_keys, dtype=object), "n": range(len(child_keys))}
        ),
    }
    metadata = Metadata(detect({"parent": dataset["parent"]}).tables)
    metadata.tables |= detect({"child": dataset["child"]}).tables
    metadata.tables["parent"].primary_key = "key"
    metadata.relationships = [
        {
            "parent_table_name": "parent",
            "parent_primary_key": "key",
            "child_table_name": "child",
            "child_foreign_key": "key",
        }
    ]
    orphans = sum(k is not None and k not in parents for k in child_keys)
    missing = sum(k is None for k in child_keys)
    if orphans == len(child_keys) and child_keys:
        with pytest.raises(InputError, match="left table\\(s\\) child with no rows"):
            handle_orphans(dataset, metadata, "drop")
    else:
        dropped, report = handle_orphans(dataset, metadata, "drop")
        assert len(dropped["child"]) == len(child_keys) - orphans
        assert report.rows_changed == ({"child": orphans} if orphans else {})
    blanked, _ = handle_orphans(dataset, metadata, "null")
    assert len(blanked["child"]) == len(child_keys)
    assert blanked["child"]["key"].isna().sum() == missing + orphans
    assert find_orphans(blanked, metadata) == []
