"""Sequential data: which column names the entity, which orders its rows, what stays constant.

A sequential table holds many rows per entity (a chick, a firm, a patient), in order:

* the **sequence key** names the entity (``--sequence-key``);
* the **sequence index** orders its rows: numbers or datetimes (``--sequence-index``);
* **context columns** hold values constant within each sequence (``--context``).

They live in :class:`~tabular_engine.metadata.Table` (``sequence_key``, ``sequence_index``,
``context_columns``). :func:`apply_sequence_options` overlays what the user gave on the
metadata and detects the rest where it is obvious; :func:`check_sequences` is the one set
of checks of bad input every sequential backend runs before training.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, MetadataError
from .log import get_logger

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata, Table

logger = get_logger(__name__)

#: Names that suggest an ordering column, preferred when several could be the index.
_INDEX_NAME = re.compile(r"(time|date|year|month|day|hour|step|index|period|seq|visit|t$)", re.I)
_KEY_NAME = re.compile(r"(^id$|_id$|^id_|[a-z]Id$|ID$|key|entity|name$)", re.I)
_FLAGS = "--sequence-key COL (Python: sequence_key=)"


@dataclass(frozen=True)
class SequenceSpec:
    """The sequence columns of one table, checked against its data."""

    table: str
    key: str | None
    index: str | None
    context: tuple[str, ...]

    @property
    def special(self) -> set[str]:
        """The key, index and context columns: everything that is not a data column."""
        return {c for c in (self.key, self.index, *self.context) if c is not None}


def apply_sequence_options(
    metadata: Metadata,
    dataset: dict[str, pd.DataFrame],
    *,
    sequence_key: str | None = None,
    sequence_index: str | None = None,
    context_columns: list[str] | tuple[str, ...] | None = None,
    detect_missing: bool = True,
    key_as_id: bool = True,
) -> Metadata:
    """``metadata`` with the given sequence columns set, and the others detected.

    Given names win over the metadata; with ``detect_missing`` a key, index or context
    that is neither given nor in the metadata is detected where it is obvious (see
    :func:`detect_sequence_columns`). With ``key_as_id`` the sequence key becomes an
    ``id`` column (as SDV requires); a single-table generator keeps its type, so that
    the entity's values are learned rather than replaced by unique ids.
    """
    from .metadata import Column, Metadata

    if len(metadata.tables) != 1:
        if sequence_key or sequence_index or context_columns:
            raise InputError(
                "sequence options describe one table but the input has "
                f"{len(metadata.tables)}; give one file"
            )
        return metadata
    ((name, table),) = metadata.tables.items()
    frame = dataset[name]
    for option, column in (("--sequence-key", sequence_key), ("--sequence-index", sequence_index)):
        if column is not None:
            _check_column(table, name, column, option)
    for column in context_columns or ():
        _check_column(table, name, column, "--context")
    table = replace(
        table,
        sequence_key=sequence_key if sequence_key is not None else table.sequence_key,
        sequence_index=sequence_index if sequence_index is not None else table.sequence_index,
        context_columns=list(context_columns) if context_columns else list(table.context_columns),
        columns=dict(table.columns),
    )
    if detect_missing:
        table = _detect_missing(frame, table, name, context_given=bool(context_columns))
    key = table.sequence_key
    if key_as_id and key is not None and table.columns[key].sdtype != "id":
        table.columns[table.sequence_key] = Column("id")
        if table.primary_key == table.sequence_key:
            table.primary_key = None
    return Metadata({name: table}, metadata.relationships)


def _check_column(table: Table, table_name: str, column: str, option: str) -> None:
    if column not in table.columns:
        raise MetadataError(
            f"{option} {column!r}: table {table_name!r} has no such column; its columns are "
            f"{', '.join(map(str, table.columns))}"
        )


def _detect_missing(frame: pd.DataFrame, table: Table, name: str, context_given: bool) -> Table:
    key, index = table.sequence_key, table.sequence_index
    if key is None and index is None:
        key, index = detect_sequence_columns(frame, table)
        if key is not None:
            logger.info("detected sequence columns", table=name, sequence_key=key, index=index)
    elif index is None and key is not None:
        index = _detect_index(frame, table, key)
        if index is not None:
            logger.info("detected sequence index", table=name, sequence_key=key, index=index)
    context = list(table.context_columns)
    if not context and not context_given and key is not None and key in frame:
        context = detect_context_columns(frame, key, exclude={key, index})
        if context:
            logger.info("detected context columns", table=name, context=context)
    return replace(table, sequence_key=key, sequence_index=index, context_columns=context)


# -- detection ------------------------------------------------------------------------------


def detect_sequence_columns(frame: pd.DataFrame, table: Table) -> tuple[str | None, str | None]:
    """The sequence key and index of ``frame`` when they are obvious, else None for each.

    A key is a column with repeated values, no nulls and at least two distinct values,
    whose rows sit in contiguous runs (as sequences are stored) and within whose every
    run another column (numbers or datetimes) strictly increases: that column is the
    index. With no such key, a datetime column strictly increasing over the whole table
    is the index of one long series. Ambiguity detects nothing: give the flags.
    """
    import pandas as pd

    keys = []
    for column in frame.columns:
        series = frame[column]
        if table.columns[column].sdtype not in ("id", "categorical", "numerical"):
            continue
        if series.dtype.kind == "f" or series.isna().any():
            continue
        distinct = series.nunique()
        if not 2 <= distinct < len(series):
            continue
        codes = pd.factorize(series)[0]
        runs = 1 + int(np.count_nonzero(codes[1:] != codes[:-1]))
        if runs != distinct:
            continue
        index = _detect_index(frame, table, str(column))
        if index is not None:
            keys.append((str(column), index))
    if len(keys) > 1:
        named = [pair for pair in keys if _KEY_NAME.search(pair[0])]
        keys = named if len(named) == 1 else keys
    if len(keys) == 1:
        return keys[0]
    if keys:
        logger.info("several columns could be the sequence key", candidates=[k for k, _ in keys])
        return None, None
    series_index = [
        c
        for c in frame.columns
        if table.columns[c].sdtype == "datetime" and _increasing(frame, None, str(c), table)
    ]
    return (None, str(series_index[0])) if len(series_index) == 1 else (None, None)


def _detect_index(frame: pd.DataFrame, table: Table, key: str) -> str | None:
    candidates = [
        str(c)
        for c in frame.columns
        if c != key
        and table.columns[c].sdtype in ("numerical", "datetime")
        and _increasing(frame, key, str(c), table)
    ]
    for preferred in (
        [c for c in candidates if table.columns[c].sdtype == "datetime"],
        [c for c in candidates if _INDEX_NAME.search(c)],
        candidates,
    ):
        if len(preferred) == 1:
            return preferred[0]
        if len(preferred) > 1:
            return None
    return None


def _increasing(frame: pd.DataFrame, key: str | None, column: str, table: Table) -> bool:
    """Whether ``column`` strictly increases, in file order, within every sequence."""
    import pandas as pd

    try:
        values = pd.Series(sortable_values(frame[column], table.columns[column]), index=frame.index)
    except (InputError, MetadataError):
        return False
    if values.isna().any():
        return False
    codes = pd.factorize(frame[key])[0] if key is not None else np.zeros(len(frame), "int64")
    same = np.r_[False, codes[1:] == codes[:-1]]
    steps = values.diff().to_numpy()
    return bool((steps[same] > 0).all())


def detect_context_columns(frame: pd.DataFrame, key: str, exclude: set) -> list[str]:
    """Columns that vary across sequences but never within one."""
    grouped = frame.groupby(key, sort=False, dropna=False)
    context = []
    for column in frame.columns:
        if column in exclude or frame[column].nunique(dropna=False) < 2:
            continue
        if (grouped[column].nunique(dropna=False) <= 1).all():
            context.append(str(column))
    return context


def sortable_values(series: pd.Series, column: Any) -> np.ndarray:
    """The values of an index column as float numbers (datetimes: seconds), or an error."""
    import pandas as pd

    if column.sdtype == "datetime":
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            parsed = series
        else:
            fmt = column.extra.get("datetime_format")
            utc = bool(fmt and fmt.endswith(("%z", "Z")))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = pd.to_datetime(series, format=fmt, errors="coerce", utc=utc)
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        numbers = parsed.astype("datetime64[ns]").astype("int64").to_numpy().astype("float64")
        numbers[parsed.isna().to_numpy()] = np.nan
        return numbers / 1e9
    if column.sdtype == "numerical" and pd.api.types.is_numeric_dtype(series.dtype):
        if pd.api.types.is_bool_dtype(series.dtype):
            raise InputError("booleans cannot order rows")
        return series.to_numpy(dtype="float64", na_value=np.nan)
    raise InputError(f"a {column.sdtype} column cannot order rows")


# -- checks of bad input --------------------------------------------------------------------


def check_sequences(
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    generator: str,
    *,
    single_series: bool = False,
) -> SequenceSpec:
    """Check sequential training data and return its :class:`SequenceSpec`.

    Every sequential backend calls this before touching the data. ``single_series``: the
    backend can learn from one long series (no sequence key, only an index); otherwise a
    sequence key and at least two sequences are required. Raises InputError or
    MetadataError with a one-line message naming the column and the key values at fault.
    """
    if len(dataset) != 1:
        raise InputError(
            f"generator {generator!r} learns sequences of one table but the input has "
            f"{len(dataset)} ({', '.join(sorted(dataset))}); give one file"
        )
    ((name, frame),) = dataset.items()
    table = metadata.tables[name]
    key, index = table.sequence_key, table.sequence_index
    where = f"table {name!r}"
    if key is None and not (single_series and index is not None):
        also = (
            ", or --sequence-index COL for one long series (Python: sequence_index=)"
            if single_series
            else ""
        )
        raise MetadataError(
            f"generator {generator!r} learns sequences but {where} has no sequence key and "
            f"none could be detected; name the column of the entity with {_FLAGS}{also}"
        )
    if len(frame) == 0:
        raise InputError(f"{where} has no rows; generator {generator!r} needs sequences")
    context = tuple(table.context_columns)
    for column in context:
        if column in (key, index):
            raise MetadataError(
                f"{where}: column {column!r} is the sequence key or index and cannot also be "
                "a context column; leave it out of --context"
            )
    if key is not None:
        _check_key(frame, key, where, generator, single_series)
    if index is not None:
        _check_index(frame, table, key, index, where)
    if key is not None and context:
        _check_context(frame, key, context, where)
    return SequenceSpec(table=name, key=key, index=index, context=context)


def _check_key(
    frame: pd.DataFrame, key: str, where: str, generator: str, single_series: bool
) -> None:
    nulls = int(frame[key].isna().sum())
    if nulls:
        raise InputError(
            f"{where}: sequence key {key!r} is empty in {nulls} row(s); every row must say "
            "which sequence it belongs to: fill in or drop those rows"
        )
    lengths = frame.groupby(key, sort=False).size()
    if len(lengths) == 1 and not single_series:
        raise InputError(
            f"{where} holds a single sequence ({key} = {lengths.index[0]}, {lengths.iloc[0]} "
            f"rows); generator {generator!r} learns from many sequences: give more entities, "
            "or use the deepecho generator, which cuts one long series into segments"
        )
    if (lengths == 1).all():
        raise InputError(
            f"{where}: every sequence of {key!r} has one row, so there is no order to learn; "
            "check --sequence-key, or use a single-table generator"
        )


def _check_index(
    frame: pd.DataFrame, table: Table, key: str | None, index: str, where: str
) -> None:
    import pandas as pd

    column = table.columns[index]
    try:
        values = sortable_values(frame[index], column)
    except InputError as error:
        raise MetadataError(
            f"{where}: sequence index {index!r} cannot order rows ({error}); the index must "
            "hold numbers or datetimes: mark it so in the metadata or choose another "
            "--sequence-index"
        ) from None
    missing = np.isnan(values)
    if missing.any():
        raise InputError(
            f"{where}: sequence index {index!r} is empty or unreadable in {int(missing.sum())} "
            f"row(s), e.g. {frame[index][missing].iloc[0]!r}; fill in or drop those rows"
        )
    groups = frame[key] if key is not None else pd.Series(0, index=frame.index)
    duplicated = pd.DataFrame({"key": groups.to_numpy(), "index": values}).duplicated(keep=False)
    if duplicated.any():
        rows = frame[duplicated.to_numpy()]
        first = rows.iloc[0]
        keys = sorted(map(str, rows[key].unique()))[:5] if key is not None else []
        within = f" within sequence(s) {key} = {', '.join(keys)}" if keys else ""
        raise InputError(
            f"{where}: sequence index {index!r} repeats the value {first[index]}{within}; "
            "the index must be unique within each sequence: drop the duplicated rows or "
            "choose another --sequence-index"
        )


def _check_context(frame: pd.DataFrame, key: str, context: tuple[str, ...], where: str) -> None:
    grouped = frame.groupby(key, sort=False, dropna=False)
    for column in context:
        varies = grouped[column].nunique(dropna=False)
        varies = varies[varies > 1]
        if len(varies):
            keys = ", ".join(map(str, varies.index[:5]))
            more = f" and {len(varies) - 5} more" if len(varies) > 5 else ""
            raise InputError(
                f"{where}: context column {column!r} varies within sequence(s) {key} = "
                f"{keys}{more}; a context column must be constant within each sequence: "
                "leave it out of --context or fix those rows"
            )
