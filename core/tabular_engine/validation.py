"""Validation with pandera: infer a schema from real data, check a dataset against it.

Schemas are kept as pandera's own JSON, so a schema inferred here can be saved, edited
and passed back with ``tabular-engine validate --schema FILE``. Datetime columns written
as text are checked after parsing them with the format in the metadata.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError
from .types import Finding

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

    from .metadata import Metadata, Table

MAX_EXAMPLES = 3


def _pandera() -> Any:
    os.environ.setdefault("DISABLE_PANDERA_IMPORT_WARNING", "True")
    import pandera.pandas as pa

    return pa


def infer_schema(
    frame: pd.DataFrame, table: Table, foreign_keys: frozenset[str] = frozenset()
) -> pa.DataFrameSchema:
    """A pandera schema describing ``frame``: dtypes, nullability, domains and ranges.

    Id columns must be unique, except ``foreign_keys`` (many children share a parent).
    """
    pa = _pandera()
    parsed = parse_datetimes(frame, table)
    columns = {}
    for name, column in table.columns.items():
        series = parsed[name]
        # a sequence index may run past the real range (longer or later sequences)
        ordering = name == table.sequence_index
        checks = []
        values = series.dropna()
        if column.sdtype == "categorical" or column.sdtype == "boolean":
            checks.append(pa.Check.isin(sorted(map(_plain, values.unique()), key=str)))
        elif column.sdtype in ("numerical", "datetime") and len(values) and not ordering:
            finite = values if column.sdtype == "datetime" else values[np.isfinite(values)]
            if len(finite) == len(values):
                checks.append(pa.Check.in_range(_plain(finite.min()), _plain(finite.max())))
        dtype = None if series.dtype == object else str(series.dtype)
        columns[name] = pa.Column(
            dtype,
            checks=checks,
            nullable=bool(series.isna().any()),
            # ids unique in the real data (primary keys) stay unique; foreign keys and
            # sequence keys repeat
            unique=column.sdtype == "id"
            and name not in foreign_keys
            and name != table.sequence_key
            and bool(values.is_unique),
        )
    return pa.DataFrameSchema(columns, strict=True, ordered=True)


def _plain(value: Any) -> Any:
    """A JSON-friendly Python value for a numpy or pandas scalar (timestamps stay)."""
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value
    return value.item() if hasattr(value, "item") else value


def infer_schemas(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> dict[str, str]:
    """Pandera JSON schema of every table, keyed by table name."""
    foreign_keys: dict[str, set[str]] = {}
    for relationship in metadata.relationships:
        child = relationship.get("child_table_name")
        foreign_keys.setdefault(child, set()).add(relationship.get("child_foreign_key"))
    return {
        name: infer_schema(
            frame, metadata.tables[name], frozenset(foreign_keys.get(name, ()))
        ).to_json()
        for name, frame in dataset.items()
    }


def load_schema(path: Path) -> str:
    """Read a pandera schema file (JSON or YAML) and return it as pandera JSON."""
    pa = _pandera()
    if not path.is_file():
        raise InputError(f"schema file {str(path)!r} does not exist")
    text = path.read_text()
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            schema = pa.DataFrameSchema.from_yaml(text)
        else:
            if json.loads(text).get("schema_type") != "dataframe":
                raise ValueError('it has no "schema_type": "dataframe"')
            schema = pa.DataFrameSchema.from_json(text)
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(
            f"schema file {str(path)!r} is not a pandera schema ({reason}); write one with "
            "pandera's DataFrameSchema.to_json() or to_yaml()"
        ) from None
    if not schema.columns:
        raise InputError(f"schema file {str(path)!r} checks no column; add columns to it")
    return schema.to_json()


def parse_datetimes(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``frame`` with datetime columns as naive UTC timestamps (unparseable text is NaT)."""
    import pandas as pd

    parsed = frame.copy()
    for name, column in table.columns.items():
        if column.sdtype != "datetime" or name not in frame:
            continue
        series = frame[name]
        if not pd.api.types.is_datetime64_any_dtype(series.dtype):
            fmt = column.extra.get("datetime_format")
            utc = bool(fmt and fmt.endswith(("Z", "%z")))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                series = pd.to_datetime(series, format=fmt, errors="coerce", utc=utc)
        if series.dt.tz is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        parsed[name] = series
    return parsed


def check(
    dataset: dict[str, pd.DataFrame], metadata: Metadata, schemas: dict[str, str]
) -> list[Finding]:
    """Check every table against its schema; return one finding per failed check."""
    pa = _pandera()
    findings: list[Finding] = []
    for name, frame in dataset.items():
        if name not in schemas:
            findings.append(Finding(name, None, "table has no schema", 1))
            continue
        schema = pa.DataFrameSchema.from_json(schemas[name])
        table = metadata.tables.get(name)
        unparsed: list[Finding] = []
        if table is not None:
            unparsed = _unparseable_datetimes(name, frame, table)
            frame = parse_datetimes(frame, table)
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            findings.extend(_without(_findings(name, errors.failure_cases), unparsed))
        findings.extend(unparsed)
    return findings


def _without(findings: list[Finding], unparsed: list[Finding]) -> list[Finding]:
    """Drop the null findings that only repeat values already reported as unparseable."""
    unparsed_counts = {finding.column: finding.failing_count for finding in unparsed}
    kept = []
    for finding in findings:
        if finding.check == "not_nullable" and finding.column in unparsed_counts:
            remaining = finding.failing_count - unparsed_counts[finding.column]
            if remaining <= 0:
                continue
            finding = Finding(finding.table, finding.column, finding.check, remaining)
        kept.append(finding)
    return kept


def _unparseable_datetimes(name: str, frame: pd.DataFrame, table: Table) -> list[Finding]:
    parsed = parse_datetimes(frame, table)
    findings = []
    for column_name, column in table.columns.items():
        if column.sdtype != "datetime" or column_name not in frame:
            continue
        bad = parsed[column_name].isna() & frame[column_name].notna()
        if bad.any():
            fmt = column.extra.get("datetime_format")
            examples = tuple(frame.loc[bad, column_name].head(MAX_EXAMPLES))
            findings.append(
                Finding(name, column_name, f"datetime_format({fmt})", int(bad.sum()), examples)
            )
    return findings


def _findings(table: str, failures: pd.DataFrame) -> list[Finding]:
    findings = []
    failures = failures.assign(column=failures["column"].astype(object))
    for (column, check_name), group in failures.groupby(
        ["column", "check"], dropna=False, sort=True
    ):
        if column is None or (isinstance(column, float) and np.isnan(column)):
            column = None
        examples = tuple(group["failure_case"].head(MAX_EXAMPLES))
        if check_name in ("column_in_schema", "column_in_dataframe"):
            for example in group["failure_case"]:
                findings.append(Finding(table, str(example), check_name, 1))
            continue
        findings.append(Finding(table, column, str(check_name), len(group), examples))
    return findings


def findings_to_json(findings: list[Finding]) -> str:
    return json.dumps([finding.to_dict() for finding in findings], indent=2)
