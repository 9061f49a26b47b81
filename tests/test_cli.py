"""The command line, end to end in fresh processes, on the real credit data."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from support import generator_not_installed, run_cli
from tabular_engine.io import read_table


def test_generate_writes_valid_synthetic_credit_data(credit_path, credit, tmp_path):
    output = tmp_path / "synthetic.csv"
    result = run_cli(
        "generate", credit_path, "-g", "gaussian_copula", "-n", "2000", "-o", output, "--seed", "3"
    )
    assert result.returncode == 0, result.stderr
    assert "validation: passed" in result.stderr
    synthetic = read_table(output)
    assert synthetic.shape == (2000, credit.shape[1])
    assert list(synthetic.columns) == list(credit.columns)
    assert (synthetic.dtypes == credit.dtypes).all()
    assert set(synthetic["Home"].dropna()) <= set(credit["Home"].dropna())
    share = synthetic["Income"].isna().mean()
    assert abs(share - credit["Income"].isna().mean()) < 0.03


def test_same_seed_gives_byte_identical_files(credit_path, tmp_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        output = tmp_path / name
        run_cli(
            "generate",
            credit_path,
            "-g",
            "gaussian_copula",
            "-n",
            "500",
            "-o",
            output,
            "--seed",
            "11",
        )
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]


def test_fit_then_sample_to_parquet(credit_path, tmp_path):
    model = tmp_path / "credit.model"
    fitted = run_cli(
        "fit",
        credit_path,
        "-g",
        "gaussian_copula",
        "-o",
        model,
        "--seed",
        "1",
        "-p",
        "default_distribution=norm",
        "-p",
        "enforce_rounding=false",
    )
    assert fitted.returncode == 0, fitted.stderr
    output = tmp_path / "out.parquet"
    sampled = run_cli("sample", model, "-n", "1234", "-o", output, "--seed", "2")
    assert sampled.returncode == 0, sampled.stderr
    assert len(pd.read_parquet(output)) == 1234


def test_zero_rows_writes_the_header_only(credit_path, tmp_path):
    output = tmp_path / "empty.csv"
    result = run_cli("generate", credit_path, "-g", "gaussian_copula", "-n", "0", "-o", output)
    assert result.returncode == 0, result.stderr
    assert output.read_text().strip() == ",".join(pd.read_csv(credit_path, nrows=0).columns)


def test_metadata_command_writes_sdv_json(credit_path, tmp_path):
    output = tmp_path / "metadata.json"
    result = run_cli("metadata", credit_path, "-o", output)
    assert result.returncode == 0, result.stderr
    data = json.loads(output.read_text())
    assert data["tables"]["credit"]["columns"]["Age"]["sdtype"] == "numerical"


def test_generate_with_edited_metadata(credit_path, tmp_path):
    metadata = json.loads(run_cli("metadata", credit_path).stdout)
    metadata["tables"]["credit"]["columns"]["Records"] = {"sdtype": "categorical"}
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(metadata))
    output = tmp_path / "out.csv"
    result = run_cli(
        "generate",
        credit_path,
        "-g",
        "gaussian_copula",
        "-n",
        "50",
        "-o",
        output,
        "--metadata",
        path,
    )
    assert result.returncode == 0, result.stderr


def test_validate_exit_codes(credit_path, tmp_path):
    good = run_cli("validate", credit_path, "--against", credit_path)
    assert good.returncode == 0, good.stderr
    assert "every check passed" in good.stdout
    broken = tmp_path / "broken.csv"
    frame = pd.read_csv(credit_path)
    frame.loc[:9, "Age"] = 500
    frame.to_csv(broken, index=False)
    bad = run_cli("validate", broken, "--against", credit_path, "--json")
    assert bad.returncode == 1
    findings = json.loads(bad.stdout)
    assert findings == [
        {
            "table": "broken",
            "column": "Age",
            "check": "in_range(18, 68)",
            "failing_count": 10,
            "examples": ["500", "500", "500"],
        }
    ]


def test_plugins_lists_gaussian_copula():
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    (plugin,) = [
        p
        for p in json.loads(result.stdout)
        if p["distribution"] == "tabular-engine-gaussian-copula"
    ]
    (generator,) = plugin["generators"]
    assert generator["kind"] == "single_table"
    assert generator["differential_privacy"] is False
    assert generator["library_license"] == "BUSL-1.1"
    assert plugin["status"] == "ok"


# -- bad input: one clear line, exit 2, no output file ------------------------------------------


MISSING = generator_not_installed() or ("", "")


def _bad_inputs(tmp: Path, credit_path: Path) -> dict[str, tuple[list, str]]:
    (tmp / "empty.csv").write_text("")
    (tmp / "header.csv").write_text("a,b,c\n")
    (tmp / "table.xlsx").write_text("a\n1\n")
    (tmp / "dupes.csv").write_text("a,b,a\n1,2,3\n4,5,6\n")
    (tmp / "unnamed.csv").write_text(",b\n1,2\n")
    detected = json.loads(run_cli("metadata", credit_path).stdout) if credit_path.exists() else {}
    for name, column, sdtype in (("text_num", "Home", "numerical"), ("num_dt", "Age", "datetime")):
        if detected:
            edited = json.loads(json.dumps(detected))
            edited["tables"]["credit"]["columns"][column] = {"sdtype": sdtype}
            (tmp / f"{name}.json").write_text(json.dumps(edited))
    out = tmp / "out.csv"
    generate = ["generate", "-g", "gaussian_copula", "-n", "10", "-o", out]
    return {
        "missing file": ([*generate, tmp / "nope.csv"], "does not exist"),
        "zero-byte file": ([*generate, tmp / "empty.csv"], "is empty (0 bytes)"),
        "header-only file": ([*generate, tmp / "header.csv"], "has a header but no rows"),
        "unsupported extension": ([*generate, tmp / "table.xlsx"], "unsupported extension"),
        "duplicate columns": ([*generate, tmp / "dupes.csv"], "duplicate column names: a"),
        "unknown generator": (
            ["generate", credit_path, "-g", "nope", "-n", "5", "-o", out],
            "unknown generator 'nope'; available generators: ",
        ),
        "not installed": (
            ["generate", credit_path, "-g", MISSING[0], "-n", "5", "-o", out],
            f"pip install {MISSING[1]}",
        ),
        "unknown parameter": (
            [*generate, credit_path, "-p", "epochs=5"],
            "valid parameters: default_distribution",
        ),
        "invalid value": (
            [*generate, credit_path, "-p", "default_distribution=cauchy"],
            "expected one of norm, beta",
        ),
        "bad parameter syntax": ([*generate, credit_path, "-p", "epochs"], "KEY=VALUE"),
        "negative rows": (
            ["generate", credit_path, "-g", "gaussian_copula", "-n", "-5", "-o", out],
            "--rows must be 0 or more",
        ),
        "missing output folder": (
            [
                "generate",
                credit_path,
                "-g",
                "gaussian_copula",
                "-n",
                "5",
                "-o",
                tmp / "no" / "out.csv",
            ],
            "does not exist; create it",
        ),
        "unsupported output": (
            ["generate", credit_path, "-g", "gaussian_copula", "-n", "5", "-o", tmp / "out.json"],
            "unsupported extension '.json'",
        ),
        "bad metadata column": (
            [*generate, credit_path, "-p", 'numerical_distributions={"Nope": "norm"}'],
            "names column 'Nope'",
        ),
        "model is not a model": (
            ["sample", tmp / "header.csv", "-n", "5", "-o", out],
            "not a tabular-engine model file",
        ),
        "validate needs a reference": (["validate", credit_path], "--schema FILE or --against"),
        "text marked numerical": (
            [*generate, credit_path, "--metadata", tmp / "text_num.json"],
            "column 'Home' is marked numerical but holds 'rent'",
        ),
        "numbers marked datetime": (
            [*generate, credit_path, "--metadata", tmp / "num_dt.json"],
            "column 'Age' is marked datetime but holds numbers",
        ),
        "negative seed": ([*generate, credit_path, "--seed", "-1"], "seed must be from 0"),
        "rows not a number": (
            ["generate", credit_path, "-g", "gaussian_copula", "-n", "many", "-o", out],
            "'many' is not a number of rows",
        ),
        "schema that is not pandera": (
            ["validate", credit_path, "--schema", tmp / "text_num.json"],
            "is not a pandera schema",
        ),
        "unnamed column": ([*generate, tmp / "unnamed.csv"], "column(s) 1 of the header have no"),
        "model named like a table": (
            ["fit", credit_path, "-g", "gaussian_copula", "-o", out],
            "would hold a model, not a table",
        ),
    }


with tempfile.TemporaryDirectory() as scratch:  # only the case names are needed here
    CASES = sorted(_bad_inputs(Path(scratch), Path("missing.csv")))


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_clear_line_exit_2_and_no_output(case, tmp_path, credit_path):
    if case == "not installed" and MISSING == ("", ""):
        pytest.skip("every first-party generator is installed here")
    args, message = _bad_inputs(tmp_path, credit_path)[case]
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli(
        "--debug",
        "generate",
        tmp_path / "nope.csv",
        "-g",
        "gaussian_copula",
        "-n",
        "1",
        "-o",
        tmp_path / "o.csv",
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_the_seed_printed_by_generate_reproduces_its_output(credit_path, tmp_path):
    first = run_cli(
        "generate", credit_path, "-g", "gaussian_copula", "-n", "100", "-o", tmp_path / "a.csv"
    )
    seed = re.search(r"\(seed (\d+)\)", first.stderr).group(1)
    run_cli(
        "generate",
        credit_path,
        "-g",
        "gaussian_copula",
        "-n",
        "100",
        "-o",
        tmp_path / "b.csv",
        "--seed",
        seed,
    )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_writing_over_the_input_is_refused(credit_path, tmp_path):
    copy = tmp_path / "credit.csv"
    copy.write_bytes(credit_path.read_bytes())
    result = run_cli("generate", copy, "-g", "gaussian_copula", "-n", "5", "-o", copy)
    assert result.returncode == 2
    assert "is the input" in result.stderr
    assert copy.read_bytes() == credit_path.read_bytes()


def test_outputs_get_the_usual_file_mode(credit_path, tmp_path):
    output = tmp_path / "out.csv"
    run_cli("generate", credit_path, "-g", "gaussian_copula", "-n", "5", "-o", output)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(output.stat().st_mode) == 0o666 & ~umask


def test_sigterm_leaves_no_partial_output(credit_path, tmp_path):
    output = tmp_path / "big.csv"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tabular_engine",
            "generate",
            str(credit_path),
            "-g",
            "gaussian_copula",
            "-n",
            "5000000",
            "-o",
            str(output),
            "--no-validate",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".big.csv.*")) and time.monotonic() < deadline:
        time.sleep(0.1)  # wait until writing has started
    assert list(tmp_path.glob(".big.csv.*")), "writing never started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert list(tmp_path.iterdir()) == []
