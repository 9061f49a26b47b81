"""The example generator passes the conformance suite: the whole test a plugin needs."""

import pytest
from tabular_engine.testing import GeneratorConformance


class TestIndependentConformance(GeneratorConformance):
    @pytest.fixture
    def generator_name(self):
        return "independent"

    @pytest.fixture
    def invalid_params(self):
        return [{"exact_columns": ["NoSuchColumn"]}, {"exact_columns": ["Home"]}]
