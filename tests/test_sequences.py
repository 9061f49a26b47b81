"""Sequential data in the core: detection, checks of bad input, the sequence codec, privacy unit.

Real data: R's ChickWeight (50 chicks, 578 rows) and plm's Grunfeld (10 firms x 20 years)
from tests/data, and the first rows of fpp3's bank_calls (five-minute steps, ISO with Z)
from docs/examples; see tests/README.md.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ROOT
from tabular_engine.errors import InputError, MetadataError
from tabular_engine.io import read_table
from tabular_engine.metadata import Metadata, detect
from tabular_engine.privacy import privacy_unit_for
from tabular_engine.sequence_codec import SEQUENCE, SequenceCodec
from tabular_engine.sequences import apply_sequence_options, check_sequences
from tabular_engine.types import GeneratorInfo, Kind, PrivacyUnit

CHICKWEIGHT = ROOT / "tests" / "data" / "chickweight.csv"
GRUNFELD = ROOT / "tests" / "data" / "grunfeld.csv"
BANK_CALLS = ROOT / "docs" / "examples" / "bank_calls.csv"


def prepared(frame: pd.DataFrame, name: str = "t", **options) -> tuple[dict, Metadata]:
    dataset = {name: frame}
    return dataset, apply_sequence_options(detect(dataset), dataset, **options)


@pytest.fixture(scope="module")
def chicks() -> pd.DataFrame:
    return read_table(CHICKWEIGHT)


@pytest.fixture(scope="module")
def firms() -> pd.DataFrame:
    return read_table(GRUNFELD)


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    return read_table(BANK_CALLS).iloc[:1500].reset_index(drop=True)


# -- detection and metadata -----------------------------------------------------------------


def test_chickweight_key_index_and_context_are_detected(chicks):
    _, metadata = prepared(chicks)
    table = metadata.tables["t"]
    assert (table.sequence_key, table.sequence_index) == ("Chick", "Time")
    assert table.context_columns == ["Diet"]
    assert table.columns["Chick"].sdtype == "id"


def test_grunfeld_panel_is_detected_without_context(firms):
    table = prepared(firms)[1].tables["t"]
    assert (table.sequence_key, table.sequence_index, table.context_columns) == ("firm", "year", [])


def test_one_long_series_has_an_index_and_no_key(calls):
    table = prepared(calls)[1].tables["t"]
    assert (table.sequence_key, table.sequence_index) == (None, "DateTime")


def test_a_plain_table_detects_nothing(credit):
    table = prepared(credit)[1].tables["t"]
    assert (table.sequence_key, table.sequence_index, table.context_columns) == (None, None, [])


def test_given_columns_override_detection(chicks):
    table = prepared(chicks, sequence_key="Chick", context_columns=["Diet"])[1].tables["t"]
    assert table.sequence_index == "Time"
    no_context = prepared(chicks, sequence_key="Chick", sequence_index="Time")
    assert no_context[1].tables["t"].context_columns == ["Diet"]  # detected, not given


def test_an_unknown_column_is_named(chicks):
    with pytest.raises(MetadataError, match=r"--sequence-key 'chick'.*Chick"):
        prepared(chicks, sequence_key="chick")
    with pytest.raises(MetadataError, match=r"--context 'diet'"):
        prepared(chicks, sequence_key="Chick", context_columns=["diet"])


def test_context_columns_survive_the_json(chicks, tmp_path):
    _, metadata = prepared(chicks)
    path = tmp_path / "m.json"
    path.write_text(metadata.to_json())
    assert json.loads(path.read_text())["tables"]["t"]["context_columns"] == ["Diet"]
    loaded = Metadata.load(path).tables["t"]
    assert (loaded.sequence_key, loaded.sequence_index, loaded.context_columns) == (
        "Chick",
        "Time",
        ["Diet"],
    )


def test_a_table_without_context_writes_no_extra_key(credit):
    assert "context_columns" not in detect({"t": credit}).to_dict()["tables"]["t"]


def test_bad_context_columns_in_json_are_refused():
    base = {"tables": {"t": {"columns": {"a": {"sdtype": "numerical"}}}}}
    base["tables"]["t"]["context_columns"] = ["b"]
    with pytest.raises(MetadataError, match="context column 'b' is not one of its columns"):
        Metadata.from_dict(base)
    base["tables"]["t"]["context_columns"] = "a"
    with pytest.raises(MetadataError, match="must be a list"):
        Metadata.from_dict(base)


# -- bad input ------------------------------------------------------------------------------


def test_a_sequence_key_with_nulls(chicks):
    frame = chicks.copy()
    frame.loc[[3, 40], "Chick"] = pd.NA
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    with pytest.raises(InputError, match=r"sequence key 'Chick' is empty in 2 row\(s\)"):
        check_sequences(dataset, metadata, "par")


def test_a_single_sequence(chicks):
    frame = chicks[chicks["Chick"] == 7]
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    with pytest.raises(InputError, match=r"single sequence \(Chick = 7, 12 rows\).*deepecho"):
        check_sequences(dataset, metadata, "par")
    spec = check_sequences(dataset, metadata, "deepecho", single_series=True)
    assert spec.key == "Chick"


def test_sequences_of_length_one(chicks):
    frame = chicks.drop_duplicates("Chick")
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    with pytest.raises(InputError, match="every sequence of 'Chick' has one row"):
        check_sequences(dataset, metadata, "par")


def test_a_duplicated_index_names_the_sequence(chicks):
    frame = chicks.copy()
    row = frame.index[(frame["Chick"] == 12) & (frame["Time"] == 4)][0]
    frame.loc[row, "Time"] = 2
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    repeated = r"'Time' repeats the value 2 within sequence\(s\) Chick = 12;"
    with pytest.raises(InputError, match=repeated):
        check_sequences(dataset, metadata, "par")


def test_an_index_that_is_not_sortable(chicks):
    frame = chicks.assign(Time=chicks["Time"].map(lambda t: f"day {t}"))
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    with pytest.raises(MetadataError, match=r"'Time' cannot order rows \(a categorical column"):
        check_sequences(dataset, metadata, "par")


def test_a_context_column_that_varies_names_the_keys(chicks):
    frame = chicks.copy()
    for chick in (5, 31):
        frame.loc[frame.index[frame["Chick"] == chick][-1], "Diet"] = 4 if chick < 31 else 1
    dataset, metadata = prepared(frame, sequence_key="Chick", context_columns=["Diet"])
    with pytest.raises(InputError, match=r"'Diet' varies within sequence\(s\) Chick = 5, 31;"):
        check_sequences(dataset, metadata, "par")


def test_no_sequence_key_names_the_flags(firms):
    dataset = {"t": firms}
    metadata = detect(dataset)  # a plain table: no sequence columns
    with pytest.raises(MetadataError, match=r"no sequence key.*--sequence-key COL"):
        check_sequences(dataset, metadata, "par")
    with pytest.raises(MetadataError, match=r"--sequence-index COL for one long series"):
        check_sequences(dataset, metadata, "deepecho", single_series=True)


def test_the_key_cannot_be_context(chicks):
    dataset, metadata = prepared(chicks, sequence_key="Chick", sequence_index="Time")
    metadata.tables["t"].context_columns = ["Time"]
    with pytest.raises(MetadataError, match="cannot also be a context column"):
        check_sequences(dataset, metadata, "par")


# -- the codec ------------------------------------------------------------------------------


def round_trip(frame: pd.DataFrame, segment_size: int | None = None) -> pd.DataFrame:
    dataset, metadata = prepared(frame)
    spec = check_sequences(dataset, metadata, "test", single_series=True)
    table = metadata.tables["t"]
    codec = SequenceCodec.fit(frame, table, spec, max_categories=None)
    encoded = codec.encode(frame, table, segment_size=segment_size)
    return codec.decode(encoded.context, encoded.data, row_offset=0, seed=0)


@pytest.mark.parametrize("name", ["chicks", "firms", "calls"])
def test_decoding_the_encoded_real_data_gives_it_back(name, request):
    frame = request.getfixturevalue(name)
    restored = round_trip(frame)
    key = {"chicks": "Chick", "firms": "firm", "calls": None}[name]
    if key is not None:  # keys are new: 1, 2, ... in order of first appearance
        order = pd.factorize(frame[key])[0] + frame[key].min()
        frame = frame.assign(**{key: pd.Series(order).astype(frame[key].dtype)})
        index = {"chicks": "Time", "firms": "year"}[name]
        frame = frame.sort_values([key, index], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(restored, frame)


def test_given_context_values_must_be_ones_the_codec_learned(chicks):
    frame = chicks.assign(Feed=chicks["Diet"].map({1: "corn", 2: "soy", 3: "fish", 4: "mix"}))
    dataset, metadata = prepared(frame, sequence_key="Chick", sequence_index="Time")
    spec = check_sequences(dataset, metadata, "test")
    codec = SequenceCodec.fit(frame, metadata.tables["t"], spec, max_categories=None)
    assert set(spec.context) == {"Diet", "Feed"}
    codec.encode_context(pd.DataFrame({"Diet": [1, 4], "Feed": ["soy", "mix"]}))
    with pytest.raises(InputError, match=r"'Feed': value\(s\) oats never occur .*corn, fish"):
        codec.encode_context(pd.DataFrame({"Diet": [1], "Feed": ["oats"]}))
    with pytest.raises(InputError, match=r"'Diet': value\(s\) 0 lie outside .* \(1 to 4\)"):
        codec.encode_context(pd.DataFrame({"Diet": [0], "Feed": ["soy"]}))


def test_segments_give_the_series_back_too(calls):
    pd.testing.assert_frame_equal(round_trip(calls, segment_size=100), calls)


@functools.cache
def calls_codec() -> SequenceCodec:
    frame = read_table(BANK_CALLS).iloc[:300]
    dataset, metadata = prepared(frame)
    spec = check_sequences(dataset, metadata, "t", single_series=True)
    return SequenceCodec.fit(frame, metadata.tables["t"], spec, None)


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.floats(min_value=-20, max_value=20),  # the model's scale: log of a step
            st.floats(min_value=-1e6, max_value=1e6),
            st.just(float("nan")),
        ),
        min_size=1,
        max_size=40,
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=39), max_size=4),
)
def test_any_drawn_steps_give_a_strictly_increasing_index_on_the_grid(steps, cuts):
    codec = calls_codec()
    sequence = np.zeros(len(steps), dtype=int)
    for cut in sorted(set(c for c in cuts if c < len(steps))):
        sequence[cut:] += 1
    sequence = pd.factorize(sequence)[0]
    context = pd.DataFrame({codec.start: np.full(sequence.max() + 1, 1.0467e9 + 17.0)})
    data = pd.DataFrame({SEQUENCE: sequence, "Calls": 100.0, codec.step: steps})
    out = codec.decode(context, data, row_offset=0, seed=0)
    stamps = pd.to_datetime(out["DateTime"], format="%Y-%m-%dT%H:%M:%SZ", utc=True)
    seconds = stamps.astype("int64") // 10**9
    assert (seconds % 300 == 0).all()  # the real five-minute grid
    for _, group in stamps.groupby(sequence):
        assert group.is_monotonic_increasing and group.is_unique


# -- privacy unit ---------------------------------------------------------------------------


def info(kind: Kind) -> GeneratorInfo:
    return GeneratorInfo(name="g", kind=kind, summary="")


def test_sequential_jobs_protect_the_sequence(chicks):
    _, metadata = prepared(chicks)
    assert privacy_unit_for(info(Kind.SEQUENTIAL), None) is PrivacyUnit.SEQUENCE
    assert privacy_unit_for(info(Kind.SEQUENTIAL), metadata) is PrivacyUnit.SEQUENCE
    # an entity owns several rows whatever model learns them
    assert privacy_unit_for(info(Kind.SINGLE_TABLE), metadata) is PrivacyUnit.SEQUENCE


def test_other_jobs_protect_the_row(credit):
    metadata = detect({"t": credit})
    assert privacy_unit_for(info(Kind.SINGLE_TABLE), metadata) is PrivacyUnit.ROW
    assert privacy_unit_for(info(Kind.MULTI_TABLE), None) is PrivacyUnit.ROW


def test_a_single_table_generator_keeps_the_key_s_values(chicks):
    """Declaring the entity for a single-table model changes the privacy unit, not the data."""
    _, metadata = prepared(chicks, sequence_key="Chick", detect_missing=False, key_as_id=False)
    table = metadata.tables["t"]
    assert table.sequence_key == "Chick" and table.columns["Chick"].sdtype == "numerical"
    assert table.sequence_index is None  # nothing detected
    assert privacy_unit_for(info(Kind.SINGLE_TABLE), metadata) is PrivacyUnit.SEQUENCE
