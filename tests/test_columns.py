"""The shared column codec: model frames and the way back to the user's types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabular_engine.columns import SPECIAL_SUFFIX, TableCodec
from tabular_engine.metadata import detect_table


def _round_trip(frame: pd.DataFrame, **decode_options) -> pd.DataFrame:
    codec = TableCodec.fit(frame, detect_table(frame))
    return codec.decode(codec.encode(frame), **decode_options)


def test_encoding_gives_floats_and_categories(credit):
    codec = TableCodec.fit(credit, detect_table(credit))
    model = codec.encode(credit)
    assert set(codec.numerical) >= {"Seniority", "Income", "Amount"}
    assert "Income" + SPECIAL_SUFFIX in codec.categorical
    assert all(model[name].dtype == "float64" for name in codec.numerical)
    assert not model[codec.numerical].isna().any().any()


def test_decoding_the_encoding_gives_back_the_data(credit):
    back = _round_trip(credit)
    pd.testing.assert_frame_equal(back, credit, check_dtype=True)


def test_special_values_ids_and_dates_round_trip():
    frame = pd.DataFrame(
        {
            "customer_id": ["C001", "C002", "C003", "C004"],
            "code": ["00123", "00456", "00123", np.nan],
            "x": [1.25, np.inf, np.nan, -np.inf],
            "month": ["Mar-2018", "Apr-2018", np.nan, "Jan-2019"],
            "stamp": [
                "2003-03-03T07:00:00Z",
                "2003-03-03T07:05:00Z",
                "2003-03-03T07:10:00Z",
                "2003-03-03T07:15:00Z",
            ],
            "empty": [np.nan] * 4,
        }
    )
    back = _round_trip(frame)
    pd.testing.assert_frame_equal(
        back.drop(columns="customer_id"), frame.drop(columns="customer_id"), check_dtype=False
    )
    assert back["customer_id"].tolist() == ["C0", "C1", "C2", "C3"]


def test_ids_continue_across_blocks():
    frame = pd.DataFrame({"id": [10, 11, 12], "v": ["a", "b", "a"]})
    codec = TableCodec.fit(frame, detect_table(frame))
    model = codec.encode(frame)
    first = codec.decode(model, row_offset=0)["id"]
    second = codec.decode(model, row_offset=3)["id"]
    assert first.tolist() + second.tolist() == [10, 11, 12, 13, 14, 15]


def test_values_are_clipped_and_rounded_on_the_way_back():
    frame = pd.DataFrame({"price": [1.25, 2.5, 3.75]})
    codec = TableCodec.fit(frame, detect_table(frame))
    sampled = pd.DataFrame({"price": [0.0, 2.123456, 9.0]})
    assert codec.decode(sampled)["price"].tolist() == [1.25, 2.12, 3.75]
    loose = codec.decode(sampled, enforce_min_max=False, enforce_rounding=False)
    assert loose["price"].tolist() == [0.0, 2.123456, 9.0]


def test_integer_columns_stay_integers_even_without_rounding():
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")})
    codec = TableCodec.fit(frame, detect_table(frame))
    sampled = pd.DataFrame({"n": [1.4, 2.6, 2.0], "n#special": ["value", "value", "null"]})
    back = codec.decode(sampled, enforce_rounding=False)
    assert str(back["n"].dtype) == "Int64"
    assert back["n"].tolist()[:2] == [1, 3]
    assert back["n"].isna().tolist() == [False, False, True]


# -- property: any small mixed frame survives encode/decode with its shape and types -------------

_cells = {
    "int": st.one_of(st.none(), st.integers(-1000, 1000)),
    "float": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    "text": st.one_of(st.none(), st.sampled_from(["a", "b", "c", "00123", "x y"])),
    "bool": st.booleans(),
}
_dtypes = {"int": "Int64", "float": "float64", "text": object, "bool": "bool"}


@st.composite
def mixed_frames(draw):
    rows = draw(st.integers(1, 12))
    kinds = draw(st.lists(st.sampled_from(sorted(_cells)), min_size=1, max_size=5))
    columns = {}
    for number, kind in enumerate(kinds):
        values = draw(st.lists(_cells[kind], min_size=rows, max_size=rows))
        columns[f"{kind}_{number}"] = pd.Series(values, dtype=_dtypes[kind])
    return pd.DataFrame(columns)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=mixed_frames(), seed=st.integers(0, 2**16))
def test_property_sampled_model_frames_decode_to_the_input_shape(frame, seed):
    codec = TableCodec.fit(frame, detect_table(frame))
    model = codec.encode(frame)
    rng = np.random.default_rng(seed)
    sampled = model.sample(n=7, replace=True, random_state=rng).reset_index(drop=True)
    for name in codec.numerical:  # a model's numbers are near, not equal, to the real ones
        sampled[name] = sampled[name] + rng.normal(0, 1, len(sampled))
    back = codec.decode(sampled)
    assert list(back.columns) == list(frame.columns)
    assert len(back) == 7
    for name in frame.columns:
        assert str(back[name].dtype) == str(frame[name].dtype), name
        if frame[name].dtype == object:
            assert set(back[name].dropna()) <= set(frame[name].dropna()), name


def test_many_categories_are_capped_and_drawn_back_at_their_frequencies(loans_path):
    from tabular_engine.io import read_table

    loans = read_table(loans_path)
    codec = TableCodec.fit(loans, detect_table(loans), max_categories=20)
    model = codec.encode(loans)
    assert model["emp_title"].nunique() == 20
    assert any("'emp_title' has" in note and "19 most frequent" in note for note in codec.notes)
    big = model.sample(n=20_000, replace=True, random_state=0).reset_index(drop=True)
    back = codec.decode(big, seed=3)
    assert set(back["emp_title"].dropna()) <= set(loans["emp_title"].dropna())
    assert back["emp_title"].isna().mean() == pytest.approx(
        loans["emp_title"].isna().mean(), abs=0.02
    )
    assert back["emp_title"].nunique() > 100  # rare titles come back, not just the top 19
    pd.testing.assert_frame_equal(back, codec.decode(big, seed=3))
    assert codec.table.columns["state"].sdtype == "categorical"
    assert model["state"].nunique() <= 20


def test_free_text_columns_are_reported(loans_path):
    from tabular_engine.io import read_table

    loans = read_table(loans_path)
    codec = TableCodec.fit(loans, detect_table(loans))
    assert [w for w in codec.warnings if "'emp_title' looks like free text" in w]
    assert not [w for w in codec.warnings if "'state'" in w]
