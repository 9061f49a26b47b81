"""tvae passes the conformance suite every generator plugin runs (one epoch, tiny layers)."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestTvaeConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "tvae"

    @pytest.fixture
    def fit_params(self) -> dict:
        return {
            "epochs": 1,
            "batch_size": 20,
            "embedding_dim": 8,
            "compress_dims": [16],
            "decompress_dims": [16],
            "device": "cpu",
        }

    @pytest.fixture
    def invalid_params(self) -> list[dict]:
        return [{"compress_dims": [16, -1]}, {"decompress_dims": [2.5]}]
