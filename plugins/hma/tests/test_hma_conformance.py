"""hma passes the conformance suite every generator plugin runs."""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance


class TestHmaConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self) -> str:
        return "hma"
