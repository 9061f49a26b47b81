"""The par generator: SDV's PARSynthesizer behind the core's sequence codec.

The core's :class:`~tabular_engine.sequence_codec.SequenceCodec` turns the user's table
into model frames (numbers and categories; the index as a start per sequence and a step
per row) and back. PARSynthesizer learns them: its Gaussian copula learns the context of
a sequence (the context columns and the start), deepecho's PARModel the rows given the
context. Keys, index, formats and the guarantees of sequential output are the codec's.

Randomness: sdv and deepecho draw from the global generators of torch and numpy; fitting
and sampling run inside :func:`tabular_engine.training.seeded`.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabular_engine.errors import ParameterError
from tabular_engine.log import get_logger
from tabular_engine.sequence_codec import SEQUENCE, SequenceCodec, fit_sequence_codec
from tabular_engine.training import resolve_device, seeded

from .plugin import NAME

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress
    from tabular_engine.types import SampleOptions

logger = get_logger(__name__)


@dataclass
class ParModel:
    """A fitted par generator: the sequence codec and SDV's fitted PARSynthesizer."""

    codec: SequenceCodec
    synthesizer: Any
    context_columns: list[str]
    device: str
    enforce_min_max_values: bool
    enforce_rounding: bool

    @classmethod
    def fit(
        cls,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> ParModel:
        codec, frame, table = fit_sequence_codec(
            dataset, metadata, NAME, max_categories=params["max_categories"]
        )
        device = resolve_device(params["device"], NAME)
        encoded = codec.encode(frame, table)
        context_columns = list(encoded.context.columns)
        training = encoded.context.iloc[encoded.data[SEQUENCE].to_numpy()].reset_index(drop=True)
        training = pd.concat([encoded.data.reset_index(drop=True), training], axis=1)
        with _library():
            from sdv.metadata import Metadata as SDVMetadata
            from sdv.sequential import PARSynthesizer

            synthesizer = PARSynthesizer(
                SDVMetadata.load_from_dict(_sdv_metadata(codec.spec.table, training, codec)),
                context_columns=context_columns,
                epochs=params["epochs"],
                sample_size=params["sample_size"],
                cuda=device.type == "cuda",
                verbose=False,
            )
            progress.start(f"fitting {NAME} ({params['epochs']} epochs)", total=None)
            try:
                with seeded(seed, device):
                    synthesizer.fit({codec.spec.table: training})
            finally:
                progress.finish()
        losses = synthesizer.get_loss_values()
        if losses is not None and len(losses):
            logger.info(
                "trained", generator=NAME, epochs=len(losses), loss=float(losses.iloc[-1, -1])
            )
        return cls(
            codec=codec,
            synthesizer=synthesizer,
            context_columns=context_columns,
            device=params["device"],
            enforce_min_max_values=params["enforce_min_max_values"],
            enforce_rounding=params["enforce_rounding"],
        )

    def sample(
        self, num_rows: int, seed: int, row_offset: int, options: SampleOptions
    ) -> dict[str, pd.DataFrame]:
        """``num_rows`` sequences (or one per context row of ``options``), drawn with ``seed``."""
        device = resolve_device(self.device, NAME, strict=False)
        self._place(device)
        keys = None
        with _library(), seeded(seed, device):
            self._seed_library(seed)
            if options.context is not None:
                rows = self.codec.encode_context(options.context)
                keys = self.codec.given_keys(options.context)
                drawn = self._sample_given(rows, options.sequence_length)
            elif num_rows == 0:
                drawn = None
            else:
                name = self.codec.spec.table
                drawn = self.synthesizer.sample_sequences(num_rows, options.sequence_length)[name]
        if drawn is None or len(drawn) == 0:
            empty = self.codec.decode(
                pd.DataFrame(columns=self.context_columns),
                pd.DataFrame(columns=[SEQUENCE]),
                row_offset=row_offset,
                seed=seed,
            )
            return {self.codec.spec.table: empty}
        sequence = pd.factorize(drawn[SEQUENCE])[0]
        drawn = drawn.assign(**{SEQUENCE: sequence})
        first = np.r_[True, sequence[1:] != sequence[:-1]]
        context = drawn.loc[first, self.context_columns].reset_index(drop=True)
        data = drawn.drop(columns=self.context_columns)
        table = self.codec.decode(
            context,
            data,
            row_offset=row_offset,
            seed=seed,
            keys=keys,
            enforce_min_max=self.enforce_min_max_values,
            enforce_rounding=self.enforce_rounding,
        )
        return {self.codec.spec.table: table}

    def _place(self, device: Any) -> None:
        """Move deepecho's PARModel (inside the synthesizer) to ``device``."""
        network = self.synthesizer._model
        if network.device != device:
            network.device = device
            network._model.to(device)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle with CPU tensors, so a model trained on a GPU loads anywhere."""
        import torch

        self._place(torch.device("cpu"))
        return dict(self.__dict__)

    def _seed_library(self, seed: int) -> None:
        """Seed what does not draw from the global generators: SDV's own random states.

        SDV fixes a random state on its first sample and continues it on later calls;
        the Gaussian copula that draws contexts (a private attribute of PARSynthesizer)
        and the data processors are set from the block's seed instead, so a seed always
        gives the same sequences.
        """
        context_synthesizer = self.synthesizer._context_synthesizer
        self.synthesizer._data_processor.reset_sampling()
        context_synthesizer.reset_sampling()
        context_synthesizer._set_random_state(seed)

    def _sample_given(self, rows: pd.DataFrame, sequence_length: int | None) -> pd.DataFrame:
        """One sequence per given context row, in the rows' order."""
        given = [c for c in rows.columns if c in self.context_columns]
        if not given:
            raise ParameterError(
                "the context rows hold no context column of the model; give "
                + ", ".join(self.codec.spec.context)
            )
        with contextlib.redirect_stderr(io.StringIO()):  # SDV's progress bar of conditions
            drawn = self.synthesizer.sample_sequential_columns(rows[given].copy(), sequence_length)
        return next(iter(drawn.values()))


def _sdv_metadata(table_name: str, training: pd.DataFrame, codec: SequenceCodec) -> dict:
    """SDV metadata of the model frame: the sequence number, numbers and categories."""
    numerical = {
        *codec.data_codec.numerical,
        *codec.context_codec.numerical,
        *(c for c in (codec.start, codec.step) if c is not None),
    }
    columns: dict[str, dict] = {SEQUENCE: {"sdtype": "id"}}
    for name in training.columns:
        if name != SEQUENCE:
            columns[name] = {"sdtype": "numerical" if name in numerical else "categorical"}
    return {
        "METADATA_SPEC_VERSION": "V1",
        "tables": {table_name: {"columns": columns, "sequence_key": SEQUENCE}},
        "relationships": [],
    }


@contextmanager
def _library() -> Iterator[None]:
    """sdv and deepecho's warnings about things the codec already handled, silenced."""
    import logging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdv_logger = logging.getLogger("sdv")
        level = sdv_logger.level
        sdv_logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            sdv_logger.setLevel(level)
