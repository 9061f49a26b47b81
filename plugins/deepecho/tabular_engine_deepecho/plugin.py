"""The plugin: what the deepecho generator declares; deepecho and torch load only when it fits."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.training import DEVICE_PARAMETER
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter

NAME = "deepecho"

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SEQUENTIAL,
    summary="GAN for sequences (deepecho's BasicGANModel): many sequences or one long series, "
    "cut into segments to train on the CPU; needs torch.",
    parameters=(
        Parameter(
            "epochs",
            int,
            1024,
            help="Training steps; each step sees every training segment once (one batch).",
            minimum=1,
        ),
        Parameter(
            "segment_size",
            int,
            256,
            help="Sequences longer than this are cut into segments of this many rows to "
            "train on (and long sequences are drawn segment by segment). Smaller trains "
            "faster; larger learns longer patterns.",
            minimum=2,
        ),
        Parameter("latent_size", int, 32, help="Size of the noise vector of each step.", minimum=1),
        Parameter(
            "hidden_size",
            int,
            16,
            help="Size of the recurrent layers of generator and discriminator.",
            minimum=1,
        ),
        Parameter(
            "gen_lr",
            float,
            1e-3,
            help="Adam learning rate of the generator.",
            minimum=0,
            exclusive_minimum=True,
        ),
        Parameter(
            "dis_lr",
            float,
            1e-3,
            help="Adam learning rate of the discriminator.",
            minimum=0,
            exclusive_minimum=True,
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
    library="deepecho",
    library_license="BUSL-1.1",
)

plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_deepecho.model:DeepEchoModel")
