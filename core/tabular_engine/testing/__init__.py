"""The conformance kit for generator plugins.

``GeneratorConformance`` is a test class to subclass; its fixtures come from the pytest
plugin :mod:`tabular_engine.testing.plugin`. See docs/writing-a-plugin.md.
"""

from __future__ import annotations

from typing import Any

try:  # plain asserts in the suite report the values compared, as in your own tests
    import pytest

    pytest.register_assert_rewrite("tabular_engine.testing.conformance")
except ImportError:  # pragma: no cover - the kit is only useful under pytest
    pass

__all__ = ["HEAVY_MODULES", "GeneratorConformance", "TinyDataset", "tiny_dataset"]


def __getattr__(name: str) -> Any:
    """Import the suite (pandas, the core) only when a test module asks for it."""
    if name == "GeneratorConformance":
        from .conformance import GeneratorConformance

        return GeneratorConformance
    if name == "HEAVY_MODULES":
        from .checks import HEAVY_MODULES

        return HEAVY_MODULES
    if name in ("TinyDataset", "tiny_dataset"):
        from . import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
