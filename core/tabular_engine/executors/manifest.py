"""The manifest of a Parquet dataset being written part by part, and checks for resuming.

``OUT_DIR/_tabular_engine.json`` records the settings that decide the rows (model
fingerprint, generator and versions, seed, rows, partitions, block size) and, for every
finished part, its file, row count, size in bytes and validation findings. Only the
process that runs the job writes it, atomically. A part counts as finished only when the
manifest lists it *and* its file still has the recorded rows and size; a part file that
is not listed (the run was killed between the worker's rename and the next manifest
write) is drawn again. Readers skip files whose names start with ``_`` or ``.``, so the
manifest and temporary files never show up as data.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..io import atomic_path
from .partitions import Partition

MANIFEST_NAME = "_tabular_engine.json"
FORMAT = "tabular-engine-dataset"
FORMAT_VERSION = 1
#: The glob of temporary files a killed writer may leave (see ``io.atomic_path``).
TEMPORARY_GLOB = ".part-*.parquet.*.tmp"

#: Settings that decide the rows, and how to name them in a message.
SETTING_NAMES = {
    "model_sha256": "model (fingerprint)",
    "generator": "generator",
    "generator_version": "generator plugin version",
    "core_version": "tabular-engine version",
    "seed": "seed",
    "rows": "rows",
    "partitions": "partitions",
    "block_rows": "rows per block",
}


@dataclass
class DatasetManifest:
    """What a dataset folder holds: its settings and its finished parts by index."""

    settings: dict[str, Any]
    parts: dict[int, dict[str, Any]] = field(default_factory=dict)
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "complete": self.complete,
            "settings": self.settings,
            "parts": [self.parts[index] for index in sorted(self.parts)],
        }

    def save(self, folder: Path) -> None:
        with atomic_path(folder / MANIFEST_NAME) as temporary:
            temporary.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    def differences(self, settings: dict[str, Any]) -> list[str]:
        """Each setting of this run that differs from the recorded one, as a phrase."""
        return [
            f"{label} {self.settings.get(key)!r} then, {settings[key]!r} now"
            for key, label in SETTING_NAMES.items()
            if key in settings and self.settings.get(key) != settings[key]
        ]

    def record(self, partition: Partition, rows: int, size: int, findings: list) -> None:
        self.parts[partition.index] = {
            "index": partition.index,
            "file": partition.file,
            "first_row": partition.first_row,
            "rows": rows,
            "bytes": size,
            "findings": findings,
        }


def load_manifest(folder: Path) -> DatasetManifest | None:
    """The manifest in ``folder``; None when there is none; OutputError when unreadable."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT!r}")
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError("it was written by a newer tabular-engine")
        parts = {int(part["index"]): part for part in data["parts"]}
        return DatasetManifest(data["settings"], parts, bool(data.get("complete")))
    except (ValueError, KeyError, TypeError) as error:
        raise OutputError(
            f"cannot resume in {str(folder)!r}: its {MANIFEST_NAME} is unreadable ({error}); "
            "choose a new output folder"
        ) from None


def check_output_folder(folder: Path, resume: bool) -> DatasetManifest | None:
    """Fail before any work when ``folder`` cannot hold the dataset; its manifest if resuming."""
    if folder.suffix.lower() == ".csv":
        raise OutputError(
            f"output {str(folder)!r} ends in .csv, but --executor dask writes a Parquet dataset "
            "folder (one part-NNNNN.parquet per partition); give a folder, e.g. -o "
            f"{folder.with_suffix('')}"
        )
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"output {str(folder)!r} is a file, but --executor dask writes a Parquet dataset "
            "folder; give the path of a new or empty folder"
        )
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(
            f"output folder {str(parent)!r} does not exist; create it first (mkdir -p {parent})"
        )
    writable = folder if folder.is_dir() else parent
    if not os.access(writable, os.W_OK):
        raise OutputError(f"output folder {str(writable)!r} is not writable")
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    if not resume:
        raise OutputError(
            f"output folder {str(folder)!r} is not empty; give a new or empty folder, or add "
            "--resume to finish an interrupted run in it"
        )
    manifest = load_manifest(folder)
    if manifest is None:
        raise OutputError(
            f"cannot resume in {str(folder)!r}: it holds no {MANIFEST_NAME}, so it was not "
            "written by tabular-engine's dask executor; choose a new or empty folder"
        )
    return manifest


def check_settings(folder: Path, manifest: DatasetManifest, settings: dict[str, Any]) -> None:
    """Refuse to resume a run whose rows would differ from the recorded ones."""
    differences = manifest.differences(settings)
    if differences:
        raise OutputError(
            f"cannot resume in {str(folder)!r} with other settings: {'; '.join(differences)}. "
            "Rerun with the recorded settings, or choose a new folder"
        )


def finished_part_problem(folder: Path, record: dict[str, Any] | None) -> str | None:
    """None when the part the manifest lists as finished is intact, else what is wrong."""
    import pyarrow.parquet as pq

    if record is None:
        return "not finished"
    path = folder / record["file"]
    if not path.is_file():
        return "missing"
    if path.stat().st_size != record["bytes"]:
        return f"{path.stat().st_size} bytes, not {record['bytes']}"
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except Exception as error:
        return f"unreadable ({error})"
    if rows != record["rows"]:
        return f"{rows} rows, not {record['rows']}"
    return None


def remove_temporary_files(folder: Path) -> None:
    """Delete what killed writers left behind (never a finished part)."""
    if folder.is_dir():
        for leftover in folder.glob(TEMPORARY_GLOB):
            leftover.unlink(missing_ok=True)
