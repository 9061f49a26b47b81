"""The plugin: what the generator declares; its model loads only when fitting."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import GeneratorInfo, Kind, Parameter

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


plugin = GeneratorPlugin(
    GENERATOR, model="tabular_engine_gaussian_copula.model:GaussianCopulaModel"
)
