"""Evaluation results, release gates, and the call to the installed evaluator.

The core computes no score itself: an evaluator plugin (``tabular-engine-quality``:
SDMetrics reports, Anonymeter risks) answers the ``evaluate`` hook with an
:class:`Evaluation`, one structure for every score. The gate compares it with thresholds:
quality at least ``min_quality`` (default 0.75) and privacy at least ``min_privacy``
(default 0.50), privacy being 1 minus the highest measured re-identification risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ParameterError, TabularEngineError

if TYPE_CHECKING:
    import pandas as pd

    from .metadata import Metadata

DEFAULT_MIN_QUALITY = 0.75
DEFAULT_MIN_PRIVACY = 0.50
QUALITY_PACKAGE = "tabular-engine-quality"
#: Score names kept in run records (the rest are per column or per column pair).
HEADLINE_SCORES = ("overall", "property", "singling_out", "linkability")


class ScoreGroup(StrEnum):
    """What a score measures."""

    QUALITY = "quality"  # how alike real and synthetic data are (higher is better)
    DIAGNOSTIC = "diagnostic"  # whether the synthetic data is valid at all (higher is better)
    PRIVACY = "privacy"  # 1 - re-identification risk (higher is safer)


@dataclass(frozen=True)
class Score:
    """One score between 0 and 1; ``table`` and ``column`` say what it is about, if narrower.

    ``details`` holds figures worth keeping (confidence intervals, attack counts ...).
    """

    group: ScoreGroup
    name: str
    value: float | None
    table: str | None = None
    column: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": str(self.group),
            "name": self.name,
            "value": self.value,
            "table": self.table,
            "column": self.column,
            "details": self.details,
        }


@dataclass(frozen=True)
class Evaluation:
    """Every score of one comparison of real and synthetic data.

    ``quality`` is the overall quality score, ``diagnostic`` the overall diagnostic score
    and ``privacy`` 1 minus the highest risk measured; each is None when not measured.
    """

    scores: tuple[Score, ...]
    quality: float | None = None
    diagnostic: float | None = None
    privacy: float | None = None
    evaluator: str = ""

    def by_group(self, group: ScoreGroup | str) -> list[Score]:
        return [score for score in self.scores if score.group == group]

    def to_dict(self, headline_only: bool = False) -> dict[str, Any]:
        """As JSON-friendly data; ``headline_only`` keeps the overall and property scores
        and the privacy risks, leaving out the per-column and per-pair ones."""
        scores = self.scores
        if headline_only:
            scores = tuple(s for s in scores if s.name in HEADLINE_SCORES)
        return {
            "quality": self.quality,
            "diagnostic": self.diagnostic,
            "privacy": self.privacy,
            "evaluator": self.evaluator,
            "scores": [score.to_dict() for score in scores],
        }


@dataclass(frozen=True)
class EvaluationOptions:
    """What to measure, and how hard.

    ``n_attacks`` is the number of Anonymeter attacks per risk (more is slower and gives
    a tighter confidence interval); ``control`` is real data *not* used for fitting, which
    Anonymeter needs for a baseline (without it the risk is the raw attack success rate);
    ``max_rows`` caps the rows of each table compared (a random sample beyond it).
    """

    quality: bool = True
    diagnostic: bool = True
    privacy: bool = True
    n_attacks: int = 500
    control: dict[str, pd.DataFrame] | None = None
    max_rows: int = 20_000
    seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.n_attacks, bool) or not isinstance(self.n_attacks, int):
            raise ParameterError(f"n_attacks must be a whole number, got {self.n_attacks!r}")
        if self.n_attacks < 1:
            raise ParameterError(f"n_attacks must be at least 1, got {self.n_attacks}")
        if isinstance(self.max_rows, bool) or not isinstance(self.max_rows, int):
            raise ParameterError(f"max_rows must be a whole number, got {self.max_rows!r}")
        if self.max_rows < 10:
            raise ParameterError(f"max_rows must be at least 10, got {self.max_rows}")


def check_threshold(value: Any, name: str) -> float:
    """``value`` as a number from 0 to 1, or a ParameterError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name} must be a number from 0 to 1, got {value!r}")
    if not 0 <= value <= 1:
        raise ParameterError(f"{name} must be from 0 to 1, got {value}")
    return float(value)


@dataclass(frozen=True)
class Gate:
    """Release thresholds: a run passes when every measured score reaches its threshold.

    A threshold of 0 switches that gate off (and the evaluation it needs).
    """

    min_quality: float = DEFAULT_MIN_QUALITY
    min_privacy: float = DEFAULT_MIN_PRIVACY

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_quality", check_threshold(self.min_quality, "min_quality"))
        object.__setattr__(self, "min_privacy", check_threshold(self.min_privacy, "min_privacy"))

    @classmethod
    def from_options(cls, min_quality: float | None, min_privacy: float | None) -> Gate:
        """The gate with the given thresholds, defaults for those left out."""
        return cls(
            DEFAULT_MIN_QUALITY if min_quality is None else min_quality,
            DEFAULT_MIN_PRIVACY if min_privacy is None else min_privacy,
        )

    def options(self, **overrides: Any) -> EvaluationOptions:
        """Evaluation options measuring what this gate needs (privacy only when gated)."""
        return EvaluationOptions(privacy=self.min_privacy > 0, **overrides)

    def check(self, evaluation: Evaluation) -> GateResult:
        failures = []
        for name, threshold, value in (
            ("quality", self.min_quality, evaluation.quality),
            ("privacy", self.min_privacy, evaluation.privacy),
        ):
            if threshold <= 0:
                continue
            if value is None:
                failures.append(f"{name} was not measured (gate {name} >= {threshold:.2f})")
            elif value < threshold:
                failures.append(f"{name} {value:.3f} < {threshold:.2f}")
        return GateResult(self, evaluation.quality, evaluation.privacy, tuple(failures))


@dataclass(frozen=True)
class GateResult:
    """The outcome of a gate: the scores it saw and each gate that failed, in words."""

    gate: Gate
    quality: float | None
    privacy: float | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        scores = f"quality {_fmt(self.quality)}, privacy {_fmt(self.privacy)}"
        if self.passed:
            return f"release gate passed: {scores}"
        return f"release gate failed: {'; '.join(self.failures)} ({scores})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "min_quality": self.gate.min_quality,
            "min_privacy": self.gate.min_privacy,
            "quality": self.quality,
            "privacy": self.privacy,
            "failures": list(self.failures),
        }


def _fmt(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.3f}"


class GateFailedError(TabularEngineError):
    """A run's scores are below its release gate; its output was kept apart."""

    def __init__(self, result: GateResult, kept_at: list[Path] | None = None) -> None:
        self.result = result
        self.kept_at = list(kept_at or [])
        where = ""
        if self.kept_at:
            where = "; the output was kept apart in " + ", ".join(map(str, self.kept_at))
        super().__init__(result.summary() + where)


def evaluate(
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    options: EvaluationOptions | None = None,
) -> Evaluation:
    """Compare ``synthetic`` with ``real`` through the installed evaluator plugin."""
    from .plugins import get_registry

    _check_same_tables(real, synthetic)
    hook = get_registry().manager.hook
    if not hook.evaluate.get_hookimpls():
        raise_no_evaluator()
    result = hook.evaluate(
        real=real, synthetic=synthetic, metadata=metadata, options=options or EvaluationOptions()
    )
    if result is None:
        raise_no_evaluator()
    return result


def write_report(
    path: Path,
    evaluation: Evaluation,
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    gate: GateResult | None = None,
) -> Path:
    """Write the evaluator's self-contained HTML report to ``path``, atomically."""
    from .errors import OutputError
    from .plugins import get_registry

    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"report folder {str(path.parent)!r} does not exist; create it first")
    hook = get_registry().manager.hook
    if not hook.write_report.get_hookimpls():
        raise_no_evaluator()
    written = hook.write_report(
        path=path,
        evaluation=evaluation,
        real=real,
        synthetic=synthetic,
        metadata=metadata,
        gate=gate,
    )
    if written is None:
        raise_no_evaluator()
    return path


def require_evaluator() -> None:
    """Fail now, before any work, when no evaluator plugin is installed."""
    from .plugins import get_registry

    if not get_registry().manager.hook.evaluate.get_hookimpls():
        raise_no_evaluator()


def raise_no_evaluator() -> None:
    raise TabularEngineError(
        "no evaluator is installed: evaluation, reports and release gates need the quality "
        f"plugin; pip install {QUALITY_PACKAGE}"
    )


def _check_same_tables(real: dict, synthetic: dict) -> None:
    from .errors import InputError

    if set(real) != set(synthetic):
        raise InputError(
            f"real data has table(s) {', '.join(sorted(real))} but synthetic data has "
            f"{', '.join(sorted(synthetic))}; compare the same tables"
        )
    for name in real:
        missing = [c for c in real[name].columns if c not in synthetic[name].columns]
        if missing:
            raise InputError(
                f"table {name!r}: synthetic data lacks column(s) {', '.join(map(str, missing))}"
            )
        for column in real[name].columns:
            _check_same_kind(name, column, real[name][column], synthetic[name][column])


def _check_same_kind(table: str, column: str, real: pd.Series, synthetic: pd.Series) -> None:
    """A column of numbers (or datetimes) in the real data must hold them in the synthetic
    data too: the scores would otherwise leave it out and read higher."""
    import pandas as pd

    from .errors import InputError

    if real.dtype.kind in "iuf":
        converted = pd.to_numeric(synthetic, errors="coerce")
        kind = "numbers"
    elif real.dtype.kind == "M":
        converted = pd.to_datetime(synthetic, errors="coerce", utc=True, format="mixed")
        kind = "datetimes"
    else:
        return
    foreign = synthetic[converted.isna() & synthetic.notna()]
    if len(foreign):
        raise InputError(
            f"table {table!r}, column {column!r}: the real data holds {kind}, the synthetic "
            f"data {len(foreign):,} value(s) that are not (e.g. {foreign.iloc[0]!r}); fix or "
            "drop the column, then evaluate again"
        )
