"""The core's helpers for torch backends: device, seeding, batch size, epoch progress."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from tabular_engine.errors import ParameterError
from tabular_engine.log import configure
from tabular_engine.progress import NullProgress
from tabular_engine.training import (
    DEVICE_PARAMETER,
    EpochReporter,
    fit_batch_size,
    resolve_device,
    seeded,
)

torch = pytest.importorskip("torch")
NO_GPU = not torch.cuda.is_available()


@contextmanager
def captured_logs() -> Iterator[list[dict]]:
    """Every structlog event of the block, debug level included."""
    saved = structlog.get_config()
    configure(verbosity=2)
    try:
        with structlog.testing.capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


def test_importing_the_module_imports_no_torch():
    probe = "import sys, tabular_engine.training; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_device_parameter_is_documented_and_checked():
    assert DEVICE_PARAMETER.default == "auto"
    assert DEVICE_PARAMETER.coerce("cpu", "g") == "cpu"
    with pytest.raises(ParameterError, match="expected one of auto, cpu, cuda"):
        DEVICE_PARAMETER.coerce("gpu", "g")


def test_cpu_is_always_the_cpu():
    assert resolve_device("cpu", "g") == torch.device("cpu")


@pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")
def test_auto_without_a_gpu_is_the_cpu():
    assert resolve_device("auto", "g") == torch.device("cpu")


@pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ParameterError) as caught:
        resolve_device("cuda", "ctgan")
    message = str(caught.value)
    assert "parameter 'device' of generator 'ctgan' is 'cuda'" in message
    assert "torch sees no GPU" in message
    assert "device=cpu" in message


@pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")
def test_sampling_a_cuda_model_without_a_gpu_falls_back_to_the_cpu():
    with captured_logs() as logs:
        device = resolve_device("cuda", "ctgan", strict=False)
    assert device == torch.device("cpu")
    assert [log["event"] for log in logs] == ["no GPU here: sampling on the CPU"]


def test_auto_takes_the_gpu_when_torch_sees_one(monkeypatch):
    # there is no GPU on the CI machines: only torch's answer is replaced, nothing is moved
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto", "g") == torch.device("cuda")
    assert resolve_device("cuda", "g") == torch.device("cuda")
    assert resolve_device("cpu", "g") == torch.device("cpu")


def _draws() -> tuple[float, float, float]:
    return float(torch.rand(1)), float(np.random.random()), random.random()


def test_seeded_blocks_draw_the_same_for_the_same_seed_only():
    with seeded(7):
        first = _draws()
    with seeded(7):
        again = _draws()
    with seeded(8):
        other = _draws()
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))


@given(seed=st.integers(min_value=0, max_value=2**70))
def test_seeded_leaves_every_global_generator_as_it_was(seed):
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    expected = _draws()
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    with seeded(seed):
        _draws()
    assert _draws() == expected


def test_seeded_blocks_in_threads_take_turns_and_keep_their_streams():
    from concurrent.futures import ThreadPoolExecutor

    def block(seed: int) -> list[float]:
        with seeded(seed):
            draws = []
            for _ in range(200):  # long enough for threads to interleave if they could
                draws.append(float(torch.rand(1)) + float(np.random.random()))
                time.sleep(0)
            return draws

    alone = {seed: block(seed) for seed in range(6)}
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = dict(zip(range(6), pool.map(block, range(6)), strict=True))
    assert together == alone


def test_seeded_restores_the_state_when_the_block_fails():
    np.random.seed(1)
    expected = np.random.random()
    np.random.seed(1)
    with pytest.raises(RuntimeError), seeded(3):
        np.random.random()
        raise RuntimeError("training failed")
    assert np.random.random() == expected


@given(
    batch_size=st.integers(1, 5000),
    rows=st.integers(1, 5000),
    multiple=st.integers(1, 40),
)
def test_fit_batch_size_fits_the_rows_and_keeps_the_multiple(batch_size, rows, multiple):
    size = fit_batch_size(batch_size, rows, multiple)
    if rows >= batch_size:
        assert size == batch_size
    else:
        assert size % multiple == 0
        assert size <= max(rows, multiple)
        assert size + multiple > rows  # the largest such value
        assert size <= batch_size or batch_size < multiple


def test_fit_batch_size_examples():
    assert fit_batch_size(500, 4454, 10) == 500
    assert fit_batch_size(500, 123, 10) == 120
    assert fit_batch_size(500, 7, 10) == 10  # never less than one pack
    assert fit_batch_size(500, 123) == 123


class RecordingProgress:
    """A progress display that writes down what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def start(self, task, total=None):
        self.calls.append(("start", task, total))

    def advance(self, steps=1, **values):
        self.calls.append(("advance", steps, values))

    def finish(self):
        self.calls.append(("finish",))


def test_epoch_reporter_drives_the_progress_display_with_the_losses():
    progress = RecordingProgress()
    with EpochReporter(progress, "gan", 2, table="t") as reporter:
        reporter.epoch(1, loss=2.5)
        reporter.epoch(2, loss=1.25)
    assert progress.calls == [
        ("start", "training gan", 2),
        ("advance", 1, {"loss": 2.5}),
        ("advance", 1, {"loss": 1.25}),
        ("finish",),
    ]


def test_epoch_reporter_logs_structured_events_when_nothing_is_displayed():
    with captured_logs() as logs, EpochReporter(NullProgress(), "gan", 2) as r:
        r.epoch(1, loss=2.5, other=1)
        r.epoch(2, loss=1.25, other=0)
    epochs = [log for log in logs if log["event"] == "epoch"]
    assert [(e["epoch"], e["epochs"], e["loss"], e["log_level"]) for e in epochs] == [
        (1, 2, 2.5, "info"),
        (2, 2, 1.25, "info"),
    ]
    (trained,) = [log for log in logs if log["event"] == "trained"]
    assert trained["epochs"] == 2
    assert trained["loss"] == 1.25
    assert trained["seconds"] >= 0


def test_epoch_reporter_keeps_epoch_events_at_debug_under_a_progress_bar():
    with (
        captured_logs() as logs,
        EpochReporter(RecordingProgress(), "gan", 1) as reporter,
    ):
        reporter.epoch(1, loss=1.0)
    assert [log["log_level"] for log in logs if log["event"] == "epoch"] == ["debug"]


def test_a_failed_training_finishes_the_display_but_logs_no_trained_event():
    progress = RecordingProgress()
    with (
        captured_logs() as logs,
        pytest.raises(RuntimeError),
        EpochReporter(progress, "gan", 3) as reporter,
    ):
        reporter.epoch(1, loss=1.0)
        raise RuntimeError("boom")
    assert progress.calls[-1] == ("finish",)
    assert "trained" not in [log["event"] for log in logs]
