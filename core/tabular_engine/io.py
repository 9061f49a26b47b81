"""Reading tables from CSV or Parquet and writing them atomically, chunk by chunk.

CSV is read as text first and each column's type decided from its values, so codes such
as ``"00123"`` stay strings and integer columns with gaps stay integers (pandas' nullable
``Int64``) instead of turning into floats.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, OutputError

if TYPE_CHECKING:
    import pandas as pd

TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(
    r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan)$", re.IGNORECASE
)
_LEADING_ZERO = re.compile(r"^[+-]?0\d")
_BOOLEAN_TEXT = {"true": True, "false": False}

Dataset = dict[str, "pd.DataFrame"]


def table_format(path: Path, role: str = "input") -> str:
    """'csv' or 'parquet' from the file extension, or a clear error."""
    try:
        return TABLE_SUFFIXES[path.suffix.lower()]
    except KeyError:
        error = InputError if role == "input" else OutputError
        raise error(
            f"{role} file {str(path)!r} has unsupported extension {path.suffix or '(none)'!r}; "
            "use .csv or .parquet"
        ) from None


def read_dataset(source: Any) -> Dataset:
    """A dataset from a DataFrame, a dict of DataFrames, a file, or a folder of files."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return {"table": _checked_frame(source, "table")}
    if isinstance(source, dict):
        if not source:
            raise InputError("the dataset is an empty dict; give at least one table")
        return {str(name): _checked_frame(frame, str(name)) for name, frame in source.items()}
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return _read_folder(path)
        return {path.stem: read_table(path)}
    raise InputError(
        f"cannot read data from a {type(source).__name__}; give a DataFrame, a dict of "
        "DataFrames, or the path of a CSV or Parquet file"
    )


def _read_folder(path: Path) -> Dataset:
    """One table per .csv or .parquet file of ``path``, named by the file's stem.

    Names starting with ``.`` or ``_`` (hidden files, dataset manifests) and JSON files
    (metadata kept beside its tables) are skipped; any other file or folder is an error,
    since it would silently go unused.
    """
    entries = _folder_entries(path)
    strays = [p.name for p in entries if p.is_dir() or p.suffix.lower() not in TABLE_SUFFIXES]
    if strays:
        raise InputError(
            f"folder {str(path)!r} holds {', '.join(strays)}, which is not a .csv or .parquet "
            "table; each file of an input folder is one table: move other files out of it"
        )
    if not entries:
        raise InputError(f"folder {str(path)!r} holds no .csv or .parquet files")
    stems = Counter(p.stem for p in entries)
    twice = sorted(stem for stem, n in stems.items() if n > 1)
    if twice:
        raise InputError(
            f"folder {str(path)!r} holds table(s) {', '.join(twice)} in more than one file "
            "(e.g. .csv and .parquet); keep one file per table"
        )
    return {file.stem: read_table(file) for file in entries}


def table_names_in(folder: Path) -> list[str]:
    """The tables a folder input holds: the stems of its .csv and .parquet files."""
    return [p.stem for p in _folder_entries(folder) if p.suffix.lower() in TABLE_SUFFIXES]


def _folder_entries(path: Path) -> list[Path]:
    """The files of a folder input, hidden names, manifests and metadata JSON aside."""
    return sorted(
        p
        for p in path.iterdir()
        if not p.name.startswith((".", "_")) and p.suffix.lower() != ".json"
    )


def _checked_frame(frame: Any, name: str) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
    duplicated = sorted({str(c) for c, n in Counter(frame.columns).items() if n > 1})
    if duplicated:
        raise InputError(
            f"table {name!r} has duplicate column names: {', '.join(duplicated)}; "
            "rename them so every column name is unique"
        )
    if len(frame.columns) == 0:
        raise InputError(f"table {name!r} has no columns")
    if len(frame) == 0:
        raise InputError(f"table {name!r} has no rows; a generator needs at least one row")
    return frame.reset_index(drop=True)


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read one CSV or Parquet file, with clear errors for anything unusable."""
    import pandas as pd

    path = Path(path)
    fmt = check_input_file(path)
    if fmt == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:
            raise InputError(f"input file {str(path)!r} is not readable Parquet: {error}") from None
    else:
        delimiter = _check_csv_header(path)
        try:
            frame = pd.read_csv(path, dtype=str, sep=delimiter, encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                f"input file {str(path)!r} is not UTF-8 text ({error.reason} at byte "
                f"{error.start}); save it as UTF-8 and try again"
            ) from None
        except pd.errors.ParserError as error:
            reason = " ".join(str(error).split())
            raise InputError(f"input file {str(path)!r} is not readable CSV: {reason}") from None
        frame = type_text_columns(frame)
    if len(frame) == 0:
        raise InputError(
            f"input file {str(path)!r} has a header but no rows; a generator needs at least one row"
        )
    return _checked_frame(frame, path.stem)


def check_input_file(path: Path) -> str:
    """Fail when ``path`` is not a non-empty CSV or Parquet file; return its format."""
    if not path.exists():
        raise InputError(f"input file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputError(f"input {str(path)!r} is a folder; give a CSV or Parquet file")
    fmt = table_format(path)
    if path.stat().st_size == 0:
        raise InputError(
            f"input file {str(path)!r} is empty (0 bytes); it needs a header row "
            "and at least one data row"
        )
    return fmt


def _check_csv_header(path: Path) -> str:
    """Check the header row and return the delimiter (comma, semicolon, tab or pipe)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        sample = handle.read(64 * 1024)
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(sample.splitlines()[:1], delimiter=delimiter), [])
    duplicated = sorted(name for name, n in Counter(header).items() if n > 1 and name)
    if duplicated:
        raise InputError(
            f"input file {str(path)!r} has duplicate column names: {', '.join(duplicated)}; "
            "rename them so every column name is unique"
        )
    unnamed = [str(number) for number, name in enumerate(header, 1) if not name.strip()]
    if unnamed:
        raise InputError(
            f"input file {str(path)!r}: column(s) {', '.join(unnamed)} of the header have no "
            "name; give every column a name"
        )
    return delimiter


def type_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Type each column of a table read as text (missing cells NaN), as CSV input is typed."""
    return frame.apply(_typed_column)


def _typed_column(text: pd.Series) -> pd.Series:
    """Give a column read as text the narrowest type that keeps every value as written."""
    import pandas as pd

    blank = text.str.strip().eq("")
    values = text[~blank].dropna()
    if len(values) == 0:
        return text.where(~blank).astype("float64")
    if blank.any() and values.str.strip().str.match(_NUMBER).all():
        text = text.where(~blank)  # blank cells in a numeric column are missing values
    lowered = values.str.strip().str.lower()
    if lowered.isin(_BOOLEAN_TEXT).all():
        return text.str.strip().str.lower().map(_BOOLEAN_TEXT).astype("boolean")
    if values.str.contains(_LEADING_ZERO).any():
        return text
    if values.str.match(_INTEGER).all():
        try:
            return pd.to_numeric(text).astype("Int64")
        except (ValueError, OverflowError, TypeError):
            return text
    try:
        return pd.to_numeric(text).astype("float64")
    except (ValueError, TypeError):
        return text


# -- writing -----------------------------------------------------------------------------------


def check_output_path(path: Path) -> str:
    """Fail before any work when ``path`` cannot be written; return its format."""
    fmt = table_format(path, role="output")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            f"output folder {str(folder)!r} does not exist; create it first (mkdir -p {folder})"
        )
    if path.is_dir():
        raise OutputError(
            f"output {str(path)!r} is a folder; give a file name ending .csv or .parquet"
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder {str(folder)!r} is not writable")
    return fmt


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block succeeds."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_table(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    """Write ``chunks`` to ``path`` (CSV or Parquet) atomically; return the rows written.

    Only one chunk is in memory at a time.
    """
    fmt = check_output_path(path)
    with atomic_path(path) as temporary:
        if fmt == "csv":
            return _write_csv(chunks, temporary)
        return _write_parquet(chunks, temporary)


def _write_csv(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        for number, chunk in enumerate(chunks):
            chunk.to_csv(handle, header=number == 0, index=False)
            rows += len(chunk)
    return rows


def _write_parquet(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 0
    writer = None
    try:
        for chunk in chunks:
            if writer is None:
                writer = pq.ParquetWriter(path, _parquet_schema(chunk))
            table = pa.Table.from_pandas(chunk, schema=writer.schema, preserve_index=False)
            writer.write_table(table)
            rows += len(chunk)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _parquet_schema(chunk: pd.DataFrame) -> Any:
    """The Parquet schema of ``chunk``; text columns are strings even with no value in it."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(chunk, preserve_index=False)
    for index, field in enumerate(schema):
        if pa.types.is_null(field.type) and chunk[field.name].dtype == object:
            schema = schema.set(index, field.with_type(pa.string()))
    return schema
