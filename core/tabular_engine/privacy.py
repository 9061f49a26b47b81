"""Whose privacy a differentially private model protects: the privacy unit of a dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .types import Kind, PrivacyUnit

if TYPE_CHECKING:
    from .metadata import Metadata
    from .types import GeneratorInfo


def privacy_unit_for(info: GeneratorInfo, metadata: Metadata) -> PrivacyUnit:
    """ROW for single and multi-table data; SEQUENCE (one entity's rows) for sequential data."""
    if info.kind is Kind.SEQUENTIAL:
        return PrivacyUnit.SEQUENCE
    return PrivacyUnit.ROW
