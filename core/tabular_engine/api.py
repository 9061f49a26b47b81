"""The Python API: fit a generator, load a model, list generators, detect metadata."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import InputError, MetadataError
from .io import read_dataset
from .log import get_logger
from .metadata import Metadata, check_sdtypes, detect
from .model import Model, check_seed, new_seed
from .plugins import get_registry
from .progress import NullProgress, Progress
from .sequences import apply_sequence_options
from .types import GeneratorInfo, Kind

if TYPE_CHECKING:
    import pandas as pd

logger = get_logger(__name__)


def generators() -> list[GeneratorInfo]:
    """Every installed generator, sorted by name."""
    return get_registry().generators()


def detect_metadata(data: Any) -> Metadata:
    """Detect metadata of ``data`` (a DataFrame, a dict of DataFrames, or a path)."""
    return detect(read_dataset(data))


def resolve_metadata(metadata: Any, dataset: dict[str, pd.DataFrame]) -> Metadata:
    """The metadata to use: given (object, dict or JSON path), else detected; checked."""
    if metadata is None:
        resolved = detect(dataset)
    elif isinstance(metadata, Metadata):
        resolved = metadata
    elif isinstance(metadata, dict):
        resolved = Metadata.from_dict(metadata)
    elif isinstance(metadata, (str, Path)):
        resolved = Metadata.load(metadata)
    else:
        raise MetadataError(
            "metadata must be a Metadata, a dict or a JSON file path, "
            f"not {type(metadata).__name__}"
        )
    if len(dataset) == 1 and len(resolved.tables) == 1:
        (data_name,), (meta_name,) = dataset, resolved.tables
        if data_name != meta_name:  # a single table may be named anything
            resolved = Metadata({data_name: resolved.tables[meta_name]}, resolved.relationships)
    resolved.check_against(dataset)
    check_sdtypes(dataset, resolved)
    if len(dataset) > 1 or resolved.relationships:
        from .relationships import check_keys, check_relationships, with_id_keys

        check_relationships(resolved)
        check_keys(dataset, resolved)
        resolved = with_id_keys(resolved)
    return resolved


def fit(
    data: Any,
    generator: str,
    *,
    metadata: Any = None,
    seed: int | None = None,
    progress: Progress | None = None,
    fit_rows: int | None = None,
    on_orphans: str = "error",
    sequence_key: str | None = None,
    sequence_index: str | None = None,
    context_columns: list[str] | tuple[str, ...] | None = None,
    tenant: str | None = None,
    job_id: str | None = None,
    **params: Any,
) -> Model:
    """Fit ``generator`` on ``data`` and return the fitted :class:`Model`.

    Args:
        data: a DataFrame, a dict of DataFrames, or the path of a CSV/Parquet file or folder.
        generator: the generator's name, as listed by ``tabular-engine plugins``.
        metadata: a :class:`Metadata`, an SDV metadata dict, or a path to its JSON;
            detected from the data when left out.
        seed: makes fitting and sampling reproducible; random when left out.
        fit_rows: fit on a uniform random sample of this many rows of ``data`` (a CSV
            or Parquet file), read in a stream so the file may be larger than memory.
        on_orphans: what to do with foreign-key values that have no parent row:
            ``"error"`` (stop, naming table, column and count), ``"drop"`` (remove those
            rows) or ``"null"`` (blank those keys); see :mod:`tabular_engine.orphans`.
        sequence_key: sequential data (see docs/sequences.md): the column naming each
            sequence's entity.
        sequence_index: sequential data: the column (numbers or datetimes) ordering
            each sequence's rows.
        context_columns: sequential data: the columns constant within each sequence.
            These three override the metadata; for a sequential generator, those left
            out are detected where obvious.
        tenant: whose privacy budget a differentially private generator charges
            ($TABULAR_ENGINE_TENANT, else ``default``, when left out).
        job_id: the budget's idempotency key (a new UUID when left out); a retried job
            with the same id is never charged twice.
        **params: the generator's parameters; unknown names are an error. A
            differentially private generator needs ``epsilon`` (and takes ``delta``).
    """
    from .orphans import check_policy, handle_orphans
    from .relationships import align_key_types
    from .validation import infer_schemas

    registry = get_registry()
    info = registry.get(generator)
    seed = check_seed(seed)
    check_policy(on_orphans)
    resolved_params = info.resolve_params(params)
    seed = seed if seed is not None else new_seed()
    dataset = read_dataset(data) if fit_rows is None else _fit_sample(data, fit_rows, seed)
    resolved_metadata = resolve_metadata(metadata, dataset)
    if info.kind is Kind.SEQUENTIAL or sequence_key or sequence_index or context_columns:
        resolved_metadata = apply_sequence_options(
            resolved_metadata,
            dataset,
            sequence_key=sequence_key,
            sequence_index=sequence_index,
            context_columns=context_columns,
            detect_missing=info.kind is Kind.SEQUENTIAL,
            key_as_id=info.kind is Kind.SEQUENTIAL,
        )
    _check_kind(info, dataset)
    dataset = align_key_types(dataset, resolved_metadata)
    dataset, orphans = handle_orphans(dataset, resolved_metadata, on_orphans)
    # a DP model file must not carry schemas inferred from the real data (ranges, categories)
    schemas = {} if info.differentially_private else infer_schemas(dataset, resolved_metadata)
    logger.info(
        "fitting", generator=generator, tables={n: len(f) for n, f in dataset.items()}, seed=seed
    )

    def run_fit() -> Any:
        return registry.call(
            "fit",
            generator,
            dataset=dataset,
            metadata=resolved_metadata,
            params=resolved_params,
            seed=seed,
            progress=progress or NullProgress(),
        )

    privacy = None
    if info.differentially_private:
        from .private_fit import budget_request, fit_with_budget

        request = budget_request(info, resolved_params, resolved_metadata, tenant, job_id)
        state, privacy = fit_with_budget(request, run_fit)
    else:
        state = run_fit()
    return Model(
        generator=info,
        metadata=resolved_metadata,
        state=state,
        params=resolved_params,
        seed=seed,
        schemas=schemas,
        core_version=__version__,
        orphans=orphans,
        privacy=privacy.to_dict() if privacy else None,
    )


def _fit_sample(data: Any, fit_rows: int, seed: int) -> dict[str, pd.DataFrame]:
    """One table: a uniform random sample of ``fit_rows`` rows of the file ``data``."""
    from .reservoir import read_sample

    if not isinstance(data, (str, os.PathLike)) or Path(data).is_dir():
        raise InputError(
            "fit_rows samples the rows of one CSV or Parquet file; give its path "
            "(a DataFrame already in memory can be sampled with frame.sample(n))"
        )
    sampled = read_sample(data, fit_rows, seed)
    logger.info(
        "fitting on a random sample of rows",
        file=str(data),
        rows_used=sampled.rows_used,
        rows_total=sampled.rows_total,
    )
    return {Path(data).stem: sampled.frame}


def _check_kind(info: GeneratorInfo, dataset: dict[str, pd.DataFrame]) -> None:
    if info.kind is Kind.SINGLE_TABLE and len(dataset) != 1:
        raise InputError(
            f"generator {info.name!r} learns one table but the input has {len(dataset)} "
            f"({', '.join(sorted(dataset))}); give one file, or use a multi-table generator"
        )


def validate(
    data: Any,
    *,
    against: Any = None,
    schema: str | Path | None = None,
    metadata: Any = None,
) -> list:
    """Check ``data`` against a pandera schema (a file) or one inferred from ``against``.

    Returns the findings; an empty list means every check passed.
    """
    from .validation import infer_schemas, load_schema

    dataset = read_dataset(data)
    if schema is not None:
        if len(dataset) != 1:
            raise InputError("--schema checks one table; give one file")
        (name,) = dataset
        schemas = {name: load_schema(Path(schema))}
        resolved = Metadata({}) if metadata is None else resolve_metadata(metadata, dataset)
    elif against is not None:
        real = read_dataset(against)
        if len(real) == 1 and len(dataset) == 1:
            real = {next(iter(dataset)): next(iter(real.values()))}
        resolved = resolve_metadata(metadata, real)
        schemas = infer_schemas(real, resolved)
    else:
        raise InputError("nothing to validate against; give a schema file or the real data")
    return run_validate(dataset, resolved, "output", schemas)


def run_validate(
    dataset: dict[str, pd.DataFrame], metadata: Metadata, stage: str, schemas: dict[str, str]
) -> list:
    """Call every plugin's validate hook and gather the findings."""
    results = get_registry().manager.hook.validate(
        dataset=dataset, metadata=metadata, stage=stage, reference=schemas
    )
    return [finding for findings in results for finding in findings or []]
