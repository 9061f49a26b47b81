"""Hook implementations: cheap to import, the model code loads only when fitting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tabular_engine.hookspecs import hookimpl
from tabular_engine.types import GeneratorInfo, Kind, Parameter

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress

NAME = "gaussian_copula"
DISTRIBUTIONS = ("norm", "beta", "truncnorm", "uniform", "gamma", "gaussian_kde", "empirical")

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SINGLE_TABLE,
    summary="Gaussian copula over learned marginals (as SDV's GaussianCopulaSynthesizer); "
    "fast, light, no torch.",
    parameters=(
        Parameter(
            "default_distribution",
            str,
            "beta",
            help="Marginal distribution fitted to each numerical column.",
            choices=DISTRIBUTIONS,
        ),
        Parameter(
            "numerical_distributions",
            dict,
            {},
            help='Per-column marginals overriding the default, e.g. {"Age": "norm"}.',
        ),
        Parameter(
            "discrete_marginals",
            str,
            "empirical",
            help="Numerical columns with point masses (at most 50 distinct values, or one value "
            "in at least 25% of rows, such as zero-inflated amounts) use their empirical "
            "distribution ('empirical'), or default_distribution as SDV does ('default').",
            choices=("empirical", "default"),
        ),
        Parameter(
            "enforce_min_max_values",
            bool,
            True,
            help="Clip numerical and datetime values to the range seen in the real data.",
        ),
        Parameter(
            "enforce_rounding",
            bool,
            True,
            help="Round numerical values to the decimals seen in the real data.",
        ),
    ),
    license="Apache-2.0",
    library="copulas, rdt",
    library_license="BUSL-1.1",
)


@hookimpl
def register_generators() -> list[GeneratorInfo]:
    return [GENERATOR]


@hookimpl
def fit(
    generator: str,
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    params: dict[str, Any],
    seed: int,
    progress: Progress,
) -> Any:
    if generator != NAME:
        return None
    from .model import GaussianCopulaModel

    return GaussianCopulaModel.fit(dataset, metadata, params, seed, progress)


@hookimpl
def sample(
    generator: str, state: Any, num_rows: int, seed: int, row_offset: int
) -> dict[str, pd.DataFrame] | None:
    if generator != NAME:
        return None
    return state.sample(num_rows, seed, row_offset)
