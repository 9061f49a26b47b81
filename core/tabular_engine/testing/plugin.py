"""The pytest plugin of the conformance suite: its fixtures.

pytest loads it by itself wherever tabular-engine is installed (the ``pytest11`` entry
point ``tabular_engine.testing.plugin``). With plugin autoloading turned off
(``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), load it from your top-level conftest.py with
``pytest_plugins = ["tabular_engine.testing.plugin"]``.

It imports nothing but pytest until a fixture is used, so it costs nothing to test
suites that do not use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tabular_engine.plugins import Registry
    from tabular_engine.testing.datasets import TinyDataset
    from tabular_engine.types import GeneratorInfo


@pytest.fixture
def generator_name() -> str:
    """The generator under test: override this fixture in your test class."""
    pytest.fail(
        "the conformance suite needs the generator's name: define a fixture "
        "`generator_name` returning it in your GeneratorConformance subclass"
    )


@pytest.fixture
def fit_params() -> dict[str, Any]:
    """Parameters that make fitting fast (few epochs, small layers); none by default."""
    return {}


@pytest.fixture
def invalid_params() -> list[dict[str, Any]]:
    """Parameter sets your plugin rejects with a ParameterError; none by default."""
    return []


@pytest.fixture(scope="session")
def conformance_registry() -> Registry:
    """The plugins installed in this environment, loaded from their entry points."""
    from tabular_engine.plugins import build_registry

    return build_registry()


@pytest.fixture
def generator_info(conformance_registry: Registry, generator_name: str) -> GeneratorInfo:
    """The registration record of the generator under test."""
    return conformance_registry.get(generator_name)


@pytest.fixture
def tiny_dataset(generator_info: GeneratorInfo) -> TinyDataset:
    """The built-in tiny real dataset of the generator's kind (a fresh copy)."""
    from tabular_engine.testing.datasets import tiny_dataset as load

    return load(generator_info.kind)
