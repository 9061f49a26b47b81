"""The core's own ``validate`` hook: pandera schemas inferred at fit time or given."""

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
    if not reference:
        return []
    from .. import validation

    return validation.check(dataset, metadata, reference)
