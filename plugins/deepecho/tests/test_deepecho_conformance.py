"""deepecho passes the conformance suite every generator plugin runs (two steps, small layers)."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestDeepechoConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "deepecho"

    @pytest.fixture
    def fit_params(self) -> dict:
        return {"epochs": 2, "latent_size": 4, "hidden_size": 8, "device": "cpu"}
