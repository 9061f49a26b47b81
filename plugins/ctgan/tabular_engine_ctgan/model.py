"""The ctgan generator: the ctgan library's CTGAN behind the core's column codec.

Everything but the network itself is shared with the tvae generator in
:mod:`tabular_engine_ctgan.backend`; this module says what is CTGAN's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ctgan
import pandas as pd

from .backend import Backend, EpochReporting
from .parameters import check_batch_size_and_pac, check_layer_sizes, pac_multiple
from .plugin import NAME

if TYPE_CHECKING:
    import torch


class CTGANSynthesizer(EpochReporting, ctgan.CTGAN):
    """The library's CTGAN, reporting each epoch's losses (see :class:`EpochReporting`)."""

    @staticmethod
    def epoch_losses(losses: pd.DataFrame, epoch: int) -> dict[str, float]:
        last = losses.iloc[-1]  # one row per epoch: the losses of its last step
        return {
            "generator_loss": float(last["Generator Loss"]),
            "discriminator_loss": float(last["Discriminator Loss"]),
        }


def build(params: dict[str, Any], batch_size: int, device: torch.device) -> CTGANSynthesizer:
    synthesizer = CTGANSynthesizer(
        embedding_dim=params["embedding_dim"],
        generator_dim=tuple(params["generator_dim"]),
        discriminator_dim=tuple(params["discriminator_dim"]),
        generator_lr=params["generator_lr"],
        generator_decay=params["generator_decay"],
        discriminator_lr=params["discriminator_lr"],
        discriminator_decay=params["discriminator_decay"],
        batch_size=batch_size,
        discriminator_steps=params["discriminator_steps"],
        log_frequency=params["log_frequency"],
        epochs=params["epochs"],
        pac=params["pac"],
        enable_gpu=device.type == "cuda",
        verbose=False,
    )
    synthesizer.set_device(device)
    return synthesizer


def check(params: dict[str, Any]) -> None:
    check_batch_size_and_pac(NAME, params)
    check_layer_sizes(NAME, params, "generator_dim", "discriminator_dim")


BACKEND = Backend(
    name=NAME,
    build=build,
    check=check,
    batch_multiple=lambda params: pac_multiple(params["pac"]),
)
