"""Parameters and generator records: checking, coercion and clear errors."""

from __future__ import annotations

import pytest
from tabular_engine.errors import ParameterError
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter

INFO = GeneratorInfo(
    name="demo",
    kind=Kind.SINGLE_TABLE,
    summary="demo",
    parameters=(
        Parameter("epochs", int, 10, minimum=1),
        Parameter("rate", float, 0.1, minimum=0, exclusive_minimum=True),
        Parameter("shape", str, "beta", choices=("beta", "norm")),
        Parameter("flag", bool, True),
        Parameter("per_column", dict, {}),
    ),
)


def test_defaults_are_filled_in():
    assert INFO.resolve_params({}) == {
        "epochs": 10,
        "rate": 0.1,
        "shape": "beta",
        "flag": True,
        "per_column": {},
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"epochs": "5"}, ("epochs", 5)),
        ({"rate": "0.5"}, ("rate", 0.5)),
        ({"rate": 2}, ("rate", 2.0)),
        ({"flag": "false"}, ("flag", False)),
        ({"per_column": '{"Age": "norm"}'}, ("per_column", {"Age": "norm"})),
    ],
)
def test_text_values_from_the_cli_are_converted(given, expected):
    name, value = expected
    assert INFO.resolve_params(given)[name] == value


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ParameterError, match=r"unknown parameter 'epoch'.*epochs, rate, shape"):
        INFO.resolve_params({"epoch": 3})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"epochs": 0}, r"'epochs'.*got 0; expected an integer >= 1"),
        ({"epochs": "ten"}, r"'epochs'.*cannot read 'ten'"),
        ({"rate": 0}, r"'rate'.*expected a number > 0"),
        ({"shape": "gamma"}, r"'shape'.*expected one of beta, norm"),
        ({"flag": "maybe"}, r"'flag'.*expected true or false"),
        ({"epochs": True}, r"'epochs'"),
        ({"rate": "nan"}, r"'rate'"),
    ],
)
def test_invalid_values_name_the_parameter_and_what_is_expected(given, message):
    with pytest.raises(ParameterError, match=message):
        INFO.resolve_params(given)


def test_required_parameter_says_how_to_pass_it():
    info = GeneratorInfo(
        "dp", Kind.SINGLE_TABLE, "x", parameters=(Parameter("epsilon", float, None, required=True),)
    )
    with pytest.raises(ParameterError, match="-p epsilon=VALUE"):
        info.resolve_params({})


def test_generator_names_must_be_lowercase():
    with pytest.raises(ValueError, match="lowercase"):
        GeneratorInfo("CTGAN", Kind.SINGLE_TABLE, "x")


def test_capabilities_default_to_none_and_are_typed():
    info = GeneratorInfo("x", "sequential", "x", capabilities={"differential_privacy"})
    assert info.kind is Kind.SEQUENTIAL
    assert info.differentially_private
    assert Capability.DIFFERENTIAL_PRIVACY in info.capabilities
    assert not GeneratorInfo("y", Kind.SINGLE_TABLE, "y").differentially_private
