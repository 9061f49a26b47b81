"""Cutting a sample into partitions made of whole blocks.

A model draws rows in blocks of ``BLOCK_ROWS``, block *k* seeded from (seed, *k*). A
partition is a run of whole blocks, so its seeds derive from (seed, partition's blocks) and
partition *p* holds exactly rows ``first_row`` to ``first_row + rows - 1`` of the sample one
process would draw with the same seed: the rows never depend on the number of partitions,
of workers, or on which worker draws which partition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ParameterError
from ..model import BLOCK_ROWS

#: Rows per partition when the number of partitions is left out (100 blocks).
DEFAULT_PARTITION_ROWS = 1_000_000


@dataclass(frozen=True)
class Partition:
    """Rows ``first_row`` .. ``first_row + rows - 1`` of the sample, written to ``file``."""

    index: int
    first_row: int
    rows: int
    file: str


def max_partitions(num_rows: int) -> int:
    """How many partitions ``num_rows`` rows can make: one per block, at least one."""
    return max(1, math.ceil(num_rows / BLOCK_ROWS))


def default_partitions(num_rows: int, workers: int) -> int:
    """One partition per million rows, and at least one per worker."""
    wanted = max(math.ceil(num_rows / DEFAULT_PARTITION_ROWS), workers, 1)
    return min(wanted, max_partitions(num_rows))


def check_partitions(partitions: object) -> int | None:
    """``partitions`` if None or a whole number >= 1, else ParameterError."""
    if partitions is None:
        return None
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ParameterError(f"partitions must be a whole number, at least 1, got {partitions!r}")
    return partitions


def plan(num_rows: int, partitions: int) -> list[Partition]:
    """Split ``num_rows`` rows into ``partitions`` runs of whole blocks, as even as can be.

    ``partitions`` must not exceed :func:`max_partitions` (callers cap it first).
    """
    blocks = max_partitions(num_rows)
    if not 1 <= partitions <= blocks:
        raise ParameterError(f"{num_rows} rows make 1 to {blocks} partitions, not {partitions}")
    width = max(5, len(str(partitions - 1)))
    parts = []
    for index in range(partitions):
        first = index * blocks // partitions * BLOCK_ROWS
        stop = min((index + 1) * blocks // partitions * BLOCK_ROWS, num_rows)
        parts.append(Partition(index, first, stop - first, f"part-{index:0{width}d}.parquet"))
    return parts
