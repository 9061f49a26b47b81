"""Typed records exchanged between the core and its plugins.

Plugins build these; the core checks them. They hold data only and import nothing heavy,
so listing generators stays fast.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import ParameterError

_NO_DEFAULT = object()


class Kind(StrEnum):
    """What shape of data a generator learns from."""

    SINGLE_TABLE = "single_table"
    MULTI_TABLE = "multi_table"
    SEQUENTIAL = "sequential"


class Capability(StrEnum):
    """Optional abilities a generator declares; anything not declared is unsupported."""

    DIFFERENTIAL_PRIVACY = "differential_privacy"
    CONDITIONAL_SAMPLING = "conditional_sampling"
    GPU = "gpu"


@dataclass(frozen=True)
class Parameter:
    """One generator parameter, described as data so the core can check and document it.

    ``type`` is one of ``int``, ``float``, ``bool``, ``str``, ``dict`` or ``list``.
    ``choices`` limits the allowed values; ``minimum``/``maximum`` bound numbers
    (inclusive unless ``exclusive_minimum`` is set).
    """

    name: str
    type: type
    default: Any = None
    help: str = ""
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    required: bool = False

    def coerce(self, value: Any, generator: str) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        if isinstance(value, str) and self.type is not str:
            value = self._parse_text(value, generator)
        value = self._check_type(value, generator)
        self._check_range(value, generator)
        return value

    def _fail(self, generator: str, problem: str) -> ParameterError:
        expected = f"; expected {self.describe_expected()}"
        return ParameterError(
            f"parameter {self.name!r} of generator {generator!r}: {problem}{expected}"
        )

    def describe_expected(self) -> str:
        """A short phrase such as 'an int >= 1' or 'one of beta, norm'."""
        if self.choices:
            return "one of " + ", ".join(str(choice) for choice in self.choices)
        text = {
            int: "an integer",
            float: "a number",
            bool: "true or false",
            str: "a string",
            dict: "a JSON object",
            list: "a JSON list",
        }[self.type]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_minimum else '>='} {self.minimum:.12g}")
        if self.maximum is not None:
            bounds.append(f"<= {self.maximum:.12g}")
        return " ".join([text, " and ".join(bounds)]) if bounds else text

    def _parse_text(self, text: str, generator: str) -> Any:
        try:
            if self.type is bool:
                lowered = text.strip().lower()
                if lowered in ("true", "yes", "1", "on"):
                    return True
                if lowered in ("false", "no", "0", "off"):
                    return False
                raise ValueError(text)
            if self.type is int:
                return int(text)
            if self.type is float:
                return float(text)
            return json.loads(text)
        except ValueError:
            raise self._fail(generator, f"cannot read {text!r}") from None

    def _check_type(self, value: Any, generator: str) -> Any:
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.type in (int, float) and isinstance(value, bool):
            raise self._fail(generator, f"got {value!r}")
        if self.type is list and isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, self.type):
            raise self._fail(generator, f"got {value!r}")
        if self.type is float and not math.isfinite(value):
            raise self._fail(generator, f"got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise self._fail(generator, f"got {value!r}")
        return value

    def _check_range(self, value: Any, generator: str) -> None:
        if self.minimum is not None:
            too_small = value <= self.minimum if self.exclusive_minimum else value < self.minimum
            if too_small:
                raise self._fail(generator, f"got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise self._fail(generator, f"got {value!r}")


@dataclass(frozen=True)
class GeneratorInfo:
    """What a backend declares about one generator it provides.

    ``distribution`` and ``version`` are filled in by the core from the plugin's package
    when left empty.
    """

    name: str
    kind: Kind
    summary: str
    parameters: tuple[Parameter, ...] = ()
    capabilities: frozenset[Capability] = frozenset()
    license: str = ""
    library: str = ""
    library_license: str = ""
    distribution: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip().lower():
            raise ValueError(f"generator name {self.name!r} must be lowercase, without spaces")
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(
            self, "capabilities", frozenset(Capability(c) for c in self.capabilities)
        )

    @property
    def differentially_private(self) -> bool:
        return Capability.DIFFERENTIAL_PRIVACY in self.capabilities

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        valid = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(
            f"unknown parameter {name!r} for generator {self.name!r}; valid parameters: {valid}"
        )

    def resolve_params(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``given``, each value checked and converted."""
        resolved = {p.name: p.default for p in self.parameters}
        for name, value in given.items():
            resolved[name] = self.parameter(name).coerce(value, self.name)
        for parameter in self.parameters:
            if parameter.required and resolved[parameter.name] is None:
                raise ParameterError(
                    f"generator {self.name!r} needs parameter {parameter.name!r} "
                    f"({parameter.help or parameter.describe_expected()}); "
                    f"pass it as -p {parameter.name}=VALUE"
                )
        return resolved

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "summary": self.summary,
            "differential_privacy": self.differentially_private,
            "capabilities": sorted(c.value for c in self.capabilities),
            "parameters": [
                {"name": p.name, "type": p.type.__name__, "default": p.default, "help": p.help}
                for p in self.parameters
            ],
            "license": self.license,
            "library": self.library,
            "library_license": self.library_license,
            "distribution": self.distribution,
            "version": self.version,
        }


@dataclass(frozen=True)
class Finding:
    """One failed check found by validate: which table and column, what check, how many rows."""

    table: str
    column: str | None
    check: str
    failing_count: int
    examples: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "check": self.check,
            "failing_count": self.failing_count,
            "examples": [str(example) for example in self.examples],
        }


@dataclass(frozen=True)
class SampleOptions:
    """How much to draw, beyond a row count, for multi-table and sequential generators.

    ``scale`` multiplies every table's size (multi-table; ``num_rows`` is then ignored).
    ``sequence_length`` fixes the length of each sequence, where the model supports it.
    ``context`` is a DataFrame of context rows, one sequence drawn per row (sequential).
    ``main_table`` names the table whose rows ``num_rows`` counts (multi-table; the
    generator's default when None).
    Single-table generators never see anything but the defaults.
    """

    scale: float | None = None
    sequence_length: int | None = None
    context: Any = None
    main_table: str | None = None


class PrivacyUnit(StrEnum):
    """Whose privacy a differential-privacy guarantee protects."""

    ROW = "row"
    SEQUENCE = "sequence"


@dataclass(frozen=True)
class BudgetRequest:
    """What a DP job asks the budget for, before it touches any data.

    ``job_id`` is the idempotency key: reserving twice for one job never charges twice.
    """

    tenant: str
    job_id: str
    epsilon: float
    delta: float
    privacy_unit: PrivacyUnit
    generator: str
    description: str = ""
    #: the generator's resolved parameters, so a budget backend can describe the job
    #: (e.g. name the DP mechanism a privacy service asks for)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reservation:
    """A granted reservation; commit it after training, or release it if data was untouched."""

    request: BudgetRequest
    reservation_id: str
    remaining_epsilon: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BudgetStatus:
    """A tenant's privacy budget: its totals and what is left of them.

    ``spent_*`` counts committed jobs and reservations still open (a job that was
    killed while training stays counted). ``source`` says where the numbers come from
    (the embedded ledger's file, or a privacy service's URL).
    """

    tenant: str
    total_epsilon: float
    spent_epsilon: float
    total_delta: float
    spent_delta: float
    source: str = ""

    @property
    def remaining_epsilon(self) -> float:
        return max(self.total_epsilon - self.spent_epsilon, 0.0)

    @property
    def remaining_delta(self) -> float:
        return max(self.total_delta - self.spent_delta, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "total_epsilon": self.total_epsilon,
            "spent_epsilon": self.spent_epsilon,
            "remaining_epsilon": self.remaining_epsilon,
            "total_delta": self.total_delta,
            "spent_delta": self.spent_delta,
            "remaining_delta": self.remaining_delta,
            "source": self.source,
        }


@dataclass(frozen=True)
class BudgetOperation:
    """One line of a budget's append-only history.

    ``outcome`` is ``reserved``, ``committed``, ``released``, ``refused``, ``failed``
    or ``set`` (the tenant's totals changed).
    """

    time: str
    tenant: str
    job_id: str
    outcome: str
    epsilon: float
    delta: float
    privacy_unit: str = ""
    generator: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "tenant": self.tenant,
            "job_id": self.job_id,
            "outcome": self.outcome,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "privacy_unit": self.privacy_unit,
            "generator": self.generator,
            "detail": self.detail,
        }
