"""Two small generators that exercise the multi-table and sequential paths of pipelines
while the hma and par plugins are built elsewhere: they draw real rows (tables) and real
sequences again, with new keys. Not for privacy, only for the pipeline's own tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import GeneratorInfo, Kind


class RedrawnTables:
    """Multi-table: each table's rows drawn again; foreign keys drawn from the new parents."""

    def __init__(self, dataset, metadata) -> None:
        self.dataset = dataset
        self.metadata = metadata

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        return cls({name: frame.copy() for name, frame in dataset.items()}, metadata)

    def sample(self, num_rows, seed, row_offset, options):
        rng = np.random.default_rng(seed)
        scale = options.scale if options.scale is not None else 1.0
        drawn = {}
        for name, frame in self.dataset.items():
            rows = min(len(frame), max(1, round(len(frame) * scale)))
            picked = rng.choice(len(frame), size=rows, replace=False)
            drawn[name] = frame.iloc[np.sort(picked)].reset_index(drop=True)
        for relation in self.metadata.relationships:
            parent = drawn[relation["parent_table_name"]][relation["parent_primary_key"]]
            child = drawn[relation["child_table_name"]]
            key = relation["child_foreign_key"]
            child[key] = rng.choice(parent.to_numpy(), size=len(child))
        return drawn


class RedrawnSequences:
    """Sequential: whole real sequences drawn with replacement, numbered from row_offset."""

    def __init__(self, table: str, frame: pd.DataFrame, key: str) -> None:
        self.table, self.frame, self.key = table, frame, key

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        ((name, frame),) = dataset.items()
        return cls(name, frame.copy(), metadata.tables[name].sequence_key)

    def sample(self, num_rows, seed, row_offset, options):
        rng = np.random.default_rng(seed)
        keys = self.frame[self.key].unique()
        parts = []
        for number, key in enumerate(rng.choice(keys, size=num_rows)):
            sequence = self.frame[self.frame[self.key] == key].copy()
            sequence[self.key] = row_offset + number + 1
            parts.append(sequence)
        return {self.table: pd.concat(parts, ignore_index=True).astype(self.frame.dtypes)}


tables_plugin = GeneratorPlugin(
    GeneratorInfo("redrawn_tables", Kind.MULTI_TABLE, "Real rows drawn again (tests only)."),
    model="pipeline_generators:RedrawnTables",
)
sequences_plugin = GeneratorPlugin(
    GeneratorInfo("redrawn_sequences", Kind.SEQUENTIAL, "Real sequences drawn again (tests)."),
    model="pipeline_generators:RedrawnSequences",
)
