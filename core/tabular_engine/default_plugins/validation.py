"""The core's own ``validate`` hook: pandera schemas inferred at fit time or given, and at
the output stage, keys across relationships (no orphan foreign keys, unique primary keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    import pandas as pd

    from ..metadata import Metadata
    from ..types import Finding


@hookimpl
def validate(
    dataset: dict[str, pd.DataFrame],
    metadata: Metadata,
    stage: str,
    reference: dict[str, Any] | None,
) -> list[Finding]:
    findings: list[Finding] = []
    if stage == "output" and metadata.relationships:
        from ..relationships import integrity_findings

        findings.extend(integrity_findings(dataset, metadata))
    if not reference:
        return findings
    from .. import validation

    return validation.check(dataset, metadata, reference) + findings
