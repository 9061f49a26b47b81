"""Pipeline steps: small frozen records built by lowercase factories and checked when built.

``read``, ``validate``, ``fit``, ``sample``, ``enforce``, ``evaluate`` and ``write`` are
the built-in steps; ``step(func)`` wraps a user's own function over a dataset and
``use(name)`` a step a plugin registered through the ``register_steps`` hook. Each step
holds only its settings; a :class:`~tabular_engine.pipeline.runner.Runner` runs them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ParameterError, PipelineError
from ..evaluation import Gate, check_threshold
from ..io import TABLE_SUFFIXES
from ..types import GeneratorInfo, Kind

if TYPE_CHECKING:
    from .runner import RunContext

DEFAULT_ENFORCE_TRIES = 10
DEFAULT_N_ATTACKS = 500


@dataclass(frozen=True)
class StepDefinition:
    """A named step a plugin contributes: ``func(data, **params)`` returns the new data."""

    name: str
    func: Callable[..., Any]
    summary: str = ""

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip().lower() or " " in self.name:
            raise ValueError(f"step name {self.name!r} must be lowercase, without spaces")
        if not callable(self.func):
            raise ValueError(f"step {self.name!r}: func must be callable")


@dataclass(frozen=True)
class Step:
    """Base of every step: ``name`` is what logs, hooks and errors call it."""

    name: str

    def run(self, context: RunContext) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def settings(self) -> dict[str, Any]:
        """The step's settings as JSON-friendly data (for the run record)."""
        return {}

    def describe(self) -> dict[str, Any]:
        return {"step": self.name, **self.settings()}


def _frozen(params: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((params or {}).items()))


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return f"<{type(value).__name__}>"


# -- read ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read(Step):
    source: Any
    metadata: Any = None

    def run(self, context: RunContext) -> None:
        from ..io import read_dataset

        context.data = read_dataset(self.source)
        context.metadata_source = self.metadata
        if self.metadata is not None:
            from ..api import resolve_metadata

            context.metadata = resolve_metadata(self.metadata, context.data)

    def settings(self) -> dict[str, Any]:
        return {"source": _plain(self.source), "metadata": _plain(self.metadata)}


def read(source: Any, *, metadata: Any = None) -> Read:
    """Read the real data: a CSV/Parquet file, a folder of them, a DataFrame or a dict.

    ``metadata`` (a JSON path, dict or Metadata) is checked against the data when it is
    read; left out, it is detected at ``fit``.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_dir() and path.suffix.lower() not in TABLE_SUFFIXES:
            raise PipelineError(
                f"read: {str(path)!r} is not a .csv or .parquet file or a folder of them"
            )
        source = path
    if isinstance(metadata, str):
        metadata = Path(metadata)
    return Read("read", source, metadata)


# -- validate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validate(Step):
    schema: Path | None = None
    fail: bool = True

    def run(self, context: RunContext) -> None:
        from ..api import resolve_metadata, run_validate
        from ..errors import ValidationFailedError
        from ..validation import load_schema

        data = context.require_data(self.name)
        if context.model is None:
            metadata = resolve_metadata(context.metadata_source, data)
            stage = "input"
        else:
            metadata = context.model.metadata
            stage = "output"
        if self.schema is not None:
            if len(data) != 1:
                raise PipelineError(f"{self.name}: a schema file checks one table; data has more")
            schemas = {next(iter(data)): load_schema(self.schema)}
        else:
            schemas = context.model.schemas if context.model is not None else {}
        findings = run_validate(data, metadata, stage, schemas)
        context.findings[self.name] = findings
        if findings and self.fail:
            listed = "; ".join(
                f"{f.table}.{f.column} {f.check} ({f.failing_count} rows)" for f in findings[:5]
            )
            more = f" and {len(findings) - 5} more" if len(findings) > 5 else ""
            raise ValidationFailedError(
                f"{self.name}: {len(findings)} failed check(s): {listed}{more}; add an enforce "
                "step before it, or set fail = false to only report them"
            )

    def settings(self) -> dict[str, Any]:
        return {"schema": _plain(self.schema), "fail": self.fail}


def validate(*, schema: str | Path | None = None, fail: bool = True) -> Validate:
    """Check the current data: before ``fit`` its metadata (and ``schema`` if given),
    after ``sample`` the schema inferred from the real data at fit time (or ``schema``).

    ``fail=False`` records the findings without stopping the run.
    """
    if schema is not None and not Path(schema).is_file():
        raise PipelineError(f"validate: schema file {str(schema)!r} does not exist")
    if not isinstance(fail, bool):
        raise PipelineError(f"validate: fail must be true or false, got {fail!r}")
    return Validate("validate", None if schema is None else Path(schema), fail)


# -- fit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit(Step):
    generator: str
    params: tuple[tuple[str, Any], ...] = ()
    seed: int | None = None
    metadata: Any = None
    sequence_key: str | None = None
    sequence_index: str | None = None
    info: GeneratorInfo | None = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> Kind:
        assert self.info is not None
        return self.info.kind

    def run(self, context: RunContext) -> None:
        from ..api import fit as fit_model
        from ..api import resolve_metadata

        data = context.require_data(self.name)
        given = self.metadata if self.metadata is not None else context.metadata_source
        metadata = resolve_metadata(given, data)
        if self.sequence_key is not None:
            metadata = _with_sequence_keys(metadata, self.sequence_key, self.sequence_index)
        seed = self.seed if self.seed is not None else context.seed
        context.real = data
        context.model = fit_model(
            data,
            self.generator,
            metadata=metadata,
            seed=seed,
            progress=context.progress,
            **dict(self.params),
        )

    def settings(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "params": _plain(dict(self.params)),
            "seed": self.seed,
            "metadata": _plain(self.metadata),
            "sequence_key": self.sequence_key,
            "sequence_index": self.sequence_index,
        }


def _with_sequence_keys(metadata: Any, key: str, index: str | None) -> Any:
    from dataclasses import replace

    from ..metadata import Metadata

    tables = {}
    for name, table in metadata.tables.items():
        if key not in table.columns:
            raise PipelineError(f"fit: sequence_key {key!r} is not a column of table {name!r}")
        if index is not None and index not in table.columns:
            raise PipelineError(f"fit: sequence_index {index!r} is not a column of table {name!r}")
        tables[name] = replace(table, sequence_key=key, sequence_index=index)
    return Metadata(tables, metadata.relationships)


def fit(
    generator: str,
    params: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    metadata: Any = None,
    sequence_key: str | None = None,
    sequence_index: str | None = None,
) -> Fit:
    """Fit ``generator`` (an installed generator's name) with ``params`` on the data.

    The name and every parameter are checked now. A sequential generator needs a
    sequence key: ``sequence_key`` here or in the metadata (here or on ``read``).
    """
    from ..model import check_seed
    from ..plugins import get_registry

    info = get_registry().get(generator)
    params = dict(params or {})
    info.resolve_params(params)
    seed = check_seed(seed, "fit: seed")
    if isinstance(metadata, str):
        metadata = Path(metadata)
    if sequence_key is None and sequence_index is not None:
        raise PipelineError("fit: sequence_index needs a sequence_key too")
    if info.kind is not Kind.SEQUENTIAL and sequence_key is not None:
        raise PipelineError(
            f"fit: generator {generator!r} makes {info.kind.value} data; sequence_key is "
            "for sequential generators"
        )
    return Fit(
        "fit", generator, _frozen(params), seed, metadata, sequence_key, sequence_index, info
    )


def metadata_has_sequence_key(metadata: Any) -> bool | None:
    """True/False when ``metadata`` (a path, dict or Metadata) says; None when unknown."""
    from ..metadata import Metadata

    if metadata is None:
        return None
    if isinstance(metadata, Path):
        metadata = Metadata.load(metadata)
    elif isinstance(metadata, dict):
        metadata = Metadata.from_dict(metadata)
    if not isinstance(metadata, Metadata):
        return None
    return any(table.sequence_key for table in metadata.tables.values())


# -- sample ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample(Step):
    num_rows: int | None = None
    scale: float | None = None
    sequences: int | None = None
    sequence_length: int | None = None
    seed: int | None = None

    def run(self, context: RunContext) -> None:
        model = context.require_model(self.name)
        seed = self.seed if self.seed is not None else model.seed
        context.sample_seed = seed
        if model.generator.kind is Kind.SEQUENTIAL:
            frame = model.sample_sequences(
                self.sequences, sequence_length=self.sequence_length, seed=seed
            )
            drawn = {model.table_names[0]: frame}
        elif model.generator.kind is Kind.MULTI_TABLE:
            drawn = model.sample(self.num_rows, seed=seed, scale=self.scale)
        else:
            drawn = {model.table_names[0]: model.sample(self.num_rows, seed=seed)}
        context.data = dict(drawn)
        context.synthetic = True

    def settings(self) -> dict[str, Any]:
        return {
            "num_rows": self.num_rows,
            "scale": self.scale,
            "sequences": self.sequences,
            "sequence_length": self.sequence_length,
            "seed": self.seed,
        }

    def check_kind(self, kind: Kind) -> None:
        """Refuse sizes that do not fit the kind of generator fitted before this step."""
        if kind is Kind.SEQUENTIAL:
            if self.sequences is None or self.num_rows is not None or self.scale is not None:
                raise PipelineError(
                    "sample: a sequential generator draws sequences; give sequences = N "
                    "(and optionally sequence_length), not num_rows or scale"
                )
        elif kind is Kind.MULTI_TABLE:
            if (self.num_rows is None) == (self.scale is None) or self.sequences is not None:
                raise PipelineError(
                    "sample: a multi-table generator needs num_rows (rows of the root table) "
                    "or scale (a multiple of the real sizes), one of the two"
                )
        elif self.num_rows is None or self.scale is not None or self.sequences is not None:
            raise PipelineError("sample: a single-table generator needs num_rows, only that")


def sample(
    num_rows: int | None = None,
    *,
    scale: float | None = None,
    sequences: int | None = None,
    sequence_length: int | None = None,
    seed: int | None = None,
) -> Sample:
    """Draw synthetic data from the model fitted before: ``num_rows`` rows (of the root
    table, for multi-table), or ``scale`` times the real sizes, or ``sequences`` sequences.

    The seed defaults to the fit's seed, so one pipeline seed reproduces the output.
    """
    from ..model import check_num_rows, check_seed

    if num_rows is not None:
        num_rows = check_num_rows(num_rows, "sample: num_rows")
    if sequences is not None:
        sequences = check_num_rows(sequences, "sample: sequences")
    if sequence_length is not None:
        sequence_length = check_num_rows(sequence_length, "sample: sequence_length")
    if scale is not None:
        from ..model import check_scale

        scale = check_scale(scale)
    if num_rows is None and scale is None and sequences is None:
        raise PipelineError("sample: say how much to draw: num_rows, scale or sequences")
    return Sample(
        "sample", num_rows, scale, sequences, sequence_length, check_seed(seed, "sample: seed")
    )


# -- enforce ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enforce(Step):
    schema: Path | None = None
    max_tries: int = DEFAULT_ENFORCE_TRIES

    def run(self, context: RunContext) -> None:
        from ..enforce import enforce as enforce_schema
        from ..validation import load_schema

        model = context.require_model(self.name)
        data = context.require_synthetic(self.name)
        schemas = None
        if self.schema is not None:
            if len(data) != 1:
                raise PipelineError(
                    f"{self.name}: a schema file checks one table but the data has "
                    f"{len(data)}; leave schema out to use the schemas inferred at fit time"
                )
            schemas = {name: load_schema(self.schema) for name in data}
        result = enforce_schema(
            model,
            data,
            schemas=schemas,
            max_tries=self.max_tries,
            seed=context.sample_seed if context.sample_seed is not None else model.seed,
        )
        context.data = result.dataset
        context.enforced = result

    def settings(self) -> dict[str, Any]:
        return {"schema": _plain(self.schema), "max_tries": self.max_tries}


def enforce(*, schema: str | Path | None = None, max_tries: int = DEFAULT_ENFORCE_TRIES) -> Enforce:
    """Make the synthetic data satisfy its schema (inferred from the real data at fit time,
    or ``schema``, a pandera file): failing rows are replaced by new draws, at most
    ``max_tries`` rounds, then a clear error names the checks that cannot be met.
    """
    if schema is not None and not Path(schema).is_file():
        raise PipelineError(f"enforce: schema file {str(schema)!r} does not exist")
    if isinstance(max_tries, bool) or not isinstance(max_tries, int) or max_tries < 1:
        raise PipelineError(f"enforce: max_tries must be a whole number >= 1, got {max_tries!r}")
    return Enforce("enforce", None if schema is None else Path(schema), max_tries)


# -- evaluate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluate(Step):
    gate: Gate = field(default_factory=Gate)
    n_attacks: int = DEFAULT_N_ATTACKS
    report: Path | None = None
    max_rows: int = 20_000

    def run(self, context: RunContext) -> None:
        from ..evaluation import evaluate as run_evaluation
        from ..evaluation import write_report

        model = context.require_model(self.name)
        synthetic = context.require_synthetic(self.name)
        real = context.real or {}
        gate = context.gate_override or self.gate
        options = gate.options(n_attacks=self.n_attacks, max_rows=self.max_rows, seed=model.seed)
        evaluation = run_evaluation(real, synthetic, model.metadata, options)
        context.evaluation = evaluation
        context.gate_result = gate.check(evaluation)
        if self.report is not None:
            staged = context.outputs.stage(self.report)
            write_report(staged, evaluation, real, synthetic, model.metadata, context.gate_result)

    def settings(self) -> dict[str, Any]:
        return {
            "min_quality": self.gate.min_quality,
            "min_privacy": self.gate.min_privacy,
            "n_attacks": self.n_attacks,
            "report": _plain(self.report),
            "max_rows": self.max_rows,
        }


def evaluate(
    *,
    min_quality: float | None = None,
    min_privacy: float | None = None,
    n_attacks: int = DEFAULT_N_ATTACKS,
    report: str | Path | None = None,
    max_rows: int = 20_000,
) -> Evaluate:
    """Score the synthetic data against the real data and apply the release gate.

    Thresholds default to quality 0.75 and privacy 0.50 (0 switches a gate off). A run
    below them fails at its end and its outputs go to ``rejected/`` beside where they
    would have gone. ``report`` writes the HTML report (kept apart too on failure).
    """
    from ..evaluation import EvaluationOptions, require_evaluator

    require_evaluator()  # pip install tabular-engine-quality, said now rather than after fit
    gate = Gate.from_options(
        None if min_quality is None else check_threshold(min_quality, "evaluate: min_quality"),
        None if min_privacy is None else check_threshold(min_privacy, "evaluate: min_privacy"),
    )
    try:
        EvaluationOptions(n_attacks=n_attacks, max_rows=max_rows)
    except ParameterError as error:
        raise PipelineError(f"evaluate: {error}") from None
    if report is not None and Path(report).suffix.lower() not in (".html", ".htm"):
        raise PipelineError(f"evaluate: report {str(report)!r} must end in .html")
    return Evaluate("evaluate", gate, n_attacks, None if report is None else Path(report), max_rows)


# -- write -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write(Step):
    path: Path
    format: str = "csv"

    def run(self, context: RunContext) -> None:
        from ..io import write_table

        data = context.require_data(self.name)
        staged = context.outputs.stage(self.path)
        if self.path.suffix.lower() in TABLE_SUFFIXES:
            if len(data) != 1:
                raise PipelineError(
                    f"{self.name}: {str(self.path)!r} is one file but the data has "
                    f"{len(data)} tables ({', '.join(sorted(data))}); give a folder path"
                )
            (frame,) = data.values()
            write_table([frame], staged)
        else:
            staged.mkdir()
            for table, frame in data.items():
                write_table([frame], staged / f"{table}.{self.format}")
        context.written.append((self.path, {name: len(frame) for name, frame in data.items()}))

    def settings(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format}


def write(path: str | Path, *, format: str = "csv") -> Write:
    """Write the current data: one table to a .csv/.parquet file, several to a folder
    (one ``TABLE.FORMAT`` file each). Nothing is written unless the whole run succeeds.
    """
    if format not in ("csv", "parquet"):
        raise PipelineError(f"write: format must be csv or parquet, got {format!r}")
    return Write("write", Path(path), format)


# -- user and plugin steps -------------------------------------------------------------------


@dataclass(frozen=True)
class Function(Step):
    func: Callable[..., Any] = field(default=lambda data: data)
    params: tuple[tuple[str, Any], ...] = ()

    def run(self, context: RunContext) -> None:
        data = context.require_data(self.name)
        single = len(data) == 1
        argument = next(iter(data.values())) if single else dict(data)
        result = self.func(argument, **dict(self.params))
        context.data = _as_dataset(result, data, self.name)

    def settings(self) -> dict[str, Any]:
        module = getattr(self.func, "__module__", "")
        qualname = getattr(self.func, "__qualname__", type(self.func).__name__)
        return {"function": f"{module}:{qualname}", "params": _plain(dict(self.params))}


def _as_dataset(result: Any, before: dict, name: str) -> dict:
    import pandas as pd

    if isinstance(result, pd.DataFrame):
        if len(before) != 1:
            raise PipelineError(
                f"step {name!r} returned one DataFrame but the data has {len(before)} tables; "
                "return a dict of table name -> DataFrame"
            )
        return {next(iter(before)): result}
    if (
        isinstance(result, dict)
        and result
        and all(isinstance(v, pd.DataFrame) for v in result.values())
    ):
        return {str(k): v for k, v in result.items()}
    raise PipelineError(
        f"step {name!r} returned {type(result).__name__}; a step returns a DataFrame (one "
        "table) or a dict of table name -> DataFrame"
    )


def step(func: Callable[..., Any], *, name: str | None = None, **params: Any) -> Function:
    """A user's own step: ``func(data, **params)`` gets the current data (a DataFrame for one
    table, a dict of DataFrames for several) and returns the new data in the same shape.
    """
    if not callable(func):
        raise PipelineError(f"step: expected a function, got {type(func).__name__}")
    label = name or getattr(func, "__name__", "step")
    _check_signature(func, params, label)
    return Function(label, func, _frozen(params))


def _check_signature(func: Callable[..., Any], params: dict[str, Any], name: str) -> None:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(None, **params)
    except TypeError as error:
        raise PipelineError(
            f"step {name!r}: parameters {sorted(params)} do not fit {name}{signature}: {error}"
        ) from None


def registered_steps() -> dict[str, StepDefinition]:
    """Every named step contributed through the ``register_steps`` hook, by name."""
    from ..plugins import get_registry

    manager = get_registry().manager
    found: dict[str, tuple[StepDefinition, str]] = {}
    for implementation in manager.hook.register_steps.get_hookimpls():
        provider = implementation.plugin_name
        for definition in implementation.function() or []:
            if not isinstance(definition, StepDefinition):
                raise PipelineError(
                    f"plugin {provider} registers steps as {type(definition).__name__}, "
                    "not StepDefinition records"
                )
            if definition.name in found:
                raise PipelineError(
                    f"step {definition.name!r} is registered by both "
                    f"{found[definition.name][1]} and {provider}; uninstall one of them"
                )
            found[definition.name] = (definition, provider)
    return {name: definition for name, (definition, _) in found.items()}


def use(name: str, **params: Any) -> Function:
    """A step a plugin registered under ``name``, with ``params``; checked now."""
    steps = registered_steps()
    if name not in steps:
        available = ", ".join(sorted(steps)) or "none installed"
        raise PipelineError(f"unknown step {name!r}; registered steps: {available}")
    definition = steps[name]
    _check_signature(definition.func, params, name)
    return Function(name, definition.func, _frozen(params))
