"""The deepecho generator: deepecho's BasicGANModel behind the core's sequence codec.

BasicGANModel is a GAN over whole sequences: a recurrent generator turns a context and
one noise vector per step into a sequence, a recurrent discriminator scores sequences.
Each epoch is one step on one batch holding every training sequence, so memory and time
grow with the number of sequences times their length. Long series are therefore learned
in **segments**: a sequence longer than ``segment_size`` rows is cut into segments of that
many rows (its last, shorter piece is left out of training), each a training sequence
with its own start. One long series (``--sequence-index`` and no key, e.g. 27,716
five-minute steps) becomes about a hundred segments, which trains on a CPU in minutes.

Sampling draws each sequence's length from the real (uncut) lengths, or takes
``--sequence-length``; a sequence longer than what the model draws at once is drawn
segment by segment with the same context, its index continuing from one segment to the
next. Context values are those of real sequences, drawn at random, as deepecho itself
does (given context rows take a start from a real sequence with the same context).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabular_engine.errors import InputError
from tabular_engine.log import get_logger
from tabular_engine.sequence_codec import (
    SEQUENCE,
    EncodedSequences,
    SequenceCodec,
    fit_sequence_codec,
)
from tabular_engine.training import resolve_device, seeded

from .plugin import NAME

if TYPE_CHECKING:
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress
    from tabular_engine.types import SampleOptions

logger = get_logger(__name__)


@dataclass
class DeepEchoModel:
    """A fitted deepecho generator: the codec, the GAN and the real contexts to draw from."""

    codec: SequenceCodec
    model: Any
    #: one row per real sequence: context model columns and the start of its index
    contexts: pd.DataFrame
    segment_size: int
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
    ) -> DeepEchoModel:
        codec, frame, table = fit_sequence_codec(
            dataset,
            metadata,
            NAME,
            max_categories=params["max_categories"],
            single_series=True,
        )
        device = resolve_device(params["device"], NAME)
        segment_size = params["segment_size"]
        whole = codec.encode(frame, table)
        encoded = whole
        if max(codec.lengths) > segment_size:
            encoded = _segments(codec.encode(frame, table, segment_size=segment_size), segment_size)
            logger.info(
                f"sequences longer than segment_size={segment_size} rows are cut into segments "
                "of that many rows to train on",
                generator=NAME,
                longest=max(codec.lengths),
                training_sequences=len(encoded.context),
            )
        if len(encoded.context) < 2:
            raise InputError(
                f"table {codec.spec.table!r} holds one sequence of {max(codec.lengths)} rows, "
                f"too short to cut into several segments of {segment_size} rows; lower the "
                f"segment size, e.g. -p segment_size={max(2, max(codec.lengths) // 8)}"
            )
        context_columns = list(encoded.context.columns)
        rows = encoded.data[SEQUENCE].to_numpy()
        training = pd.concat(
            [
                encoded.data.reset_index(drop=True),
                encoded.context.iloc[rows].reset_index(drop=True),
            ],
            axis=1,
        )
        numerical = {
            *codec.data_codec.numerical,
            *codec.context_codec.numerical,
            *(c for c in (codec.start, codec.step) if c is not None),
        }
        data_types = _library_types(training.drop(columns=[SEQUENCE]), numerical)
        for column, kind in data_types.items():
            if kind == "categorical" and column in numerical:
                # deepecho takes the type of a context column from its dtype only
                training[column] = training[column].astype(object)
        from deepecho import BasicGANModel

        model = BasicGANModel(
            epochs=params["epochs"],
            latent_size=params["latent_size"],
            hidden_size=params["hidden_size"],
            gen_lr=params["gen_lr"],
            dis_lr=params["dis_lr"],
            cuda=device.type == "cuda",
            verbose=False,
        )
        progress.start(f"fitting {NAME} ({params['epochs']} epochs)", total=None)
        try:
            with seeded(seed, device), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(
                    training,
                    entity_columns=[SEQUENCE],
                    context_columns=context_columns,
                    data_types=data_types,
                )
        finally:
            progress.finish()
        return cls(
            codec=codec,
            model=model,
            contexts=whole.context.reset_index(drop=True),
            segment_size=segment_size,
            device=params["device"],
            enforce_min_max_values=params["enforce_min_max_values"],
            enforce_rounding=params["enforce_rounding"],
        )

    def sample(
        self, num_rows: int, seed: int, row_offset: int, options: SampleOptions
    ) -> dict[str, pd.DataFrame]:
        """``num_rows`` sequences (or one per context row of ``options``), drawn with ``seed``."""
        rng = np.random.default_rng(seed)
        keys = None
        if options.context is not None:
            given = self.codec.encode_context(options.context)
            keys = self.codec.given_keys(options.context)
            contexts = self._with_starts(given, rng)
        else:
            picks = rng.integers(len(self.contexts), size=num_rows) if num_rows else []
            contexts = self.contexts.iloc[picks].reset_index(drop=True)
        count = len(contexts)
        if options.sequence_length is not None:
            lengths = np.full(count, options.sequence_length)
        else:
            lengths = self.codec.draw_lengths(count, rng)
        device = resolve_device(self.device, NAME, strict=False)
        self._place(device)
        pieces = []
        with seeded(seed, device), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, (context, length) in enumerate(
                zip(contexts.itertuples(index=False), lengths, strict=True)
            ):
                pieces.append(
                    self._sequence(list(context), int(length)).assign(**{SEQUENCE: number})
                )
        data = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=[SEQUENCE])
        table = self.codec.decode(
            contexts,
            data,
            row_offset=row_offset,
            seed=seed,
            keys=keys,
            enforce_min_max=self.enforce_min_max_values,
            enforce_rounding=self.enforce_rounding,
        )
        return {self.codec.spec.table: table}

    def _place(self, device: Any) -> None:
        """Move the generator network to ``device`` (the library keeps it in two places)."""
        if self.model._device != device:
            self.model._device = device
            self.model._generator.device = device
            self.model._generator.to(device)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle with CPU tensors, so a model trained on a GPU loads anywhere."""
        import torch

        self._place(torch.device("cpu"))
        return dict(self.__dict__)

    def _sequence(self, context: list[Any], length: int) -> pd.DataFrame:
        """One sequence of ``length`` rows, drawn piece by piece with the same context."""
        columns = list(self.model._data_columns)
        drawn: list[pd.DataFrame] = []
        rows = 0
        while rows < length:
            values = self.model.sample_sequence(context)
            piece = pd.DataFrame(dict(zip(columns, values, strict=True)), columns=columns)
            if len(piece) == 0:  # the model ended the sequence at once: take its first row
                values = self.model.sample_sequence(context, 1)
                piece = pd.DataFrame(dict(zip(columns, values, strict=True)), columns=columns)
            drawn.append(piece)
            rows += len(piece)
        return pd.concat(drawn, ignore_index=True).iloc[:length]

    def _with_starts(self, given: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Given context rows, each with the start of a real sequence of the same context."""
        start = self.codec.start
        if start is None:
            return given
        real = self.contexts.drop(columns=[start])
        starts = []
        for row in given[real.columns].itertuples(index=False):
            same = (real == pd.Series(list(row), index=real.columns)).all(axis=1).to_numpy()
            candidates = np.flatnonzero(same) if same.any() else np.arange(len(real))
            starts.append(self.contexts[start].iloc[rng.choice(candidates)])
        return given.assign(**{start: starts})[list(self.contexts.columns)]


def _library_types(training: pd.DataFrame, numerical: set[str]) -> dict[str, str]:
    """deepecho's type of each column: ``continuous`` for numbers that vary.

    A number with one value in the whole training data (every sequence starting at 0, one
    step size throughout) is a category of one value instead: deepecho scales a
    continuous column by its range, and a range of 0 turns every weight of the network
    into NaN.
    """
    return {
        column: "continuous"
        if column in numerical and training[column].nunique(dropna=True) > 1
        else "categorical"
        for column in training.columns
    }


def _segments(encoded: EncodedSequences, segment_size: int) -> EncodedSequences:
    """The training sequences of cut sequences: whole segments only.

    The last, shorter piece of a cut sequence is left out, so that training sequences
    have one length where they can; sequences no longer than ``segment_size`` stay whole.
    """
    assert encoded.parents is not None
    lengths = encoded.lengths
    pieces = np.bincount(encoded.parents)[encoded.parents]
    kept = np.flatnonzero((lengths == segment_size) | (pieces == 1))
    renumber = np.full(len(lengths), -1)
    renumber[kept] = np.arange(len(kept))
    rows = np.isin(encoded.data[SEQUENCE].to_numpy(), kept)
    data = encoded.data[rows].copy()
    data[SEQUENCE] = renumber[data[SEQUENCE].to_numpy()]
    return EncodedSequences(
        context=encoded.context.iloc[kept].reset_index(drop=True),
        data=data.reset_index(drop=True),
        lengths=lengths[kept],
        parents=encoded.parents[kept],
    )
