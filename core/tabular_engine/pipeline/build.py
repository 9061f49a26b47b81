"""A pipeline: an ordered, immutable tuple of steps, checked for order and fit when built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import PipelineError
from ..types import Kind
from .steps import (
    Enforce,
    Evaluate,
    Fit,
    Function,
    Read,
    Sample,
    Step,
    Validate,
    Write,
    metadata_has_sequence_key,
)


@dataclass(frozen=True)
class Pipeline:
    """Steps run in order by a :class:`~tabular_engine.pipeline.runner.Runner`.

    ``seed`` seeds every fit and sample step that sets none (random when left out, and
    recorded in the run record).
    """

    steps: tuple[Step, ...]
    name: str = "pipeline"
    seed: int | None = None

    def describe(self) -> list[dict[str, Any]]:
        return [step.describe() for step in self.steps]

    @property
    def has_read(self) -> bool:
        return any(isinstance(step, Read) for step in self.steps)


def pipeline(*steps: Step, name: str = "pipeline", seed: int | None = None) -> Pipeline:
    """Build a pipeline from steps, refusing an order that cannot work.

    Rules: ``fit`` needs data before it, ``sample`` a ``fit`` before it (and sizes that
    fit its kind of generator), ``enforce`` and ``evaluate`` sampled data, ``write`` data;
    a sequential generator needs a sequence key. A pipeline that does not start with
    ``read`` is given its data by the runner (``Runner().run(p, data=frame)``).
    """
    from ..model import check_seed

    flat: list[Step] = []
    for item in steps:
        if isinstance(item, Pipeline):
            flat.extend(item.steps)
        elif isinstance(item, Step):
            flat.append(item)
        else:
            raise PipelineError(
                f"pipeline: {item!r} is not a step; build steps with read(), fit(), step(func) ..."
            )
    if not flat:
        raise PipelineError("pipeline: give at least one step")
    seed = check_seed(seed, "pipeline seed")
    _check_order(flat)
    return Pipeline(tuple(_unique_names(flat)), name, seed)


def _unique_names(steps: list[Step]) -> list[Step]:
    """Steps renamed ``fit``, ``fit_2`` ... so hooks and errors can tell them apart."""
    from dataclasses import replace

    seen: dict[str, int] = {}
    named = []
    for item in steps:
        seen[item.name] = seen.get(item.name, 0) + 1
        count = seen[item.name]
        named.append(item if count == 1 else replace(item, name=f"{item.name}_{count}"))
    return named


def _check_order(steps: list[Step]) -> None:
    metadata_given: Any = None
    fitted: Fit | None = None
    sampled = False
    for position, item in enumerate(steps, start=1):
        where = f"pipeline step {position} ({item.name})"
        if isinstance(item, Read):
            if position != 1:
                raise PipelineError(f"{where}: read must be the first step")
            metadata_given = item.metadata
        elif isinstance(item, Fit):
            if fitted is not None:
                raise PipelineError(f"{where}: a pipeline fits one model; remove the second fit")
            _check_sequence_key(item, metadata_given, where)
            fitted = item
        elif isinstance(item, Sample):
            if fitted is None:
                raise PipelineError(f"{where}: sample needs a fit step before it")
            item.check_kind(fitted.kind)
            sampled = True
        elif isinstance(item, (Enforce, Evaluate)):
            if not sampled:
                raise PipelineError(f"{where}: {item.name} needs a sample step before it")
        elif isinstance(item, (Validate, Write, Function)):
            continue
        else:
            raise PipelineError(f"{where}: unknown kind of step {type(item).__name__}")


def _check_sequence_key(item: Fit, metadata_given: Any, where: str) -> None:
    if item.kind is not Kind.SEQUENTIAL or item.sequence_key is not None:
        return
    given = item.metadata if item.metadata is not None else metadata_given
    known = metadata_has_sequence_key(given)
    if not known:
        raise PipelineError(
            f"{where}: generator {item.generator!r} learns sequences but no sequence key is "
            "given; pass sequence_key (the column naming each entity, e.g. 'Chick') to fit, "
            "or set sequence_key in the metadata file"
        )
