"""ctgan passes the conformance suite every generator plugin runs (one epoch, tiny layers)."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestCtganConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "ctgan"

    @pytest.fixture
    def fit_params(self) -> dict:
        return {
            "epochs": 1,
            "batch_size": 20,
            "embedding_dim": 8,
            "generator_dim": [16],
            "discriminator_dim": [16],
            "device": "cpu",
        }

    @pytest.fixture
    def invalid_params(self) -> list[dict]:
        return [
            {"batch_size": 25, "pac": 10},
            {"batch_size": 15, "pac": 5},
            {"generator_dim": [16, 0]},
            {"discriminator_dim": ["wide"]},
        ]
