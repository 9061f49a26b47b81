"""Scores: SDMetrics quality and diagnostic reports, Anonymeter singling-out and linkability.

All scores go into one :class:`~tabular_engine.evaluation.Evaluation`:

* quality (SDMetrics ``QualityReport``): the overall score, each property (Column Shapes,
  Column Pair Trends, and for several tables Cardinality and Intertable Trends), each
  column's shape score and each column pair's trend score;
* diagnostic (SDMetrics ``DiagnosticReport``): the overall score, each property (Data
  Validity, Data Structure, Relationship Validity) and each column's validity;
* privacy (Anonymeter): per table, the singling-out risk (multivariate queries) and the
  linkability risk (the columns split in two halves an attacker would try to link), each
  with its 95% confidence interval; the privacy score is 1 minus the highest risk.

Without control data (real rows not used for fitting) a risk is the attack's raw success
rate, an upper bound of the risk Anonymeter would report with a control set.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

from tabular_engine.evaluation import Evaluation, Score, ScoreGroup
from tabular_engine.log import get_logger

if TYPE_CHECKING:
    import pandas as pd
    from tabular_engine.evaluation import EvaluationOptions
    from tabular_engine.metadata import Metadata, Table

logger = get_logger(__name__)


def evaluate_dataset(
    real: dict[str, pd.DataFrame],
    synthetic: dict[str, pd.DataFrame],
    metadata: Metadata,
    options: EvaluationOptions,
) -> Evaluation:
    """Every score asked for by ``options``, in one Evaluation."""
    real, synthetic = _capped(real, options), _capped(synthetic, options)
    scores: list[Score] = []
    quality = diagnostic = privacy = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if options.quality:
            quality = _quality(real, synthetic, metadata, scores)
        if options.diagnostic:
            diagnostic = _diagnostic(real, synthetic, metadata, scores)
        if options.privacy:
            privacy = _privacy(real, synthetic, metadata, options, scores)
    return Evaluation(tuple(scores), quality, diagnostic, privacy, "tabular-engine-quality")


def _capped(dataset: dict[str, pd.DataFrame], options: EvaluationOptions) -> dict:
    """One table: at most ``max_rows`` rows (a seeded random sample). Several tables are
    kept whole, since sampling rows would break their foreign keys."""
    if len(dataset) != 1:
        return dataset
    ((name, frame),) = dataset.items()
    if len(frame) <= options.max_rows:
        return dataset
    return {name: frame.sample(options.max_rows, random_state=options.seed).reset_index(drop=True)}


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# -- SDMetrics -------------------------------------------------------------------------------


def _sdmetrics_metadata(metadata: Metadata, dataset: dict[str, pd.DataFrame]) -> dict[str, Any]:
    described = metadata.to_dict()
    tables = {name: described["tables"][name] for name in dataset}
    return {"tables": tables, "relationships": described.get("relationships", [])}


def _quality(real: dict, synthetic: dict, metadata: Metadata, scores: list[Score]) -> float:
    from sdmetrics.reports import QualityReport

    logger.info("quality report", tables=len(real))
    report = QualityReport()
    report.generate(real, synthetic, _sdmetrics_metadata(metadata, real), verbose=False)
    _properties(report, ScoreGroup.QUALITY, scores)
    for detail in _details(report, "Column Shapes"):
        scores.append(
            Score(
                ScoreGroup.QUALITY,
                "column_shape",
                _number(detail.get("Score")),
                detail.get("Table", _single(real)),
                detail.get("Column"),
                {"metric": detail.get("Metric")},
            )
        )
    for detail in _details(report, "Column Pair Trends"):
        scores.append(
            Score(
                ScoreGroup.QUALITY,
                "column_pair_trend",
                _number(detail.get("Score")),
                detail.get("Table", _single(real)),
                f"{detail.get('Column 1')} / {detail.get('Column 2')}",
                {
                    "metric": detail.get("Metric"),
                    "real": _number(detail.get("Real Correlation", detail.get("Real Association"))),
                    "synthetic": _number(
                        detail.get("Synthetic Correlation", detail.get("Synthetic Association"))
                    ),
                },
            )
        )
    overall = _number(report.get_score())
    scores.insert(0, Score(ScoreGroup.QUALITY, "overall", overall))
    return overall


def _diagnostic(real: dict, synthetic: dict, metadata: Metadata, scores: list[Score]) -> float:
    from sdmetrics.reports import DiagnosticReport

    logger.info("diagnostic report", tables=len(real))
    report = DiagnosticReport()
    report.generate(real, synthetic, _sdmetrics_metadata(metadata, real), verbose=False)
    _properties(report, ScoreGroup.DIAGNOSTIC, scores)
    for detail in _details(report, "Data Validity"):
        scores.append(
            Score(
                ScoreGroup.DIAGNOSTIC,
                "column_validity",
                _number(detail.get("Score")),
                detail.get("Table", _single(real)),
                detail.get("Column"),
                {"metric": detail.get("Metric")},
            )
        )
    overall = _number(report.get_score())
    scores.append(Score(ScoreGroup.DIAGNOSTIC, "overall", overall))
    return overall


def _properties(report: Any, group: ScoreGroup, scores: list[Score]) -> None:
    for row in report.get_properties().to_dict("records"):
        value = _number(row["Score"])
        if value is not None:
            scores.append(Score(group, "property", value, details={"property": row["Property"]}))


def _details(report: Any, prop: str) -> list[dict[str, Any]]:
    try:
        frame = report.get_details(prop)
    except ValueError:
        return []
    return frame.to_dict("records")


def _single(dataset: dict) -> str | None:
    return next(iter(dataset)) if len(dataset) == 1 else None


# -- Anonymeter ------------------------------------------------------------------------------


def _privacy(
    real: dict,
    synthetic: dict,
    metadata: Metadata,
    options: EvaluationOptions,
    scores: list[Score],
) -> float | None:
    risks = []
    for name in real:
        table = metadata.tables[name]
        columns = _attack_columns(table, real[name])
        if not columns:
            continue
        original = _attack_frame(real[name][columns], table)
        synth = _attack_frame(synthetic[name][columns], table, like=original)
        control = None
        if options.control is not None and name in options.control:
            control = _attack_frame(options.control[name][columns], table, like=original)
        logger.info("privacy attacks", table=name, attacks=options.n_attacks)
        for score in (
            _singling_out(name, original, synth, control, options),
            _linkability(name, original, synth, control, options),
        ):
            if score is not None:
                scores.append(score)
                risks.append(score.details["risk"])
    if not risks:
        return None
    privacy = 1.0 - max(risks)
    scores.append(Score(ScoreGroup.PRIVACY, "overall", privacy, details={"risk": max(risks)}))
    return privacy


def _attack_columns(table: Table, frame: pd.DataFrame) -> list[str]:
    """Columns an attacker would use: all but ids and keys (generated, never real)."""
    keys = {table.primary_key}
    return [
        name
        for name, column in table.columns.items()
        if column.sdtype != "id" and name not in keys and name in frame
    ]


def _attack_frame(frame: pd.DataFrame, table: Table, like: pd.DataFrame | None = None) -> Any:
    """Plain dtypes Anonymeter's distance code accepts: numbers as float64 (missing filled
    with the real median), datetimes as seconds, everything else as text."""
    import pandas as pd
    from tabular_engine.validation import parse_datetimes

    parsed = parse_datetimes(frame, table)
    prepared = {}
    for name in parsed.columns:
        series = parsed[name]
        sdtype = table.columns[name].sdtype if name in table.columns else "categorical"
        if sdtype == "datetime":
            series = series.astype("int64", errors="ignore") / 1e9
            series = pd.to_numeric(series, errors="coerce")
        if sdtype in ("numerical", "datetime") and pd.api.types.is_numeric_dtype(series.dtype):
            numbers = series.astype("float64")
            reference = like[name] if like is not None else numbers
            fill = reference.median() if reference.notna().any() else 0.0
            prepared[name] = numbers.fillna(fill)
        else:
            prepared[name] = series.astype(object).where(series.notna(), "<missing>").astype(str)
    return pd.DataFrame(prepared)


def _risk_score(name: str, table: str, risk: Any, attacks: int, details: dict) -> Score:
    value = float(risk.value)
    low, high = (float(v) for v in risk.ci)
    return Score(
        ScoreGroup.PRIVACY,
        name,
        1.0 - value,
        table,
        details={"risk": value, "risk_ci": [low, high], "attacks": attacks, **details},
    )


def _singling_out(
    table: str, original: Any, synthetic: Any, control: Any, options: EvaluationOptions
) -> Score | None:
    from anonymeter.evaluators import SinglingOutEvaluator

    attacks = min(options.n_attacks, len(original))
    n_cols = min(3, len(original.columns))
    evaluator = SinglingOutEvaluator(
        original,
        synthetic,
        n_attacks=attacks,
        n_cols=n_cols,
        control=control,
        seed=options.seed,
        max_attempts=attacks * 100,
    )
    try:
        evaluator.evaluate(mode="multivariate" if n_cols > 1 else "univariate")
        risk = evaluator.risk()
    except (RuntimeError, ValueError) as error:  # too few successful queries to estimate
        logger.warning("singling-out risk not measured", table=table, reason=str(error))
        return None
    return _risk_score("singling_out", table, risk, attacks, {"control": control is not None})


def _linkability(
    table: str, original: Any, synthetic: Any, control: Any, options: EvaluationOptions
) -> Score | None:
    from anonymeter.evaluators import LinkabilityEvaluator

    columns = list(original.columns)
    if len(columns) < 2:
        return None
    aux = (columns[0::2], columns[1::2])
    attacks = min(options.n_attacks, len(original))
    if control is not None:
        attacks = min(attacks, len(control))
    evaluator = LinkabilityEvaluator(
        original, synthetic, aux_cols=aux, n_attacks=attacks, control=control
    )
    evaluator.evaluate(n_jobs=1)
    risk = evaluator.risk()
    return _risk_score(
        "linkability",
        table,
        risk,
        attacks,
        {"control": control is not None, "aux_cols": [list(aux[0]), list(aux[1])]},
    )
