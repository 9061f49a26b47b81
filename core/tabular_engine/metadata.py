"""Metadata: what each column means, read and written as SDV-compatible JSON.

The JSON shape is SDV's (``METADATA_SPEC_VERSION: V1``) so SDV users feel at home, but
nothing here imports sdv. Detection looks at the data the way a careful person would:
unique columns named like ids are ids, strings that all parse with one date format are
datetimes, numbers are numerical, everything else is categorical.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MetadataError

if TYPE_CHECKING:
    import pandas as pd

SDTYPES = ("numerical", "categorical", "boolean", "datetime", "id")
SPEC_VERSION = "V1"

#: Formats tried when pandas cannot guess one (month strings such as ``Mar-2018``).
EXTRA_DATETIME_FORMATS = (
    "%b-%Y",
    "%b %Y",
    "%Y-%m",
    "%d-%b-%Y",
    "%m/%Y",
    "%B %Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
)
_ID_NAME = re.compile(r"(^id$|_id$|^id_|[a-z]Id$|ID$)", re.IGNORECASE)


@dataclass
class Column:
    """One column's semantic type plus SDV's extra keys (``datetime_format`` ...)."""

    sdtype: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"sdtype": self.sdtype, **self.extra}


@dataclass
class Table:
    """The columns of one table, in order, and its keys."""

    columns: dict[str, Column]
    primary_key: str | None = None
    sequence_key: str | None = None
    sequence_index: str | None = None
    #: Columns constant within each sequence (sequential data). Written as the table key
    #: ``context_columns`` when not empty: an extension of SDV's JSON, whose own reader
    #: refuses unknown keys (SDV takes context columns as a synthesizer argument instead).
    context_columns: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "columns": {name: column.to_dict() for name, column in self.columns.items()}
        }
        for key in ("primary_key", "sequence_key", "sequence_index"):
            if getattr(self, key) is not None:
                result[key] = getattr(self, key)
        if self.context_columns:
            result["context_columns"] = list(self.context_columns)
        return result


@dataclass
class Metadata:
    """Metadata of a whole dataset: tables and the relationships between them."""

    tables: dict[str, Table]
    relationships: list[dict[str, str]] = field(default_factory=list)

    # -- JSON ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "METADATA_SPEC_VERSION": SPEC_VERSION,
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
            "relationships": list(self.relationships),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "metadata") -> Metadata:
        """Read SDV metadata: the multi-table V1 shape or the older single-table shape."""
        if not isinstance(data, dict):
            raise MetadataError(f"{source}: expected a JSON object with a 'tables' key")
        if "tables" not in data:
            if "columns" not in data:
                raise MetadataError(f"{source}: expected a 'tables' key (SDV metadata V1)")
            data = {"tables": {"table": data}}
        tables = {}
        for table_name, table in data["tables"].items():
            tables[table_name] = _table_from_dict(table, f"{source}: table {table_name!r}")
        relationships = data.get("relationships", [])
        return cls(tables=tables, relationships=list(relationships))

    @classmethod
    def load(cls, path: str | Path) -> Metadata:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise MetadataError(f"metadata file {str(path)!r} does not exist") from None
        except json.JSONDecodeError as error:
            raise MetadataError(f"metadata file {str(path)!r} is not valid JSON: {error}") from None
        return cls.from_dict(data, source=f"metadata file {str(path)!r}")

    # -- checks ---------------------------------------------------------------------------

    def check_against(self, dataset: dict[str, pd.DataFrame]) -> None:
        """Raise MetadataError when tables or columns of metadata and data disagree."""
        missing_tables = sorted(set(self.tables) - set(dataset))
        if missing_tables:
            raise MetadataError(
                f"metadata names table(s) {', '.join(missing_tables)} but the data has "
                f"{', '.join(sorted(dataset))}; fix the table names in the metadata file"
            )
        extra_tables = sorted(set(dataset) - set(self.tables))
        if extra_tables:
            raise MetadataError(
                f"table(s) {', '.join(extra_tables)} have no metadata; add them to the "
                "metadata file or leave --metadata out to detect it"
            )
        for name, table in self.tables.items():
            frame_columns = list(dataset[name].columns)
            missing = [c for c in table.columns if c not in frame_columns]
            if missing:
                raise MetadataError(
                    f"table {name!r}: metadata names column(s) {', '.join(map(str, missing))} "
                    "that the data does not have"
                )
            undescribed = [c for c in frame_columns if c not in table.columns]
            if undescribed:
                raise MetadataError(
                    f"table {name!r}: column(s) {', '.join(map(str, undescribed))} have no "
                    "metadata; add them to the metadata file"
                )


def check_sdtypes(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> None:
    """Raise MetadataError when a column's values cannot be what its sdtype says."""
    import pandas as pd

    for table_name, table in metadata.tables.items():
        frame = dataset[table_name]
        for name, column in table.columns.items():
            series = frame[name]
            values = series.dropna()
            where = f"table {table_name!r}, column {name!r}"
            if column.sdtype == "numerical" and not pd.api.types.is_numeric_dtype(series.dtype):
                bad = values[pd.to_numeric(values, errors="coerce").isna()]
                if len(bad):
                    raise MetadataError(
                        f"{where} is marked numerical but holds {bad.iloc[0]!r}; mark it "
                        "categorical in the metadata, or fix the value"
                    )
            if column.sdtype == "datetime":
                _check_datetimes(where, series, column.extra.get("datetime_format"))


def _check_datetimes(where: str, series: pd.Series, fmt: str | None) -> None:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise MetadataError(
            f"{where} is marked datetime but holds numbers; mark it numerical, or give dates "
            "as text with a datetime_format"
        )
    values = series.dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        utc = bool(fmt and fmt.endswith(("%z", "Z")))
        parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=utc)
    bad = values[parsed.isna()]
    if len(bad):
        hint = f"datetime_format {fmt!r}" if fmt else "no datetime_format"
        raise MetadataError(
            f"{where} is marked datetime ({hint}) but {bad.iloc[0]!r} does not parse; fix "
            "datetime_format in the metadata (strftime codes, e.g. %Y-%m-%d) or mark the "
            "column categorical"
        )


def _table_from_dict(table: Any, where: str) -> Table:
    if not isinstance(table, dict) or not isinstance(table.get("columns"), dict):
        raise MetadataError(f"{where}: expected an object with a 'columns' object")
    columns = {}
    for column_name, spec in table["columns"].items():
        if not isinstance(spec, dict) or "sdtype" not in spec:
            raise MetadataError(f"{where}, column {column_name!r}: expected an 'sdtype' key")
        spec = dict(spec)
        sdtype = spec.pop("sdtype")
        if sdtype not in SDTYPES:
            raise MetadataError(
                f"{where}, column {column_name!r}: sdtype {sdtype!r} is not supported; "
                f"use one of {', '.join(SDTYPES)}"
            )
        columns[column_name] = Column(sdtype, spec)
    result = Table(
        columns=columns,
        primary_key=table.get("primary_key"),
        sequence_key=table.get("sequence_key"),
        sequence_index=table.get("sequence_index"),
        context_columns=_context_columns(table.get("context_columns", []), where),
    )
    for key in ("primary_key", "sequence_key", "sequence_index"):
        value = getattr(result, key)
        if value is not None and value not in columns:
            raise MetadataError(f"{where}: {key} {value!r} is not one of its columns")
    for name in result.context_columns:
        if name not in columns:
            raise MetadataError(f"{where}: context column {name!r} is not one of its columns")
    return result


def _context_columns(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise MetadataError(f"{where}: context_columns must be a list of column names")
    return list(value)


# -- detection ------------------------------------------------------------------------------


def detect_table(frame: pd.DataFrame) -> Table:
    """Detect the semantic type of every column of ``frame``."""
    columns = {str(name): _detect_column(str(name), frame[name]) for name in frame.columns}
    ids = [name for name, column in columns.items() if column.sdtype == "id"]
    return Table(columns=columns, primary_key=ids[0] if ids else None)


def detect(dataset: dict[str, pd.DataFrame]) -> Metadata:
    """Detect metadata for every table of ``dataset``, and the keys between its tables."""
    metadata = Metadata(tables={name: detect_table(frame) for name, frame in dataset.items()})
    if len(dataset) > 1:
        from .relationships import detect_relationships

        detect_relationships(dataset, metadata)
    return metadata


def _detect_column(name: str, series: pd.Series) -> Column:
    import pandas as pd

    values = series.dropna()
    if pd.api.types.is_bool_dtype(series.dtype) or _is_boolean_object(values):
        return Column("boolean")
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return Column("datetime")
    unique = len(values) > 0 and values.is_unique and not series.isna().any()
    if unique and _ID_NAME.search(name) and not pd.api.types.is_float_dtype(series.dtype):
        return Column("id")
    if pd.api.types.is_numeric_dtype(series.dtype):
        representation = "Int64" if pd.api.types.is_integer_dtype(series.dtype) else "Float"
        return Column("numerical", {"computer_representation": representation})
    textual = pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(
        series.dtype
    )
    if textual and len(values):
        datetime_format = detect_datetime_format(values)
        if datetime_format is not None:
            return Column("datetime", {"datetime_format": datetime_format})
    return Column("categorical")


def _is_boolean_object(values: pd.Series) -> bool:
    return len(values) > 0 and values.map(type).eq(bool).all()


def detect_datetime_format(values: pd.Series) -> str | None:
    """The one strftime format that parses every value in ``values``, or None."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    if len(values) == 0 or not all(isinstance(v, str) for v in values.head(100)):
        return None
    first = values.iloc[0]
    if first.strip().lstrip("-").replace(".", "", 1).isdigit():
        return None
    samples = list(dict.fromkeys(values.head(50)))[:10]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when dayfirst disagrees with a guess
        guessed = [
            guess_datetime_format(value, dayfirst=dayfirst)
            for value in samples
            for dayfirst in (False, True)
        ]
    for candidate in dict.fromkeys([*guessed, *EXTRA_DATETIME_FORMATS]):
        if candidate is None:
            continue
        if candidate.endswith("%z") and first.endswith("Z"):
            candidate = candidate[:-2] + "Z"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            utc = candidate.endswith(("%z", "Z"))
            parsed = pd.to_datetime(values, format=candidate, errors="coerce", utc=utc)
        if parsed.notna().all():
            return candidate
    return None
