"""The plugin: what the generator declares; torch and ctgan load only when it fits."""

from __future__ import annotations

from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter
from tabular_engine_ctgan import parameters as shared

NAME = "tvae"

GENERATOR = GeneratorInfo(
    name=NAME,
    kind=Kind.SINGLE_TABLE,
    summary="Tabular variational autoencoder (the ctgan library's TVAE, as SDV's "
    "TVAESynthesizer); needs torch, uses a GPU when there is one.",
    parameters=(
        shared.EPOCHS,
        shared.batch_size(
            "Rows per training step. A table with fewer rows trains with one batch of all "
            "its rows (a warning says so)."
        ),
        Parameter(
            "embedding_dim",
            int,
            128,
            help="Size of the latent space the encoder compresses each row to.",
            minimum=1,
        ),
        shared.layer_sizes(
            "compress_dims", [128, 128], "Sizes of the encoder's hidden layers, e.g. [128, 128]."
        ),
        shared.layer_sizes(
            "decompress_dims",
            [128, 128],
            "Sizes of the decoder's hidden layers, e.g. [128, 128].",
        ),
        Parameter(
            "l2scale",
            float,
            1e-5,
            help="Adam weight decay (L2 regularization) of the encoder and decoder.",
            minimum=0,
        ),
        Parameter(
            "loss_factor",
            float,
            2.0,
            help="Weight of the reconstruction error against the KL divergence in the loss.",
            minimum=0,
            exclusive_minimum=True,
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


plugin = GeneratorPlugin(GENERATOR, model="tabular_engine_tvae.model:BACKEND")
