"""Scores of real credit and flights data: SDMetrics reports and Anonymeter risks, one structure."""

from __future__ import annotations

import pandas as pd
import pytest
from tabular_engine.evaluation import (
    Evaluation,
    EvaluationOptions,
    Gate,
    ScoreGroup,
    evaluate,
)
from tabular_engine.metadata import Metadata

FEW_ATTACKS = 40


def test_single_table_scores_quality_diagnostic_and_privacy(
    credit_small, credit_synthetic, credit_model
):
    real, synthetic = {"credit": credit_small}, {"credit": credit_synthetic}
    options = EvaluationOptions(n_attacks=FEW_ATTACKS, seed=0)
    result = evaluate(real, synthetic, credit_model.metadata, options)

    assert isinstance(result, Evaluation) and result.evaluator == "tabular-engine-quality"
    assert 0.6 < result.quality <= 1 and result.diagnostic == pytest.approx(1.0)
    properties = {s.details["property"] for s in result.scores if s.name == "property"}
    assert {"Column Shapes", "Column Pair Trends", "Data Validity"} <= properties
    shapes = {s.column for s in result.by_group(ScoreGroup.QUALITY) if s.name == "column_shape"}
    assert shapes == set(credit_small.columns)
    pairs = [s for s in result.scores if s.name == "column_pair_trend"]
    assert len(pairs) == 14 * 13 // 2
    risks = {s.name: s for s in result.by_group(ScoreGroup.PRIVACY)}
    assert {"singling_out", "linkability", "overall"} <= set(risks)
    for name in ("singling_out", "linkability"):
        low, high = risks[name].details["risk_ci"]
        assert 0 <= low <= risks[name].details["risk"] <= high <= 1
        assert risks[name].details["attacks"] == FEW_ATTACKS
    worst = max(risks["singling_out"].details["risk"], risks["linkability"].details["risk"])
    assert result.privacy == pytest.approx(1 - worst)
    assert all(s.value is None or 0 <= s.value <= 1 for s in result.scores)


def test_a_copy_of_the_real_data_is_less_private_than_synthetic_data(
    credit_small, credit_synthetic, credit_model
):
    options = EvaluationOptions(quality=False, diagnostic=False, n_attacks=FEW_ATTACKS, seed=0)
    real = {"credit": credit_small}
    copied = evaluate(real, {"credit": credit_small.copy()}, credit_model.metadata, options)
    synthetic = evaluate(real, {"credit": credit_synthetic}, credit_model.metadata, options)
    assert copied.quality is None and copied.privacy is not None
    assert copied.privacy < 0.5 < synthetic.privacy
    privacy_gate = Gate(min_quality=0)
    assert not privacy_gate.check(copied).passed
    assert privacy_gate.check(copied).failures[0].startswith("privacy 0.")


def test_control_rows_give_anonymeter_its_baseline(credit_path, credit_small, credit_model):
    from tabular_engine.io import read_table

    control = {"credit": read_table(credit_path).iloc[500:1000].reset_index(drop=True)}
    options = EvaluationOptions(
        quality=False, diagnostic=False, n_attacks=FEW_ATTACKS, control=control, seed=0
    )
    real = {"credit": credit_small}
    result = evaluate(real, {"credit": credit_small.copy()}, credit_model.metadata, options)
    linkability = next(s for s in result.scores if s.name == "linkability")
    assert linkability.details["control"] is True


def shuffled(dataset: dict[str, pd.DataFrame], metadata: Metadata) -> dict[str, pd.DataFrame]:
    """Every non-key column shuffled on its own: marginals kept, relations between columns
    lost, foreign keys intact."""
    result = {}
    for name, frame in dataset.items():
        frame = frame.copy()
        for number, column in enumerate(frame.columns):
            if metadata.tables[name].columns[column].sdtype != "id":
                values = frame[column].sample(frac=1, random_state=number).to_numpy()
                frame[column] = values
        result[name] = frame
    return result


@pytest.mark.slow
def test_multi_table_quality_and_privacy_on_flights(flights_path, flights_metadata_path):
    from tabular_engine.api import resolve_metadata
    from tabular_engine.io import read_dataset

    real = read_dataset(flights_path)
    metadata = resolve_metadata(flights_metadata_path, real)
    options = EvaluationOptions(n_attacks=20, seed=0)
    same = evaluate(real, real, metadata, EvaluationOptions(privacy=False))
    mixed = evaluate(real, shuffled(real, metadata), metadata, options)

    properties = {s.details["property"] for s in mixed.scores if s.name == "property"}
    assert {"Column Shapes", "Column Pair Trends", "Cardinality", "Intertable Trends"} <= properties
    assert "Relationship Validity" in properties
    assert mixed.quality < same.quality
    tables = {s.table for s in mixed.scores if s.name == "column_shape"}
    assert tables == set(real)
    assert {s.table for s in mixed.by_group(ScoreGroup.PRIVACY) if s.table} >= {"flights", "planes"}
    assert mixed.privacy is not None


def test_gate_thresholds_and_their_failures(credit_small, credit_synthetic, credit_model):
    from tabular_engine.errors import ParameterError

    options = EvaluationOptions(privacy=False)
    real, synthetic = {"credit": credit_small}, {"credit": credit_synthetic}
    result = evaluate(real, synthetic, credit_model.metadata, options)
    assert Gate(min_quality=0.5, min_privacy=0).check(result).passed
    failed = Gate(min_quality=0.999, min_privacy=0).check(result)
    assert not failed.passed
    assert failed.failures == (f"quality {result.quality:.3f} < 1.00",)
    unmeasured = Gate().check(result)  # privacy gated but not measured: that fails too
    assert "privacy was not measured" in unmeasured.failures[0]
    with pytest.raises(ParameterError, match="min_quality must be from 0 to 1"):
        Gate(min_quality=1.2)


def test_attack_frames_have_the_types_numba_compiles(credit_small, credit_model):
    """Anonymeter's compiled distance needs float64 numbers and text without missing values
    (nullable integers with <NA> fail to compile)."""
    import numpy as np
    from tabular_engine_quality.evaluate import _attack_columns, _attack_frame

    table = credit_model.metadata.tables["credit"]
    assert credit_small["Income"].isna().any()  # the real data has gaps to fill
    frame = _attack_frame(credit_small[_attack_columns(table, credit_small)], table)
    for name, column in frame.items():
        assert column.notna().all(), name
        if table.columns[name].sdtype == "numerical":
            assert column.dtype == np.float64, name
        else:
            assert column.map(type).eq(str).all(), name


def test_a_numeric_column_holding_text_in_the_synthetic_data_is_refused(
    credit_small, credit_synthetic, credit_model
):
    """SDMetrics would leave the column out of its scores, and quality would read higher."""
    from tabular_engine.errors import InputError

    broken = credit_synthetic.assign(Age="unknown")
    with pytest.raises(InputError, match=r"'credit', column 'Age': the real data holds numbers"):
        evaluate({"credit": credit_small}, {"credit": broken}, credit_model.metadata)
