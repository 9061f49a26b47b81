"""The conformance suite every generator plugin runs against itself.

Subclass :class:`GeneratorConformance` in a test module and name your generator::

    import pytest
    from tabular_engine.testing import GeneratorConformance


    class TestMyGeneratorConformance(GeneratorConformance):
        @pytest.fixture
        def generator_name(self):
            return "my_generator"

        @pytest.fixture
        def fit_params(self):
            return {"epochs": 1}  # whatever makes fitting take a second

The fixtures (``generator_name``, ``fit_params``, ``invalid_params``, ``tiny_dataset``)
come from the pytest plugin ``tabular_engine.testing.plugin``, which pytest loads by
itself wherever tabular-engine is installed. Tests that do not apply to the generator's
kind or declared capabilities skip themselves, saying why.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .. import plugins
from ..errors import ParameterError
from ..hookspecs import ENTRY_POINT_GROUP
from ..plugins import Registry, reset_registry
from ..types import Capability, GeneratorInfo, Kind, Parameter
from .checks import (
    HEAVY_MODULES,
    assert_same_dataset,
    broken_references,
    changed_random_state,
    global_random_state,
    heavy_modules_imported_by,
    table_problems,
)
from .datasets import TinyDataset, context_columns, root_tables

if TYPE_CHECKING:
    import pandas as pd

    from ..model import Model

SEED = 20261203
OTHER_SEED = 7
#: How much each round trip draws: rows of a single table, rows of each root table of a
#: multi-table dataset, sequences of a sequential one.
ROWS = 30
ROOT_ROWS = 4
SEQUENCES = 3
SCALE = 0.5

_PARAMETER_TYPES = (int, float, bool, str, dict, list)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class FittedModel:
    """A model fitted on the tiny dataset, with the global random state around the fit."""

    model: Model
    random_state_before: dict[str, Any]
    random_state_after: dict[str, Any]


#: Models fitted once per test class, generator, parameters and dataset.
_FITTED: dict[tuple[str, ...], FittedModel] = {}


def fit(info: GeneratorInfo, data: TinyDataset, params: dict[str, Any], seed: int = SEED) -> Model:
    """``tabular_engine.fit`` on a fresh copy of the tiny dataset."""
    import tabular_engine

    data = data.copy()
    return tabular_engine.fit(data.tables, info.name, metadata=data.metadata, seed=seed, **params)


def draw(model: Model, seed: int) -> dict[str, pd.DataFrame]:
    """A small sample of whatever the model makes, as a dataset."""
    kind = model.generator.kind
    if kind is Kind.SINGLE_TABLE:
        return {model.table_names[0]: model.sample(ROWS, seed=seed)}
    if kind is Kind.MULTI_TABLE:
        return model.sample(ROOT_ROWS, seed=seed)
    return {model.table_names[0]: model.sample_sequences(SEQUENCES, seed=seed)}


def _fingerprint(data: TinyDataset) -> str:
    import pandas as pd

    digest = hashlib.sha256(data.metadata.to_json().encode())
    for name, frame in data.tables.items():
        digest.update(name.encode())
        digest.update(repr(list(frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def _bad_values(parameter: Parameter) -> list[Any]:
    """Values the declaration of ``parameter`` rules out (each must be a ParameterError)."""
    bad: list[Any] = []
    if parameter.choices:
        if all(isinstance(choice, str) for choice in parameter.choices):
            bad.append("not-one-of-the-choices")
        elif all(isinstance(choice, (int, float)) for choice in parameter.choices):
            bad.append(max(parameter.choices) + 1)
    if parameter.type in (int, float):
        bad.append("not a number")
        if parameter.minimum is not None:
            bad.append(parameter.minimum if parameter.exclusive_minimum else parameter.minimum - 1)
        if parameter.maximum is not None:
            bad.append(parameter.maximum + 1)
    elif parameter.type is bool:
        bad.append("maybe")
    elif parameter.type is dict:
        bad.append("[1, 2]")
    elif parameter.type is list:
        bad.append('{"not": "a list"}')
    elif parameter.type is str:
        bad.append(12345)
    return bad


class GeneratorConformance:
    """The checks every generator must pass. Subclass it and override ``generator_name``.

    Fixtures you may override (in the subclass or a conftest.py):

    * ``generator_name`` (required): the generator's name.
    * ``fit_params``: parameters that make fitting fast, e.g. ``{"epochs": 1}``.
    * ``invalid_params``: a list of parameter dicts your plugin must reject with a
      :class:`~tabular_engine.errors.ParameterError` naming one of them (your own rules
      across parameters; the core checks each value against its declaration).
    * ``tiny_dataset``: the data to fit on; by default the built-in one of the
      generator's kind (:func:`tabular_engine.testing.tiny_dataset`).
    """

    # -- set-up ---------------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _installed_registry(self, conformance_registry: Registry) -> Iterator[None]:
        """Models sample through the process-wide registry: make it the entry points' one."""
        previous = plugins._registry  # put back whatever the rest of the session uses
        reset_registry(conformance_registry)
        yield
        reset_registry(previous)

    @pytest.fixture
    def fitted(
        self,
        request: pytest.FixtureRequest,
        generator_info: GeneratorInfo,
        tiny_dataset: TinyDataset,
        fit_params: dict[str, Any],
    ) -> FittedModel:
        """The generator fitted once per test class on the tiny dataset with ``fit_params``."""
        key = (
            f"{request.cls.__module__}.{request.cls.__qualname__}" if request.cls else "",
            generator_info.name,
            json.dumps(fit_params, sort_keys=True, default=str),
            _fingerprint(tiny_dataset),
        )
        if key not in _FITTED:
            before = global_random_state(import_torch=True)
            model = fit(generator_info, tiny_dataset, fit_params)
            _FITTED[key] = FittedModel(model, before, global_random_state())
        return _FITTED[key]

    # -- the registration record ----------------------------------------------------------

    def test_registration_record(
        self, conformance_registry: Registry, generator_info: GeneratorInfo
    ) -> None:
        info = generator_info
        record = conformance_registry.provider(info.name)
        assert record.ok, f"plugin {record.name} has status {record.status}: {record.error}"
        assert isinstance(info, GeneratorInfo)
        assert _NAME.match(info.name), f"name {info.name!r}: use lowercase letters, digits, _"
        assert isinstance(info.kind, Kind)
        assert info.summary.strip(), "summary: say what the generator does, in one line"
        assert "\n" not in info.summary.strip(), "summary: one line"
        assert info.license, "license: the plugin's own license (an SPDX name)"
        if info.library:
            assert info.library_license, f"library_license: the license of {info.library}"
        assert info.distribution == record.distribution, (
            f"distribution {info.distribution!r} is not the package that provides it "
            f"({record.distribution!r}); leave distribution empty, the core fills it in"
        )
        assert info.version, "version: empty (the core fills it in from the package)"
        json.dumps(info.to_dict())  # `tabular-engine plugins --json` prints it

    def test_parameters_are_declared_completely(self, generator_info: GeneratorInfo) -> None:
        names = [parameter.name for parameter in generator_info.parameters]
        assert len(names) == len(set(names)), f"parameter names repeat: {names}"
        for parameter in generator_info.parameters:
            where = f"parameter {parameter.name!r}"
            assert isinstance(parameter, Parameter), f"{where}: not a Parameter record"
            assert _NAME.match(parameter.name), f"{where}: use lowercase letters, digits, _"
            assert parameter.type in _PARAMETER_TYPES, f"{where}: type {parameter.type}"
            assert parameter.help.strip(), f"{where}: no help text"
            if parameter.default is not None:
                coerced = parameter.coerce(parameter.default, generator_info.name)
                assert coerced == parameter.default, f"{where}: default changes when checked"
            elif not parameter.required and parameter.type not in (dict, list, str):
                assert "default" in parameter.help.lower(), (
                    f"{where}: a {parameter.type.__name__} without a default; give one, "
                    "mark it required, or say in its help what happens by default"
                )

    def test_entry_point_name_is_unique(
        self, conformance_registry: Registry, generator_info: GeneratorInfo
    ) -> None:
        record = conformance_registry.provider(generator_info.name)
        providers = {
            entry_point.dist.name if entry_point.dist else "?"
            for entry_point in entry_points(group=ENTRY_POINT_GROUP)
            if entry_point.name == record.name
        }
        assert providers, (
            f"generator {generator_info.name!r} comes from {record.name!r}, which is not an "
            f"entry point of the {ENTRY_POINT_GROUP!r} group; declare one in pyproject.toml"
        )
        assert len(providers) == 1, (
            f"entry point name {record.name!r} is used by {sorted(providers)}: only one loads; "
            "name your entry point after your distribution"
        )

    def test_plugin_module_imports_no_heavy_library(
        self, conformance_registry: Registry, generator_info: GeneratorInfo
    ) -> None:
        record = conformance_registry.provider(generator_info.name)
        heavy = heavy_modules_imported_by(record.name)
        assert not heavy, (
            f"loading entry point {record.name!r} imports {heavy}: import heavy libraries "
            f"inside fit and sample (checked: {', '.join(HEAVY_MODULES)})"
        )

    # -- fit and sample -------------------------------------------------------------------

    def test_single_table_round_trip(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset, fitted: FittedModel
    ) -> None:
        _require_kind(generator_info, Kind.SINGLE_TABLE)
        ((name, real),) = tiny_dataset.tables.items()
        synthetic = fitted.model.sample(ROWS, seed=SEED)
        assert len(synthetic) == ROWS, f"asked for {ROWS} rows, got {len(synthetic)}"
        assert not table_problems(name, synthetic, real, tiny_dataset.metadata)

    def test_multi_table_round_trip(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset, fitted: FittedModel
    ) -> None:
        _require_kind(generator_info, Kind.MULTI_TABLE)
        synthetic = fitted.model.sample(ROOT_ROWS, seed=SEED)
        assert sorted(synthetic) == sorted(tiny_dataset.tables), "not the tables it learned"
        for root in root_tables(tiny_dataset.metadata):
            assert len(synthetic[root]) == ROOT_ROWS, (
                f"root table {root!r}: asked for {ROOT_ROWS} rows, got {len(synthetic[root])}"
            )
        problems = [
            problem
            for name, real in tiny_dataset.tables.items()
            for problem in table_problems(name, synthetic[name], real, tiny_dataset.metadata)
        ]
        assert not problems
        assert not broken_references(synthetic, tiny_dataset.metadata)

    def test_multi_table_scale(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset, fitted: FittedModel
    ) -> None:
        _require_kind(generator_info, Kind.MULTI_TABLE)
        synthetic = fitted.model.sample(scale=SCALE, seed=SEED)
        for root in root_tables(tiny_dataset.metadata):
            expected = SCALE * len(tiny_dataset.tables[root])
            assert abs(len(synthetic[root]) - expected) <= 1, (
                f"root table {root!r}: scale={SCALE} gave {len(synthetic[root])} rows "
                f"of {len(tiny_dataset.tables[root])}"
            )
        assert not broken_references(synthetic, tiny_dataset.metadata)

    def test_sequential_round_trip(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset, fitted: FittedModel
    ) -> None:
        _require_kind(generator_info, Kind.SEQUENTIAL)
        ((name, real),) = tiny_dataset.tables.items()
        key = tiny_dataset.metadata.tables[name].sequence_key
        synthetic = fitted.model.sample_sequences(SEQUENCES, seed=SEED)
        assert not table_problems(name, synthetic, real, tiny_dataset.metadata)
        assert synthetic[key].nunique() == SEQUENCES, (
            f"asked for {SEQUENCES} sequences, got {synthetic[key].nunique()} values of "
            f"the sequence key {key!r}"
        )

    def test_sequential_context(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset, fitted: FittedModel
    ) -> None:
        _require_kind(generator_info, Kind.SEQUENTIAL)
        _require_capability(generator_info, Capability.CONDITIONAL_SAMPLING)
        ((name, real),) = tiny_dataset.tables.items()
        table = tiny_dataset.metadata.tables[name]
        context_names = context_columns(real, table.sequence_key, table.sequence_index)
        if not context_names:
            pytest.skip("the tiny dataset has no column constant within each sequence")
        firsts = real.drop_duplicates(table.sequence_key).head(SEQUENCES)
        context = firsts[context_names].reset_index(drop=True)
        synthetic = fitted.model.sample_sequences(context=context, seed=SEED)
        sequences = synthetic.drop_duplicates(table.sequence_key)
        assert len(sequences) == len(context), (
            f"{len(context)} context rows gave {len(sequences)} sequences"
        )
        given = sorted(map(tuple, context.astype(str).to_numpy()))
        drawn = sorted(map(tuple, sequences[context_names].astype(str).to_numpy()))
        assert drawn == given, "sequences do not carry the context they were drawn for"

    def test_sampling_is_reproducible_with_a_seed(self, fitted: FittedModel) -> None:
        first = draw(fitted.model, SEED)
        assert_same_dataset(first, draw(fitted.model, SEED))
        other = draw(fitted.model, OTHER_SEED)
        assert any(not first[name].equals(other[name]) for name in first), (
            f"seeds {SEED} and {OTHER_SEED} drew the same data"
        )

    def test_fitting_is_reproducible_with_a_seed(
        self,
        request: pytest.FixtureRequest,
        generator_info: GeneratorInfo,
        tiny_dataset: TinyDataset,
        fit_params: dict[str, Any],
    ) -> None:
        if Capability.DIFFERENTIAL_PRIVACY in generator_info.capabilities:
            pytest.skip(
                f"{generator_info.name!r} is differentially private: its noise must come from "
                "fresh entropy, never from a seed someone could replay"
            )
        fitted: FittedModel = request.getfixturevalue("fitted")  # only when not skipped
        again = fit(generator_info, tiny_dataset, fit_params, seed=SEED)
        assert_same_dataset(draw(fitted.model, SEED), draw(again, SEED))

    def test_save_load_sample(self, fitted: FittedModel, tmp_path: Path) -> None:
        import tabular_engine

        path = fitted.model.save(tmp_path / "conformance.model")
        loaded = tabular_engine.load(path)
        assert loaded.generator.name == fitted.model.generator.name
        assert loaded.params == fitted.model.params
        assert_same_dataset(draw(fitted.model, SEED), draw(loaded, SEED))

    def test_fit_leaves_global_random_state_untouched(self, fitted: FittedModel) -> None:
        changed = changed_random_state(fitted.random_state_before, fitted.random_state_after)
        assert not changed, (
            f"fit changed the global random state of {', '.join(changed)}; draw from "
            "generators of your own (tabular_engine.training.seeded restores torch's)"
        )

    def test_sample_leaves_global_random_state_untouched(self, fitted: FittedModel) -> None:
        before = global_random_state()
        draw(fitted.model, SEED)
        changed = changed_random_state(before, global_random_state())
        assert not changed, f"sampling changed the global random state of {', '.join(changed)}"

    # -- parameters -----------------------------------------------------------------------

    def test_unknown_parameter_is_a_parameter_error(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset
    ) -> None:
        with pytest.raises(ParameterError, match="no_such_parameter"):
            fit(generator_info, tiny_dataset, {"no_such_parameter": 1})

    def test_values_outside_the_declaration_are_parameter_errors(
        self, generator_info: GeneratorInfo, tiny_dataset: TinyDataset
    ) -> None:
        if not generator_info.parameters:
            pytest.skip(f"generator {generator_info.name!r} declares no parameters")
        for parameter in generator_info.parameters:
            for value in _bad_values(parameter):
                with pytest.raises(ParameterError, match=re.escape(repr(parameter.name))):
                    fit(generator_info, tiny_dataset, {parameter.name: value})

    def test_invalid_params_are_parameter_errors(
        self,
        generator_info: GeneratorInfo,
        tiny_dataset: TinyDataset,
        fit_params: dict[str, Any],
        invalid_params: list[dict[str, Any]],
    ) -> None:
        if not invalid_params:
            pytest.skip("no invalid_params given (the fixture lists your plugin's own rules)")
        for params in invalid_params:
            with pytest.raises(ParameterError) as caught:
                fit(generator_info, tiny_dataset, {**fit_params, **params})
            assert any(name in str(caught.value) for name in params), (
                f"the error for {params} names none of {sorted(params)}: {caught.value}"
            )

    # -- capabilities ---------------------------------------------------------------------

    def test_differentially_private_generator_declares_epsilon(
        self, generator_info: GeneratorInfo
    ) -> None:
        _require_capability(generator_info, Capability.DIFFERENTIAL_PRIVACY)
        epsilon = generator_info.parameter("epsilon")
        assert epsilon.type is float, "epsilon: a float"
        for value in (0.0, -1.0):
            with pytest.raises(ParameterError):
                epsilon.coerce(value, generator_info.name)

    def test_gpu_generator_can_run_on_the_cpu(self, generator_info: GeneratorInfo) -> None:
        _require_capability(generator_info, Capability.GPU)
        device = generator_info.parameter("device")
        assert device.choices and "cpu" in device.choices, "device: offer 'cpu'"


def _require_kind(info: GeneratorInfo, kind: Kind) -> None:
    if info.kind is not kind:
        pytest.skip(f"for {kind.value} generators; {info.name!r} is {info.kind.value}")


def _require_capability(info: GeneratorInfo, capability: Capability) -> None:
    if capability not in info.capabilities:
        pytest.skip(f"{info.name!r} does not declare the {capability.value} capability")
