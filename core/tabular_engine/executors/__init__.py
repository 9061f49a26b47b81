"""Executors: where sampling runs. The local one is ``Model.sample_chunks`` + ``io.write_table``
(one file); :func:`sample_dataset` runs on a Dask cluster and writes a Parquet dataset folder.

Dask is imported only when a Dask run starts (``pip install 'tabular-engine[dask]'``).
"""

from __future__ import annotations

from .dataset import DatasetResult, SamplingInterrupted, sample_dataset

__all__ = ["DatasetResult", "SamplingInterrupted", "sample_dataset"]
