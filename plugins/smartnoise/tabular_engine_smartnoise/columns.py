"""Which columns SmartNoise sees, and how: continuous columns with public bounds, categories.

Runs before any DP mechanism touches the data. Continuous (numerical) columns need
bounds that do not come from the data: ``bounds`` (``--bounds COL=LO:HI``) first, then
the column's ``"min"``/``"max"`` keys in the metadata. A continuous column without
either is only accepted when ``preprocessor_epsilon`` > 0 lets SmartNoise infer its
bounds privately; otherwise the fit stops, naming the columns.

Categorical and boolean columns pass as values; their sets of categories are treated as
public, as SmartNoise itself does. Id columns are not modelled and come back as new
sequential numbers. Datetime columns are refused (convert them to numbers first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tabular_engine.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.metadata import Table

#: Synthesizers that learn marginals over a discrete domain (continuous columns binned).
CUBE = ("mst", "aim", "mwem", "pacsynth")
#: Warn when a 2-way marginal (what MST and AIM measure) has more cells than this.
MARGINAL_CELLS_WARNING = 1_000_000
#: Warn when MWEM's histogram of the whole domain has more cells than this.
MWEM_CELLS_WARNING = 10_000_000


@dataclass
class ColumnPlan:
    """How every column of one table is handed to SmartNoise and brought back."""

    order: list[str]
    categorical: list[str] = field(default_factory=list)
    continuous: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    inferred: list[str] = field(default_factory=list)
    nullable: dict[str, bool] = field(default_factory=dict)
    integer: dict[str, bool] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)

    @property
    def modelled(self) -> list[str]:
        return [c for c in self.order if c not in self.ids]


def plan_columns(
    table_name: str, frame: pd.DataFrame, table: Table, params: dict[str, Any]
) -> ColumnPlan:
    """The plan for ``frame``; raises before any DP work when bounds are missing."""
    given = dict(params.get("bounds") or {})
    plan = ColumnPlan(order=list(frame.columns))
    for name in frame.columns:
        column = table.columns.get(name)
        sdtype = column.sdtype if column is not None else "categorical"
        series = frame[name]
        plan.dtypes[name] = str(series.dtype)
        plan.nullable[name] = bool(series.isna().any())
        if sdtype == "id":
            plan.ids.append(name)
        elif sdtype == "datetime":
            raise InputError(
                f"column {name!r} of table {table_name!r} is a datetime; smartnoise models "
                "numerical and categorical columns only: convert it to a number (e.g. a "
                "year) or declare it categorical in the metadata"
            )
        elif sdtype == "numerical":
            plan.continuous.append(name)
            plan.integer[name] = series.dtype.kind in "iu" or (
                series.dtype.kind == "f" and bool((series.dropna() % 1 == 0).all())
            )
            extra = column.extra if column is not None else {}
            bounds = given.pop(name, None) or _metadata_bounds(extra)
            if bounds is not None:
                plan.bounds[name] = _check_bounds(table_name, name, bounds)
        else:
            plan.categorical.append(name)
    if given:
        raise ParameterError(
            f"bounds given for {', '.join(sorted(given))}, which "
            f"{'is not a' if len(given) == 1 else 'are not'} numerical column(s) of table "
            f"{table_name!r}; numerical columns: {', '.join(plan.continuous) or 'none'}"
        )
    missing = [c for c in plan.continuous if c not in plan.bounds]
    if missing and not params.get("preprocessor_epsilon"):
        example = " ".join(f"--bounds {c}=LO:HI" for c in missing[:2])
        raise ParameterError(
            f"continuous column(s) {', '.join(missing)} of table {table_name!r} need public "
            f'bounds for differential privacy: give {example} (or "min"/"max" in the '
            "column's metadata), or let smartnoise infer them privately from part of the "
            "budget with -p preprocessor_epsilon=0.1; nothing was trained"
        )
    plan.inferred = missing
    if not plan.modelled:
        raise InputError(f"table {table_name!r} has no column smartnoise can model")
    return plan


def _metadata_bounds(extra: dict[str, Any]) -> Any:
    if "min" in extra and "max" in extra:
        return [extra["min"], extra["max"]]
    return None


def _check_bounds(table_name: str, column: str, bounds: Any) -> tuple[float, float]:
    try:
        low, high = (float(value) for value in bounds)
    except (TypeError, ValueError):
        raise ParameterError(
            f"bounds of column {column!r} of table {table_name!r} must be two numbers "
            f"[low, high], got {bounds!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ParameterError(
            f"bounds of column {column!r} of table {table_name!r} must be finite with "
            f"low < high, got {bounds!r}"
        )
    return low, high


def domain_cells(plan: ColumnPlan, frame: pd.DataFrame, bins: int) -> dict[str, int]:
    """The number of values each modelled column takes in the synthesizer's domain."""
    cells = {}
    for name in plan.modelled:
        if name in plan.continuous:
            cells[name] = bins * (2 if plan.nullable[name] else 1)
        else:
            cells[name] = int(frame[name].nunique(dropna=False))
    return cells


def domain_warning(synthesizer: str, table_name: str, cells: dict[str, int]) -> str | None:
    """A warning when the domain is too large for ``synthesizer``, with its size."""
    size = math.prod(cells.values())
    largest = sorted(cells.items(), key=lambda item: -item[1])[:2]
    pair = math.prod(count for _, count in largest)
    names = " x ".join(f"{name} ({count:,})" for name, count in largest)
    if synthesizer in ("mst", "aim") and pair > MARGINAL_CELLS_WARNING:
        return (
            f"table {table_name!r} has a domain of {size:.3g} cells; its largest 2-way "
            f"marginal, {names}, has {pair:,} cells, more than {synthesizer} handles well "
            f"(> {MARGINAL_CELLS_WARNING:,}): expect long training, much memory and noisy "
            "results. Reduce the categories of those columns or the bins of numbers"
        )
    if synthesizer == "mwem" and size > MWEM_CELLS_WARNING:
        return (
            f"table {table_name!r} has a domain of {size:.3g} cells, more than mwem handles "
            f"well (> {MWEM_CELLS_WARNING:,}): expect long training and much memory. Use mst, "
            "or reduce categories and bins"
        )
    return None
