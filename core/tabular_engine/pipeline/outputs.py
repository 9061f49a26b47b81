"""Outputs of a run, staged until the run is over: committed, kept apart, or removed.

Every output is first written into a hidden staging folder beside its destination
(``.tabular-engine-stage-XXXX/``, same file system, so the final move is a rename). When
the run passes, each output is renamed into place and its run record written next to it.
When the release gate fails, outputs go to ``rejected/`` beside their destination instead,
with their run records. When any step fails, staging folders are removed: a failed run
leaves nothing where its outputs would go.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import OutputError

STAGE_PREFIX = ".tabular-engine-stage-"
REJECTED_FOLDER = "rejected"


def record_path(output: Path) -> Path:
    """Where the run record of ``output`` goes: ``OUTPUT.run.json`` beside it."""
    return output.with_name(output.name + ".run.json")


def rejected_path(output: Path) -> Path:
    """Where ``output`` goes when its run fails the release gate."""
    return output.parent / REJECTED_FOLDER / output.name


def check_destination(path: Path) -> None:
    """Fail before any work when ``path`` cannot receive an output."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(
            f"output folder {str(folder)!r} does not exist; create it first (mkdir -p {folder})"
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder {str(folder)!r} is not writable")


class OutputStage:
    """The staged outputs of one run, keyed by their final destination."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}
        self.staged: dict[Path, Path] = {}

    def stage(self, destination: Path) -> Path:
        """A path to write ``destination``'s content to now; it moves on :meth:`commit`."""
        destination = Path(destination)
        if destination in self.staged:
            raise OutputError(f"two steps write {str(destination)!r}; give each its own path")
        check_destination(destination)
        parent = destination.parent.resolve()
        if parent not in self._folders:
            self._folders[parent] = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=parent))
        staged = self._folders[parent] / destination.name
        self.staged[destination] = staged
        return staged

    def commit(self) -> list[Path]:
        """Move every staged output to its destination; return the destinations."""
        moved = [_move(staged, destination) for destination, staged in self.staged.items()]
        self.discard()
        return moved

    def reject(self) -> list[Path]:
        """Move every staged output to ``rejected/`` beside its destination."""
        moved = []
        for destination, staged in self.staged.items():
            target = rejected_path(destination)
            target.parent.mkdir(exist_ok=True)
            moved.append(_move(staged, target))
        self.discard()
        return moved

    def discard(self) -> None:
        """Remove whatever is still staged (after a failure, or after moving)."""
        for folder in self._folders.values():
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()


def _move(source: Path, target: Path) -> Path:
    """Rename ``source`` onto ``target``, replacing a file or a folder already there."""
    if not source.exists():
        return target
    if target.is_dir() and not target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=target.parent))
        os.replace(target, old / target.name)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)
    return target
