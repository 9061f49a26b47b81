"""Keys between tables: detecting primary keys and foreign keys, and checking them.

A relationship is SDV's dict ``{"parent_table_name", "parent_primary_key",
"child_table_name", "child_foreign_key"}``. Detection looks for a column that is unique
and never missing in a table A (a candidate key) and, in every other table B, a column
that refers to it:

* by name: the same name (``carrier`` ↔ ``carrier``; when the column is unique in B too,
  only if it is A's detected primary key, as nothing else tells parent from child), or
  A's name and the key joined by ``_`` (``customers.id`` ↔ ``customers_id``,
  ``customer_id``), provided most of B's values are found in A;
* by value, for text keys only: a column of B whose values are mostly found among A's key
  (``flights.origin`` → ``airports.faa``). Integer keys are matched by name only, since
  small integers (months, counts) are found in any id column.

"Most" means at least :data:`MIN_COVERAGE` of the non-missing values, so dirty data
(orphans) is still linked; :mod:`tabular_engine.orphans` then finds the orphans. Nothing
here imports sdv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import MetadataError
from .log import get_logger

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata
    from .types import Finding

logger = get_logger(__name__)

#: Share of a child column's non-missing values that must be found in the parent key.
MIN_COVERAGE = 0.5
PARENT_TABLE = "parent_table_name"
PARENT_KEY = "parent_primary_key"
CHILD_TABLE = "child_table_name"
CHILD_KEY = "child_foreign_key"


@dataclass(frozen=True)
class Relationship:
    """One foreign key: ``child.foreign_key`` refers to ``parent.primary_key``."""

    parent: str
    primary_key: str
    child: str
    foreign_key: str

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Relationship:
        try:
            return cls(data[PARENT_TABLE], data[PARENT_KEY], data[CHILD_TABLE], data[CHILD_KEY])
        except (KeyError, TypeError):
            raise MetadataError(
                f"relationship {data!r} needs the keys {PARENT_TABLE}, {PARENT_KEY}, "
                f"{CHILD_TABLE} and {CHILD_KEY}"
            ) from None

    def to_dict(self) -> dict[str, str]:
        return {
            PARENT_TABLE: self.parent,
            PARENT_KEY: self.primary_key,
            CHILD_TABLE: self.child,
            CHILD_KEY: self.foreign_key,
        }

    def __str__(self) -> str:
        return f"{self.child}.{self.foreign_key} → {self.parent}.{self.primary_key}"


def relationships_of(metadata: Metadata) -> list[Relationship]:
    """The metadata's relationships as :class:`Relationship` records."""
    return [Relationship.from_dict(item) for item in metadata.relationships]


# -- detection --------------------------------------------------------------------------------


def detect_relationships(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> Metadata:
    """``metadata`` with detected primary keys and relationships filled in, in place.

    Key columns (primary and foreign) get sdtype ``id``. A relationship that would make a
    table its own ancestor is left out, with a log line, since no generator here learns
    cycles.
    """
    if len(dataset) < 2:
        return metadata
    found: list[Relationship] = []
    for child, frame in dataset.items():
        for column in frame.columns:
            match = _best_parent(str(column), frame[column], child, dataset, metadata)
            if match is None:
                _warn_of_a_key_with_duplicates(str(column), frame[column], child, dataset)
                continue
            if _creates_cycle(found, match):
                logger.info(
                    "relationship left out: it would close a cycle", relationship=str(match)
                )
                continue
            found.append(match)
    for relationship in found:
        parent, child = metadata.tables[relationship.parent], metadata.tables[relationship.child]
        parent.primary_key = relationship.primary_key
        parent.columns[relationship.primary_key].sdtype = "id"
        parent.columns[relationship.primary_key].extra = {}
        child.columns[relationship.foreign_key].sdtype = "id"
        child.columns[relationship.foreign_key].extra = {}
    for relationship in found:  # a foreign key is not its own table's primary key
        child = metadata.tables[relationship.child]
        if child.primary_key == relationship.foreign_key:
            foreign = {r.foreign_key for r in found if r.child == relationship.child}
            ids = [n for n, c in child.columns.items() if c.sdtype == "id" and n not in foreign]
            child.primary_key = ids[0] if ids else None
    metadata.relationships = [r.to_dict() for r in found]
    return metadata


def _best_parent(
    column: str,
    values: pd.Series,
    child: str,
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
) -> Relationship | None:
    """The parent key ``child.column`` most likely refers to, or None."""
    present = values.dropna()
    if len(present) == 0 or _is_float(values):
        return None
    unique_in_child = present.is_unique and len(present) == len(values)
    best: tuple[tuple[int, float], Relationship] | None = None
    for parent, frame in dataset.items():
        if parent == child:
            continue
        declared = metadata.tables[parent].primary_key
        for key in _candidate_keys(frame, declared):
            by_name = _names_match(column, parent, key)
            if not by_name and (_is_integer(values) or not _is_text(frame[key])):
                continue
            if column.lower() == key.lower() and unique_in_child and declared is None:
                continue  # two unique columns of one name, neither a key: which is the parent?
            if not _same_kind(values, frame[key]):
                continue
            coverage = present.isin(set(frame[key])).mean()
            if coverage < MIN_COVERAGE:
                continue
            rank = (int(by_name), float(coverage))
            if best is None or rank > best[0]:
                best = (rank, Relationship(parent, key, child, column))
    return None if best is None else best[1]


def _warn_of_a_key_with_duplicates(
    column: str, values: pd.Series, child: str, dataset: dict[str, pd.DataFrame]
) -> None:
    """Say so when ``child.column`` would refer to a parent column of its name that is not
    a key only because a few of its values repeat: the relationship is left out."""
    present = set(values.dropna())
    if not present:
        return
    for parent, frame in dataset.items():
        if parent == child:
            continue
        for key in frame.columns:
            series = frame[key].dropna()
            if not _names_match(column, parent, str(key)) or series.is_unique:
                continue
            repeated = series[series.duplicated()]
            coverage = len(present & set(series)) / len(present)
            if len(repeated) <= max(1, len(series) // 100) and coverage >= MIN_COVERAGE:
                logger.warning(
                    f"{child}.{column} looks like a foreign key to {parent}.{key}, which is "
                    f"not a key: {len(repeated)} value(s) repeat (e.g. {repeated.iloc[0]!r}); "
                    "the relationship is left out. Fix the duplicates, or declare the keys "
                    "in a metadata file (--metadata)",
                    table=parent,
                    column=str(key),
                )


def _candidate_keys(frame: pd.DataFrame, primary_key: str | None) -> list[str]:
    """Columns that could be ``frame``'s primary key: the declared one, else unique ones."""
    if primary_key is not None:
        return [primary_key]
    keys = []
    for name in frame.columns:
        series = frame[name]
        if _is_float(series) or series.isna().any() or not series.is_unique:
            continue
        if _is_text(series) or _is_integer(series):
            keys.append(str(name))
    return keys


def _names_match(column: str, parent: str, key: str) -> bool:
    column, parent, key = column.lower(), parent.lower(), key.lower()
    names = {key, f"{parent}_{key}", f"{parent.rstrip('s')}_{key}"}
    if key == "id":
        names |= {f"{parent}id", f"{parent.rstrip('s')}id"}
    return column in names


def _creates_cycle(found: list[Relationship], new: Relationship) -> bool:
    """Whether adding ``new`` makes a table its own ancestor."""
    parents: dict[str, set[str]] = {}
    for relationship in [*found, new]:
        parents.setdefault(relationship.child, set()).add(relationship.parent)
    return any(table in _ancestors(table, parents) for table in parents)


def _ancestors(table: str, parents: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    pending = list(parents.get(table, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(parents.get(current, ()))
    return seen


def _is_float(series: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_float_dtype(series.dtype)


def _is_integer(series: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def _is_text(series: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_string_dtype(series.dtype):
        return True
    return pd.api.types.is_object_dtype(series.dtype) and bool(
        series.dropna().map(type).eq(str).all()
    )


def _same_kind(child: pd.Series, parent: pd.Series) -> bool:
    return (_is_integer(child) and _is_integer(parent)) or (_is_text(child) and _is_text(parent))


# -- checks ----------------------------------------------------------------------------------


def check_relationships(metadata: Metadata) -> None:
    """Raise MetadataError for relationships that name unknown tables or columns, point
    at a column that is not the parent's primary key, or form a self-reference or cycle."""
    for relationship in relationships_of(metadata):
        for table, column, role in (
            (relationship.parent, relationship.primary_key, "parent"),
            (relationship.child, relationship.foreign_key, "child"),
        ):
            if table not in metadata.tables:
                raise MetadataError(
                    f"relationship {relationship}: {role} table {table!r} is not in the "
                    f"metadata's tables ({', '.join(sorted(metadata.tables))})"
                )
            if column not in metadata.tables[table].columns:
                raise MetadataError(
                    f"relationship {relationship}: table {table!r} has no column {column!r}"
                )
        declared = metadata.tables[relationship.parent].primary_key
        if declared != relationship.primary_key:
            raise MetadataError(
                f"relationship {relationship}: {relationship.primary_key!r} is not the "
                f"primary key of table {relationship.parent!r} ({declared!r}); set "
                f'"primary_key": "{relationship.primary_key}" for that table'
            )
        if relationship.parent == relationship.child:
            raise MetadataError(
                f"relationship {relationship} refers to its own table (a self-reference); "
                "multi-table generators here cannot learn it: remove that relationship from "
                "the metadata (the column is then modelled as an ordinary column)"
            )
    parents: dict[str, set[str]] = {}
    for relationship in relationships_of(metadata):
        parents.setdefault(relationship.child, set()).add(relationship.parent)
    for table in sorted(parents):
        if table in _ancestors(table, parents):
            loop = sorted(t for t in _ancestors(table, parents) if table in _ancestors(t, parents))
            raise MetadataError(
                f"the relationships form a cycle through tables {', '.join(loop)}; "
                "multi-table generators here need parents before children: remove one "
                "relationship of the cycle from the metadata"
            )


def check_keys(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> None:
    """Raise MetadataError when a primary key has missing or duplicate values."""
    for name, table in metadata.tables.items():
        key = table.primary_key
        if key is None or name not in dataset:
            continue
        values = dataset[name][key]
        missing = int(values.isna().sum())
        if missing:
            raise MetadataError(
                f"table {name!r}: primary key {key!r} is missing in {missing} row(s); every "
                "row needs a key: fill them in, or set another primary key in the metadata"
            )
        duplicated = values[values.duplicated()]
        if len(duplicated):
            raise MetadataError(
                f"table {name!r}: primary key {key!r} has {len(duplicated)} duplicate "
                f"value(s), e.g. {duplicated.iloc[0]!r}; keys must be unique: fix the data, "
                "or set another primary key in the metadata"
            )


def align_key_types(
    dataset: dict[str, pd.DataFrame], metadata: Metadata
) -> dict[str, pd.DataFrame]:
    """Give each foreign key its parent key's type where that loses nothing.

    Integers referring to text keys become text, and text referring to integer keys
    becomes integers when every value is a plain integer (``"42"``, not ``"042"``); each
    change is logged. Any other mismatch is a MetadataError naming both columns.
    """
    import pandas as pd

    result = dict(dataset)
    for relationship in relationships_of(metadata):
        parent = result[relationship.parent][relationship.primary_key]
        child = result[relationship.child][relationship.foreign_key]
        if _same_kind(child, parent) or child.isna().all():
            continue
        converted = None
        if _is_text(parent) and _is_integer(child):
            converted = child.astype("string").astype(object).where(child.notna(), None)
        elif _is_integer(parent) and _is_text(child):
            present = child.dropna()
            if present.str.fullmatch(r"-?(0|[1-9]\d*)").all():
                converted = pd.to_numeric(child).astype("Int64")
        if converted is None:
            raise MetadataError(
                f"table {relationship.child!r}, column {relationship.foreign_key!r} "
                f"({child.dtype}) refers to {relationship.parent}.{relationship.primary_key} "
                f"({parent.dtype}) but their values cannot be compared as the same type; "
                "give both columns the same type (both text or both integers)"
            )
        logger.warning(
            "foreign key converted to its parent key's type",
            table=relationship.child,
            column=relationship.foreign_key,
            to=str(parent.dtype),
        )
        frame = result[relationship.child].copy()
        frame[relationship.foreign_key] = converted
        result[relationship.child] = frame
    return result


# -- validation of output --------------------------------------------------------------------


def integrity_findings(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> list[Finding]:
    """Findings for broken keys: foreign keys with no parent, duplicate or missing primary
    keys of the tables in relationships. Tables absent from ``dataset`` are skipped."""
    from .types import Finding

    findings: list[Finding] = []
    relationships = relationships_of(metadata)
    keyed = {r.parent for r in relationships} | {r.child for r in relationships}
    for name in sorted(keyed & set(dataset)):
        key = metadata.tables[name].primary_key if name in metadata.tables else None
        if key is None or key not in dataset[name]:
            continue
        values = dataset[name][key]
        if values.isna().any():
            findings.append(Finding(name, key, "primary_key_not_null", int(values.isna().sum())))
        duplicated = values[values.duplicated(keep=False) & values.notna()]
        if len(duplicated):
            examples = tuple(duplicated.drop_duplicates().head(3).tolist())
            findings.append(Finding(name, key, "primary_key_unique", len(duplicated), examples))
    for r in relationships:
        if r.parent not in dataset or r.child not in dataset:
            continue
        keys = dataset[r.child][r.foreign_key]
        orphans = keys[keys.notna() & ~keys.isin(set(dataset[r.parent][r.primary_key].dropna()))]
        if len(orphans):
            examples = tuple(orphans.drop_duplicates().head(3).tolist())
            check = f"foreign_key_in_parent({r.parent}.{r.primary_key})"
            findings.append(Finding(r.child, r.foreign_key, check, len(orphans), examples))
    return findings


def with_id_keys(metadata: Metadata) -> Metadata:
    """A copy of ``metadata`` where every primary and foreign key column has sdtype ``id``.

    Keys are identifiers whatever their values look like (a numerical ``customer_id`` is
    not a quantity); generators regenerate them rather than model them.
    """
    from .metadata import Column, Metadata

    copied = Metadata.from_dict(metadata.to_dict())
    keys = {(name, t.primary_key) for name, t in copied.tables.items() if t.primary_key}
    keys |= {(r.child, r.foreign_key) for r in relationships_of(copied)}
    for table, column in keys:
        if copied.tables[table].columns[column].sdtype != "id":
            copied.tables[table].columns[column] = Column("id")
    return copied
