"""The run record: a small JSON receipt written next to every output (``OUTPUT.run.json``).

It holds what is needed to reproduce the output and nothing of the data itself: versions
of the core and of every loaded plugin, seeds, the generator and its parameters, the
steps (for pipelines), a fingerprint of the input schema (a SHA-256 of table and column
names, dtypes, semantic types, keys and relationships), the privacy budget reserved and
spent when the model records it, and the scores and gate result when evaluated.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluation import Evaluation, GateResult
    from .model import Model

FORMAT = "tabular-engine-run"
FORMAT_VERSION = 1


def schema_fingerprint(model: Model) -> dict[str, Any]:
    """The input's shape (no values): columns with dtypes and sdtypes, and its SHA-256."""
    tables = {}
    for name, table in model.metadata.tables.items():
        dtypes = _schema_dtypes(model.schemas.get(name))
        tables[name] = {
            "columns": [
                [column, dtypes.get(column), spec.sdtype] for column, spec in table.columns.items()
            ],
            "primary_key": table.primary_key,
            "sequence_key": table.sequence_key,
            "sequence_index": table.sequence_index,
        }
    shape = {"tables": tables, "relationships": model.metadata.relationships}
    canonical = json.dumps(shape, sort_keys=True, separators=(",", ":"))
    return {"sha256": hashlib.sha256(canonical.encode()).hexdigest(), **shape}


def _schema_dtypes(schema_json: str | None) -> dict[str, str | None]:
    if not schema_json:
        return {}
    columns = json.loads(schema_json).get("columns") or {}
    return {name: (spec or {}).get("dtype") for name, spec in columns.items()}


def privacy_budget(model: Model) -> dict[str, Any]:
    """Epsilon and delta reserved and spent by a differentially private fit (``None`` for
    other generators), with the tenant, job id and privacy unit they were charged to."""
    charged = model.privacy or {}
    return {
        "epsilon_reserved": charged.get("epsilon_reserved"),
        "epsilon_spent": charged.get("epsilon"),
        "delta_reserved": charged.get("delta_reserved"),
        "delta_spent": charged.get("delta"),
        "tenant": charged.get("tenant"),
        "job_id": charged.get("job_id"),
        "privacy_unit": charged.get("privacy_unit"),
    }


def plugin_versions() -> dict[str, str]:
    """Distribution -> version of every plugin loaded (the core's own included)."""
    from .plugins import get_registry

    return {
        record.distribution: record.version
        for record in get_registry().plugins
        if record.ok and record.distribution
    }


def build_record(
    *,
    command: str,
    model: Model | None,
    sample_seed: int | None,
    outputs: dict[str, int],
    status: str = "passed",
    steps: list[dict[str, Any]] | None = None,
    evaluation: Evaluation | None = None,
    gate: GateResult | None = None,
    seconds: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The run record as a dict (see the module docstring for what it holds)."""
    from . import __version__

    record: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "command": command,
        "status": status,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": None if seconds is None else round(seconds, 3),
        "tabular_engine": __version__,
        "python": platform.python_version(),
        "plugins": plugin_versions(),
        "seeds": {"fit": None if model is None else model.seed, "sample": sample_seed},
        "generator": None,
        "input_schema": None,
        "privacy_budget": None,
        "output_rows": outputs,
        "steps": steps,
        "scores": None if evaluation is None else evaluation.to_dict(headline_only=True),
        "gate": None if gate is None else gate.to_dict(),
    }
    if model is not None:
        record["generator"] = {
            "name": model.generator.name,
            "kind": model.generator.kind.value,
            "distribution": model.generator.distribution,
            "version": model.generator.version,
            "params": model.params,
        }
        record["input_schema"] = schema_fingerprint(model)
        record["privacy_budget"] = privacy_budget(model)
    record.update(extra or {})
    return record


def write_record(output: Path, record: dict[str, Any]) -> Path:
    """Write ``record`` atomically to ``OUTPUT.run.json`` beside ``output``."""
    from .io import atomic_path
    from .pipeline.outputs import record_path

    path = record_path(Path(output))
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path
