"""The Gaussian copula model: shared column handling, rdt's UniformEncoder, copulas."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabular_engine.columns import TableCodec
from tabular_engine.errors import ParameterError
from tabular_engine.log import get_logger

from .plugin import DISTRIBUTIONS, NAME

if TYPE_CHECKING:
    from copulas.multivariate import GaussianMultivariate
    from rdt.transformers import UniformEncoder
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress

logger = get_logger(__name__)

_UNIVARIATES = {
    "norm": "copulas.univariate.GaussianUnivariate",
    "beta": "copulas.univariate.BetaUnivariate",
    "truncnorm": "copulas.univariate.TruncatedGaussian",
    "uniform": "copulas.univariate.UniformUnivariate",
    "gamma": "copulas.univariate.GammaUnivariate",
    "gaussian_kde": "copulas.univariate.GaussianKDE",
}
assert set(_UNIVARIATES) == set(DISTRIBUTIONS)


@dataclass
class GaussianCopulaModel:
    """Everything needed to sample: the column codec, category encoders and the copula."""

    table_name: str
    codec: TableCodec
    encoders: dict[str, UniformEncoder]
    copula: GaussianMultivariate | None
    enforce_min_max_values: bool
    enforce_rounding: bool

    @classmethod
    def fit(
        cls,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> GaussianCopulaModel:
        ((table_name, frame),) = dataset.items()
        table = metadata.tables[table_name]
        distributions = _distributions(params, table.columns, table_name)
        progress.start("fitting gaussian_copula", total=3)
        codec = TableCodec.fit(frame, table)
        for note in codec.notes:
            logger.info("column handling", table=table_name, note=note)
        encoded = codec.encode(frame)
        progress.advance(1)
        encoders = {name: _fit_encoder(encoded, name) for name in codec.categorical}
        numeric = _to_numeric(encoded, encoders)
        progress.advance(1)
        copula = None
        if len(numeric.columns):
            from copulas.multivariate import GaussianMultivariate

            marginals = {
                name: _UNIVARIATES[distributions.get(name, params["default_distribution"])]
                for name in numeric.columns
            }
            copula = GaussianMultivariate(distribution=marginals, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy's fitting warnings on small data
                copula.fit(numeric)
        progress.advance(1)
        progress.finish()
        return cls(
            table_name,
            codec,
            encoders,
            copula,
            params["enforce_min_max_values"],
            params["enforce_rounding"],
        )

    def sample(self, num_rows: int, seed: int, row_offset: int) -> dict[str, pd.DataFrame]:
        """``num_rows`` rows drawn with ``seed``; ids numbered from ``row_offset``."""
        if self.copula is None:
            model_frame = pd.DataFrame(index=range(num_rows))
        else:
            self.copula.set_random_state(np.random.RandomState(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model_frame = self.copula.sample(num_rows).reset_index(drop=True)
            for name, encoder in self.encoders.items():
                model_frame[name] = encoder.reverse_transform(model_frame[[name]])[name]
        table = self.codec.decode(
            model_frame,
            row_offset=row_offset,
            enforce_min_max=self.enforce_min_max_values,
            enforce_rounding=self.enforce_rounding,
        )
        return {self.table_name: table}


def _distributions(params: dict[str, Any], columns: dict, table: str) -> dict[str, str]:
    chosen = params["numerical_distributions"] or {}
    for column, distribution in chosen.items():
        if column not in columns:
            raise ParameterError(
                f"parameter 'numerical_distributions' of generator {NAME!r} names column "
                f"{column!r}, which table {table!r} does not have"
            )
        if columns[column].sdtype not in ("numerical", "datetime"):
            raise ParameterError(
                f"parameter 'numerical_distributions': column {column!r} of table {table!r} is "
                f"{columns[column].sdtype}, not numerical; remove it from the parameter"
            )
        if distribution not in DISTRIBUTIONS:
            raise ParameterError(
                f"parameter 'numerical_distributions': column {column!r} asks for "
                f"{distribution!r}; expected one of {', '.join(DISTRIBUTIONS)}"
            )
    return dict(chosen)


def _fit_encoder(encoded: pd.DataFrame, name: str) -> UniformEncoder:
    from rdt.transformers import UniformEncoder

    encoder = UniformEncoder()
    encoder.fit(encoded[[name]], name)
    return encoder


def _to_numeric(encoded: pd.DataFrame, encoders: dict[str, UniformEncoder]) -> pd.DataFrame:
    numeric = encoded.copy()
    for name, encoder in encoders.items():
        numeric[name] = encoder.transform(encoded[[name]])[name].astype("float64")
    return numeric
