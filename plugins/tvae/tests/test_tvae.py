"""The tvae backend: parameters, progress, reproducibility and awkward input.

What tvae shares with ctgan (the backend in tabular_engine_ctgan: seeding, devices, CPU
pickles, the column codec in front) is tested at length with the ctgan plugin; these tests
check it holds for TVAE too, and what is TVAE's own. Quality against SDV: bench/bench_ctgan.py.
"""

from __future__ import annotations

import inspect
import json
import math
import pickle
import subprocess
import sys

import ctgan
import pandas as pd
import pytest
import tabular_engine
import torch
from tabular_engine.errors import ParameterError
from tabular_engine.io import read_table
from tabular_engine_ctgan.backend import LibraryModel
from tabular_engine_tvae.plugin import GENERATOR as INFO

GENERATOR = "tvae"
FAST = {
    "epochs": 2,
    "batch_size": 100,
    "embedding_dim": 16,
    "compress_dims": [32],
    "decompress_dims": [32],
}


@pytest.fixture(scope="module")
def credit_300(credit_path) -> pd.DataFrame:
    return read_table(credit_path).head(300)


def _weights(state) -> dict[str, torch.Tensor]:
    return state.synthesizer.decoder.state_dict()


def test_parameters_have_the_library_defaults():
    library = inspect.signature(ctgan.TVAE.__init__).parameters
    ours = {p.name: p.default for p in INFO.parameters}
    shared = set(ours) & set(library)
    assert {"epochs", "batch_size", "compress_dims", "decompress_dims", "l2scale"} <= shared
    assert "loss_factor" in shared
    for name in shared:
        default = library[name].default
        expected = list(default) if isinstance(default, tuple) else default
        assert ours[name] == expected, name
    assert ours["device"] == "auto"
    assert all(p.help for p in INFO.parameters)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"epochs": 0}, "parameter 'epochs' of generator 'tvae': got 0; expected an integer >= 1"),
        ({"compress_dims": [128, -1]}, "parameter 'compress_dims' of generator 'tvae': got"),
        ({"decompress_dims": [1.5]}, "parameter 'decompress_dims'"),
        ({"loss_factor": 0}, r"parameter 'loss_factor'.*a number > 0"),
        ({"l2scale": -1}, r"parameter 'l2scale'.*>= 0"),
        ({"pac": 10}, "unknown parameter 'pac' for generator 'tvae'"),
    ],
)
def test_invalid_parameters_are_named_before_training(credit_path, params, message):
    with pytest.raises(ParameterError, match=message):
        tabular_engine.fit(credit_path, GENERATOR, **params)


def test_a_table_smaller_than_the_batch_trains_with_one_batch_of_all_its_rows(
    credit_path, capture_logs
):
    real = read_table(credit_path).head(123)
    small = {k: v for k, v in FAST.items() if k != "batch_size"}
    with capture_logs() as logs:
        model = tabular_engine.fit(real, GENERATOR, seed=0, **small)
    assert model.state.batch_size == model.state.synthesizer.batch_size == 123
    (warning,) = [log for log in logs if log["log_level"] == "warning"]
    assert warning["event"].endswith("fewer than batch_size=500: training with batch_size=123")
    assert len(model.sample(1000, seed=0)) == 1000


def test_every_epoch_reports_its_mean_loss(credit_300, progress):
    model = tabular_engine.fit(credit_300, GENERATOR, seed=0, progress=progress, **FAST)
    start, *advances, finish = progress.calls
    assert start == ("start", "training tvae", 2)
    assert finish == ("finish",)
    losses = model.state.synthesizer.loss_values  # the library's own record, per batch
    assert len(losses) == 2 * 3  # 300 rows in batches of 100
    for epoch, (_, steps, reported) in enumerate(advances):
        assert steps == 1
        expected = losses["Loss"][losses["Epoch"] == epoch].mean()
        assert reported == {"loss": pytest.approx(expected)}
        assert math.isfinite(reported["loss"])


def test_the_same_seed_gives_the_same_model_and_the_same_rows(credit_300):
    first = tabular_engine.fit(credit_300, GENERATOR, seed=11, **FAST)
    again = tabular_engine.fit(credit_300, GENERATOR, seed=11, **FAST)
    other = tabular_engine.fit(credit_300, GENERATOR, seed=12, **FAST)
    for name, tensor in _weights(first.state).items():
        assert torch.equal(tensor, _weights(again.state)[name]), name
    assert not torch.equal(
        _weights(first.state)["seq.0.weight"], _weights(other.state)["seq.0.weight"]
    )
    rows = first.sample(300, seed=5)
    pd.testing.assert_frame_equal(rows, again.sample(300, seed=5))
    assert not rows.equals(first.sample(300, seed=6))
    first.sample(50, seed=9)
    pd.testing.assert_frame_equal(rows, first.sample(300, seed=5))


def test_the_command_line_output_is_byte_identical_for_the_same_seed(credit_300, cli, tmp_path):
    source = tmp_path / "credit.csv"
    credit_300.to_csv(source, index=False)
    params = [f"-p{k}={json.dumps(v)}" for k, v in FAST.items()]
    model = tmp_path / "credit.model"
    assert cli("fit", source, "-g", GENERATOR, "-o", model, "--seed", 3, *params).returncode == 0
    outputs = []
    for name in ("a.csv", "b.csv"):
        result = cli("sample", model, "-n", 400, "-o", tmp_path / name, "--seed", 3)
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / name).read_bytes())
    result = cli("generate", source, "-g", GENERATOR, "-n", 400, "-o", tmp_path / "c.csv",
                 "--seed", 3, *params)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert outputs[0] == outputs[1] == (tmp_path / "c.csv").read_bytes()


def test_the_state_is_the_shared_backend_and_pickles_on_the_cpu(credit_300):
    state = tabular_engine.fit(credit_300, GENERATOR, seed=0, **FAST).state
    assert isinstance(state, LibraryModel)
    assert state.generator == GENERATOR
    loaded = pickle.loads(pickle.dumps(state))
    assert all(p.device.type == "cpu" for p in loaded.synthesizer.decoder.parameters())
    assert loaded.sample(20, 1, 0)["table"].equals(state.sample(20, 1, 0)["table"])


def test_constant_and_one_value_columns_come_back_as_they_were(credit_300, capture_logs):
    real = credit_300.assign(country="ES", fee=25)
    with capture_logs() as logs:
        synthetic = tabular_engine.fit(real, GENERATOR, seed=0, **FAST).sample(200, seed=0)
    assert synthetic["country"].tolist() == ["ES"] * 200
    assert synthetic["fee"].tolist() == [25] * 200
    notes = {log["note"] for log in logs if log["event"] == "column handling"}
    assert {
        "column 'country' has one value (ES), kept as is",
        "column 'fee' has one value, kept as is",
    } <= notes


def test_high_cardinality_text_is_capped_and_reported(loans_path, capture_logs):
    real = read_table(loans_path)[["emp_title", "annual_income", "homeownership"]]
    with capture_logs() as logs:
        model = tabular_engine.fit(real, GENERATOR, seed=0, max_categories=20, **FAST)
    widths = {
        info.column_name: info.output_dimensions
        for info in model.state.synthesizer.transformer._column_transform_info_list
    }
    assert widths["emp_title"] == 20
    folded = [log for log in logs if log.get("column") == "emp_title"]
    assert folded[0]["log_level"] == "warning"
    assert "raise max_categories to model more of them" in folded[0]["event"]
    synthetic = model.sample(500, seed=0)
    assert set(synthetic["emp_title"].dropna()) <= set(real["emp_title"].dropna())


def test_the_whole_55_column_loans_table_completes(loans_path):
    real = read_table(loans_path)
    model = tabular_engine.fit(real, GENERATOR, seed=0, epochs=3)  # the library's layers
    synthetic = model.sample(500, seed=0)
    assert list(synthetic.columns) == list(real.columns)
    for name in real.columns:
        assert str(synthetic[name].dtype) == str(real[name].dtype), name
    assert synthetic["issue_month"].str.fullmatch(r"[A-Z][a-z]{2}-\d{4}").all()


def test_a_short_training_already_learns_the_pairs_of_credit(credit_path):
    """A smoke test of the wiring, not of TVAE's quality: after 30 epochs the column pair
    trends score about 0.94 (bench/ compares 300 epochs with SDV)."""
    from sdmetrics.reports.single_table import QualityReport

    real = read_table(credit_path)
    synthetic = tabular_engine.fit(real, GENERATOR, seed=0, epochs=30).sample(len(real), seed=1)
    table = tabular_engine.detect_metadata(real).tables["table"]
    report = QualityReport()
    metadata = {"columns": {name: column.to_dict() for name, column in table.columns.items()}}
    report.generate(real, synthetic, metadata, verbose=False)
    pairs = report.get_properties().set_index("Property")["Score"]["Column Pair Trends"]
    assert pairs > 0.85


def test_the_plugin_module_imports_neither_torch_nor_ctgan():
    probe = (
        "import sys, tabular_engine_tvae.plugin; "
        "print(sorted(m for m in ('torch', 'ctgan', 'sklearn', 'rdt') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error(credit_path):
    with pytest.raises(ParameterError, match="'device' of generator 'tvae' is 'cuda' but torch"):
        tabular_engine.fit(credit_path, GENERATOR, device="cuda")
