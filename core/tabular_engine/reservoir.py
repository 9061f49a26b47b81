"""A uniform random sample of rows from a CSV or Parquet file larger than memory.

The file is streamed in batches (pyarrow's streaming CSV reader, ``ParquetFile.iter_batches``)
and every row gets a random key; the rows with the ``rows`` smallest keys are a uniform
random sample of the file (reservoir sampling with random keys). Only rows whose key beats
the largest key kept so far are copied out of a batch, and the reservoir is cut back
whenever it holds twice ``rows``, so memory holds at most ``2 * rows`` rows and one batch,
whatever the size of the file. The keys come from one seeded generator in file order, so
the sample depends on the seed and the file only, not on the batch size.

CSV cells stay text until the end; the sample is then typed by :func:`io.type_text_columns`,
the rules :func:`io.read_table` applies to a whole CSV file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ParameterError
from .io import _check_csv_header, check_input_file, type_text_columns

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Bytes of CSV parsed at a time, and rows of Parquet read at a time.
CSV_BLOCK_BYTES = 1024 * 1024
PARQUET_BATCH_ROWS = 65_536
#: Mixed into the seed, so the sample's keys are not the stream the generator fits with.
_KEY_STREAM = 0x5A3B1E


@dataclass(frozen=True)
class SampledTable:
    """The sampled rows (in file order), their 0-based row numbers, and the file's row count."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    rows_total: int

    @property
    def rows_used(self) -> int:
        return len(self.frame)


def read_sample(path: str | Path, rows: int, seed: int, option: str = "fit_rows") -> SampledTable:
    """A uniform random sample of ``rows`` rows of one CSV or Parquet file, typed as
    :func:`io.read_table` would type that file; every row when the file has fewer.

    ``option`` names ``rows`` in error messages.
    """
    from .model import check_num_rows, check_seed

    path = Path(path)
    rows = check_num_rows(rows, option)
    if rows < 1:
        raise ParameterError(f"{option} must be at least 1, got {rows}")
    seed = check_seed(seed)
    fmt = check_input_file(path)
    reservoir = _Reservoir(rows, np.random.default_rng([seed, _KEY_STREAM]))
    if fmt == "parquet":
        schema = _stream(reservoir, _parquet_batches(path), path, "Parquet")
    else:
        schema = _stream(reservoir, _csv_batches(path), path, "CSV")
    if reservoir.seen == 0:
        raise InputError(
            f"input file {str(path)!r} has a header but no rows; a generator needs at least one row"
        )
    table, numbers = reservoir.result(schema)
    rows_total = reservoir.seen
    frame = table.to_pandas().reset_index(drop=True)
    del table, reservoir
    _release_arrow_memory()  # what pyarrow's allocator kept from the stream, before the fit
    if fmt == "csv":
        frame = type_text_columns(frame.where(frame.notna(), np.nan))
    return SampledTable(frame=frame, row_numbers=numbers, rows_total=rows_total)


def _release_arrow_memory() -> None:
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _stream(reservoir: _Reservoir, batches: Iterator[Any], path: Path, kind: str) -> pa.Schema:
    import pyarrow as pa

    try:
        schema = next(batches)
        for batch in batches:
            reservoir.offer(batch)
    except UnicodeDecodeError as error:
        raise InputError(_not_utf8(path, str(error))) from None
    except (pa.ArrowInvalid, OSError) as error:
        reason = " ".join(str(error).split())
        if "invalid UTF8" in reason:
            raise InputError(_not_utf8(path, reason)) from None
        raise InputError(f"input file {str(path)!r} is not readable {kind}: {reason}") from None
    return schema


def _not_utf8(path: Path, reason: str) -> str:
    return f"input file {str(path)!r} is not UTF-8 text ({reason}); save it as UTF-8 and try again"


def _csv_batches(path: Path) -> Iterator[Any]:
    """The schema (every column text), then the file's record batches."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as csv

    delimiter = _check_csv_header(path)  # also refuses duplicate and unnamed columns
    read = csv.ReadOptions(block_size=CSV_BLOCK_BYTES)
    parse = csv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    with csv.open_csv(path, read_options=read, parse_options=parse) as probe:
        names = probe.schema.names
    convert = csv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        # the cells pandas.read_csv (and so io.read_table) reads as missing
        null_values=sorted(pd._libs.parsers.STR_NA_VALUES),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    with csv.open_csv(
        path, read_options=read, parse_options=parse, convert_options=convert
    ) as reader:
        yield reader.schema
        yield from reader


def _parquet_batches(path: Path) -> Iterator[Any]:
    """The file's schema (with its pandas metadata), then its record batches."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as handle:
        yield handle.schema_arrow
        yield from handle.iter_batches(batch_size=PARQUET_BATCH_ROWS)


class _Reservoir:
    """The rows with the smallest random keys seen so far, holding at most ``2 * size``."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size = size
        self.rng = rng
        self.seen = 0
        self.threshold = np.inf  # a row can only enter with a key below this
        self._batches: list[Any] = []
        self._keys: list[np.ndarray] = []
        self._numbers: list[np.ndarray] = []
        self._held = 0

    def offer(self, batch: Any) -> None:
        import pyarrow as pa

        count = batch.num_rows
        keys = self.rng.random(count)
        numbers = np.arange(self.seen, self.seen + count, dtype=np.int64)
        self.seen += count
        chosen = np.flatnonzero(keys < self.threshold)
        if len(chosen) == 0:
            return
        if len(chosen) < count:
            batch = batch.take(pa.array(chosen))
        self._batches.append(batch)
        self._keys.append(keys[chosen])
        self._numbers.append(numbers[chosen])
        self._held += len(chosen)
        if self._held >= 2 * self.size:
            self._cut()

    def _cut(self) -> None:
        """Keep the ``size`` rows with the smallest keys; the largest kept is the new bar."""
        import pyarrow as pa

        keys = np.concatenate(self._keys)
        numbers = np.concatenate(self._numbers)
        keep = np.argpartition(keys, self.size - 1)[: self.size]
        table = pa.Table.from_batches(self._batches).take(pa.array(keep))
        self.threshold = float(keys[keep].max())
        self._batches = table.combine_chunks().to_batches()
        self._keys, self._numbers, self._held = [keys[keep]], [numbers[keep]], len(keep)

    def result(self, schema: Any) -> tuple[pa.Table, np.ndarray]:
        """The sample as one table in file order, and its row numbers."""
        import pyarrow as pa

        if self._held > self.size:
            self._cut()
        table = pa.Table.from_batches(self._batches, schema=schema)
        numbers = np.concatenate(self._numbers) if self._numbers else np.empty(0, np.int64)
        order = np.argsort(numbers, kind="stable")
        return table.take(pa.array(order)), numbers[order]
