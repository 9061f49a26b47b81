"""smartnoise passes the conformance suite every generator plugin runs.

It fits with mst (the default synthesizer) on the kit's 100 credit rows, with public
bounds for the numeric columns (100 rows are too few to infer them privately), charging
the test's own ledger (``isolated_budget`` in conftest.py). Its own rules across parameters
are the ``invalid_params``.
"""

from __future__ import annotations

import pytest
from tabular_engine.testing import GeneratorConformance

#: Public bounds of the credit columns, wide of the values in the data.
CREDIT_BOUNDS = {
    "Seniority": [0, 50],
    "Time": [0, 72],
    "Age": [18, 90],
    "Expenses": [0, 200],
    "Income": [0, 1000],
    "Assets": [0, 300000],
    "Debt": [0, 50000],
    "Amount": [0, 5000],
    "Price": [0, 12000],
}


class TestSmartnoiseConformance(GeneratorConformance):
    @pytest.fixture(autouse=True)
    def budget(self, isolated_budget, _installed_registry) -> None:
        """Enough budget in the test's ledger for every fit the suite makes."""
        from tabular_engine.budget import set_total

        set_total("default", epsilon=100.0, delta=1e-3)

    @pytest.fixture
    def generator_name(self) -> str:
        return "smartnoise"

    @pytest.fixture
    def fit_params(self) -> dict:
        return {"synthesizer": "mst", "epsilon": 3.0, "bounds": CREDIT_BOUNDS}

    @pytest.fixture
    def invalid_params(self) -> list[dict]:
        return [
            {"synthesizer": "mst", "epochs": 5},  # a parameter of the GAN synthesizers
            {"epsilon": 1.0, "preprocessor_epsilon": 1.0},  # spent out of epsilon
            {"synthesizer": "dpctgan", "batch_size": 51},  # must be even
        ]
