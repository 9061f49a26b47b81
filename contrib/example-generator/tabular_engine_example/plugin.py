"""What the generator declares. Imported to list generators, so it imports nothing heavy."""

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import GeneratorInfo, Kind, Parameter

GENERATOR = GeneratorInfo(
    name="independent",
    kind=Kind.SINGLE_TABLE,
    summary="Each column drawn on its own from its real distribution (no correlations).",
    parameters=(
        Parameter(
            "noise",
            float,
            0.1,
            help="Gaussian noise added to numerical values, as a share of the column's "
            "standard deviation (0: real values only).",
            minimum=0,
            maximum=1,
        ),
        Parameter(
            "exact_columns",
            list,
            [],
            help='Numerical columns drawn without noise, e.g. counts: ["Time"].',
        ),
    ),
    license="Apache-2.0",
)

plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_example.model:IndependentMarginals")
