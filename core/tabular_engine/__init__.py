"""tabular-engine: synthetic tabular data from pluggable generators.

The public API is small and imports nothing heavy until it is used::

    import tabular_engine
    model = tabular_engine.fit("credit.csv", "gaussian_copula", seed=0)
    frame = model.sample(1000, seed=1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import detect_metadata, fit, generators, validate
    from .errors import TabularEngineError
    from .executors import sample_dataset
    from .metadata import Metadata
    from .model import Model, load

_EXPORTS = {
    "fit": "api",
    "generators": "api",
    "detect_metadata": "api",
    "validate": "api",
    "load": "model",
    "Model": "model",
    "Metadata": "metadata",
    "TabularEngineError": "errors",
    "sample_dataset": "executors",
}

__all__ = [
    "Metadata",
    "Model",
    "TabularEngineError",
    "__version__",
    "detect_metadata",
    "fit",
    "generators",
    "load",
    "sample_dataset",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'tabular_engine' has no attribute {name!r}")
