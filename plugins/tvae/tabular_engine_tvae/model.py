"""The tvae generator: the ctgan library's TVAE behind the core's column codec.

Everything but the network itself is shared with the ctgan generator in
:mod:`tabular_engine_ctgan.backend`; this module says what is TVAE's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ctgan
import pandas as pd
from tabular_engine_ctgan.backend import Backend, EpochReporting
from tabular_engine_ctgan.parameters import check_layer_sizes

from .plugin import NAME

if TYPE_CHECKING:
    import torch


class TVAESynthesizer(EpochReporting, ctgan.TVAE):
    """The library's TVAE, reporting each epoch's loss (see :class:`EpochReporting`)."""

    @staticmethod
    def epoch_losses(losses: pd.DataFrame, epoch: int) -> dict[str, float]:
        batches = losses["Loss"][losses["Epoch"] == epoch]  # one row per batch
        return {"loss": float(batches.mean())}


def build(params: dict[str, Any], batch_size: int, device: torch.device) -> TVAESynthesizer:
    return TVAESynthesizer(
        embedding_dim=params["embedding_dim"],
        compress_dims=tuple(params["compress_dims"]),
        decompress_dims=tuple(params["decompress_dims"]),
        l2scale=params["l2scale"],
        batch_size=batch_size,
        epochs=params["epochs"],
        loss_factor=params["loss_factor"],
        enable_gpu=device.type == "cuda",
        verbose=False,
    )  # enable_gpu=True means CUDA, which resolve_device only chose if torch sees a GPU


def check(params: dict[str, Any]) -> None:
    check_layer_sizes(NAME, params, "compress_dims", "decompress_dims")


BACKEND = Backend(name=NAME, build=build, check=check)
