"""Sampling at scale on Dask: real local clusters, real worker processes, real kills."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import tabular_engine
from support import run_cli
from tabular_engine.errors import OutputError, ParameterError
from tabular_engine.executors import sample_dataset
from tabular_engine.executors.manifest import MANIFEST_NAME
from tabular_engine.executors.partitions import plan
from tabular_engine.io import write_table
from tabular_engine.model import BLOCK_ROWS
from tabular_engine.types import Kind

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def model_file(credit_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "credit.model"
    tabular_engine.fit(credit_path, "gaussian_copula", seed=7).save(path)
    return path


@pytest.fixture(scope="module")
def model(model_file):
    return tabular_engine.load(model_file)


def local_rows(model, rows: int, seed: int, folder: Path) -> pd.DataFrame:
    """What the local executor writes for the same model, rows and seed."""
    path = folder / f"local-{rows}-{seed}.parquet"
    if not path.exists():
        write_table(model.sample_chunks(rows, seed=seed), path)
    return pd.read_parquet(path)


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".parquet")


def manifest(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text())


def test_partitions_are_whole_blocks_in_row_order():
    layout = [(p.first_row, p.rows) for p in plan(45_000, 3)]
    assert layout == [(0, 10_000), (10_000, 20_000), (30_000, 15_000)]
    assert all(p.first_row % BLOCK_ROWS == 0 for p in plan(1_234_567, 17))
    assert sum(p.rows for p in plan(1_234_567, 17)) == 1_234_567
    assert [p.file for p in plan(10, 1)] == ["part-00000.parquet"]


def test_same_rows_whatever_the_number_of_workers_or_partitions(model, tmp_path):
    from distributed import LocalCluster

    rows, seed = 45_000, 3
    one = sample_dataset(
        model, rows, tmp_path / "one", seed=seed, workers=1, partitions=2, processes=False
    )
    assert (one.workers, one.partitions) == (1, 2)
    # two workers behind a scheduler address, as a cluster of other machines would be
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        two = sample_dataset(
            model, rows, tmp_path / "two", seed=seed, partitions=5,
            scheduler=cluster.scheduler_address,
        )  # fmt: skip
    assert (two.workers, two.partitions) == (2, 5)
    for result in (one, two):
        assert sum(part.rows for part in result.written) == rows
        assert len(parts(result.folder)) == result.partitions
        assert manifest(result.folder)["complete"] is True
    first, second = pd.read_parquet(tmp_path / "one"), pd.read_parquet(tmp_path / "two")
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first, local_rows(model, rows, seed, tmp_path))


def test_cli_with_real_worker_processes(model, model_file, tmp_path):
    folder = tmp_path / "synthetic"
    result = run_cli(
        "sample", model_file, "-n", "25000", "-o", folder, "--seed", "9",
        "--executor", "dask", "--workers", "2", "--partitions", "5",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "using 3 partition(s), not 5: a partition holds whole blocks" in result.stderr
    assert "wrote 25,000 rows" in result.stderr
    assert "on 2 Dask worker(s)" in result.stderr
    assert "validation: passed" in result.stderr
    assert parts(folder) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    written = manifest(folder)["parts"]
    assert [part["rows"] for part in written] == [10_000, 10_000, 5_000]
    assert {part["findings"] == [] for part in written} == {True}
    pd.testing.assert_frame_equal(pd.read_parquet(folder), local_rows(model, 25_000, 9, tmp_path))


def _start_cli_run(model_file: Path, folder: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tabular_engine", "sample", str(model_file)]
    command += ["-n", "200000", "-o", str(folder), "--seed", "21", "--executor", "dask"]
    command += ["--workers", "1", "--partitions", "20", *extra]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the workers go down with it
    )


def _wait_for_finished_parts(run: subprocess.Popen, folder: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and run.poll() is None:
        if (folder / MANIFEST_NAME).exists() and len(manifest(folder)["parts"]) >= count:
            return
        time.sleep(0.05)
    run.kill()
    pytest.fail(f"no {count} finished parts in time: {run.communicate()[1][-2000:]}")


def test_resume_after_the_run_was_killed_equals_an_uninterrupted_run(model_file, tmp_path):
    folder = tmp_path / "killed"
    run = _start_cli_run(model_file, folder)
    _wait_for_finished_parts(run, folder, 2)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(run.pid, signal.SIGKILL)  # the run's own group: its worker processes
    before = manifest(folder)
    assert before["complete"] is False
    assert 2 <= len(before["parts"]) < 20

    resumed = run_cli(
        "sample",
        model_file,
        "-n",
        "200000",
        "-o",
        folder,
        "--executor",
        "dask",
        "--workers",
        "1",
        "--partitions",
        "20",
        "--resume",
    )  # fmt: skip  (no --seed: it comes from the manifest)
    assert resumed.returncode == 0, resumed.stderr
    assert "kept from before" in resumed.stderr
    after = manifest(folder)
    assert after["complete"] is True
    assert after["settings"]["seed"] == 21
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]

    reference = tmp_path / "uninterrupted"
    sample_dataset(model_file, 200_000, reference, seed=21, partitions=20, workers=1,
                   processes=False)  # fmt: skip
    assert parts(folder) == parts(reference)
    for name in parts(reference):
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(folder), pd.read_parquet(reference))


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["sigterm", "ctrl-c"])
def test_interrupting_keeps_finished_parts_and_says_how_to_resume(model_file, tmp_path, ctrl_c):
    folder = tmp_path / "stopped"
    run = _start_cli_run(model_file, folder)
    _wait_for_finished_parts(run, folder, 1)
    if ctrl_c:  # a terminal sends SIGINT to the whole group: the workers get it too
        os.killpg(run.pid, signal.SIGINT)
    else:
        os.kill(run.pid, signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr  # not from the workers either
    last = stderr.strip().splitlines()[-1]
    assert re.match(r"Interrupted: \d+ of 20 parts are finished in .*--resume", last), stderr
    state = manifest(folder)
    assert state["complete"] is False
    assert {part["file"] for part in state["parts"]} == set(parts(folder))
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")]


def test_resume_keeps_intact_parts_redraws_damaged_ones_and_refuses_other_settings(
    model, credit_path, tmp_path
):
    folder = tmp_path / "dataset"
    options = {"seed": 5, "partitions": 3, "workers": 1, "processes": False}
    sample_dataset(model, 25_000, folder, **options)
    expected = pd.read_parquet(folder)

    again = sample_dataset(model, 25_000, folder, resume=True, **options)
    assert (again.kept, again.written) == ([0, 1, 2], [])

    damaged = folder / "part-00001.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    (folder / "part-00002.parquet").unlink()
    repaired = sample_dataset(model, 25_000, folder, resume=True, **options)
    assert repaired.kept == [0]
    assert sorted(part.index for part in repaired.written) == [1, 2]
    pd.testing.assert_frame_equal(pd.read_parquet(folder), expected)

    other_model = tabular_engine.fit(credit_path, "gaussian_copula", seed=8)
    for changed, message in [
        ({"seed": 6}, "seed 5 then, 6 now"),
        ({"partitions": 2}, "partitions 3 then, 2 now"),
    ]:
        with pytest.raises(OutputError, match=message):
            sample_dataset(model, 25_000, folder, resume=True, **{**options, **changed})
    with pytest.raises(OutputError, match="rows 25000 then, 30000 now"):
        sample_dataset(model, 30_000, folder, resume=True, **options)
    with pytest.raises(OutputError, match=r"model \(fingerprint\)"):
        sample_dataset(other_model, 25_000, folder, resume=True, **options)
    with pytest.raises(OutputError, match=r"not empty.*--resume"):
        sample_dataset(model, 25_000, folder, **options)


def test_more_partitions_than_blocks_are_capped(model, tmp_path):
    few = sample_dataset(model, 5, tmp_path / "five", seed=1, partitions=10, workers=1,
                         processes=False)  # fmt: skip
    assert (few.partitions, few.requested_partitions) == (1, 10)
    assert len(pd.read_parquet(tmp_path / "five")) == 5
    again = sample_dataset(model, 5, tmp_path / "five", seed=1, partitions=10, resume=True,
                           workers=1, processes=False)  # fmt: skip
    assert (again.kept, again.written) == ([0], [])
    capped = sample_dataset(model, 25_000, tmp_path / "three", seed=1, partitions=10, workers=1,
                            processes=False)  # fmt: skip
    assert capped.partitions == 3
    empty = sample_dataset(model, 0, tmp_path / "none", seed=1, workers=1, processes=False)
    frame = pd.read_parquet(tmp_path / "none")
    assert (empty.partitions, len(frame)) == (1, 0)
    assert list(frame.columns) == list(model.sample(1, seed=1).columns)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_one_line_exit_2_and_fast(model_file, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = run_cli(
        "sample", model_file, "-n", "100", "-o", tmp_path / "out", "--executor", "dask",
        "--scheduler", address, "--connect-timeout", "0.5",
    )  # fmt: skip
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: the Dask scheduler at '{address}' did not answer")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def _output(case: str, folder: Path) -> Path:
    """An output path for each bad case: a file, a CSV name, a folder holding a file."""
    if case == "file":
        (folder / "taken").write_text("x")
        return folder / "taken"
    if case == "csv":
        return folder / "synthetic.csv"
    if case == "not empty":
        (folder / "full").mkdir()
        (folder / "full" / "notes.txt").write_text("mine")
        return folder / "full"
    return folder / "out"


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("file", (), "is a file, but --executor dask writes a Parquet dataset folder"),
        ("csv", (), "ends in .csv, but --executor dask writes a Parquet dataset folder"),
        ("not empty", (), "is not empty; .* or add --resume"),
        ("new", ("--partitions", "0"), "partitions must be a whole number, at least 1"),
    ],
)
def test_bad_dask_outputs_and_options_are_one_line_errors(
    model_file, tmp_path, case, extra, message
):
    output = _output(case, tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = run_cli("sample", model_file, "-n", "100", "-o", output, "--executor", "dask", *extra)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, nothing removed


def test_dask_options_need_the_dask_executor(model_file, tmp_path):
    result = run_cli("sample", model_file, "-n", "10", "-o", tmp_path / "x.csv", "--resume")
    assert result.returncode == 2
    assert "--resume works with --executor dask" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_api_refuses_bad_combinations_before_starting_anything(model, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="--workers sizes the local cluster"):
        sample_dataset(model, 10, out, scheduler="tcp://127.0.0.1:1", workers=2)
    with pytest.raises(ParameterError, match="connect timeout"):
        sample_dataset(model, 10, out, connect_timeout=0)
    multi = replace(model, generator=replace(model.generator, kind=Kind.MULTI_TABLE))
    with pytest.raises(ParameterError, match=r"samples one table.*--executor local"):
        sample_dataset(multi, 10, out)
    with pytest.raises(OutputError, match="does not exist"):
        sample_dataset(model, 10, tmp_path / "missing" / "out")
    assert not out.exists()
