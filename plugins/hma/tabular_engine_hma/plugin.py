"""The plugin: what the generator declares; sdv loads only when it fits or samples."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import GeneratorInfo, Kind, Parameter

NAME = "hma"
#: The marginal distributions SDV's HMA accepts (it refuses gaussian_kde).
DISTRIBUTIONS = ("norm", "beta", "truncnorm", "uniform", "gamma")

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.MULTI_TABLE,
    summary="Hierarchical Modeling Algorithm (SDV's HMASynthesizer): several tables linked "
    "by foreign keys, every key of the output joins; at most 5 tables, 2 levels.",
    parameters=(
        Parameter(
            "default_distribution",
            str,
            None,
            help="Marginal distribution of numerical columns in every table; left out, SDV's "
            "own choice (beta for tables without parents, norm for child tables).",
            choices=DISTRIBUTIONS,
        ),
    ),
    license="Apache-2.0",
    library="sdv",
    library_license="BUSL-1.1",
)


plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_hma.model:HMAModel")
