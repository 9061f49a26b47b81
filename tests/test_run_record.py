"""Run records of generate and sample, and what happens without an evaluator installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner
from support import run_cli
from tabular_engine.cli import cli

ONLY_GAUSSIAN_COPULA = {
    **os.environ,
    "TABULAR_ENGINE_LOAD_PLUGINS": "tabular-engine-gaussian-copula",
}


def invoke(*args):
    """The CLI in this process (the subprocess tests are in test_cli.py)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_generate_and_sample_write_a_run_record_beside_their_output(credit, tmp_path):
    credit_path = tmp_path / "credit.csv"
    credit.head(600).to_csv(credit_path, index=False)
    generated = tmp_path / "generated.csv"
    result = invoke(
        "generate",
        credit_path,
        "-g",
        "gaussian_copula",
        "-n",
        "100",
        "-o",
        generated,
        "--seed",
        "8",
        "-p",
        "default_distribution=norm",
    )
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "generated.csv.run.json").read_text())
    assert record["format"] == "tabular-engine-run" and record["command"] == "generate"
    assert record["seeds"] == {"fit": 8, "sample": 8}
    assert record["generator"]["params"]["default_distribution"] == "norm"
    assert record["output_rows"] == {"credit": 100}
    assert record["scores"] is None and record["gate"] is None
    columns = {c[0]: c[1:] for c in record["input_schema"]["tables"]["credit"]["columns"]}
    assert columns["Age"] == ["Int64", "numerical"] and columns["Home"][1] == "categorical"

    model = tmp_path / "credit.model"
    assert (
        run_cli(
            "fit",
            credit_path,
            "-g",
            "gaussian_copula",
            "-o",
            model,
            "--seed",
            "8",
            "-p",
            "default_distribution=norm",
        ).returncode
        == 0
    )
    sampled = tmp_path / "sampled.parquet"
    result = invoke("sample", model, "-n", "50", "-o", sampled, "--seed", "9")
    assert result.exit_code == 0, result.output
    again = json.loads((tmp_path / "sampled.parquet.run.json").read_text())
    assert again["command"] == "sample" and again["seeds"] == {"fit": 8, "sample": 9}
    # the same input gives the same fingerprint, whether the model was fitted now or loaded
    assert again["input_schema"]["sha256"] == record["input_schema"]["sha256"]


def described(frame):
    """A model's description of ``frame`` (metadata and schemas), without fitting one."""
    from tabular_engine.metadata import detect
    from tabular_engine.model import Model
    from tabular_engine.plugins import get_registry
    from tabular_engine.validation import infer_schemas

    dataset = {"credit": frame}
    metadata = detect(dataset)
    info = get_registry().get("gaussian_copula")
    return Model(info, metadata, None, {}, 0, infer_schemas(dataset, metadata))


def test_fingerprint_changes_with_the_input_schema(credit):
    from tabular_engine.run_record import schema_fingerprint

    first = described(credit.head(200))
    same = described(credit.iloc[200:400].reset_index(drop=True))
    renamed = described(credit.head(200).rename(columns={"Age": "age"}))
    retyped = described(credit.head(200).astype({"Age": "float64"}))
    assert schema_fingerprint(first)["sha256"] != schema_fingerprint(retyped)["sha256"]
    assert schema_fingerprint(first)["sha256"] == schema_fingerprint(same)["sha256"]
    assert schema_fingerprint(first)["sha256"] != schema_fingerprint(renamed)["sha256"]


def test_without_an_evaluator_evaluate_and_gates_say_what_to_install(credit_path, tmp_path):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "tabular_engine", *map(str, args)],
            capture_output=True,
            text=True,
            env=ONLY_GAUSSIAN_COPULA,
            check=False,
        )

    result = cli("evaluate", credit_path, credit_path)
    assert result.returncode == 2
    assert "pip install tabular-engine-quality" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    output = tmp_path / "synthetic.csv"
    result = cli(
        "generate",
        credit_path,
        "-g",
        "gaussian_copula",
        "-n",
        "10",
        "-o",
        output,
        "--min-quality",
        "0.8",
    )
    assert result.returncode == 2
    assert "pip install tabular-engine-quality" in result.stderr
    assert "fitted" not in result.stderr  # refused before any work
    assert list(tmp_path.iterdir()) == []

    config = tmp_path / "p.toml"
    config.write_text(
        f"[[steps]]\nstep='read'\npath='{credit_path}'\n[[steps]]\nstep='fit'\n"
        "generator='gaussian_copula'\n[[steps]]\nstep='sample'\nnum_rows=5\n"
        "[[steps]]\nstep='evaluate'\n"
    )
    result = cli("run", config)
    assert result.returncode == 2
    assert "steps[4] (evaluate): no evaluator is installed" in result.stderr
    assert "pip install tabular-engine-quality" in result.stderr


def test_run_gate_options_need_an_evaluate_step(tmp_path, credit_path):
    config = tmp_path / "p.toml"
    config.write_text(
        f"[[steps]]\nstep='read'\npath='{credit_path}'\n[[steps]]\nstep='fit'\n"
        "generator='gaussian_copula'\n[[steps]]\nstep='sample'\nnum_rows=5\n"
    )
    result = run_cli("run", config, "--min-quality", "0.9")
    assert result.returncode == 2
    assert "need an evaluate step" in result.stderr
