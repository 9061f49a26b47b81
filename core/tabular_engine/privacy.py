"""Whose privacy a differential-privacy guarantee protects: the privacy unit of a job.

A DP guarantee bounds what the output reveals about one *unit* of the input. For a single
table the unit is the row. For sequential data one entity (a patient, a customer, a
sensor) owns many rows, so protecting a row would leave the entity exposed through its
other rows: the unit is the whole sequence. Every DP budget request of a job on sequences
must say so (:attr:`~tabular_engine.types.BudgetRequest.privacy_unit`), and the noise must
be calibrated to what one sequence can change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .types import Kind, PrivacyUnit

if TYPE_CHECKING:
    from .metadata import Metadata
    from .types import GeneratorInfo


def privacy_unit_for(generator_info: GeneratorInfo, metadata: Metadata | None) -> PrivacyUnit:
    """The privacy unit of fitting ``generator_info`` on data described by ``metadata``.

    ``SEQUENCE`` for a sequential generator, and for any data whose metadata names a
    sequence key (an entity owns several rows whatever model learns them); ``ROW``
    otherwise.
    """
    if generator_info.kind is Kind.SEQUENTIAL:
        return PrivacyUnit.SEQUENCE
    if metadata is not None and any(t.sequence_key for t in metadata.tables.values()):
        return PrivacyUnit.SEQUENCE
    return PrivacyUnit.ROW
