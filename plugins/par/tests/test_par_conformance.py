"""par passes the conformance suite every generator plugin runs (one epoch)."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestParConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "par"

    @pytest.fixture
    def fit_params(self) -> dict:
        return {"epochs": 1, "device": "cpu"}
