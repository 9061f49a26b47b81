"""gaussian_copula passes the conformance suite every generator plugin runs."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestGaussianCopulaConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "gaussian_copula"

    @pytest.fixture
    def invalid_params(self) -> list[dict]:
        return [
            {"numerical_distributions": {"NoSuchColumn": "norm"}},
            {"numerical_distributions": {"Home": "norm"}},
            {"numerical_distributions": {"Age": "cauchy"}},
        ]
