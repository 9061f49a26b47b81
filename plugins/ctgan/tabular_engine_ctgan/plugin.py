"""The plugin: what the generator declares; torch and ctgan load only when it fits."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter

from . import parameters as shared

NAME = "ctgan"

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SINGLE_TABLE,
    summary="Conditional tabular GAN (the ctgan library's CTGAN, as SDV's CTGANSynthesizer); "
    "needs torch, uses a GPU when there is one.",
    parameters=(
        shared.EPOCHS,
        shared.batch_size(
            "Rows per training step; must be a multiple of pac (and even). A table with fewer "
            "rows trains with the largest such value that fits (a warning says so)."
        ),
        Parameter(
            "pac",
            int,
            10,
            help="Rows the discriminator judges together (PacGAN), against mode collapse.",
            minimum=1,
        ),
        Parameter(
            "embedding_dim",
            int,
            128,
            help="Size of the random noise vector the generator starts from.",
            minimum=1,
        ),
        shared.layer_sizes(
            "generator_dim",
            [256, 256],
            "Sizes of the generator's residual layers, e.g. [256, 256].",
        ),
        shared.layer_sizes(
            "discriminator_dim",
            [256, 256],
            "Sizes of the discriminator's hidden layers, e.g. [256, 256].",
        ),
        Parameter(
            "generator_lr",
            float,
            2e-4,
            help="Adam learning rate of the generator.",
            minimum=0,
            exclusive_minimum=True,
        ),
        Parameter(
            "generator_decay",
            float,
            1e-6,
            help="Adam weight decay of the generator.",
            minimum=0,
        ),
        Parameter(
            "discriminator_lr",
            float,
            2e-4,
            help="Adam learning rate of the discriminator.",
            minimum=0,
            exclusive_minimum=True,
        ),
        Parameter(
            "discriminator_decay",
            float,
            1e-6,
            help="Adam weight decay of the discriminator.",
            minimum=0,
        ),
        Parameter(
            "discriminator_steps",
            int,
            1,
            help="Discriminator updates per generator update (the WGAN paper uses 5).",
            minimum=1,
        ),
        Parameter(
            "log_frequency",
            bool,
            True,
            help="Draw the categories to condition on by log frequency, so rare ones are "
            "learned too.",
        ),
        shared.MAX_CATEGORIES,
        shared.ENFORCE_MIN_MAX_VALUES,
        shared.ENFORCE_ROUNDING,
        shared.DEVICE,
    ),
    capabilities=frozenset({Capability.GPU}),
    license="Apache-2.0",
    library="ctgan",
    library_license="BUSL-1.1",
)


plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_ctgan.model:BACKEND")
