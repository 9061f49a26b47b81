"""Column handling shared by every backend: from user data to a model frame and back.

A backend learns from a *model frame*: numerical columns as floats and categorical
columns as plain values, nothing else. :class:`TableCodec` builds that frame from a
user's table and turns sampled model frames back into the user's own types:

* numerical: missing values and ``±inf`` become a companion categorical column
  (``<name>#special``) so their share and their links to other columns are learned;
  values are clipped to the seen range and rounded to the seen number of decimals on the
  way back; integer columns come back as integers (nullable ``Int64`` where they had gaps).
* datetime: modelled as seconds since the epoch, written back with the input's own
  format (``%b-%Y``, ISO with ``Z`` ...) at the input's resolution (days, minutes ...).
* categorical and boolean: passed as values, missing values as a category of their own.
  With ``max_categories`` set (backends that one-hot encode need it), a column with more
  distinct values keeps its most frequent ones and folds the rest into one ``__rare__``
  category, which is drawn back from those values at their real frequencies.
* id: not modelled; regenerated as unique values shaped like the input's.
* empty (all-null) and constant columns: not modelled; restored as they were.

Everything here is pandas and numpy only, so any backend may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import MetadataError

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Table

#: A categorical column with more distinct values than both of these (a count, and a share
#: of rows) is reported as likely free text: its real values reappear in synthetic rows.
FREE_TEXT_VALUES = 100
FREE_TEXT_SHARE = 0.2

NULL = "__null__"
RARE = "__rare__"
SPECIAL_SUFFIX = "#special"
_VALUE = "value"
_RESOLUTIONS = (86400.0, 3600.0, 1800.0, 900.0, 300.0, 60.0, 1.0)


@dataclass
class ColumnPlan:
    """What was learned about one column, enough to rebuild it from a model frame."""

    name: str
    sdtype: str
    dtype: str
    role: str  # model | constant | empty | id
    constant: Any = None
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    special: str | None = None
    datetime_format: str | None = None
    resolution: float | None = None
    timezone: str | None = None
    id_width: int | None = None
    id_prefix: str = ""
    id_start: int = 0
    kept: frozenset | None = None
    rare_values: list[Any] = field(default_factory=list)
    rare_weights: list[float] = field(default_factory=list)


@dataclass
class TableCodec:
    """Encodes one table into a model frame and decodes sampled model frames."""

    table: Table
    plans: list[ColumnPlan] = field(default_factory=list)
    numerical: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    max_categories: int | None = None

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, table: Table, *, max_categories: int | None = None
    ) -> TableCodec:
        """Learn how to encode every column of ``frame`` described by ``table``.

        ``max_categories`` caps the distinct values of a categorical column in the model
        frame (rarer values are folded into one category); None keeps them all.
        """
        codec = cls(table, max_categories=max_categories)
        for name, column in table.columns.items():
            codec._learn(name, column.sdtype, column.extra, frame[name])
        return codec

    # -- learning ---------------------------------------------------------------------------

    def _learn(self, name: str, sdtype: str, extra: dict[str, Any], series: pd.Series) -> None:
        plan = ColumnPlan(name=name, sdtype=sdtype, dtype=str(series.dtype), role="model")
        self.plans.append(plan)
        if series.isna().all():
            plan.role = "empty"
            self.notes.append(f"column {name!r} is empty (all missing) and stays empty")
            return
        if sdtype == "id":
            self._learn_id(plan, series)
            return
        if sdtype in ("numerical", "datetime"):
            numbers = self._to_numbers(plan, extra, series)
            self._learn_numbers(plan, numbers)
            return
        values = series.dropna()
        if values.nunique() == 1 and not series.isna().any():
            plan.role, plan.constant = "constant", values.iloc[0]
            self.notes.append(f"column {name!r} has one value ({plan.constant}), kept as is")
            return
        self.categorical.append(name)
        distinct = series.nunique(dropna=False)
        if distinct > FREE_TEXT_VALUES and distinct > FREE_TEXT_SHARE * len(series):
            self.warnings.append(
                f"column {name!r} looks like free text or an identifier ({distinct:,} distinct "
                f"values in {len(series):,} rows): synthetic rows reuse its real values; mark "
                "it as an id in the metadata, or drop it, if those values are sensitive"
            )
        if self.max_categories is not None and distinct > self.max_categories:
            self._learn_rare(plan, series, distinct)

    def _learn_rare(self, plan: ColumnPlan, series: pd.Series, distinct: int) -> None:
        counts = series.value_counts(dropna=False)
        kept = counts.iloc[: self.max_categories - 1]
        rare = counts.iloc[self.max_categories - 1 :]
        plan.kept = frozenset(kept.index)
        plan.rare_values = list(rare.index)
        plan.rare_weights = (rare / rare.sum()).tolist()
        share = rare.sum() / len(series)
        self.notes.append(
            f"column {plan.name!r} has {distinct:,} distinct values: the "
            f"{len(kept)} most frequent are modelled, the other {len(rare):,} "
            f"({share:.0%} of rows) are drawn back at their real frequencies"
        )

    def _to_numbers(self, plan: ColumnPlan, extra: dict[str, Any], series: pd.Series) -> np.ndarray:
        import pandas as pd

        if plan.sdtype == "numerical":
            try:
                return pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan)
            except (ValueError, TypeError):
                raise MetadataError(
                    f"column {plan.name!r} is marked numerical but holds non-numbers such as "
                    f"{_first_bad(series)!r}; mark it categorical in the metadata"
                ) from None
        plan.datetime_format = extra.get("datetime_format")
        if plan.datetime_format is None and not pd.api.types.is_datetime64_any_dtype(series):
            from .metadata import detect_datetime_format

            plan.datetime_format = detect_datetime_format(series.dropna())
        parsed = _parse_datetimes(plan, series)
        plan.timezone = str(parsed.dt.tz) if parsed.dt.tz is not None else None
        seconds = _seconds(parsed)
        finite = seconds[np.isfinite(seconds)]
        plan.resolution = next(
            (step for step in _RESOLUTIONS if np.all(np.mod(finite, step) == 0)), None
        )
        return seconds

    def _learn_numbers(self, plan: ColumnPlan, numbers: np.ndarray) -> None:
        finite = numbers[np.isfinite(numbers)]
        if len(finite) < len(numbers):
            plan.special = self._free_name(plan.name + SPECIAL_SUFFIX)
            self.categorical.append(plan.special)
        if len(finite) == 0:
            plan.role, plan.constant = "constant", 0.0
            return
        plan.minimum, plan.maximum = float(finite.min()), float(finite.max())
        plan.decimals = _decimals(finite)
        if plan.minimum == plan.maximum:
            plan.role, plan.constant = "constant", plan.minimum
            self.notes.append(f"column {plan.name!r} has one value, kept as is")
            return
        self.numerical.append(plan.name)

    def _learn_id(self, plan: ColumnPlan, series: pd.Series) -> None:
        import pandas as pd

        plan.role = "id"
        if pd.api.types.is_numeric_dtype(series.dtype):
            plan.id_start = int(series.min())
            return
        text = series.dropna().astype(str)
        if text.str.fullmatch(r"\d+").all() and text.str.len().nunique() == 1:
            plan.id_width = int(text.str.len().iloc[0])
            return
        prefix = _common_prefix(list(text.head(1000)))
        plan.id_prefix = prefix if prefix else f"{plan.name}_"

    def _free_name(self, name: str) -> str:
        taken = set(self.table.columns) | set(self.categorical) | set(self.numerical)
        while name in taken:
            name += "_"
        return name

    # -- encoding ---------------------------------------------------------------------------

    def encode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model frame of ``frame``: numerical floats and categorical values."""
        import pandas as pd

        columns: dict[str, Any] = {}
        for plan in self.plans:
            if plan.role not in ("model", "constant") or plan.sdtype == "id":
                continue
            series = frame[plan.name]
            if plan.sdtype in ("numerical", "datetime"):
                numbers = (
                    _seconds(_parse_datetimes(plan, series))
                    if plan.sdtype == "datetime"
                    else pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan)
                )
                if plan.special is not None:
                    columns[plan.special] = _special_labels(numbers)
                if plan.role == "model":
                    fill = np.nanmean(np.where(np.isfinite(numbers), numbers, np.nan))
                    columns[plan.name] = np.where(np.isfinite(numbers), numbers, fill)
            elif plan.role == "model":
                values = series.astype(object)
                if plan.kept is not None:
                    values = values.where(values.isin(plan.kept) | values.isna(), RARE)
                    if not any(pd.isna(v) for v in plan.kept):
                        values = values.where(values.notna(), RARE)
                columns[plan.name] = values.where(values.notna(), NULL).to_numpy()
        model = pd.DataFrame(columns, index=range(len(frame)))
        return model[self.numerical + self.categorical]

    def observed(self, model: pd.DataFrame, name: str) -> np.ndarray:
        """Rows of numerical model column ``name`` that hold a real number.

        The others hold a placeholder (their value is missing or infinite, and the
        companion ``#special`` column says which), so a backend fitting a marginal
        distribution should leave them out.
        """
        plan = next(plan for plan in self.plans if plan.name == name)
        if plan.special is None:
            return np.ones(len(model), dtype=bool)
        return (model[plan.special] == _VALUE).to_numpy()

    # -- decoding ---------------------------------------------------------------------------

    def decode(
        self,
        model: pd.DataFrame,
        *,
        row_offset: int = 0,
        enforce_min_max: bool = True,
        enforce_rounding: bool = True,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """The user's table rebuilt from a sampled model frame.

        ``seed`` drives the only randomness here: drawing rare categories back.
        """
        import pandas as pd

        rows = len(model)
        rng = np.random.default_rng(seed)
        restored = {
            plan.name: self._decode_column(
                plan, model, rows, row_offset, enforce_min_max, enforce_rounding, rng
            )
            for plan in self.plans
        }
        return pd.DataFrame(restored, index=range(rows))

    def _decode_column(
        self,
        plan: ColumnPlan,
        model: pd.DataFrame,
        rows: int,
        row_offset: int,
        enforce_min_max: bool,
        enforce_rounding: bool,
        rng: np.random.Generator,
    ) -> Any:
        import pandas as pd

        if plan.role == "empty":
            return pd.Series([None] * rows, dtype=plan.dtype if plan.dtype != "object" else object)
        if plan.role == "id":
            return _ids(plan, rows, row_offset)
        if plan.sdtype not in ("numerical", "datetime"):
            if plan.role == "constant":
                return pd.Series([plan.constant] * rows).astype(plan.dtype)
            values = model[plan.name].astype(object)
            if plan.kept is not None:
                rare = (values == RARE).to_numpy()
                drawn = rng.choice(len(plan.rare_values), size=int(rare.sum()), p=plan.rare_weights)
                values[rare] = [plan.rare_values[i] for i in drawn]
            values = values.where((values != NULL) & values.notna(), np.nan)
            return _as_dtype(values, plan.dtype)
        if plan.role == "constant":
            numbers = np.full(rows, plan.constant, dtype="float64")
        else:
            numbers = model[plan.name].to_numpy(dtype="float64").copy()
            if enforce_min_max:
                numbers = np.clip(numbers, plan.minimum, plan.maximum)
            if (
                plan.sdtype == "numerical"
                and plan.decimals is not None
                and (enforce_rounding or _is_integer_dtype(plan.dtype))
            ):
                numbers = np.round(numbers, plan.decimals)
        if plan.special is not None:
            labels = model[plan.special].to_numpy(dtype=object)
            numbers = np.where(labels == "null", np.nan, numbers)
            numbers = np.where(labels == "inf", np.inf, numbers)
            numbers = np.where(labels == "-inf", -np.inf, numbers)
        if plan.sdtype == "datetime":
            return _datetimes(plan, numbers)
        return _numbers_as_dtype(numbers, plan.dtype)


def _first_bad(series: pd.Series) -> Any:
    import pandas as pd

    coerced = pd.to_numeric(series, errors="coerce")
    return series[coerced.isna() & series.notna()].iloc[0]


def _parse_datetimes(plan: ColumnPlan, series: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series
    utc = bool(plan.datetime_format and plan.datetime_format.endswith(("Z", "%z")))
    try:
        return pd.to_datetime(series, format=plan.datetime_format, utc=utc)
    except (ValueError, TypeError) as error:
        first_line = str(error).splitlines()[0]
        raise MetadataError(
            f"column {plan.name!r} is marked datetime (format {plan.datetime_format!r}) but "
            f"a value does not parse ({first_line}); fix datetime_format in the metadata or "
            "mark the column categorical"
        ) from None


def _seconds(parsed: pd.Series) -> np.ndarray:
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds = parsed.astype("datetime64[ns]").astype("int64").to_numpy().astype("float64") / 1e9
    seconds[parsed.isna().to_numpy()] = np.nan
    return seconds


def _special_labels(numbers: np.ndarray) -> np.ndarray:
    labels = np.full(len(numbers), _VALUE, dtype=object)
    labels[np.isnan(numbers)] = "null"
    labels[np.isposinf(numbers)] = "inf"
    labels[np.isneginf(numbers)] = "-inf"
    return labels


def _decimals(values: np.ndarray, most: int = 10) -> int | None:
    for decimals in range(most + 1):
        if np.allclose(np.round(values, decimals), values, rtol=0, atol=1e-9):
            return decimals
    return None


def _is_integer_dtype(dtype: str) -> bool:
    return dtype.lower().startswith(("int", "uint"))


def _numbers_as_dtype(numbers: np.ndarray, dtype: str) -> Any:
    import pandas as pd

    if _is_integer_dtype(dtype):
        finite = np.isfinite(numbers)
        if finite.all() and dtype[0] != "I" and dtype[0] != "U":
            return numbers.astype(dtype)
        nullable = dtype if dtype[0] in "IU" else dtype.capitalize().replace("Uint", "UInt")
        values = pd.array(np.where(finite, numbers, 0).astype("int64"), dtype=nullable)
        values[~finite] = pd.NA
        return values
    return pd.Series(numbers).astype(dtype if dtype.startswith("float") else "float64")


def _as_dtype(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "object":
        return values
    try:
        return values.astype(dtype)
    except (ValueError, TypeError):
        return values


def _datetimes(plan: ColumnPlan, seconds: np.ndarray) -> pd.Series:
    import pandas as pd

    if plan.resolution is not None:
        seconds = np.round(seconds / plan.resolution) * plan.resolution
    finite = np.isfinite(seconds)
    nanoseconds = np.where(finite, seconds, 0).astype("int64") * 1_000_000_000
    stamps = pd.Series(pd.to_datetime(nanoseconds, unit="ns")).where(finite, pd.NaT)
    if plan.timezone is not None:
        stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(plan.timezone)
    if plan.datetime_format is None:
        if plan.timezone is None and plan.dtype.startswith("datetime64"):
            return stamps.astype(plan.dtype)
        return stamps
    text = stamps.dt.strftime(plan.datetime_format)
    return text.where(finite, np.nan)


def _ids(plan: ColumnPlan, rows: int, row_offset: int) -> pd.Series:
    import pandas as pd

    numbers = np.arange(row_offset, row_offset + rows, dtype="int64")
    if plan.id_width is not None:
        return pd.Series([str(n).zfill(plan.id_width) for n in numbers], dtype=object)
    if plan.id_prefix or not _is_integer_dtype(plan.dtype):
        return pd.Series([f"{plan.id_prefix}{n}" for n in numbers], dtype=object)
    return pd.Series(numbers + plan.id_start).astype(plan.dtype)


def _common_prefix(texts: list[str]) -> str:
    if not texts:
        return ""
    first, last = min(texts), max(texts)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    prefix = first[:length]
    return prefix.rstrip("0123456789")
