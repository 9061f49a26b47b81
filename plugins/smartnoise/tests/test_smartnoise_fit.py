"""The smartnoise generator through the API and the CLI: the budget protocol around real
DP training, bounds, bad input, and what a model file keeps."""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
import tabular_engine
from tabular_engine import budget
from tabular_engine.errors import BudgetError, BudgetExceededError, ParameterError
from tabular_engine.metadata import detect
from tabular_engine_smartnoise.columns import domain_cells, domain_warning, plan_columns
from tabular_engine_smartnoise.ledger import Ledger

#: public bounds of the credit data's numerical columns (its codebook's ranges, not the data's)
CREDIT_BOUNDS = {
    "Seniority": (0, 50),
    "Time": (0, 80),
    "Age": (18, 70),
    "Expenses": (0, 200),
    "Income": (0, 1000),
    "Assets": (0, 300000),
    "Debt": (0, 30000),
    "Amount": (0, 5000),
    "Price": (0, 12000),
}


def history(tenant: str = "default") -> list[tuple[str, float]]:
    return [(o.outcome, o.epsilon) for o in Ledger().history(tenant) if o.job_id]


def spent(tenant: str = "default") -> float:
    (status,) = Ledger().status(tenant)
    return status.spent_epsilon


@pytest.fixture
def funded():
    Ledger().set_total("default", 3.0, 1e-5)


# -- bad input: nothing trained, nothing spent ------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--epsilon", "0"], "--epsilon must be > 0 and <= 10, got '0'"),
        (["--epsilon", "-1"], "--epsilon must be > 0 and <= 10, got '-1'"),
        (
            ["--epsilon", "lots"],
            "--epsilon must be a number > 0 and <= 10, e.g. 1 or 0.5, got 'lots'",
        ),
        (["--epsilon", "1", "--delta", "1"], "--delta must be >= 0 and < 1, got '1'"),
        (["--epsilon", "1", "--delta", "x"], "--delta must be a number >= 0 and < 1"),
        (
            ["--epsilon", "2", "-p", "epsilon=1"],
            "-p epsilon=... and --epsilon both set epsilon; give it once",
        ),
    ],
)
def test_bad_epsilon_or_delta_is_one_line_and_spends_nothing(
    cli, credit_small, tmp_path, funded, option, message
):
    output = tmp_path / "out.csv"
    done = cli("generate", credit_small, "-g", "smartnoise", "-n", 10, "-o", output, *option)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"Error: {message}")
    assert "Traceback" not in done.stderr
    assert not output.exists()
    assert history() == [] and spent() == 0


def test_epsilon_is_required(credit_small):
    with pytest.raises(ParameterError, match="needs parameter 'epsilon'"):
        tabular_engine.fit(credit_small, "smartnoise")


def test_one_and_one_point_zero_are_the_same_epsilon(cli, credit_small, tmp_path):
    Ledger().set_total("default", 0.5, 1e-5)
    answers = []
    for text in ("1", "1.0", "1e0"):
        done = cli(
            "generate",
            credit_small,
            "-g",
            "smartnoise",
            "-n",
            5,
            "-o",
            tmp_path / "o.csv",
            "--epsilon",
            text,
            "--job-id",
            "same-job",
        )
        answers.append((done.returncode, done.stderr.strip().splitlines()[-1]))
    assert len(set(answers)) == 1
    assert answers[0] == (
        2,
        "Error: tenant default has epsilon 0.5 left of 0.5, less than the 1 this job asks "
        "for; nothing was trained or charged. Ask for less, or raise the total with "
        "tabular-engine budget set --tenant default --epsilon E",
    )
    assert history() == [("refused", 1.0)] * 3
    assert budget.check_epsilon("1") == budget.check_epsilon("1.0") == 1.0


def test_more_than_the_tenant_has_left_trains_nothing(credit_small, funded):
    with pytest.raises(BudgetExceededError, match="epsilon 3 left of 3"):
        tabular_engine.fit(credit_small, "smartnoise", epsilon=3.5, bounds={"Age": [18, 70]})
    assert spent() == 0


def test_continuous_columns_without_bounds_stop_before_the_data_is_touched(
    cli, credit_path, tmp_path, funded
):
    done = cli(
        "generate",
        credit_path,
        "-g",
        "smartnoise",
        "-n",
        5,
        "-o",
        tmp_path / "o.csv",
        "--epsilon",
        "1",
        "--bounds",
        "Age=18:70",
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "Error: continuous column(s) Seniority, Time, Expenses, Income, Assets, Debt, Amount, "
        "Price of table 'credit' need public bounds for differential privacy: give --bounds "
        "Seniority=LO:HI --bounds Time=LO:HI"
    )
    assert "preprocessor_epsilon" in last
    assert history() == [("reserved", 1.0), ("released", 0.0)]  # released: untouched
    assert spent() == 0


def test_bounds_for_an_unknown_column_are_an_error(credit_small, funded):
    with pytest.raises(ParameterError, match="bounds given for Salary, which is not a"):
        tabular_engine.fit(
            credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70], "Salary": [0, 1]}
        )


def test_a_non_dp_generator_refuses_epsilon(cli, credit_small, tmp_path):
    done = cli(
        "generate",
        credit_small,
        "-g",
        "gaussian_copula",
        "-n",
        5,
        "-o",
        tmp_path / "o.csv",
        "--epsilon",
        "1",
    )
    assert done.returncode == 2
    assert "--epsilon apply to differentially private generators only" in done.stderr


# -- domain size --------------------------------------------------------------------------------


def test_a_domain_too_large_for_mst_is_reported_with_its_size():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 1100, 3000).astype(str),
            "b": rng.integers(0, 1100, 3000).astype(str),
            "n": rng.normal(size=3000),
        }
    )
    metadata = detect({"t": frame})
    plan = plan_columns("t", frame, metadata.tables["t"], {"bounds": {"n": [-5, 5]}})
    cells = domain_cells(plan, frame, bins=10)
    assert cells["n"] == 10 and cells["a"] == frame["a"].nunique()
    warning = domain_warning("mst", "t", cells)
    size = cells["a"] * cells["b"] * 10
    assert f"a domain of {size:.3g} cells" in warning
    assert f"has {cells['a'] * cells['b']:,} cells" in warning
    assert domain_warning("mst", "t", {"x": 10, "y": 20}) is None


# -- real training -------------------------------------------------------------------------------


def test_mst_charges_exactly_epsilon_and_keeps_no_real_rows(credit_small, tmp_path, funded):
    model = tabular_engine.fit(
        credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70]}, seed=5, job_id="job-mst"
    )
    assert history() == [("reserved", 1.0), ("committed", 1.0)]
    (status,) = Ledger().status("default")
    assert (status.spent_epsilon, status.spent_delta) == (1.0, 1e-9)
    path = model.save(tmp_path / "m.model")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        payload = archive.read("state.pickle")
    assert manifest["privacy"]["epsilon"] == 1.0 and manifest["privacy"]["job_id"] == "job-mst"
    assert manifest["schemas"] == {}  # nothing inferred from the real data
    _assert_no_real_rows(pickle.loads(payload), rows=300)

    loaded = tabular_engine.load(path)
    synthetic = loaded.sample(200, seed=9)
    assert list(synthetic.columns) == ["Status", "Home", "Age"]
    assert synthetic["Age"].between(18, 70).all()
    assert synthetic["Age"].nunique() > 10  # values spread over their bins, not midpoints
    assert set(synthetic["Status"].dropna()) <= {"good", "bad"}
    pd.testing.assert_frame_equal(synthetic, loaded.sample(200, seed=9))  # reproducible
    # the same job again would spend again: refused, nothing charged
    with pytest.raises(BudgetError, match="already trained and spent its budget"):
        tabular_engine.fit(
            credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70]}, job_id="job-mst"
        )
    assert spent() == 1.0


def _assert_no_real_rows(state, rows: int) -> None:
    """No list or array as long as the real table survives in the fitted state."""
    seen: set[int] = set()

    def walk(value, path: str, depth: int = 0) -> None:
        if id(value) in seen or depth > 10:
            return
        seen.add(id(value))
        shape = getattr(value, "shape", None)
        if (isinstance(value, (list, tuple)) and len(value) == rows) or (shape and rows in shape):
            raise AssertionError(f"real rows kept at {path}")
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, (list, tuple)) and len(value) < 100:
            items = enumerate(value)
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            items = vars(value).items()
        else:
            return
        for key, item in items:
            walk(item, f"{path}.{key}", depth + 1)

    walk(state, "state")


@pytest.mark.parametrize(
    ("synthesizer", "params"),
    [
        ("mwem", {}),
        ("dpctgan", {"epochs": 1, "batch_size": 100}),
        ("pacsynth", {"reporting_length": 2}),
        # patectgan (about 80 s for one epoch here) is left out of the suite for time; its
        # model is scrubbed by _uniform_condition_rows, checked by hand with this test
    ],
)
def test_each_synthesizer_trains_and_charges_the_budget(credit_small, funded, synthesizer, params):
    model = tabular_engine.fit(
        credit_small,
        "smartnoise",
        epsilon=3.0 if synthesizer == "pacsynth" else 1.0,
        bounds={"Age": [18, 70]},
        synthesizer=synthesizer,
        seed=1,
        **params,
    )
    rows = model.sample(50, seed=2)
    assert len(rows) == 50 and list(rows.columns) == ["Status", "Home", "Age"]
    assert rows["Age"].dropna().between(18, 70).all()
    expected_delta = 0.0 if synthesizer == "mwem" else 1e-9
    assert model.privacy["delta"] == expected_delta
    assert history()[-1] == ("committed", model.privacy["epsilon"])
    _assert_no_real_rows(model.state, rows=300)


def test_a_parameter_of_another_synthesizer_is_refused(credit_small, funded):
    with pytest.raises(
        ParameterError,
        match="'epochs' of generator 'smartnoise' applies to dpctgan, patectgan only",
    ):
        tabular_engine.fit(
            credit_small, "smartnoise", epsilon=1, bounds={"Age": [18, 70]}, epochs=3
        )
    assert history() == [("reserved", 1.0), ("released", 0.0)]


@pytest.mark.slow
def test_generate_on_the_whole_credit_data_with_mst(cli, credit_path, tmp_path, funded):
    """The issue's acceptance run: mst, epsilon 1, bounds given, the ledger shows the spend."""
    bounds = [
        arg
        for column, (low, high) in CREDIT_BOUNDS.items()
        for arg in ("--bounds", f"{column}={low}:{high}")
    ]
    output = tmp_path / "credit_dp.csv"
    done = cli(
        "generate",
        credit_path,
        "-g",
        "smartnoise",
        "-n",
        1000,
        "-o",
        output,
        "--epsilon",
        "1",
        "--seed",
        3,
        *bounds,
    )
    assert done.returncode == 0, done.stderr
    synthetic = pd.read_csv(output)
    real = pd.read_csv(credit_path)
    assert len(synthetic) == 1000 and list(synthetic.columns) == list(real.columns)
    for column, (low, high) in CREDIT_BOUNDS.items():
        assert synthetic[column].dropna().between(low, high).all(), column
    shown = cli("budget", "history", "--json")
    operations = [o for o in json.loads(shown.stdout) if o["job_id"]]
    assert [(o["outcome"], o["epsilon"], o["privacy_unit"]) for o in operations] == [
        ("reserved", 1.0, "row"),
        ("committed", 1.0, "row"),
    ]
    status = json.loads(cli("budget", "status", "--json").stdout)
    assert status[0]["spent_epsilon"] == 1.0 and status[0]["remaining_epsilon"] == 2.0
    record = json.loads((tmp_path / "credit_dp.csv.run.json").read_text())
    budget = record["privacy_budget"]
    assert (budget["epsilon_reserved"], budget["epsilon_spent"]) == (1.0, 1.0)
    assert budget["job_id"] == operations[0]["job_id"]
