"""Make synthetic data satisfy its pandera schema by replacing failing rows with new draws.

The schema is the one inferred from the real data at fit time (``model.schemas``) or one
given by the user. Rows that fail a check are replaced, in place, by rows drawn from the
same model:

* one table: rows from the continuation of the same seeded sample (blocks after the ones
  already drawn), so replacements are reproducible and generated ids stay unique;
* sequences: every sequence holding a failing row is replaced by a new sequence, which
  takes over the replaced sequence's key;
* several tables: rows cannot be replaced one by one without breaking foreign keys, so the
  whole dataset is drawn again (with a new seed) until one passes.

At most ``max_tries`` rounds; then :class:`~tabular_engine.errors.EnforceError` names
each column and check that still fails and how many rows. A failure that no row can fix
(a missing column, a wrong dtype) is reported at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import EnforceError
from .types import Kind

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata, Table
    from .model import Model

#: Draw at least this many candidate rows per round (cheap, and fewer rounds).
MIN_DRAW = 64
#: Seed namespace of redraws, far above any block number of a real sample.
_REDRAW_BLOCK = 2**31


@dataclass
class EnforceResult:
    """The data that now passes, with what it took."""

    dataset: dict[str, pd.DataFrame]
    replaced: Counter = field(default_factory=Counter)
    rounds: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"replaced_rows": dict(self.replaced), "rounds": self.rounds}


@dataclass
class _Failures:
    """Failing row positions of one table, and failures no row replacement can fix."""

    rows: set[int] = field(default_factory=set)
    checks: Counter = field(default_factory=Counter)
    structural: list[str] = field(default_factory=list)


def enforce(
    model: Model,
    dataset: dict[str, pd.DataFrame],
    *,
    schemas: dict[str, str] | None = None,
    max_tries: int = 10,
    seed: int | None = None,
    redraw: Callable[[int], dict[str, pd.DataFrame]] | None = None,
) -> EnforceResult:
    """``dataset`` with every row passing ``schemas`` (default: the model's own).

    ``redraw(seed)`` draws a whole new dataset (multi-table models); by default it draws
    as many root-table rows as ``dataset`` has.
    """
    schemas = schemas if schemas is not None else model.schemas
    missing = sorted(set(dataset) - set(schemas))
    if missing:
        raise EnforceError(
            f"enforce: no schema for table(s) {', '.join(missing)}; fit the model again or "
            "give a schema file"
        )
    seed = model.seed if seed is None else seed
    kind = model.generator.kind
    if kind is Kind.MULTI_TABLE:
        return _enforce_by_redraw(model, dataset, schemas, max_tries, seed, redraw)
    (name,) = dataset
    replace = _replace_sequences if kind is Kind.SEQUENTIAL else _replace_rows
    return replace(model, name, dataset[name], schemas[name], max_tries, seed)


def failures(frame: pd.DataFrame, schema_json: str, table: Table | None, name: str) -> _Failures:
    """Which rows of ``frame`` fail ``schema_json``, and which checks."""
    import numpy as np

    from .validation import _pandera, parse_datetimes

    pa = _pandera()
    schema = pa.DataFrameSchema.from_json(schema_json)
    result = _Failures()
    checked = frame.reset_index(drop=True)
    if table is not None:
        parsed = parse_datetimes(checked, table)
        for column, spec in table.columns.items():
            if spec.sdtype == "datetime" and column in checked:
                bad = parsed[column].isna() & checked[column].notna()
                for position in np.flatnonzero(bad.to_numpy()):
                    result.rows.add(int(position))
                    result.checks[(column, "datetime_format")] += 1
        checked = parsed
    try:
        schema.validate(checked, lazy=True)
    except pa.errors.SchemaErrors as errors:
        for case in errors.failure_cases.itertuples(index=False):
            column = None if _missing(case.column) else str(case.column)
            index = case.index
            if _missing(index):
                result.structural.append(
                    f"table {name!r}, column {column}: {case.check} ({case.failure_case})"
                )
                continue
            result.rows.add(int(index))
            result.checks[(column, str(case.check))] += 1
    return result


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _meta(model: Model, name: str) -> Table | None:
    metadata: Metadata = model.metadata
    if name in metadata.tables:
        return metadata.tables[name]
    return next(iter(metadata.tables.values())) if len(metadata.tables) == 1 else None


def _replace_rows(
    model: Model, name: str, frame: pd.DataFrame, schema: str, max_tries: int, seed: int
) -> EnforceResult:
    import pandas as pd

    from .model import BLOCK_ROWS

    table = _meta(model, name)
    frame = frame.reset_index(drop=True)
    next_row = math.ceil(len(frame) / BLOCK_ROWS) * BLOCK_ROWS
    result = EnforceResult({name: frame})
    for attempt in range(max_tries + 1):
        found = failures(frame, schema, table, name)
        _refuse_structural(found)
        if not found.rows:
            result.dataset = {name: frame}
            result.rounds = attempt
            return result
        if attempt == max_tries:
            break
        bad = sorted(found.rows)
        share = len(bad) / max(len(frame), 1)
        draw = max(MIN_DRAW, math.ceil(len(bad) / max(1 - share, 0.05) * 1.5))
        drawn = pd.concat(
            list(model.sample_chunks(draw, chunk_rows=draw, seed=seed, first_row=next_row)),
            ignore_index=True,
        )
        next_row += math.ceil(draw / BLOCK_ROWS) * BLOCK_ROWS
        good = drawn.drop(index=sorted(failures(drawn, schema, table, name).rows))
        count = min(len(bad), len(good))
        if count:
            positions = bad[:count]
            replacement = good.iloc[:count].set_axis(positions)
            kept = frame.drop(index=positions)
            frame = pd.concat([kept, replacement.astype(frame.dtypes.to_dict(), errors="ignore")])
            frame = frame.sort_index().reset_index(drop=True)
            result.replaced[name] += count
    raise _unmet(name, found, max_tries)


def _replace_sequences(
    model: Model, name: str, frame: pd.DataFrame, schema: str, max_tries: int, seed: int
) -> EnforceResult:
    import pandas as pd

    from .model import block_seed

    table = _meta(model, name)
    key = table.sequence_key if table is not None else None
    if key is None:
        return _replace_rows(model, name, frame, schema, max_tries, seed)
    frame = frame.reset_index(drop=True)
    result = EnforceResult({name: frame})
    for attempt in range(max_tries + 1):
        found = failures(frame, schema, table, name)
        _refuse_structural(found)
        if not found.rows:
            result.dataset = {name: frame}
            result.rounds = attempt
            return result
        if attempt == max_tries:
            break
        bad_keys = list(dict.fromkeys(frame.loc[sorted(found.rows), key]))
        drawn = model.sample_sequences(
            max(len(bad_keys) * 2, 4), seed=block_seed(seed, _REDRAW_BLOCK + attempt)
        )
        drawn_failures = failures(drawn, schema, table, name).rows
        failing_keys = set(drawn.loc[sorted(drawn_failures), key]) if drawn_failures else set()
        new_keys = [k for k in dict.fromkeys(drawn[key]) if k not in failing_keys]
        taken = dict(zip(new_keys, bad_keys, strict=False))
        if taken:
            fresh = drawn[drawn[key].isin(list(taken))].copy()
            fresh[key] = fresh[key].map(taken).astype(frame[key].dtype, errors="ignore")
            kept = frame[~frame[key].isin(list(taken.values()))]
            frame = pd.concat([kept, fresh], ignore_index=True)
            result.replaced[name] += len(taken)
    raise _unmet(name, found, max_tries, unit="row(s) in failing sequences")


def _enforce_by_redraw(
    model: Model,
    dataset: dict[str, pd.DataFrame],
    schemas: dict[str, str],
    max_tries: int,
    seed: int,
    redraw: Callable[[int], dict[str, pd.DataFrame]] | None,
) -> EnforceResult:
    from .model import block_seed

    if redraw is None:
        root = _root_table(model.metadata, dataset)
        rows = len(dataset[root])

        def redraw(new_seed: int) -> dict[str, pd.DataFrame]:
            return dict(model.sample(rows, seed=new_seed))

    result = EnforceResult(dataset)
    for attempt in range(max_tries + 1):
        worst: tuple[str, _Failures] | None = None
        for name, frame in dataset.items():
            found = failures(frame, schemas[name], model.metadata.tables.get(name), name)
            _refuse_structural(found)
            if found.rows and (worst is None or len(found.rows) > len(worst[1].rows)):
                worst = (name, found)
        if worst is None:
            result.dataset = dataset
            result.rounds = attempt
            return result
        if attempt == max_tries:
            raise _unmet(worst[0], worst[1], max_tries, unit="row(s); whole datasets redrawn")
        dataset = redraw(block_seed(seed, _REDRAW_BLOCK + attempt))
        result.replaced["datasets"] += 1
    raise AssertionError("unreachable")


def _root_table(metadata: Metadata, dataset: dict[str, pd.DataFrame]) -> str:
    children = {r.get("child_table_name") for r in metadata.relationships}
    roots = [name for name in dataset if name not in children]
    return roots[0] if roots else next(iter(dataset))


def _refuse_structural(found: _Failures) -> None:
    if found.structural:
        raise EnforceError(
            "enforce: the synthetic data fails checks that replacing rows cannot fix: "
            + "; ".join(found.structural[:5])
            + ". Check the schema matches the generator's output (column names and dtypes)"
        )


def _unmet(name: str, found: _Failures, max_tries: int, unit: str = "row(s)") -> EnforceError:
    listed = ", ".join(
        f"{column}: {check} ({count} {unit})"
        for (column, check), count in sorted(found.checks.items(), key=str)
    )
    return EnforceError(
        f"enforce: table {name!r} still fails its schema after {max_tries} rounds of "
        f"resampling: {listed}. The generator rarely produces values the schema accepts; "
        "loosen those checks in the schema, fit a better model, or raise max_tries"
    )
