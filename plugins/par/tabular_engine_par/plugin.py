"""The plugin: what the par generator declares; sdv and torch load only when it fits."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.training import DEVICE_PARAMETER
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter

NAME = "par"

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SEQUENTIAL,
    summary="Probabilistic auto-regressive model of sequences (SDV's PARSynthesizer, deepecho's "
    "PARModel underneath): many sequences per table, context columns, needs torch.",
    parameters=(
        Parameter("epochs", int, 128, help="Passes over the training sequences.", minimum=1),
        Parameter(
            "sample_size",
            int,
            1,
            help="Candidates drawn per sequence; the most likely one is kept (slower, closer).",
            minimum=1,
        ),
        Parameter(
            "max_categories",
            int,
            100,
            help="Most distinct values of a categorical column given to the network; rarer "
            "values are folded into one category and drawn back at their real frequencies.",
            minimum=2,
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
        DEVICE_PARAMETER,
    ),
    capabilities=frozenset({Capability.CONDITIONAL_SAMPLING, Capability.GPU}),
    license="Apache-2.0",
    library="sdv",
    library_license="BUSL-1.1",
)

plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_par.model:ParModel")
