"""The par generator on real sequences: the guarantees of sequential output, and bad input.

One epoch of training: these tests check shapes, keys, order, context and formats, which
hold however little the network learned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tabular_engine
from tabular_engine.errors import InputError, MetadataError, ParameterError
from tabular_engine.privacy import privacy_unit_for
from tabular_engine.types import PrivacyUnit


def assert_sequences(frame: pd.DataFrame, key: str, index: str, context: list[str]) -> None:
    """Index strictly increasing within each sequence; context constant within it."""
    for _, rows in frame.groupby(key, sort=False):
        values = rows[index]
        assert values.is_monotonic_increasing and values.is_unique, rows
        for column in context:
            assert rows[column].nunique(dropna=False) == 1, rows


def test_par_declares_a_sequential_generator():
    info = next(g for g in tabular_engine.generators() if g.name == "par")
    assert info.kind.value == "sequential"
    assert (info.license, info.library, info.library_license) == ("Apache-2.0", "sdv", "BUSL-1.1")


def test_as_many_sequences_as_asked(par_chicks, chickweight):
    for count in (1, 7):
        frame = par_chicks.sample_sequences(count, seed=count)
        assert frame["Chick"].nunique() == count
        assert list(frame.columns) == list(chickweight.columns)
        assert_sequences(frame, "Chick", "Time", ["Diet"])
        assert set(frame["Diet"]) <= set(chickweight["Diet"])  # the real domain
        assert frame["Time"].dtype == chickweight["Time"].dtype


def test_sequence_length(par_chicks):
    frame = par_chicks.sample_sequences(4, sequence_length=5, seed=1)
    assert frame.groupby("Chick").size().tolist() == [5, 5, 5, 5]


def test_one_sequence_per_context_row_in_order(par_chicks):
    context = pd.DataFrame({"Diet": [4, 1, 1, 3]})
    frame = par_chicks.sample_sequences(context=context, seed=2)
    firsts = frame.drop_duplicates("Chick")
    assert firsts["Diet"].tolist() == [4, 1, 1, 3]
    assert_sequences(frame, "Chick", "Time", ["Diet"])


def test_context_rows_may_carry_their_keys(par_chicks):
    context = pd.DataFrame({"Chick": [101, 205], "Diet": [2, 3]})
    frame = par_chicks.sample_sequences(context=context, sequence_length=3, seed=2)
    assert frame["Chick"].tolist() == [101] * 3 + [205] * 3


def test_context_rows_must_hold_the_context(par_chicks):
    with pytest.raises(InputError, match=r"lack column\(s\) Diet"):
        par_chicks.sample_sequences(context=pd.DataFrame({"weight": [40]}), seed=1)


def test_a_context_the_model_never_saw_is_refused(par_chicks):
    with pytest.raises(InputError, match=r"context column 'Diet': value\(s\) 9 lie outside"):
        par_chicks.sample_sequences(context=pd.DataFrame({"Diet": [2, 9]}), seed=1)


def test_rows_are_refused_with_a_pointer_to_sequences(par_chicks):
    with pytest.raises(ParameterError, match=r"sample_sequences\(n\) \(--sequences N"):
        par_chicks.sample(10, seed=1)


def test_seed_reproduces_and_the_model_file_too(par_chicks, tmp_path):
    first = par_chicks.sample_sequences(3, seed=11)
    assert first.equals(par_chicks.sample_sequences(3, seed=11))
    assert not first.equals(par_chicks.sample_sequences(3, seed=12))
    path = par_chicks.save(tmp_path / "chicks.model")
    loaded = tabular_engine.load(path)
    assert loaded.sample_sequences(3, seed=11).equals(first)
    assert loaded.metadata.tables["chickweight"].context_columns == ["Diet"]


def test_zero_sequences_give_the_columns(par_chicks, chickweight):
    frame = par_chicks.sample_sequences(0, seed=1)
    assert len(frame) == 0 and list(frame.columns) == list(chickweight.columns)


@pytest.mark.slow
def test_a_datetime_index_keeps_its_format_and_spacing(bank_days):
    model = tabular_engine.fit(
        bank_days, "par", seed=3, epochs=1, sequence_key="day", sequence_index="DateTime"
    )
    frame = model.sample_sequences(3, sequence_length=30, seed=4)
    assert frame["day"].nunique() == 3
    stamps = pd.to_datetime(frame["DateTime"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    assert stamps.notna().all()
    assert frame["DateTime"].str.endswith("Z").all()
    assert_sequences(frame.assign(DateTime=stamps), "day", "DateTime", [])
    real = pd.to_datetime(bank_days["DateTime"], utc=True).diff().dt.total_seconds()
    drawn = stamps.groupby(frame["day"]).diff().dt.total_seconds()
    ratio = np.nanmedian(drawn) / np.nanmedian(real[real < 3600])
    assert 0.5 <= ratio <= 2.0


def test_privacy_unit_is_the_sequence(par_chicks):
    assert privacy_unit_for(par_chicks.generator, par_chicks.metadata) is PrivacyUnit.SEQUENCE


# -- bad input: the core's checks run before training ------------------------------------------


def test_no_sequence_key(chickweight):
    shuffled = chickweight.sample(frac=1.0, random_state=0)  # nothing is obvious any more
    with pytest.raises(MetadataError, match=r"no sequence key .*--sequence-key COL"):
        tabular_engine.fit(shuffled, "par", seed=1, epochs=1)


def test_a_single_sequence(chickweight):
    one = chickweight[chickweight["Chick"] == 3]
    with pytest.raises(InputError, match="single sequence"):
        tabular_engine.fit(one, "par", seed=1, epochs=1, sequence_key="Chick")


def test_a_context_column_that_varies(chickweight):
    with pytest.raises(InputError, match=r"'weight' varies within sequence\(s\) Chick = 1, 2"):
        tabular_engine.fit(
            chickweight, "par", seed=1, epochs=1, sequence_key="Chick", context_columns=["weight"]
        )
