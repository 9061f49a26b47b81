"""Bad input for the hma generator: one clear error before any training.

Each case spoils a copy of the real flights folder (or builds the smallest dataset that
shows the problem) and checks the error names the table, column or limit at fault.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import tabular_engine
from tabular_engine.errors import InputError, MetadataError


def _metadata_file(folder, tmp_path, edit) -> str:
    metadata = tabular_engine.detect_metadata(folder).to_dict()
    edit(metadata)
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(metadata))
    return str(path)


def test_metadata_naming_a_table_with_no_file(flights_copy, tmp_path):
    def add_table(metadata):
        metadata["tables"]["routes"] = {"columns": {"id": {"sdtype": "id"}}}

    path = _metadata_file(flights_copy, tmp_path, add_table)
    with pytest.raises(MetadataError, match="metadata names table\\(s\\) routes but the data"):
        tabular_engine.fit(flights_copy, "hma", metadata=path, on_orphans="drop")


@pytest.mark.parametrize("content", ["", "carrier,name\n"], ids=["0 bytes", "header only"])
def test_an_empty_table_file(flights_copy, content):
    (flights_copy / "airlines.csv").write_text(content)
    with pytest.raises(InputError, match=r"airlines\.csv' (is empty|has a header but no rows)"):
        tabular_engine.fit(flights_copy, "hma")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda planes: pd.concat([planes, planes.head(1)]), "has 1 duplicate value"),
        (
            lambda planes: planes.assign(tailnum=planes["tailnum"].mask(planes.index == 3)),
            "is missing in 1 row",
        ),
    ],
    ids=["duplicates", "nulls"],
)
def test_a_primary_key_with_duplicates_or_nulls(flights_copy, tmp_path, spoil, message):
    metadata = _metadata_file(flights_copy, tmp_path, lambda m: None)
    planes = pd.read_csv(flights_copy / "planes.csv", dtype=str, keep_default_na=False)
    spoil(planes).to_csv(flights_copy / "planes.csv", index=False)
    with pytest.raises(MetadataError, match=f"table 'planes': primary key 'tailnum' {message}"):
        tabular_engine.fit(flights_copy, "hma", metadata=metadata, on_orphans="drop")


def _customers_and_orders(customer_ids, order_customer_ids) -> dict[str, pd.DataFrame]:
    return {
        "customers": pd.DataFrame({"customer_id": customer_ids, "age": [30, 40, 50]}),
        "orders": pd.DataFrame(
            {"order_id": [1, 2, 3, 4], "customer_id": order_customer_ids, "total": [1.0] * 4}
        ),
    }


def _relationship(parent, key, child, foreign_key) -> dict:
    return {
        "parent_table_name": parent,
        "parent_primary_key": key,
        "child_table_name": child,
        "child_foreign_key": foreign_key,
    }


def _linked_metadata(dataset) -> dict:
    metadata = tabular_engine.detect_metadata(dataset).to_dict()
    metadata["relationships"] = [_relationship("customers", "customer_id", "orders", "customer_id")]
    metadata["tables"]["customers"]["primary_key"] = "customer_id"
    return metadata


def test_a_foreign_key_of_another_type_that_cannot_be_coerced_stops(tmp_path):
    dataset = _customers_and_orders([1, 2, 3], ["1", "2", "two", "3"])
    with pytest.raises(MetadataError) as caught:
        tabular_engine.fit(dataset, "hma", metadata=_linked_metadata(dataset))
    assert str(caught.value) == (
        "table 'orders', column 'customer_id' (object) refers to customers.customer_id (int64) "
        "but their values cannot be compared as the same type; give both columns the same "
        "type (both text or both integers)"
    )


def test_a_foreign_key_of_another_type_is_coerced_when_safe(capture_logs):
    dataset = _customers_and_orders(["1", "2", "3"], [1, 1, 2, 3])
    with capture_logs() as logs:
        model = tabular_engine.fit(dataset, "hma", metadata=_linked_metadata(dataset), seed=1)
    assert any(log["event"] == "foreign key converted to its parent key's type" for log in logs)
    drawn = model.sample(scale=1.0, seed=1)
    assert drawn["orders"]["customer_id"].isin(drawn["customers"]["customer_id"]).all()


def test_a_self_referencing_table(tmp_path):
    employees = pd.DataFrame({"employee_id": [1, 2, 3, 4], "manager_id": [None, 1, 1, 2]})
    metadata = tabular_engine.detect_metadata({"employees": employees}).to_dict()
    metadata["tables"]["employees"]["primary_key"] = "employee_id"
    metadata["relationships"] = [
        _relationship("employees", "employee_id", "employees", "manager_id")
    ]
    with pytest.raises(MetadataError, match="refers to its own table \\(a self-reference\\)"):
        tabular_engine.fit({"employees": employees}, "hma", metadata=metadata)


def test_a_cycle_of_relationships():
    dataset = _customers_and_orders([1, 2, 3], [1, 1, 2, 3])
    dataset["customers"]["first_order"] = [1, 2, 3]
    metadata = _linked_metadata(dataset)
    metadata["tables"]["orders"]["primary_key"] = "order_id"
    metadata["relationships"].append(
        _relationship("orders", "order_id", "customers", "first_order")
    )
    with pytest.raises(MetadataError, match="cycle through tables customers, orders"):
        tabular_engine.fit(dataset, "hma", metadata=metadata)


def test_a_folder_with_a_file_that_is_not_a_table(flights_copy):
    (flights_copy / "README.md").write_text("# flights\n")
    with pytest.raises(InputError, match=r"holds README\.md, which is not a \.csv or \.parquet"):
        tabular_engine.fit(flights_copy, "hma")


def test_orphans_stop_the_fit_by_default(flights_path):
    with pytest.raises(InputError, match="table 'flights', column 'tailnum': 62 row\\(s\\)"):
        tabular_engine.fit(flights_path, "hma")


# -- SDV Community's limits ----------------------------------------------------------------------


def test_more_than_two_levels_is_refused_before_training():
    dataset = {
        "customers": pd.DataFrame({"customer_id": [1, 2]}),
        "orders": pd.DataFrame({"order_id": [10, 11, 12], "customer_id": [1, 2, 2]}),
        "items": pd.DataFrame({"item_id": [1, 2, 3], "order_id": [10, 11, 12]}),
    }
    with pytest.raises(InputError) as caught:
        tabular_engine.fit(dataset, "hma")
    message = str(caught.value)
    assert "handles at most 5 tables and 2 levels of relationships" in message
    assert "3 levels (customers → orders → items)" in message
    assert "join a child into its parent" in message


def test_more_than_five_tables_is_refused_before_training():
    dataset = {"hub": pd.DataFrame({"hub_id": [1, 2, 3]})}
    for number in range(5):
        dataset[f"spoke{number}"] = pd.DataFrame({"row": [1, 2, 3], "hub_id": [1, 3, 3]})
    with pytest.raises(InputError, match="this dataset has 6 tables \\(hub, spoke0"):
        tabular_engine.fit(dataset, "hma")


def test_tables_with_nothing_linking_them_are_refused():
    dataset = {"a": pd.DataFrame({"x": [1.5, 2.5]}), "b": pd.DataFrame({"y": [0.1, 0.2]})}
    with pytest.raises(InputError, match="no relationship was found between tables a, b"):
        tabular_engine.fit(dataset, "hma")
