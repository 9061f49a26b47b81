"""Pipelines on the real credit data: built and checked by factories, run by the runner."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tabular_engine import api
from tabular_engine.backend import GeneratorPlugin
from tabular_engine.errors import (
    ParameterError,
    PipelineError,
    UnknownGeneratorError,
    ValidationFailedError,
)
from tabular_engine.hookspecs import hookimpl
from tabular_engine.io import read_table
from tabular_engine.pipeline import (
    Runner,
    StepDefinition,
    enforce,
    evaluate,
    fit,
    pipeline,
    read,
    sample,
    step,
    use,
    validate,
    write,
)
from tabular_engine.plugins import build_registry, get_registry, reset_registry
from tabular_engine.types import GeneratorInfo, Kind


def first_rows(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """A user's step: keep the first ``rows`` rows (fast tests on real data)."""
    return frame.head(rows)


def drop_incomplete(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.dropna(subset=columns).reset_index(drop=True)


class Recorder:
    """Lifecycle hooks that write down what they saw."""

    __name__ = "recorder"

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    @hookimpl
    def pipeline_step_start(self, step, context):
        self.events.append(("start", step.name))

    @hookimpl
    def pipeline_step_finish(self, step, context, seconds):
        assert seconds >= 0
        self.events.append(("finish", step.name))

    @hookimpl
    def pipeline_step_error(self, step, context, error):
        self.events.append(("error", f"{step.name}: {type(error).__name__}"))


def test_credit_pipeline_with_user_step_writes_valid_output_and_run_record(credit_path, tmp_path):
    out = tmp_path / "synthetic.csv"
    recorder = Recorder()
    flow = pipeline(
        read(credit_path),
        validate(),
        step(first_rows, rows=800),
        step(drop_incomplete, columns=["Income"]),
        fit("gaussian_copula", {"default_distribution": "norm"}),
        sample(400),
        enforce(),
        validate(),
        write(out),
        seed=5,
    )
    result = Runner(observers=(recorder,)).run(flow)

    synthetic = read_table(out)
    assert len(synthetic) == 400
    assert synthetic["Income"].notna().all()  # learned from the user step's output
    assert api.validate(out, against=credit_path) == []
    names = [s.name for s in flow.steps]
    assert names[-2] == "validate_2"
    assert recorder.events == [(e, n) for n in names for e in ("start", "finish")]

    record = json.loads((tmp_path / "synthetic.csv.run.json").read_text())
    assert record["status"] == "passed"
    assert record["seeds"] == {"fit": 5, "sample": 5}
    assert record["generator"]["name"] == "gaussian_copula"
    assert record["generator"]["params"]["default_distribution"] == "norm"
    assert record["plugins"]["tabular-engine-gaussian-copula"]
    assert record["output_rows"] == {"credit": 400}
    assert [s["step"] for s in record["steps"]] == names
    assert len(record["input_schema"]["sha256"]) == 64
    assert record["privacy_budget"]["epsilon_spent"] is None
    # a receipt, not a copy: no value of the data is in it
    text = json.dumps(record)
    assert "freelance" not in text and "parents" not in text
    assert result.records == [tmp_path / "synthetic.csv.run.json"]


def test_same_pipeline_and_seed_reproduce_the_output(credit_path, tmp_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        flow = pipeline(
            read(credit_path),
            step(first_rows, rows=300),
            fit("gaussian_copula"),
            sample(200),
            write(tmp_path / name),
            seed=9,
        )
        Runner().run(flow)
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_a_failing_step_fires_the_error_hook_and_leaves_no_output(credit_path, tmp_path):
    def explode(frame):
        raise ValueError("the user's step is broken")

    recorder = Recorder()
    flow = pipeline(
        read(credit_path),
        step(first_rows, rows=300),
        fit("gaussian_copula"),
        sample(50),
        write(tmp_path / "early.csv"),  # written before the failure: must not stay
        step(explode),
        write(tmp_path / "late.csv"),
        seed=1,
    )
    with pytest.raises(ValueError, match="broken"):
        Runner(observers=(recorder,)).run(flow)
    assert recorder.events[-2:] == [("start", "explode"), ("error", "explode: ValueError")]
    assert ("finish", "write") in recorder.events
    assert list(tmp_path.iterdir()) == []  # no output, no record, no staging folder


def test_output_folder_is_checked_before_any_work(credit_path, tmp_path):
    recorder = Recorder()
    flow = pipeline(
        read(credit_path), fit("gaussian_copula"), sample(5), write(tmp_path / "no" / "x.csv")
    )
    with pytest.raises(Exception, match="does not exist; create it first"):
        Runner(observers=(recorder,)).run(flow)
    assert recorder.events == []


def test_failed_validation_stops_the_run(credit_path, tmp_path):
    schema = tmp_path / "schema.json"
    real = read_table(credit_path)
    from tabular_engine.metadata import detect_table
    from tabular_engine.validation import infer_schema

    narrow = real[(real["Age"] >= 30) & (real["Age"] <= 40)]
    schema.write_text(infer_schema(narrow, detect_table(narrow)).to_json())
    flow = pipeline(
        read(credit_path),
        step(first_rows, rows=400),
        fit("gaussian_copula"),
        sample(200),
        validate(schema=schema),
        write(tmp_path / "out.csv"),
        seed=2,
    )
    with pytest.raises(ValidationFailedError, match=r"credit\.Age in_range"):
        Runner().run(flow)
    assert not (tmp_path / "out.csv").exists()
    # the same pipeline with enforce before validate passes, every row within the schema
    flow = pipeline(
        read(credit_path),
        step(first_rows, rows=400),
        fit("gaussian_copula"),
        sample(200),
        enforce(schema=schema),
        validate(schema=schema),
        write(tmp_path / "out.csv"),
        seed=2,
    )
    Runner().run(flow)
    assert read_table(tmp_path / "out.csv")["Age"].between(30, 40).all()


# -- checked when built --------------------------------------------------------------------


def test_unknown_generator_and_bad_parameters_are_refused_when_built():
    with pytest.raises(UnknownGeneratorError, match="nope"):
        fit("nope")
    with pytest.raises(ParameterError, match="default_distribution"):
        fit("gaussian_copula", {"default_distribution": "cauchy-ish"})
    with pytest.raises(ParameterError, match="unknown parameter 'epochz'"):
        fit("gaussian_copula", {"epochz": 3})


def test_impossible_orders_are_refused_when_built(credit_path):
    with pytest.raises(PipelineError, match="sample needs a fit step before it"):
        pipeline(read(credit_path), sample(10))
    with pytest.raises(PipelineError, match="enforce needs a sample step"):
        pipeline(read(credit_path), fit("gaussian_copula"), enforce())
    with pytest.raises(PipelineError, match="evaluate needs a sample step"):
        pipeline(read(credit_path), fit("gaussian_copula"), evaluate())
    with pytest.raises(PipelineError, match="read must be the first step"):
        pipeline(fit("gaussian_copula"), read(credit_path))
    with pytest.raises(PipelineError, match="single-table generator needs num_rows"):
        pipeline(read(credit_path), fit("gaussian_copula"), sample(sequences=3))
    with pytest.raises(PipelineError, match="not a step"):
        pipeline(read(credit_path), "fit")


def test_user_step_parameters_are_checked_against_the_function():
    with pytest.raises(PipelineError, match="drop_incomplete"):
        step(drop_incomplete, colums=["Income"])
    with pytest.raises(PipelineError, match="expected a function"):
        step("drop_incomplete")


def test_steps_are_immutable(credit_path):
    built = fit("gaussian_copula", {"default_distribution": "norm"})
    with pytest.raises(AttributeError):
        built.generator = "ctgan"
    assert built == fit("gaussian_copula", {"default_distribution": "norm"})


@pytest.fixture
def registry_with(request):
    """The process registry plus extra plugins, restored afterwards."""

    def install(*plugins):
        registry = build_registry(extra_plugins=plugins)
        reset_registry(registry)
        return registry

    yield install
    reset_registry(None)


def test_a_sequential_generator_without_sequence_key_is_refused(registry_with, tmp_path):
    try:
        get_registry().get("par")
        name = "par"
    except UnknownGeneratorError:  # par not installed: a sequential generator that only registers
        name = "sequences_for_test"
        registry_with(
            GeneratorPlugin(
                GeneratorInfo(name, Kind.SEQUENTIAL, "A sequential generator, registered only."),
                model="builtins:object",
            )
        )
    chickweight = tmp_path / "chickweight.csv"
    chickweight.write_text("weight,Time,Chick,Diet\n42,0,1,1\n51,2,1,1\n40,0,2,1\n")
    with pytest.raises(PipelineError, match="no sequence key is given; pass sequence_key"):
        pipeline(read(chickweight), fit(name), sample(sequences=2))
    with pytest.raises(PipelineError, match="draws sequences"):
        pipeline(read(chickweight), fit(name, sequence_key="Chick"), sample(10))
    built = pipeline(read(chickweight), fit(name, sequence_key="Chick"), sample(sequences=2))
    assert built.steps[1].sequence_key == "Chick"


class ThirdPartySteps:
    """A plugin contributing a named step through the register_steps hook."""

    __name__ = "third-party-steps"

    @hookimpl
    def register_steps(self):
        return [
            StepDefinition("cap_numbers", cap_numbers, "Clip a numeric column at a maximum."),
        ]


def cap_numbers(frame: pd.DataFrame, column: str, maximum: float) -> pd.DataFrame:
    return frame.assign(**{column: frame[column].clip(upper=maximum)})


def test_a_third_party_step_registered_through_the_hook(registry_with, credit_path, tmp_path):
    registry_with(ThirdPartySteps())
    flow = pipeline(
        read(credit_path),
        use("cap_numbers", column="Income", maximum=150),
        fit("gaussian_copula"),
        sample(300),
        write(tmp_path / "capped.csv"),
        seed=4,
    )
    Runner().run(flow)
    assert read_table(tmp_path / "capped.csv")["Income"].max() <= 150
    with pytest.raises(PipelineError, match="unknown step 'nope'; registered steps: cap_numbers"):
        use("nope")
    with pytest.raises(PipelineError, match="cap_numbers"):
        use("cap_numbers", column="Income")  # maximum missing


def test_two_plugins_registering_one_step_name_is_an_error(registry_with):
    class Other(ThirdPartySteps):
        __name__ = "other-steps"

    registry_with(ThirdPartySteps(), Other())
    with pytest.raises(PipelineError, match="registered by both"):
        use("cap_numbers", column="Income", maximum=1)
