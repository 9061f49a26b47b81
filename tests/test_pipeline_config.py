"""Pipelines declared in TOML: the examples build, mistakes name the file, the key and the fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import ROOT, run_cli
from tabular_engine.errors import ConfigError
from tabular_engine.io import read_table
from tabular_engine.pipeline.config import load_pipeline
from tabular_engine.pipeline.steps import Fit, Function, Sample

EXAMPLES = ROOT / "docs" / "examples"

SMALL = """
[pipeline]
name = "small"
seed = 3

[[steps]]
step = "read"
path = "credit.csv"

[[steps]]
step = "function"
function = "pipeline_steps.py:drop_incomplete"
params = { columns = ["Income"] }

[[steps]]
step = "fit"
generator = "gaussian_copula"

[[steps]]
step = "sample"
num_rows = 150

[[steps]]
step = "enforce"

[[steps]]
step = "write"
path = "out/small.parquet"
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A folder with the example data and steps, and a config written next to them."""
    for name in ("credit.csv", "pipeline_steps.py"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def write_config(folder: Path, text: str) -> Path:
    path = folder / "pipeline.toml"
    path.write_text(text)
    return path


def test_the_credit_example_builds_with_its_user_step():
    flow = load_pipeline(EXAMPLES / "credit.toml")
    assert flow.name == "credit" and flow.seed == 42
    kinds = [type(s).__name__ for s in flow.steps]
    assert kinds[:4] == ["Read", "Validate", "Function", "Fit"]
    function = next(s for s in flow.steps if isinstance(s, Function))
    assert function.name == "drop_incomplete"
    assert dict(function.params) == {"columns": ["Status", "Amount"]}
    assert next(s for s in flow.steps if isinstance(s, Sample)).num_rows == 1000


def test_run_command_runs_a_config_and_paths_follow_the_documented_rules(config_dir, tmp_path):
    config = write_config(config_dir, SMALL)
    workdir = tmp_path / "work"
    (workdir / "out").mkdir(parents=True)
    result = run_cli("run", config, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "- fit ..." in result.stderr and "done in" in result.stderr
    written = read_table(workdir / "out" / "small.parquet")  # outputs: relative to the cwd
    assert len(written) == 150 and written["Income"].notna().all()
    record = json.loads((workdir / "out" / "small.parquet.run.json").read_text())
    assert record["command"] == "run" and record["pipeline"] == "small"
    assert record["seeds"]["fit"] == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[steps]\nstep = 1", "is not valid TOML"),
        ("[pipeline]\nname = 'x'\n", "key 'steps' is missing"),
        ("[pipeline]\nseeds = 1\n[[steps]]\nstep='read'\npath='credit.csv'", "'pipeline.seeds'"),
        ("[[steps]]\nstep = 'reed'\npath = 'credit.csv'", "steps[1] (reed): key 'step' = 'reed'"),
        ("[[steps]]\npath = 'credit.csv'", "steps[1]: key 'step' is missing"),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'\ngenrator='x'",
            "steps[2] (fit): unknown key 'genrator'; expected one of step, generator",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'",
            "steps[2] (fit): key 'generator' is missing; expected an installed generator's name",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'\n"
            "generator='gaussian_copula'\n[[steps]]\nstep='sample'\nnum_rows='ten'",
            "steps[3] (sample): key 'num_rows' must be a whole number of rows, got 'ten'",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'\ngenerator='hma2'",
            "steps[2] (fit): unknown generator 'hma2'",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'\n"
            "generator='gaussian_copula'\nparams={default_distribution='cauchy'}",
            "steps[2] (fit): parameter 'default_distribution' of generator 'gaussian_copula'",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='function'\n"
            "function='pipeline_steps.py:nope'",
            "key 'function': pipeline_steps.py has no function 'nope'",
        ),
        (
            "[[steps]]\nstep='read'\npath='missing.csv'",
            "missing.csv' does not exist (a relative path starts from the config file's folder)",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='sample'\nnum_rows=3",
            "pipeline step 2 (sample): sample needs a fit step before it",
        ),
        (
            "[[steps]]\nstep='read'\npath='credit.csv'\n[[steps]]\nstep='fit'\n"
            "generator='gaussian_copula'\n[[steps]]\nstep='sample'\nnum_rows=3\n"
            "[[steps]]\nstep='evaluate'\nmin_quality=1.5",
            "steps[4] (evaluate): evaluate: min_quality must be from 0 to 1, got 1.5",
        ),
    ],
)
def test_a_mistake_names_the_file_the_key_and_what_was_expected(config_dir, text, message):
    config = write_config(config_dir, text)
    with pytest.raises(ConfigError) as raised:
        load_pipeline(config)
    assert str(config) in str(raised.value)
    assert message in str(raised.value)


def test_run_with_a_bad_config_prints_one_line_and_exits_2(config_dir):
    config = write_config(config_dir, "[[steps]]\nstep='read'\npath='credit.csv'\nrows=3")
    result = run_cli("run", config)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: config file {str(config)!r}, steps[1] (read): unknown key 'rows'; expected one "
        "of step, path, metadata"
    ]


def test_a_user_step_that_raises_is_one_line_exit_2_and_writes_nothing(config_dir):
    config = write_config(
        config_dir,
        "[[steps]]\nstep='read'\npath='credit.csv'\n"
        "[[steps]]\nstep='function'\nfunction='pipeline_steps.py:drop_incomplete'\n"
        "params={columns=['Nope']}\n"
        "[[steps]]\nstep='write'\npath='out.csv'\n",
    )
    result = run_cli("run", config)
    assert result.returncode == 2, result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: a step of pipeline") and "raised KeyError" in error
    assert "Nope" in error and "Traceback" not in result.stderr
    assert "drop_incomplete failed: nothing was written" in result.stderr
    assert not (config_dir / "out.csv").exists()


def test_fit_in_the_chickweight_example_names_its_sequence_key():
    try:
        flow = load_pipeline(EXAMPLES / "chickweight.toml")
    except ConfigError as error:
        assert "pip install tabular-engine-par" in str(error)
        pytest.skip("par is not installed (pip install tabular-engine-par)")
    fitted = next(s for s in flow.steps if isinstance(s, Fit))
    assert (fitted.sequence_key, fitted.sequence_index) == ("Chick", "Time")
