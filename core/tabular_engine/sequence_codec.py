"""Sequences to model frames and back, shared by every sequential backend.

:class:`SequenceCodec` splits a checked sequential table (see
:mod:`tabular_engine.sequences`) into what a sequence model learns:

* one **context row** per sequence: the context columns, encoded by a
  :class:`~tabular_engine.columns.TableCodec`, plus ``<index>#start``, where the sequence
  begins (seconds since the epoch for a datetime index);
* the **data rows**, in index order: the other columns, encoded by a ``TableCodec``, plus
  ``<index>#step``, the logarithm of the distance from the previous row (the first row
  repeats the second row's step; the logarithm keeps rare long gaps, such as nights
  between five-minute steps, from dominating the scale), and ``#sequence``, the
  sequence number.

Decoding does the reverse and makes the guarantees of sequential output hold by
construction: one new key per sequence, shaped like the real keys and numbered from the
block's row offset; an index that starts at the drawn start and adds steps clipped to the
real range of steps and kept on the real grid (whole days, five minutes, integers ...), so
it strictly increases within each sequence and comes back in the input's own format;
context values decoded once per sequence and repeated on its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .columns import TableCodec
from .errors import InputError
from .log import get_logger
from .metadata import Column, Table
from .sequences import SequenceSpec, check_sequences, sortable_values

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata

logger = get_logger(__name__)

SEQUENCE = "#sequence"


@dataclass
class EncodedSequences:
    """Model frames of a sequential table: one context row per sequence, the data rows."""

    context: pd.DataFrame  # one row per sequence, in sequence order
    data: pd.DataFrame  # SEQUENCE (0 .. sequences - 1), then data model columns
    lengths: np.ndarray
    #: for each sequence of ``context``, the real sequence it comes from (several when cut)
    parents: np.ndarray | None = None


@dataclass
class SequenceCodec:
    """Encodes a sequential table for a sequence model and decodes what it draws."""

    spec: SequenceSpec
    columns: list[str]
    key_codec: TableCodec | None
    context_codec: TableCodec
    data_codec: TableCodec
    index_codec: TableCodec | None
    start: str | None
    step: str | None
    min_step: float = 0.0
    max_step: float = 0.0
    resolution: float | None = None
    #: real sequence lengths (before any cut into segments)
    lengths: tuple[int, ...] = ()
    #: the values each non-numerical context column takes in the training data
    context_values: dict[str, frozenset] = field(default_factory=dict)

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, table: Table, spec: SequenceSpec, max_categories: int | None
    ) -> SequenceCodec:
        """Learn every column of ``frame`` (already checked by ``check_sequences``)."""
        ordered = _ordered(frame, table, spec)
        key_codec = None
        if spec.key is not None:
            key_codec = TableCodec.fit(ordered[[spec.key]], Table({spec.key: Column("id")}))
        data_columns = [c for c in table.columns if c not in spec.special]
        data_codec = TableCodec.fit(
            ordered[data_columns], _subtable(table, data_columns), max_categories=max_categories
        )
        firsts = _first_rows(ordered, spec)
        context_codec = TableCodec.fit(
            firsts[list(spec.context)],
            _subtable(table, list(spec.context)),
            max_categories=max_categories,
        )
        codec = cls(
            spec=spec,
            columns=[str(c) for c in frame.columns],
            key_codec=key_codec,
            context_codec=context_codec,
            data_codec=data_codec,
            index_codec=None,
            start=None,
            step=None,
            lengths=tuple(int(n) for n in _lengths(ordered, spec)),
            context_values={
                plan.name: frozenset(firsts[plan.name].dropna())
                for plan in context_codec.plans
                if plan.sdtype not in ("numerical", "datetime")
            },
        )
        if spec.index is not None:
            codec._fit_index(ordered, table)
        return codec

    def _fit_index(self, ordered: pd.DataFrame, table: Table) -> None:
        index = self.spec.index
        assert index is not None
        column = table.columns[index]
        self.index_codec = TableCodec.fit(ordered[[index]], Table({index: column}))
        plan = self.index_codec.plans[0]
        taken = (
            set(self.columns) | set(self.data_codec.numerical) | set(self.data_codec.categorical)
        )
        self.start = _free(f"{index}#start", taken | set(self.context_codec.categorical))
        self.step = _free(f"{index}#step", taken)
        steps = self._steps(ordered, table)
        positive = steps[steps > 0]
        self.min_step = float(positive.min()) if len(positive) else 1.0
        self.max_step = float(positive.max()) if len(positive) else 1.0
        if column.sdtype == "datetime":
            self.resolution = plan.resolution
        elif plan.decimals is not None:
            self.resolution = 10.0**-plan.decimals

    def _steps(self, ordered: pd.DataFrame, table: Table) -> np.ndarray:
        """Each row's distance from the previous row of its sequence; first rows: NaN."""
        index = self.spec.index
        assert index is not None
        values = sortable_values(ordered[index], table.columns[index])
        steps = np.diff(values, prepend=np.nan)
        steps[_starts(ordered, self.spec)] = np.nan
        return steps

    # -- encoding ---------------------------------------------------------------------------

    def encode(
        self, frame: pd.DataFrame, table: Table, segment_size: int | None = None
    ) -> EncodedSequences:
        """Model frames of ``frame``; sequences longer than ``segment_size`` are cut."""
        import pandas as pd

        ordered = _ordered(frame, table, self.spec)
        sequence = _sequence_numbers(ordered, self.spec)
        parent = sequence
        if segment_size is not None:
            position = pd.Series(sequence).groupby(sequence).cumcount().to_numpy()
            segment = position // segment_size
            sequence = pd.factorize(sequence * (int(segment.max()) + 1) + segment)[0]
        starts = np.r_[True, sequence[1:] != sequence[:-1]]
        parents = parent[starts]
        data = self.data_codec.encode(ordered.reset_index(drop=True))
        firsts = ordered[starts].reset_index(drop=True)
        context = self.context_codec.encode(firsts)
        if self.spec.index is not None:
            values = sortable_values(ordered[self.spec.index], table.columns[self.spec.index])
            steps = np.diff(values, prepend=np.nan)
            steps[starts] = np.nan
            steps = pd.Series(steps).groupby(sequence).bfill().fillna(self.min_step).to_numpy()
            data[self.step] = np.log(steps)  # long gaps (nights, weekends) on a tamer scale
            context[self.start] = values[starts]
        data.insert(0, SEQUENCE, sequence)
        lengths = np.bincount(sequence)
        return EncodedSequences(context=context, data=data, lengths=lengths, parents=parents)

    def encode_context(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Context model columns of user-given context rows (``--context-file``)."""
        missing = [c for c in self.spec.context if c not in rows.columns]
        if not self.spec.context:
            raise InputError(
                "this model was fitted without context columns, so it cannot draw sequences "
                "for given context rows; refit with --context COL, or use --sequences N"
            )
        if missing:
            raise InputError(
                f"the context rows lack column(s) {', '.join(missing)}; give every context "
                f"column the model was fitted with: {', '.join(self.spec.context)}"
            )
        rows = rows.reset_index(drop=True)
        self._check_context_domain(rows)
        return self.context_codec.encode(rows)

    def _check_context_domain(self, rows: pd.DataFrame) -> None:
        """Refuse given context values the model never saw: it cannot draw for them."""
        for plan in self.context_codec.plans:
            given = rows[plan.name].dropna()
            # a model file saved before context_values existed has no domain to check
            seen = getattr(self, "context_values", {}).get(plan.name)
            if seen is not None:
                unseen = [value for value in given.unique() if value not in seen]
                if unseen:
                    raise InputError(
                        f"context column {plan.name!r}: value(s) {_listed(unseen)} never "
                        f"occur in the training data (it has {_listed(sorted(seen, key=str))}); "
                        "the model draws sequences only for contexts it learned"
                    )
            elif plan.sdtype == "numerical" and plan.minimum is not None:
                import pandas as pd

                numbers = pd.to_numeric(given, errors="coerce")
                outside = given[(numbers < plan.minimum) | (numbers > plan.maximum)]
                if len(outside):
                    raise InputError(
                        f"context column {plan.name!r}: value(s) {_listed(outside.unique())} "
                        f"lie outside the training data's range ({plan.minimum:g} to "
                        f"{plan.maximum:g}); the model draws sequences only for contexts it "
                        "learned"
                    )

    def given_keys(self, rows: pd.DataFrame) -> pd.Series | None:
        """The sequence keys of user-given context rows, when they carry the key column."""
        key = self.spec.key
        if key is None or key not in rows.columns:
            return None
        keys = rows[key].reset_index(drop=True)
        if keys.isna().any() or not keys.is_unique:
            raise InputError(
                f"the context rows give sequence key {key!r} with empty or repeated values; "
                "give one unique key per row, or leave the column out to number them"
            )
        return keys

    # -- decoding ---------------------------------------------------------------------------

    def decode(
        self,
        context: pd.DataFrame,
        data: pd.DataFrame,
        *,
        row_offset: int,
        seed: int,
        keys: pd.Series | None = None,
        enforce_min_max: bool = True,
        enforce_rounding: bool = True,
    ) -> pd.DataFrame:
        """The user's table rebuilt from drawn model frames.

        ``context`` has one row per sequence (with ``<index>#start``); ``data`` has the
        sequence number in ``#sequence`` (0 .. len(context) - 1, rows in order). Keys are
        new ids numbered from ``row_offset``, or ``keys`` when given.
        """
        import pandas as pd

        if len(data) == 0:  # nothing drawn: the right columns, no rows
            data = pd.DataFrame(columns=[SEQUENCE, *self._model_columns(self.data_codec)])
            context = pd.DataFrame(columns=self._model_columns(self.context_codec, self.start))
        sequences = len(context)
        sequence = data[SEQUENCE].to_numpy(dtype="int64")
        body = self.data_codec.decode(
            _filled(data.drop(columns=[SEQUENCE]), self.data_codec, sequence),
            row_offset=row_offset,
            enforce_min_max=enforce_min_max,
            enforce_rounding=enforce_rounding,
            seed=seed,
        )
        columns: dict[str, Any] = {c: body[c] for c in body.columns}
        decoded_context = self.context_codec.decode(
            context.reset_index(drop=True), row_offset=row_offset, seed=seed
        )
        for name in decoded_context.columns:
            columns[name] = decoded_context[name].iloc[sequence].reset_index(drop=True)
        if self.key_codec is not None and self.spec.key is not None:
            if keys is None:
                keys = self.key_codec.decode(
                    pd.DataFrame(index=range(sequences)), row_offset=row_offset
                )[self.spec.key]
            columns[self.spec.key] = pd.Series(keys).iloc[sequence].reset_index(drop=True)
        if self.spec.index is not None:
            columns[self.spec.index] = self._decode_index(context, data, sequence)
        frame = pd.DataFrame(columns, index=range(len(data)))
        return frame[self.columns]

    def _model_columns(self, codec: TableCodec, extra: str | None = None) -> list[str]:
        columns = [*codec.numerical, *codec.categorical]
        index_column = self.step if codec is self.data_codec else extra
        return columns + ([index_column] if index_column is not None else [])

    def _decode_index(
        self, context: pd.DataFrame, data: pd.DataFrame, sequence: np.ndarray
    ) -> pd.Series:
        import pandas as pd

        assert self.index_codec is not None and self.spec.index is not None
        with np.errstate(over="ignore", invalid="ignore"):
            steps = np.exp(data[self.step].to_numpy(dtype="float64"))
        steps = np.where(np.isnan(steps), self.min_step, steps)
        steps = np.clip(steps, self.min_step, self.max_step)
        starts = context[self.start].to_numpy(dtype="float64")
        if self.resolution:
            steps = np.maximum(np.round(steps / self.resolution), 1) * self.resolution
            steps = np.maximum(steps, self.min_step)
            starts = np.round(starts / self.resolution) * self.resolution
        first = np.r_[True, sequence[1:] != sequence[:-1]] if len(sequence) else np.array([])
        steps = np.where(first, 0.0, steps)
        group_sums = pd.Series(steps).groupby(sequence).cumsum().to_numpy()
        values = starts[sequence] + group_sums
        restored = self.index_codec.decode(
            pd.DataFrame({self.spec.index: values}), enforce_min_max=False
        )
        return restored[self.spec.index]

    # -- lengths ----------------------------------------------------------------------------

    def draw_lengths(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` sequence lengths drawn from the real ones."""
        return rng.choice(np.asarray(self.lengths), size=count, replace=True)


def fit_sequence_codec(
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    generator: str,
    *,
    max_categories: int | None,
    single_series: bool = False,
) -> tuple[SequenceCodec, pd.DataFrame, Table]:
    """Check the training data (:func:`check_sequences`) and learn its codec.

    Returns the codec, the training table and its metadata; logs how columns are handled.
    """
    spec = check_sequences(dataset, metadata, generator, single_series=single_series)
    frame, table = dataset[spec.table], metadata.tables[spec.table]
    codec = SequenceCodec.fit(frame, table, spec, max_categories)
    for part in (codec.context_codec, codec.data_codec):
        for note in part.notes:
            logger.info("column handling", generator=generator, table=spec.table, note=note)
        for warning in part.warnings:
            logger.warning("column handling", generator=generator, table=spec.table, note=warning)
    logger.info(
        "sequences",
        generator=generator,
        table=spec.table,
        sequences=len(codec.lengths),
        longest=max(codec.lengths),
        key=spec.key,
        index=spec.index,
        context=list(spec.context),
    )
    return codec, frame, table


def _filled(model: pd.DataFrame, codec: TableCodec, sequence: np.ndarray) -> pd.DataFrame:
    """``model`` with numbers the network left out (NaN) filled in.

    A model may mark a value as missing in a column that had none (deepecho does so with
    few epochs); such gaps take the previous value of their sequence (else the next, else
    the middle of the real range), so the output has no missing values the data never had.
    """
    model = model.reset_index(drop=True)
    for plan in codec.plans:
        if plan.name not in codec.numerical or not model[plan.name].isna().any():
            continue
        values = (
            model[plan.name]
            .astype("float64")
            .groupby(sequence)
            .transform(lambda group: group.ffill().bfill())
        )
        middle = (plan.minimum + plan.maximum) / 2 if plan.minimum is not None else 0.0
        model[plan.name] = values.fillna(middle).to_numpy()
    return model


def _ordered(frame: pd.DataFrame, table: Table, spec: SequenceSpec) -> pd.DataFrame:
    """``frame`` with each sequence's rows together (first-seen order) and in index order."""
    import pandas as pd

    order: dict[str, Any] = {}
    if spec.key is not None:
        order["__sequence"] = pd.factorize(frame[spec.key])[0]
    if spec.index is not None:
        order["__index"] = sortable_values(frame[spec.index], table.columns[spec.index])
    if not order:
        return frame.reset_index(drop=True)
    keys = pd.DataFrame(order, index=frame.index)
    positions = keys.sort_values(list(order), kind="stable").index
    return frame.loc[positions].reset_index(drop=True)


def _sequence_numbers(ordered: pd.DataFrame, spec: SequenceSpec) -> np.ndarray:
    import pandas as pd

    if spec.key is None:
        return np.zeros(len(ordered), dtype="int64")
    return pd.factorize(ordered[spec.key])[0].astype("int64")


def _listed(values: Any, most: int = 8) -> str:
    """Up to ``most`` values for a message, and how many more there are."""
    values = [str(value) for value in values]
    more = f" and {len(values) - most} more" if len(values) > most else ""
    return ", ".join(values[:most]) + more


def _starts(ordered: pd.DataFrame, spec: SequenceSpec) -> np.ndarray:
    sequence = _sequence_numbers(ordered, spec)
    return np.r_[True, sequence[1:] != sequence[:-1]] if len(sequence) else np.array([], bool)


def _first_rows(ordered: pd.DataFrame, spec: SequenceSpec) -> pd.DataFrame:
    return ordered[_starts(ordered, spec)].reset_index(drop=True)


def _lengths(ordered: pd.DataFrame, spec: SequenceSpec) -> np.ndarray:
    return np.bincount(_sequence_numbers(ordered, spec))


def _subtable(table: Table, columns: list[str]) -> Table:
    return Table({name: table.columns[name] for name in columns})


def _free(name: str, taken: set) -> str:
    while name in taken:
        name += "_"
    return name
