"""A ready-made plugin for one generator: the usual hooks, the heavy model imported late.

Most backends need nothing more than this::

    # tabular_engine_mybackend/plugin.py
    from tabular_engine.backend import GeneratorPlugin
    from tabular_engine.types import GeneratorInfo, Kind

    plugin = GeneratorPlugin(
        GeneratorInfo("mybackend", Kind.SINGLE_TABLE, "What it does."),
        model="tabular_engine_mybackend.model:MyModel",
    )

with the entry point ``tabular-engine-mybackend = "tabular_engine_mybackend.plugin:plugin"``.
``MyModel.fit(dataset, metadata, params, seed, progress)`` returns a picklable fitted model
whose ``sample(num_rows, seed, row_offset)`` returns ``{table_name: DataFrame}`` (multi-table
and sequential models also receive the :class:`~tabular_engine.types.SampleOptions` as a
fourth argument). The model
module is imported only when the generator fits, so listing plugins stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl
from .types import Kind

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata
    from .progress import Progress
    from .types import GeneratorInfo, SampleOptions


class GeneratorPlugin:
    """The register, fit and sample hooks of one generator, declining other names."""

    def __init__(self, info: GeneratorInfo, model: str) -> None:
        module, _, attribute = model.partition(":")
        if not module or not attribute:
            raise ValueError(f"model must read 'package.module:Class', got {model!r}")
        self.info = info
        self.model = model
        self.__name__ = f"{info.name} generator"

    def model_class(self) -> Any:
        """The model class, imported now."""
        module, _, attribute = self.model.partition(":")
        return getattr(importlib.import_module(module), attribute)

    @hookimpl
    def register_generators(self) -> list[GeneratorInfo]:
        return [self.info]

    @hookimpl
    def fit(
        self,
        generator: str,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> Any:
        if generator != self.info.name:
            return None
        return self.model_class().fit(dataset, metadata, params, seed, progress)

    @hookimpl
    def sample(
        self,
        generator: str,
        state: Any,
        num_rows: int,
        seed: int,
        row_offset: int,
        options: SampleOptions,
    ) -> dict[str, pd.DataFrame] | None:
        if generator != self.info.name:
            return None
        if self.info.kind is Kind.SINGLE_TABLE:
            return state.sample(num_rows, seed, row_offset)
        return state.sample(num_rows, seed, row_offset, options)
