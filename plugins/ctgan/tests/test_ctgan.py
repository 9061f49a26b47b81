"""The ctgan backend: parameters, progress, reproducibility, devices and awkward input.

Training is real (the ctgan library on torch's CPU build) with few epochs and, where the
test is about behaviour rather than the network, small layers. Quality against SDV is
measured in bench/bench_ctgan.py.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import os
import pickle
import random
import re
import subprocess
import sys

import ctgan
import numpy as np
import pandas as pd
import pytest
import tabular_engine
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tabular_engine.errors import ParameterError
from tabular_engine.io import read_table
from tabular_engine.model import block_seed
from tabular_engine_ctgan.parameters import check_batch_size_and_pac
from tabular_engine_ctgan.plugin import GENERATOR as INFO

GENERATOR = "ctgan"
#: Small layers, few epochs: for tests of behaviour, not of the network's quality.
FAST = {
    "epochs": 2,
    "batch_size": 100,
    "embedding_dim": 16,
    "generator_dim": [32],
    "discriminator_dim": [32],
}
NO_GPU = not torch.cuda.is_available()


@pytest.fixture(scope="module")
def credit_300(credit_path) -> pd.DataFrame:
    """300 real rows: below the 500 at which the library transforms in parallel processes."""
    return read_table(credit_path).head(300)


def _weights(state) -> dict[str, torch.Tensor]:
    return state.synthesizer._generator.state_dict()


# -- parameters ------------------------------------------------------------------------------


def test_parameters_have_the_library_defaults():
    library = inspect.signature(ctgan.CTGAN.__init__).parameters
    ours = {p.name: p.default for p in INFO.parameters}
    shared = set(ours) & set(library)
    assert {"epochs", "batch_size", "pac", "embedding_dim", "generator_dim"} <= shared
    for name in shared:
        default = library[name].default
        expected = list(default) if isinstance(default, tuple) else default
        assert ours[name] == expected, name
    assert ours["device"] == "auto"
    assert all(p.help for p in INFO.parameters)


def test_batch_size_must_be_a_multiple_of_pac(credit_path):
    with pytest.raises(ParameterError) as caught:
        tabular_engine.fit(credit_path, GENERATOR, batch_size=505)
    assert str(caught.value) == (
        "parameter 'batch_size' of generator 'ctgan' is 505, which is not a multiple of pac "
        "(10): the discriminator judges rows in packs of pac; use -p batch_size=500 or "
        "-p batch_size=510, or change pac"
    )


def test_with_an_odd_pac_the_batch_size_must_also_be_even(credit_path):
    with pytest.raises(ParameterError, match=r"an even multiple of pac \(5\), that is a multiple"):
        tabular_engine.fit(credit_path, GENERATOR, pac=5, batch_size=505)


@given(batch_size=st.integers(1, 3000), pac=st.integers(1, 64))
def test_property_the_batch_rule_and_its_suggestions(batch_size, pac):
    params = {"batch_size": batch_size, "pac": pac}
    step = math.lcm(pac, 2)
    if batch_size % step == 0:
        check_batch_size_and_pac(GENERATOR, params)
        return
    with pytest.raises(ParameterError) as caught:
        check_batch_size_and_pac(GENERATOR, params)
    suggested = [int(value) for value in re.findall(r"batch_size=(\d+)", str(caught.value))]
    assert suggested
    for value in suggested:  # every suggestion passes the check
        check_batch_size_and_pac(GENERATOR, {"batch_size": value, "pac": pac})


def test_epochs_zero_is_a_clear_error(credit_path, cli, tmp_path):
    with pytest.raises(ParameterError) as caught:
        tabular_engine.fit(credit_path, GENERATOR, epochs=0)
    assert str(caught.value) == (
        "parameter 'epochs' of generator 'ctgan': got 0; expected an integer >= 1"
    )
    output = tmp_path / "out.csv"
    result = cli("generate", credit_path, "-g", GENERATOR, "-n", 5, "-o", output, "-p", "epochs=0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"Error: {caught.value}"]
    assert not output.exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"generator_dim": [256, 0]}, "parameter 'generator_dim' of generator 'ctgan': got"),
        ({"discriminator_dim": ["wide"]}, "parameter 'discriminator_dim'"),
        ({"generator_dim": "256"}, "parameter 'generator_dim'"),
        ({"generator_lr": 0}, r"parameter 'generator_lr'.*a number > 0"),
        ({"discriminator_steps": 0}, r"parameter 'discriminator_steps'.*>= 1"),
        ({"pac": 0}, r"parameter 'pac'.*>= 1"),
        ({"max_categories": 1}, r"parameter 'max_categories'.*>= 2"),
        ({"device": "gpu"}, r"parameter 'device'.*one of auto, cpu, cuda"),
    ],
)
def test_invalid_parameters_are_named_before_training(credit_path, params, message):
    with pytest.raises(ParameterError, match=message):
        tabular_engine.fit(credit_path, GENERATOR, **params)


@pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error(credit_path):
    with pytest.raises(ParameterError, match="'device' of generator 'ctgan' is 'cuda' but torch"):
        tabular_engine.fit(credit_path, GENERATOR, device="cuda")


def test_lists_are_given_as_json_on_the_command_line(credit_300, cli, tmp_path):
    source = tmp_path / "credit.csv"
    credit_300.to_csv(source, index=False)
    model = tmp_path / "credit.model"
    result = cli(
        "fit", source, "-g", GENERATOR, "-o", model, "--seed", 1,
        "-p", "epochs=1", "-p", "batch_size=100", "-p", "generator_dim=[24, 8]",
        "-p", "discriminator_dim=[16]", "-p", "embedding_dim=4",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    state = tabular_engine.load(model).state
    assert state.synthesizer._generator_dim == (24, 8)
    assert state.synthesizer._discriminator_dim == (16,)


# -- fewer rows than batch_size ----------------------------------------------------------------


@pytest.mark.parametrize(("rows", "trained_with"), [(123, 120), (7, 10)])
def test_a_table_smaller_than_the_batch_trains_with_a_batch_that_fits(
    credit_path, capture_logs, rows, trained_with
):
    real = read_table(credit_path).head(rows)
    small = {k: v for k, v in FAST.items() if k != "batch_size"}  # default 500, pac 10
    with capture_logs() as logs:
        model = tabular_engine.fit(real, GENERATOR, seed=0, **small)
    assert model.state.batch_size == trained_with
    assert model.state.synthesizer._batch_size == trained_with
    (warning,) = [log for log in logs if log["log_level"] == "warning"]
    assert warning["event"] == (
        f"table 'table' has {rows} rows, fewer than batch_size=500: "
        f"training with batch_size={trained_with}"
    )
    synthetic = model.sample(250, seed=0)
    assert len(synthetic) == 250
    assert set(synthetic["Home"].dropna()) <= set(real["Home"].dropna())


# -- progress ----------------------------------------------------------------------------------


def test_every_epoch_reports_its_losses_to_the_progress_display(credit_300, progress):
    model = tabular_engine.fit(credit_300, GENERATOR, seed=0, progress=progress, **FAST)
    start, *advances, finish = progress.calls
    assert start == ("start", "training ctgan", 2)
    assert finish == ("finish",)
    assert len(advances) == 2
    for _, steps, losses in advances:
        assert steps == 1
        assert set(losses) == {"generator_loss", "discriminator_loss"}
        assert all(math.isfinite(value) for value in losses.values())
    last = model.state.synthesizer.loss_values.iloc[-1]  # the library's own record
    assert advances[-1][2] == {
        "generator_loss": float(last["Generator Loss"]),
        "discriminator_loss": float(last["Discriminator Loss"]),
    }


def test_without_a_display_each_epoch_is_a_structured_log_event(credit_300, cli, tmp_path):
    source = tmp_path / "credit.csv"
    credit_300.to_csv(source, index=False)
    output = tmp_path / "out.csv"
    result = cli(
        "-v", "--log-format", "json", "generate", source, "-g", GENERATOR, "-n", 10,
        "-o", output, "--seed", 0, *(f"-p{k}={json.dumps(v)}" for k, v in FAST.items()),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [(e["epoch"], e["epochs"], e["generator"], e["table"]) for e in epochs] == [
        (1, 2, "ctgan", "credit"),
        (2, 2, "ctgan", "credit"),
    ]
    assert all(isinstance(e["discriminator_loss"], float) for e in epochs)
    (trained,) = [e for e in events if e["event"] == "trained"]
    assert trained["epochs"] == 2


def test_on_a_terminal_the_progress_bar_shows_the_losses(credit_300, tmp_path):
    """Run the CLI on a pseudo-terminal, as a user would, and read what it draws."""
    import pty

    source = tmp_path / "credit.csv"
    credit_300.to_csv(source, index=False)
    params = [f"-p{k}={json.dumps(v)}" for k, v in {**FAST, "epochs": 3}.items()]
    command = [sys.executable, "-m", "tabular_engine", "fit", str(source), "-g", GENERATOR]
    command += ["-o", str(tmp_path / "m.model"), "--seed", "0", *params]
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    drawn = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not data:
            break
        drawn += data
    os.close(leader)
    assert process.wait(timeout=300) == 0, drawn.decode(errors="replace")
    text = drawn.decode(errors="replace")
    assert "training ctgan" in text
    assert re.search(r"generator_loss=-?\d", text)
    assert re.search(r"discriminator_loss=-?\d", text)


# -- reproducibility ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_model_and_the_same_rows(credit_300):
    first = tabular_engine.fit(credit_300, GENERATOR, seed=11, **FAST)
    again = tabular_engine.fit(credit_300, GENERATOR, seed=11, **FAST)
    other = tabular_engine.fit(credit_300, GENERATOR, seed=12, **FAST)
    for name, tensor in _weights(first.state).items():
        assert torch.equal(tensor, _weights(again.state)[name]), name
    assert not all(
        torch.equal(tensor, _weights(other.state)[name])
        for name, tensor in _weights(first.state).items()
    )
    rows = first.sample(300, seed=5)
    pd.testing.assert_frame_equal(rows, again.sample(300, seed=5))
    assert not rows.equals(first.sample(300, seed=6))


def test_sampling_depends_on_the_seed_only_not_on_what_came_before(credit_300):
    model = tabular_engine.fit(credit_300, GENERATOR, seed=3, **FAST)
    first = model.sample(12_000, seed=1)  # two blocks
    model.sample(777, seed=2)
    chunks = list(model.sample_chunks(12_000, chunk_rows=5_000, seed=1))
    assert [len(chunk) for chunk in chunks] == [5_000, 5_000, 2_000]
    pd.testing.assert_frame_equal(first, pd.concat(chunks, ignore_index=True))
    reloaded = pickle.loads(pickle.dumps(model.state))
    block = reloaded.sample(10_000, block_seed(1, 0), 0)["table"]
    pd.testing.assert_frame_equal(block, first.iloc[:10_000])


def test_fit_and_sample_leave_the_global_random_state_alone(credit_300):
    tabular_engine.fit(credit_300, GENERATOR, seed=0, **FAST)  # first use imports modules

    def draws() -> tuple:
        return float(torch.rand(1)), float(np.random.random()), random.random()

    torch.manual_seed(42)
    np.random.seed(42)
    random.seed(42)
    expected = draws()
    torch.manual_seed(42)
    np.random.seed(42)
    random.seed(42)
    model = tabular_engine.fit(credit_300, GENERATOR, seed=0, **FAST)
    model.sample(100, seed=0)
    assert draws() == expected


def test_the_command_line_output_is_byte_identical_for_the_same_seed(credit_300, cli, tmp_path):
    source = tmp_path / "credit.csv"
    credit_300.to_csv(source, index=False)
    params = [f"-p{k}={json.dumps(v)}" for k, v in FAST.items()]
    outputs = []
    for name in ("a.csv", "b.csv"):
        result = cli("generate", source, "-g", GENERATOR, "-n", 500, "-o", tmp_path / name,
                     "--seed", 7, *params)  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / name).read_bytes())
    model = tmp_path / "credit.model"
    assert cli("fit", source, "-g", GENERATOR, "-o", model, "--seed", 7, *params).returncode == 0
    result = cli("sample", model, "-n", 500, "-o", tmp_path / "c.csv", "--seed", 7)
    assert result.returncode == 0, result.stderr
    assert outputs[0] == outputs[1] == (tmp_path / "c.csv").read_bytes()
    assert outputs[0].count(b"\n") == 501


# -- devices: a model fitted on a GPU loads and samples without one -----------------------------


class _TensorDevices(pickle.Pickler):
    """Pickles to memory and writes down the device of every tensor it meets."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL)
        self.devices: list[str] = []

    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor):
            self.devices.append(obj.device.type)
        return NotImplemented


def test_the_saved_state_holds_only_cpu_tensors(credit_300):
    state = tabular_engine.fit(credit_300, GENERATOR, seed=0, **FAST).state
    pickler = _TensorDevices()
    pickler.dump(state)
    assert len(pickler.devices) > 10  # the generator's weights are in there
    assert set(pickler.devices) == {"cpu"}


@pytest.mark.skipif(not NO_GPU, reason="needs a machine without a GPU")
def test_a_model_trained_on_a_gpu_is_pickled_on_the_cpu(credit_300):
    """ctgan's own __getstate__ moves the network back to the GPU before pickle writes it.

    No GPU here, so the state is made to look as if trained on one (``_device``); the
    library then tries to move it back to CUDA while pickling, which our subclass avoids.
    """
    state = tabular_engine.fit(credit_300, GENERATOR, seed=0, **FAST).state
    synthesizer = state.synthesizer
    synthesizer._device = torch.device("cuda")
    with pytest.raises((AssertionError, RuntimeError), match=r"(?i)cuda"):
        ctgan.CTGAN.__getstate__(synthesizer)  # the library alone
    synthesizer._device = torch.device("cuda")
    loaded = pickle.loads(pickle.dumps(state))
    assert synthesizer._device == torch.device("cpu")
    assert loaded.synthesizer._device == torch.device("cpu")
    assert len(loaded.sample(10, 0, 0)["table"]) == 10


def test_a_model_fitted_with_device_cuda_samples_on_a_machine_without_a_gpu(
    credit_300, cli, tmp_path
):
    model = tabular_engine.fit(credit_300, GENERATOR, seed=0, device="cpu", **FAST)
    expected = model.sample(50, seed=4)
    model.params["device"] = model.state.device = "cuda"  # as saved on a GPU machine
    path = model.save(tmp_path / "gpu.model")
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    output = tmp_path / "out.csv"
    result = cli("sample", path, "-n", 50, "-o", output, "--seed", 4, env=env)
    assert result.returncode == 0, result.stderr
    assert "no GPU here: sampling on the CPU" in result.stderr
    pd.testing.assert_frame_equal(read_table(output), expected, check_dtype=False)


# -- awkward input, each with the value it must come back with ---------------------------------


@pytest.fixture(scope="module")
def constant_columns(credit_300, capture_logs):
    """Credit rows plus a categorical column with one value and a constant numeric one."""
    real = credit_300.assign(country="ES", fee=25)
    with capture_logs() as logs:
        model = tabular_engine.fit(real, GENERATOR, seed=0, **FAST)
    return real, model, model.sample(400, seed=0), logs


def test_a_categorical_column_with_one_value_comes_back_with_that_value(constant_columns):
    _, model, synthetic, logs = constant_columns
    assert synthetic["country"].tolist() == ["ES"] * 400
    assert "country" not in model.state.codec.categorical  # nothing for the network to learn
    notes = [log["note"] for log in logs if log["event"] == "column handling"]
    assert "column 'country' has one value (ES), kept as is" in notes


def test_a_constant_numeric_column_comes_back_constant_and_integer(constant_columns):
    real, _, synthetic, logs = constant_columns
    assert synthetic["fee"].tolist() == [25] * 400
    assert synthetic["fee"].dtype == real["fee"].dtype
    notes = [log["note"] for log in logs if log["event"] == "column handling"]
    assert "column 'fee' has one value, kept as is" in notes


HIGH_CARDINALITY = """
import json, resource, sys
import tabular_engine
from tabular_engine.io import read_table
real = read_table(sys.argv[1])
model = tabular_engine.fit(real, "ctgan", seed=0, epochs=1, batch_size=500,
                           generator_dim=[64], discriminator_dim=[64], embedding_dim=16)
synthetic = model.sample(3000, seed=0)
widths = {info.column_name: int(info.output_dimensions)
          for info in model.state.synthesizer._transformer._column_transform_info_list}
print(json.dumps({
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "widths": widths,
    "unknown": sorted(set(synthetic["emp_title"].dropna()) - set(real["emp_title"].dropna())),
    "distinct": int(synthetic["emp_title"].nunique()),
}))
"""


def test_a_free_text_column_of_very_high_cardinality(emp_title_path):
    """emp_title: 4,742 job titles in 10,000 loans. One-hot encoding every title would give
    the network about 4,750 inputs per row (and the discriminator 10 times that, with pac);
    the column is capped at max_categories=100 and the user is told."""
    result = subprocess.run(
        [sys.executable, "-c", HIGH_CARDINALITY, str(emp_title_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["widths"]["emp_title"] == 100  # 99 most frequent titles + one for the rest
    assert sum(found["widths"].values()) < 130
    assert found["peak_mib"] < 1200  # about 600 here; uncapped, it is several GB
    assert found["unknown"] == []  # every title is a real one ...
    assert found["distinct"] > 100  # ... and the rare ones are drawn back, not lost
    warnings = [
        json.loads(line)
        for line in result.stderr.splitlines()
        if line.startswith("{") and '"warning"' in line
    ]
    (warning,) = [w for w in warnings if w.get("column") == "emp_title"]
    assert warning["event"].startswith(
        "column 'emp_title' has 4,742 distinct values, more than max_categories=100: "
        "its 99 most frequent values are modelled, the other 4,643 are drawn back"
    )
    assert (warning["distinct_values"], warning["modelled_values"]) == (4742, 99)


def test_the_whole_55_column_loans_table_completes(loans_path):
    real = read_table(loans_path)
    assert real.shape == (500, 55)
    model = tabular_engine.fit(real, GENERATOR, seed=0, epochs=2)  # the library's layers
    synthetic = model.sample(600, seed=0)
    assert list(synthetic.columns) == list(real.columns)
    assert len(synthetic) == 600
    for name in real.columns:
        assert str(synthetic[name].dtype) == str(real[name].dtype), name
    for name in ("state", "grade", "loan_purpose", "emp_title"):
        assert set(synthetic[name].dropna()) <= set(real[name].dropna()), name
    assert synthetic["issue_month"].str.fullmatch(r"[A-Z][a-z]{2}-\d{4}").all()


# -- property: any small mixed table fits and samples with its columns, types and domains -------

_cells = {
    "int": st.one_of(st.none(), st.integers(-1000, 1000)),
    "float": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    "text": st.one_of(st.none(), st.sampled_from(["a", "b", "00123", "x y", "Ünïcode"])),
    "bool": st.booleans(),
}
_dtypes = {"int": "Int64", "float": "float64", "text": object, "bool": "bool"}


@st.composite
def mixed_tables(draw):
    rows = draw(st.integers(1, 40))
    kinds = draw(st.lists(st.sampled_from(sorted(_cells)), min_size=1, max_size=4))
    columns = {}
    for number, kind in enumerate(kinds):
        values = draw(st.lists(_cells[kind], min_size=rows, max_size=rows))
        columns[f"{kind}_{number}"] = pd.Series(values, dtype=_dtypes[kind])
    return pd.DataFrame(columns)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real=mixed_tables(), rows=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_property_any_small_table_round_trips_its_shape(real, rows, seed):
    params = {**FAST, "epochs": 1, "batch_size": 10, "pac": 2}
    synthetic = tabular_engine.fit(real, GENERATOR, seed=seed, **params).sample(rows, seed=seed)
    assert list(synthetic.columns) == list(real.columns)
    assert len(synthetic) == rows
    for name in real.columns:
        assert str(synthetic[name].dtype) == str(real[name].dtype), name
        if real[name].dtype == object:
            assert set(synthetic[name].dropna()) <= set(real[name].dropna()), name
        if real[name].notna().any() and real[name].dtype != object:
            values = synthetic[name].dropna().astype("float64")
            low, high = real[name].dropna().astype("float64").agg(["min", "max"])
            slack = 1e-9 * max(1.0, abs(low), abs(high))  # rounding to the seen decimals
            assert values.between(low - slack, high + slack).all(), name


def test_the_plugin_module_imports_neither_torch_nor_ctgan():
    probe = (
        "import sys, tabular_engine_ctgan.plugin; "
        "print(sorted(m for m in ('torch', 'ctgan', 'sklearn', 'rdt') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_short_training_already_learns_the_columns_of_credit(credit_path):
    """A smoke test of the wiring (codec -> library -> codec), not of CTGAN's quality: with 10
    epochs the column shapes score about 0.81 (0.85 after 30; bench/ compares 300 epochs
    with SDV). Columns mixed up on the way would score far lower."""
    from sdmetrics.reports.single_table import QualityReport

    real = read_table(credit_path)
    synthetic = tabular_engine.fit(real, GENERATOR, seed=0, epochs=10).sample(len(real), seed=1)
    table = tabular_engine.detect_metadata(real).tables["table"]
    report = QualityReport()
    metadata = {"columns": {name: column.to_dict() for name, column in table.columns.items()}}
    report.generate(real, synthetic, metadata, verbose=False)
    shapes = report.get_properties().set_index("Property")["Score"]["Column Shapes"]
    assert shapes > 0.75
