"""Pipelines declared in TOML (``tabular-engine run PIPELINE.toml``).

::

    [pipeline]
    name = "credit"
    seed = 42

    [[steps]]
    step = "read"
    path = "credit.csv"            # input paths are relative to this file

    [[steps]]
    step = "fit"
    generator = "gaussian_copula"
    params = { default_distribution = "norm" }

Each ``[[steps]]`` table names its step with ``step`` (``read``, ``validate``, ``fit``,
``sample``, ``enforce``, ``evaluate``, ``write``, ``function`` for a user's function, or
the name of a step a plugin registered); the other keys are that step's settings. Input
paths (``read``, ``metadata``, ``schema``, function files) are relative to the config
file; output paths (``write``, ``report``) to the current directory. A mistake is
reported with the file, the key and what was expected.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, TabularEngineError
from . import steps as factories
from .build import Pipeline, pipeline

_NUMBER = (int, float)

#: step -> key -> (accepted types, what is expected, whether it is a path)
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], str, bool]]] = {
    "read": {
        "path": ((str,), "a CSV/Parquet file or a folder, relative to the config", True),
        "metadata": ((str,), "an SDV metadata JSON file", True),
    },
    "validate": {
        "schema": ((str,), "a pandera schema file (JSON or YAML)", True),
        "fail": ((bool,), "true or false", False),
    },
    "fit": {
        "generator": ((str,), "an installed generator's name", False),
        "params": ((dict,), "a table of the generator's parameters", False),
        "seed": ((int,), "a whole number from 0 to 4294967295", False),
        "metadata": ((str,), "an SDV metadata JSON file", True),
        "sequence_key": ((str,), "the column naming each sequence's entity", False),
        "sequence_index": ((str,), "the column ordering each sequence", False),
    },
    "sample": {
        "num_rows": ((int,), "a whole number of rows", False),
        "scale": (_NUMBER, "a positive number (multi-table)", False),
        "sequences": ((int,), "a whole number of sequences (sequential)", False),
        "sequence_length": ((int,), "a whole number of steps per sequence", False),
        "seed": ((int,), "a whole number from 0 to 4294967295", False),
    },
    "enforce": {
        "schema": ((str,), "a pandera schema file (JSON or YAML)", True),
        "max_tries": ((int,), "a whole number >= 1", False),
    },
    "evaluate": {
        "min_quality": (_NUMBER, "a number from 0 to 1", False),
        "min_privacy": (_NUMBER, "a number from 0 to 1", False),
        "n_attacks": ((int,), "a whole number of Anonymeter attacks >= 1", False),
        "report": ((str,), "an .html file to write the report to", False),
        "max_rows": ((int,), "a whole number of rows >= 10", False),
    },
    "write": {
        "path": ((str,), "a .csv/.parquet file, or a folder for several tables", False),
        "format": ((str,), "csv or parquet (for folders)", False),
    },
    "function": {
        "function": ((str,), "'package.module:function' or 'file.py:function'", False),
        "name": ((str,), "a name for the step", False),
        "params": ((dict,), "a table of keyword arguments for the function", False),
    },
}
#: Keys naming files a step reads: they must exist when the pipeline is built.
INPUT_PATHS = {"read": ("path", "metadata")}
REQUIRED = {"read": ("path",), "fit": ("generator",), "write": ("path",), "function": ("function",)}
PLUGIN_STEP_KEYS = {"params": ((dict,), "a table of the step's parameters", False)}


def load_pipeline(path: str | Path) -> Pipeline:
    """Read, check and build the pipeline declared in the TOML file ``path``."""
    path = Path(path)
    where = f"config file {str(path)!r}"
    if not path.is_file():
        raise ConfigError(f"{where} does not exist")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text") from None
    return build_from_document(document, path)


def build_from_document(document: dict[str, Any], path: Path) -> Pipeline:
    where = f"config file {str(path)!r}"
    unknown = sorted(set(document) - {"pipeline", "steps"})
    if unknown:
        raise ConfigError(
            f"{where}: unknown top-level key {unknown[0]!r}; expected [pipeline] and [[steps]]"
        )
    settings = document.get("pipeline", {})
    if not isinstance(settings, dict):
        raise ConfigError(f"{where}: key 'pipeline' must be a table: [pipeline]")
    for key in sorted(set(settings) - {"name", "seed"}):
        raise ConfigError(f"{where}: unknown key 'pipeline.{key}'; expected name or seed")
    name = settings.get("name", path.stem)
    seed = settings.get("seed")
    if not isinstance(name, str):
        raise ConfigError(f"{where}: key 'pipeline.name' must be a string, got {name!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(
            f"{where}: key 'pipeline.seed' must be a whole number from 0 to 4294967295, "
            f"got {seed!r}"
        )
    declared = document.get("steps")
    if not isinstance(declared, list) or not declared:
        raise ConfigError(
            f"{where}: key 'steps' is missing; expected [[steps]] tables, each with a "
            'step = "read" | "fit" | ... key'
        )
    built = [_build_step(table, number, path) for number, table in enumerate(declared, start=1)]
    try:
        return pipeline(*built, name=name, seed=seed)
    except TabularEngineError as error:
        raise ConfigError(f"{where}: {error}") from None


def _build_step(table: Any, number: int, path: Path) -> factories.Step:
    where = f"config file {str(path)!r}, steps[{number}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a [[steps]] table")
    kind = table.get("step")
    if not isinstance(kind, str):
        raise ConfigError(
            f"{where}: key 'step' is missing or not a string; expected one of "
            f"{', '.join(SCHEMA)} or a registered step's name"
        )
    where = f"{where} ({kind})"
    options = {k: v for k, v in table.items() if k != "step"}
    if kind in SCHEMA:
        expected = SCHEMA[kind]
    else:
        registered = _registered(where)
        if kind not in registered:
            available = ", ".join([*SCHEMA, *sorted(registered)])
            raise ConfigError(
                f"{where}: key 'step' = {kind!r} is not a step; expected one of {available}"
            )
        expected = PLUGIN_STEP_KEYS
    _check_keys(options, expected, REQUIRED.get(kind, ()), where)
    for key, (_, _, is_path) in expected.items():
        if is_path and key in options:
            options[key] = _relative(options[key], path)
    for key in INPUT_PATHS.get(kind, ()):
        if key in options and not options[key].exists():
            raise ConfigError(
                f"{where}: key {key!r}: {str(options[key])!r} does not exist (a relative "
                "path starts from the config file's folder)"
            )
    try:
        return _construct(kind, options, path)
    except ConfigError:
        raise
    except TabularEngineError as error:
        raise ConfigError(f"{where}: {error}") from None


def _registered(where: str) -> dict[str, Any]:
    try:
        return factories.registered_steps()
    except TabularEngineError as error:
        raise ConfigError(f"{where}: {error}") from None


def _check_keys(
    options: dict[str, Any],
    expected: dict[str, tuple[tuple[type, ...], str, bool]],
    required: tuple[str, ...],
    where: str,
) -> None:
    for key in options:
        if key not in expected:
            valid = ", ".join(["step", *expected])
            raise ConfigError(f"{where}: unknown key {key!r}; expected one of {valid}")
        types, description, _ = expected[key]
        value = options[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ConfigError(f"{where}: key {key!r} must be {description}, got {value!r}")
    for key in required:
        if key not in options:
            raise ConfigError(f"{where}: key {key!r} is missing; expected {expected[key][1]}")


def _relative(value: str, config: Path) -> Path:
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else config.parent / candidate


def _construct(kind: str, options: dict[str, Any], path: Path) -> factories.Step:
    if kind == "read":
        return factories.read(options["path"], metadata=options.get("metadata"))
    if kind == "fit":
        generator = options.pop("generator")
        params = options.pop("params", None)
        return factories.fit(generator, params, **options)
    if kind == "sample":
        return factories.sample(**options)
    if kind in ("validate", "enforce", "evaluate"):
        return getattr(factories, kind)(**options)
    if kind == "write":
        return factories.write(options.pop("path"), **options)
    if kind == "function":
        func = import_function(options["function"], path)
        return factories.step(func, name=options.get("name"), **options.get("params", {}))
    return factories.use(kind, **options.get("params", {}))


def import_function(reference: str, config: Path) -> Callable[..., Any]:
    """The function named ``module:function`` or ``file.py:function`` (relative to config)."""
    where = f"config file {str(config)!r}"
    target, sep, attribute = reference.partition(":")
    if not sep or not target or not attribute:
        raise ConfigError(
            f"{where}: key 'function' = {reference!r}; expected 'package.module:function' or "
            "'file.py:function'"
        )
    try:
        if target.endswith(".py"):
            file = _relative(target, config)
            if not file.is_file():
                raise ConfigError(f"{where}: key 'function': file {str(file)!r} does not exist")
            module_name = f"_tabular_engine_config_{abs(hash(str(file.resolve())))}"
            spec = importlib.util.spec_from_file_location(module_name, file)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            f"{where}: key 'function' = {reference!r} could not be imported: "
            f"{type(error).__name__}: {error}"
        ) from None
    func = getattr(module, attribute, None)
    if not callable(func):
        raise ConfigError(f"{where}: key 'function': {target} has no function {attribute!r}")
    return func
