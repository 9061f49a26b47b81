"""The deepecho generator on real sequences: guarantees, one long series in segments, bad input.

A few epochs of training: these tests check shapes, keys, order, context and formats,
which hold however little the network learned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tabular_engine
from tabular_engine.errors import InputError, MetadataError, ParameterError
from tabular_engine.privacy import privacy_unit_for
from tabular_engine.types import PrivacyUnit

ISO_Z = "%Y-%m-%dT%H:%M:%SZ"


def assert_sequences(frame: pd.DataFrame, key: str, index: str, context: list[str]) -> None:
    """Index strictly increasing within each sequence; context constant within it."""
    for _, rows in frame.groupby(key, sort=False):
        values = rows[index]
        assert values.is_monotonic_increasing and values.is_unique, rows
        for column in context:
            assert rows[column].nunique(dropna=False) == 1, rows


def test_deepecho_is_the_gan_not_par(deepecho_chicks):
    from deepecho import BasicGANModel, PARModel

    assert deepecho_chicks.generator.kind.value == "sequential"
    assert deepecho_chicks.generator.library_license == "BUSL-1.1"
    assert isinstance(deepecho_chicks.state.model, BasicGANModel)
    assert not isinstance(deepecho_chicks.state.model, PARModel)


def test_guarantees_on_chickweight(deepecho_chicks, chickweight):
    for count in (1, 9):
        frame = deepecho_chicks.sample_sequences(count, seed=count)
        assert frame["Chick"].nunique() == count
        assert list(frame.columns) == list(chickweight.columns)
        assert_sequences(frame, "Chick", "Time", ["Diet"])
        assert set(frame["Diet"]) <= set(chickweight["Diet"])
        assert frame["weight"].notna().all()  # the real column has no gaps
        assert set(frame.groupby("Chick").size()) <= set(chickweight.groupby("Chick").size())


def test_a_number_constant_in_training_leaves_the_network_finite(deepecho_chicks):
    """Every chick starts at Time 0: the encoded start never varies. deepecho scales a
    continuous column by its range, so given as one it turned every weight into NaN and
    every drawn chick weighed the same (the middle of the real range)."""
    import torch

    model = deepecho_chicks.state.model
    assert all(torch.isfinite(p).all() for p in model._generator.parameters())
    frame = deepecho_chicks.sample_sequences(5, seed=4)
    assert frame["weight"].nunique() > 5


def test_sequence_length_and_context_rows(deepecho_chicks):
    context = pd.DataFrame({"Diet": [3, 1]})
    frame = deepecho_chicks.sample_sequences(context=context, sequence_length=20, seed=3)
    assert frame.groupby("Chick", sort=False).size().tolist() == [20, 20]  # beyond the 12 seen
    assert frame.drop_duplicates("Chick")["Diet"].tolist() == [3, 1]
    assert_sequences(frame, "Chick", "Time", ["Diet"])


def test_a_context_the_model_never_saw_is_refused(deepecho_chicks):
    """deepecho itself would draw the sequence and clip the context into its range."""
    with pytest.raises(InputError, match=r"context column 'Diet': value\(s\) 9 lie outside"):
        deepecho_chicks.sample_sequences(context=pd.DataFrame({"Diet": [2, 9]}), seed=1)


def test_seed_reproduces_and_the_model_file_too(deepecho_chicks, tmp_path):
    first = deepecho_chicks.sample_sequences(4, seed=21)
    assert first.equals(deepecho_chicks.sample_sequences(4, seed=21))
    assert not first.equals(deepecho_chicks.sample_sequences(4, seed=22))
    loaded = tabular_engine.load(deepecho_chicks.save(tmp_path / "chicks.model"))
    assert loaded.sample_sequences(4, seed=21).equals(first)


@pytest.mark.slow
def test_one_long_series_is_learned_in_segments(bank_calls, capture_logs):
    with capture_logs() as logs:
        model = tabular_engine.fit(
            bank_calls, "deepecho", seed=2, epochs=2, segment_size=100, sequence_index="DateTime"
        )
    cut = [e for e in logs if "cut into segments" in e["event"]]
    assert cut and cut[0]["training_sequences"] == 12 and cut[0]["longest"] == 1200
    frame = model.sample_sequences(1, seed=5)
    assert len(frame) == 1200  # as long as the real series, drawn segment by segment
    assert list(frame.columns) == ["DateTime", "Calls"]
    stamps = pd.to_datetime(frame["DateTime"], format=ISO_Z, utc=True)
    assert stamps.notna().all() and frame["DateTime"].str.endswith("Z").all()
    assert stamps.is_monotonic_increasing and stamps.is_unique
    assert (stamps.astype("int64") // 10**9 % 300 == 0).all()  # the real five-minute grid
    real = pd.to_datetime(bank_calls["DateTime"], utc=True).diff().dt.total_seconds()
    ratio = stamps.diff().dt.total_seconds().median() / real.median()
    assert 0.5 <= ratio <= 2.0
    longer = model.sample_sequences(1, sequence_length=250, seed=6)
    assert len(longer) == 250 and list(longer.columns) == ["DateTime", "Calls"]
    with pytest.raises(ParameterError, match="one series, without a sequence key"):
        model.sample_sequences(2, seed=6)  # two series one after the other, no key to split


def test_privacy_unit_is_the_sequence(deepecho_chicks):
    unit = privacy_unit_for(deepecho_chicks.generator, deepecho_chicks.metadata)
    assert unit is PrivacyUnit.SEQUENCE


# -- bad input ----------------------------------------------------------------------------------


def test_neither_key_nor_index(chickweight):
    shuffled = chickweight.sample(frac=1.0, random_state=0)
    with pytest.raises(MetadataError, match=r"--sequence-key COL .* or --sequence-index COL"):
        tabular_engine.fit(shuffled, "deepecho", seed=1, epochs=1)


def test_a_single_short_sequence_cannot_be_cut(chickweight):
    one = chickweight[chickweight["Chick"] == 3]
    with pytest.raises(InputError, match=r"one sequence of 12 rows.*-p segment_size=2"):
        tabular_engine.fit(one, "deepecho", seed=1, epochs=1, sequence_key="Chick")


def test_a_duplicated_index(bank_calls):
    doubled = pd.concat([bank_calls.iloc[:50], bank_calls.iloc[[10]]], ignore_index=True)
    with pytest.raises(InputError, match=r"'DateTime' repeats the value 2003-03-03T07:50:00Z;"):
        tabular_engine.fit(doubled, "deepecho", seed=1, epochs=1, sequence_index="DateTime")


def test_a_sequence_key_with_nulls(chickweight):
    frame = chickweight.astype({"Chick": "float64"})
    frame.loc[0, "Chick"] = np.nan
    with pytest.raises(InputError, match=r"sequence key 'Chick' is empty in 1 row"):
        tabular_engine.fit(frame, "deepecho", seed=1, epochs=1, sequence_key="Chick")
