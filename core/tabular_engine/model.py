"""A fitted model: sampling in reproducible blocks, saving to and loading from one file.

A model file is a zip archive holding ``manifest.json`` (format version, core version,
the generator and the plugin version that fitted it, metadata, parameters, the schemas
inferred from the real data, and a SHA-256 of the payload) and ``state.pickle`` (the
backend's fitted state). Like any pickle, load only model files you made or trust.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ModelFileError, ParameterError
from .log import get_logger
from .metadata import Metadata
from .types import GeneratorInfo, Kind, SampleOptions

if TYPE_CHECKING:
    import pandas as pd

FORMAT = "tabular-engine-model"
FORMAT_VERSION = 1
#: Rows drawn per call to the backend. Each block has its own seed, so the output for a
#: seed does not depend on how it is chunked for writing.
BLOCK_ROWS = 10_000
DEFAULT_CHUNK_ROWS = 50_000

logger = get_logger(__name__)


def new_seed() -> int:
    """A fresh random seed, for when the user gives none."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def block_seed(seed: int, block: int) -> int:
    """The seed of block number ``block`` of a sample drawn with ``seed``."""
    return int(np.random.SeedSequence([seed, block]).generate_state(1)[0])


MAX_SEED = 2**32 - 1


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """``seed`` if it is None or a whole number from 0 to 2**32 - 1, else ParameterError."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ParameterError(f"{name} must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ParameterError(f"{name} must be from 0 to {MAX_SEED}, got {seed}")
    return int(seed)


def check_num_rows(num_rows: Any, name: str = "num_rows") -> int:
    if isinstance(num_rows, bool) or not isinstance(num_rows, (int, np.integer)):
        raise ParameterError(f"{name} must be a whole number of rows, got {num_rows!r}")
    if num_rows < 0:
        raise ParameterError(f"{name} must be 0 or more, got {num_rows}")
    return int(num_rows)


def check_scale(scale: Any, num_rows: Any = None) -> float | None:
    """``scale`` as a positive number; exactly one of ``scale`` and ``num_rows`` is given."""
    if scale is None:
        if num_rows is None:
            raise ParameterError(
                "give num_rows (rows of the root table, -n) or scale (--scale F), one of the two"
            )
        return None
    if num_rows is not None:
        raise ParameterError("give num_rows (-n) or scale (--scale), not both")
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.number)):
        raise ParameterError(f"scale must be a positive number such as 0.5 or 2, got {scale!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ParameterError(f"scale must be a positive number such as 0.5 or 2, got {scale!r}")
    return float(scale)


@dataclass
class Model:
    """A generator fitted on a dataset; sample from it, save it, load it back."""

    generator: GeneratorInfo
    metadata: Metadata
    state: Any
    params: dict[str, Any]
    seed: int
    schemas: dict[str, str] = field(default_factory=dict)
    core_version: str = ""
    #: SHA-256 of the saved payload when loaded from a file ("" for a model in memory).
    payload_sha256: str = ""
    #: What fitting did about orphan foreign keys (multi-table; not saved with the model).
    orphans: Any = None
    #: what a differentially private fit charged (tenant, job_id, epsilon, delta, ...)
    privacy: dict[str, Any] | None = None

    @property
    def table_names(self) -> list[str]:
        return list(self.metadata.tables)

    def sample(
        self,
        num_rows: int | None = None,
        *,
        seed: int | None = None,
        scale: float | None = None,
        main_table: str | None = None,
    ) -> pd.DataFrame | dict:
        """Synthetic rows: a DataFrame, or for multi-table a dict of them.

        ``num_rows`` counts rows of the root table for a multi-table model (``main_table``
        chooses which; the generator's default otherwise); ``scale`` instead multiplies
        every table's size (1.0 = as many rows as the real data).
        Sequential models draw with :meth:`sample_sequences`.
        """
        import pandas as pd

        seed = check_seed(seed)
        kind = self.generator.kind
        if kind is Kind.SEQUENTIAL:
            raise ParameterError(
                f"generator {self.generator.name!r} makes sequences: ask for a number of "
                "sequences with sample_sequences(n) (--sequences N on the command line), "
                "not for a number of rows"
            )
        if kind is Kind.MULTI_TABLE:
            options = SampleOptions(scale=check_scale(scale, num_rows), main_table=main_table)
            rows = 0 if num_rows is None else check_num_rows(num_rows)
            return self._draw(rows, seed if seed is not None else new_seed(), 0, options)
        if scale is not None or main_table is not None:
            raise ParameterError(
                f"scale and main_table size the tables of a multi-table model; generator "
                f"{self.generator.name!r} makes one table, ask for num_rows instead"
            )
        if num_rows is None:
            raise ParameterError("num_rows is required: how many rows to draw")
        num_rows = check_num_rows(num_rows)
        chunks = list(self.sample_chunks(num_rows, chunk_rows=max(num_rows, 1), seed=seed))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def sample_chunks(
        self,
        num_rows: int,
        *,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        seed: int | None = None,
        first_row: int = 0,
    ) -> Iterator[pd.DataFrame]:
        """Yield ``num_rows`` rows of a single table in chunks of ``chunk_rows``.

        Only one block and one chunk are in memory at a time. With the same seed the
        rows are identical whatever ``chunk_rows`` is. ``num_rows=0`` yields one empty
        frame with the right columns and types.

        ``first_row`` (a multiple of ``BLOCK_ROWS``) starts further into the sample drawn
        with ``seed``: the rows are those from ``first_row`` on of one long sample, so
        ranges of it can be drawn apart (on several machines) and joined.
        """
        import pandas as pd

        num_rows = check_num_rows(num_rows)
        if (
            isinstance(chunk_rows, bool)
            or not isinstance(chunk_rows, (int, np.integer))
            or (chunk_rows < 1)
        ):
            raise ParameterError(
                f"chunk_rows must be a whole number, at least 1, got {chunk_rows!r}"
            )
        seed = check_seed(seed)
        first_row = check_num_rows(first_row, "first_row")
        if first_row % BLOCK_ROWS:
            raise ParameterError(f"first_row must be a multiple of {BLOCK_ROWS}, got {first_row}")
        if self.generator.kind is not Kind.SINGLE_TABLE:
            raise ParameterError(
                f"sample_chunks streams one table; generator {self.generator.name!r} makes "
                f"{self.generator.kind.value} data, use sample() instead"
            )
        seed = seed if seed is not None else new_seed()
        logger.info("sampling", generator=self.generator.name, rows=num_rows, seed=seed)
        if num_rows == 0:
            yield self._table(self._draw(1, seed, 0)).iloc[:0]
            return
        pending: list[pd.DataFrame] = []
        pending_rows = 0
        first_block = first_row // BLOCK_ROWS
        for block, start in enumerate(range(0, num_rows, BLOCK_ROWS), start=first_block):
            rows = min(BLOCK_ROWS, num_rows - start)
            offset = first_row + start
            pending.append(self._table(self._draw(rows, block_seed(seed, block), offset)))
            pending_rows += rows
            while pending_rows >= chunk_rows:
                joined = pd.concat(pending, ignore_index=True)
                yield joined.iloc[:chunk_rows].reset_index(drop=True)
                rest = joined.iloc[chunk_rows:].reset_index(drop=True)
                pending, pending_rows = ([rest] if len(rest) else []), len(rest)
        if pending_rows:
            yield pd.concat(pending, ignore_index=True)

    def sample_sequences(
        self,
        num_sequences: int | None = None,
        *,
        sequence_length: int | None = None,
        context: pd.DataFrame | None = None,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Synthetic sequences of a sequential model, as one long table.

        Either ``num_sequences`` new entities, or one sequence per row of ``context``
        (a DataFrame of context columns). ``sequence_length`` fixes each sequence's
        length where the model supports it.
        """
        if self.generator.kind is not Kind.SEQUENTIAL:
            raise ParameterError(
                f"generator {self.generator.name!r} makes {self.generator.kind.value} data, "
                "not sequences; use sample() instead"
            )
        seed = check_seed(seed)
        if (num_sequences is None) == (context is None):
            raise ParameterError(
                "give either num_sequences (--sequences N) or context rows (--context-file), "
                "one of the two"
            )
        if context is not None:
            num_sequences = len(context)
        num_sequences = check_num_rows(num_sequences, "num_sequences")
        (table,) = self.table_names
        if num_sequences > 1 and self.metadata.tables[table].sequence_key is None:
            raise ParameterError(
                f"this model learned table {table!r} as one series, without a sequence key: "
                f"{num_sequences} series would come out one after the other with nothing to "
                "tell them apart; draw one at a time (--sequences 1, a new --seed for each, "
                "--sequence-length L for its length), or fit with --sequence-key COLUMN"
            )
        if sequence_length is not None:
            sequence_length = check_num_rows(sequence_length, "sequence_length")
            if sequence_length < 1:
                raise ParameterError("sequence_length must be at least 1")
        options = SampleOptions(sequence_length=sequence_length, context=context)
        drawn = self._draw(num_sequences, seed if seed is not None else new_seed(), 0, options)
        return self._table(drawn)

    def _draw(
        self, rows: int, seed: int, row_offset: int, options: SampleOptions | None = None
    ) -> dict:
        from .plugins import get_registry

        return get_registry().call(
            "sample",
            self.generator.name,
            state=self.state,
            num_rows=rows,
            seed=seed,
            row_offset=row_offset,
            options=options or SampleOptions(),
        )

    def _table(self, dataset: dict) -> pd.DataFrame:
        (frame,) = dataset.values()
        return frame

    # -- files ------------------------------------------------------------------------------

    def manifest(self, payload_sha256: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "core_version": self.core_version,
            "generator": {
                "name": self.generator.name,
                "distribution": self.generator.distribution,
                "version": self.generator.version,
            },
            "params": self.params,
            "seed": self.seed,
            "metadata": self.metadata.to_dict(),
            "schemas": self.schemas,
            "payload_sha256": payload_sha256,
            "privacy": self.privacy,
        }

    def save(self, path: str | Path) -> Path:
        """Write the model to one file, atomically."""
        from .io import atomic_path

        path = Path(path)
        if not path.parent.is_dir():
            from .errors import OutputError

            raise OutputError(f"output folder {str(path.parent)!r} does not exist; create it first")
        payload = pickle.dumps(self.state, protocol=pickle.HIGHEST_PROTOCOL)
        manifest = self.manifest(hashlib.sha256(payload).hexdigest())
        with (
            atomic_path(path) as temporary,
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
            archive.writestr("state.pickle", payload)
        return path


def load(path: str | Path) -> Model:
    """Load a model saved with :meth:`Model.save`, refusing files it cannot trust."""
    from . import __version__
    from .plugins import get_registry

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {str(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"{str(path)!r} is not a tabular-engine model file (not a zip archive)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            payload = archive.read("state.pickle")
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise ModelFileError(f"{str(path)!r} is not a tabular-engine model file: {error}") from None
    if manifest.get("format") != FORMAT:
        raise ModelFileError(f"{str(path)!r} is not a tabular-engine model file")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was saved by a newer tabular-engine ({manifest.get('core_version')}); "
            f"upgrade tabular-engine (this is {__version__})"
        )
    if hashlib.sha256(payload).hexdigest() != manifest.get("payload_sha256"):
        raise ModelFileError(f"{str(path)!r} is corrupted: its payload does not match its checksum")
    saved = manifest["generator"]
    info = get_registry().get(saved["name"])
    if info.version != saved["version"]:
        logger.warning(
            "plugin version differs from the one that fitted the model",
            generator=info.name,
            fitted_with=saved["version"],
            installed=info.version,
        )
    try:
        state = pickle.loads(payload)
    except Exception as error:
        raise ModelFileError(
            f"{str(path)!r} could not be loaded with the installed {info.distribution} "
            f"{info.version} (fitted with {saved['version']}): {error}"
        ) from None
    return Model(
        generator=info,
        metadata=Metadata.from_dict(manifest["metadata"]),
        state=state,
        params=manifest["params"],
        seed=manifest["seed"],
        schemas=manifest.get("schemas", {}),
        core_version=manifest.get("core_version", ""),
        payload_sha256=manifest["payload_sha256"],
        privacy=manifest.get("privacy"),
    )
