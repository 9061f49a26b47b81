"""The model: one empirical distribution per column, sampled independently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tabular_engine.columns import TableCodec
from tabular_engine.errors import ParameterError
from tabular_engine.metadata import Metadata
from tabular_engine.progress import Progress


@dataclass
class Marginal:
    """The distinct values of one model column and how often each occurs."""

    values: np.ndarray
    shares: np.ndarray
    noise: float  # standard deviation of the noise added to a drawn value

    def draw(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        drawn = self.values[rng.choice(len(self.values), size=rows, p=self.shares)]
        if self.noise:
            drawn = drawn + rng.normal(0.0, self.noise, size=rows)
        return drawn


@dataclass
class IndependentMarginals:
    """A fitted model: the column codec and one marginal per model column."""

    table_name: str
    codec: TableCodec
    marginals: dict[str, Marginal]

    @classmethod
    def fit(
        cls,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> IndependentMarginals:
        ((table_name, frame),) = dataset.items()
        codec = TableCodec.fit(frame, metadata.tables[table_name])
        for column in params["exact_columns"]:
            if column not in codec.numerical:
                raise ParameterError(
                    f"parameter 'exact_columns' of generator 'independent' names {column!r}, "
                    f"which is not a numerical column of table {table_name!r}; numerical "
                    f"columns: {', '.join(codec.numerical) or 'none'}"
                )
        encoded = codec.encode(frame)
        progress.start("fitting independent marginals", total=len(encoded.columns))
        marginals = {}
        for name in encoded.columns:
            column = encoded[name]
            noise = 0.0
            if name in codec.numerical:
                column = column[codec.observed(encoded, name)]
                if name not in params["exact_columns"] and len(column) > 1:
                    noise = params["noise"] * float(column.std())
            counts = column.value_counts(dropna=False)
            if counts.empty:  # no real number at all: the codec restores the gaps
                counts = pd.Series([1], index=[0.0])
            shares = counts.to_numpy(dtype="float64") / counts.sum()
            marginals[name] = Marginal(counts.index.to_numpy(), shares, noise)
            progress.advance(1)
        progress.finish()
        return cls(table_name, codec, marginals)

    def sample(self, num_rows: int, seed: int, row_offset: int) -> dict[str, pd.DataFrame]:
        """``num_rows`` rows drawn from ``seed`` alone; ids numbered from ``row_offset``."""
        rng = np.random.default_rng(seed)
        drawn = {name: marginal.draw(num_rows, rng) for name, marginal in self.marginals.items()}
        model_frame = pd.DataFrame(drawn, index=range(num_rows))
        table = self.codec.decode(model_frame, row_offset=row_offset, seed=seed)
        return {self.table_name: table}
