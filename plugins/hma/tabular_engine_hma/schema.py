"""The shape of a dataset as HMA sees it: limits, the main table, SDV's metadata.

Everything here works on the core's :class:`~tabular_engine.metadata.Metadata` and plain
dicts; nothing imports sdv, so the limits are checked before the 5 s it takes to load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tabular_engine.errors import InputError, ParameterError
from tabular_engine.relationships import relationships_of

if TYPE_CHECKING:
    from tabular_engine.metadata import Metadata

#: SDV Community's HMASynthesizer refuses more tables than this ...
MAX_TABLES = 5
#: ... or longer parent → child chains (a parent and its children are 2 levels).
MAX_DEPTH = 2


def children_of(metadata: Metadata) -> dict[str, list[str]]:
    """Table → its child tables, in metadata order."""
    children: dict[str, list[str]] = {name: [] for name in metadata.tables}
    for relationship in relationships_of(metadata):
        if relationship.child not in children[relationship.parent]:
            children[relationship.parent].append(relationship.child)
    return children


def roots(metadata: Metadata) -> list[str]:
    """Tables with no parent, in metadata order."""
    with_parent = {r.child for r in relationships_of(metadata)}
    return [name for name in metadata.tables if name not in with_parent]


def longest_chain(metadata: Metadata) -> list[str]:
    """The longest parent → child chain of tables (one table when there is no relationship)."""
    children = children_of(metadata)

    def chain(table: str) -> list[str]:
        below = [chain(child) for child in children[table]]
        return [table, *max(below, key=len, default=[])]

    return max((chain(root) for root in roots(metadata)), key=len, default=[])


def check_limits(metadata: Metadata) -> None:
    """Raise InputError, before any training, for a schema SDV Community's HMA refuses."""
    tables = len(metadata.tables)
    chain = longest_chain(metadata)
    problems = []
    if tables > MAX_TABLES:
        problems.append(f"{tables} tables ({', '.join(metadata.tables)})")
    if len(chain) > MAX_DEPTH:
        problems.append(f"{len(chain)} levels ({' → '.join(chain)})")
    if not problems:
        return
    raise InputError(
        f"generator 'hma' (SDV Community's HMASynthesizer) handles at most {MAX_TABLES} tables "
        f"and {MAX_DEPTH} levels of relationships (parents and their children), and this "
        f"dataset has {' and '.join(problems)}. What you can do: fit on fewer tables (leave "
        "out tables you do not need, or join a child into its parent so the chain is "
        f"shorter), or split the schema into parts of at most {MAX_TABLES} tables and "
        f"{MAX_DEPTH} levels and generate each part; SDV Enterprise lifts the limit"
    )


def check_multi_table(metadata: Metadata) -> None:
    """Raise InputError when there is nothing to link: one table, or no relationship."""
    if len(metadata.tables) < 2 or not metadata.relationships:
        raise InputError(
            "generator 'hma' learns tables linked by foreign keys, but "
            + (
                "the input has one table; give a folder with one file per table"
                if len(metadata.tables) < 2
                else f"no relationship was found between tables {', '.join(metadata.tables)}; "
                "describe them in a metadata file (tabular-engine metadata DIR -o meta.json, "
                "edit its relationships, pass --metadata meta.json)"
            )
        )


def default_main_table(metadata: Metadata, sizes: dict[str, int]) -> str:
    """The table ``-n`` counts by default: the root with the most descendant tables, then
    the most real rows, then the first in the metadata."""
    children = children_of(metadata)

    def descendants(table: str) -> set[str]:
        found: set[str] = set()
        for child in children[table]:
            found |= {child, *descendants(child)}
        return found

    order = {name: index for index, name in enumerate(metadata.tables)}
    return max(
        roots(metadata),
        key=lambda table: (len(descendants(table)), sizes[table], -order[table]),
    )


def check_main_table(main_table: str, tables: list[str]) -> str:
    """``main_table`` if it is one of ``tables``, else ParameterError."""
    if main_table not in tables:
        raise ParameterError(
            f"main table {main_table!r} is not a table of this model; choose one of "
            f"{', '.join(tables)} (--main-table)"
        )
    return main_table


def sdv_metadata_dict(metadata: Metadata) -> dict[str, Any]:
    """The core's metadata as the dict SDV's ``Metadata.load_from_dict`` reads.

    The shapes are the same (SDV's JSON is the interchange format); key columns are given
    sdtype ``id``, which SDV requires of primary and foreign keys.
    """
    data = metadata.to_dict()
    keys: dict[str, set[str]] = {name: set() for name in metadata.tables}
    for name, table in metadata.tables.items():
        if table.primary_key is not None:
            keys[name].add(table.primary_key)
    for relationship in relationships_of(metadata):
        keys[relationship.child].add(relationship.foreign_key)
    for name, columns in keys.items():
        for column in columns:
            data["tables"][name]["columns"][column] = {"sdtype": "id"}
    return data
