"""SDV's HMASynthesizer, visiting tables in a fixed order so a seed gives the same rows.

SDV 2.0 walks the tables of a schema through Python sets of table names (the root tables,
each table's children). The order of a set of strings changes from one Python process to
the next (string hashing is salted per process), and with it which parent a child table
is drawn under and the order the random streams are used in: the same seed gave
different flights in different processes. Here the root tables are visited in the order
of their names and each table's children in the order of the metadata's relationships;
everything else is the library's own code.

This module imports sdv at the top: it is imported only when the ``hma`` generator fits,
samples or loads a model.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sdv.metadata import Metadata
from sdv.multi_table import HMASynthesizer


class OrderedMetadata(Metadata):
    """SDV metadata whose parent and child maps are lists in relationship order."""

    def _get_child_map(self) -> defaultdict[str, list[str]]:
        children: defaultdict[str, list[str]] = defaultdict(list)
        for relationship in self.relationships:
            parent, child = relationship["parent_table_name"], relationship["child_table_name"]
            if child not in children[parent]:
                children[parent].append(child)
        return children

    def _get_parent_map(self) -> defaultdict[str, list[str]]:
        parents: defaultdict[str, list[str]] = defaultdict(list)
        for relationship in self.relationships:
            parent, child = relationship["parent_table_name"], relationship["child_table_name"]
            if parent not in parents[child]:
                parents[child].append(parent)
        return parents


class OrderedHMASynthesizer(HMASynthesizer):
    """HMASynthesizer whose sampling visits root tables in name order."""

    def _sample(
        self, scale: float = 1.0, batch_size: int | None = None, max_tries_per_batch: int = 100
    ) -> dict[str, Any]:
        with_parents = set(self.metadata._get_parent_map())
        sampled: dict[str, Any] = {}
        for table in sorted(name for name in self.metadata.tables if name not in with_parents):
            rows = max(round(self._table_sizes[table] * scale), 1)
            sampled[table] = self._sample_rows(
                self._table_synthesizers[table],
                rows,
                batch_size=batch_size,
                max_tries_per_batch=max_tries_per_batch,
            )
            self._sample_children(
                table_name=table,
                sampled_data=sampled,
                scale=scale,
                batch_size=batch_size,
                max_tries_per_batch=max_tries_per_batch,
            )
        linked: set[tuple[str, str]] = set()
        for relationship in self.metadata.relationships:
            parent, child = relationship["parent_table_name"], relationship["child_table_name"]
            if (parent, child) not in linked:  # one call links every key of the pair
                self._add_foreign_key_columns(sampled[child], sampled[parent], child, parent)
                linked.add((parent, child))
        return self._finalize(self._reverse_transform_constraints(sampled))
