"""The fitted state of the ``hma`` generator: SDV's HMASynthesizer and what sampling needs.

sdv is imported here only, and this module only when the generator fits or a model file
is loaded; listing plugins never loads it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tabular_engine.errors import InputError, MetadataError
from tabular_engine.log import get_logger
from tabular_engine.training import seeded

from .schema import (
    check_limits,
    check_main_table,
    check_multi_table,
    default_main_table,
    sdv_metadata_dict,
)

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress
    from tabular_engine.types import SampleOptions

logger = get_logger(__name__)


@dataclass
class HMAModel:
    """A fitted HMASynthesizer, the real table sizes and an empty frame of each table."""

    synthesizer: Any
    table_sizes: dict[str, int]
    empty_tables: dict[str, pd.DataFrame]
    main_table: str

    @classmethod
    def fit(
        cls,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> HMAModel:
        """Check the schema against HMA's limits, then fit SDV's HMASynthesizer."""
        check_multi_table(metadata)
        check_limits(metadata)
        sizes = {name: len(frame) for name, frame in dataset.items()}
        progress.start(f"fitting hma on {len(dataset)} tables (SDV's HMASynthesizer)")
        try:
            synthesizer = _new_synthesizer(metadata, params)
            with seeded(seed), _library_errors("fitting"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                synthesizer.fit({name: frame.copy() for name, frame in dataset.items()})
        finally:
            progress.finish()
        return cls(
            synthesizer=synthesizer,
            table_sizes=sizes,
            empty_tables={name: frame.iloc[:0].copy() for name, frame in dataset.items()},
            main_table=default_main_table(metadata, sizes),
        )

    def sample(
        self, num_rows: int, seed: int, row_offset: int, options: SampleOptions
    ) -> dict[str, pd.DataFrame]:
        """Every table, sized by ``options.scale`` or by ``num_rows`` rows of the main table.

        ``row_offset`` is unused: a multi-table sample is drawn in one piece, and SDV makes
        every primary key of it unique. Each call starts from the state left by fitting,
        so a seed gives the same tables whatever was drawn before; one model samples one
        call at a time (the library keeps its sampling state on the synthesizer).
        """
        scale = options.scale
        main_table = self.main_table
        if options.main_table is not None:
            main_table = check_main_table(options.main_table, list(self.empty_tables))
        if scale is None:
            if num_rows == 0:
                return {name: frame.copy() for name, frame in self.empty_tables.items()}
            scale = num_rows / self.table_sizes[main_table]
        logger.info("sampling", generator="hma", main_table=main_table, scale=scale, seed=seed)
        synthesizer = self.synthesizer
        synthesizer.reset_sampling()  # the library's own way back to the state after fitting
        synthesizer._numpy_seed = seed  # HMA seeds numpy's global generator with it
        # Each table's synthesizer would otherwise draw from SDV's one fixed seed, whatever
        # the seed asked for: give each its own stream, from the seed and the table's name.
        for name, table_synthesizer in synthesizer._table_synthesizers.items():
            table_synthesizer._set_random_state(table_seed(seed, name))
        with seeded(seed), _library_errors("sampling"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables = synthesizer.sample_scale(scale=scale)
        return {name: tables[name].reset_index(drop=True) for name in self.empty_tables}


def table_seed(seed: int, table: str) -> int:
    """The seed of ``table``'s synthesizer when the whole dataset is drawn with ``seed``."""
    import zlib

    return (seed * 1_000_003 + zlib.crc32(table.encode())) % 2**32


def _new_synthesizer(metadata: Metadata, params: dict[str, Any]) -> Any:
    from .ordered import OrderedHMASynthesizer, OrderedMetadata

    with _library_errors("reading the metadata"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdv_metadata = OrderedMetadata.load_from_dict(sdv_metadata_dict(metadata))
        synthesizer = OrderedHMASynthesizer(sdv_metadata, verbose=False)
    distribution = params.get("default_distribution")
    if distribution is not None:
        for table in metadata.tables:
            synthesizer.set_table_parameters(table, {"default_distribution": distribution})
    return synthesizer


class _library_errors:
    """Turn the library's complaints about the input into one-line user errors."""

    def __init__(self, doing: str) -> None:
        self.doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> bool:
        if error is None:
            return False
        from sdv.errors import InvalidDataError, SynthesizerInputError
        from sdv.metadata.errors import InvalidMetadataError

        if isinstance(error, (InvalidMetadataError, InvalidDataError, SynthesizerInputError)):
            reason = " ".join(str(error).split())
            wrapper = MetadataError if isinstance(error, InvalidMetadataError) else InputError
            raise wrapper(f"SDV's HMASynthesizer refused the input while {self.doing}: {reason}")
        return False
