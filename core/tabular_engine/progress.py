"""Progress reporting for long work, shown on a terminal and silent elsewhere.

Backends receive a :class:`Progress` and call ``advance``; they never know whether a
progress bar, a log or nothing at all is listening.
"""

from __future__ import annotations

from typing import Any, Protocol


class Progress(Protocol):
    """What a backend may call while it works."""

    def start(self, task: str, total: float | None = None) -> None:
        """Begin a task such as 'fitting columns'; ``total`` steps if known."""

    def advance(self, steps: float = 1, **values: Any) -> None:
        """Record ``steps`` done, with optional figures such as losses."""

    def finish(self) -> None:
        """End the current task."""


class NullProgress:
    """Progress that shows nothing: the default for the Python API."""

    def start(self, task: str, total: float | None = None) -> None:
        pass

    def advance(self, steps: float = 1, **values: Any) -> None:
        pass

    def finish(self) -> None:
        pass


class RichProgress:
    """A progress bar on standard error, for terminals."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as Bar,
        )

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[values]}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: Any = None

    def start(self, task: str, total: float | None = None) -> None:
        if self._task is None:
            self._bar.start()
        else:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(task, total=total, values="")

    def advance(self, steps: float = 1, **values: Any) -> None:
        text = " ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
        )
        self._bar.update(self._task, advance=steps, values=text)

    def finish(self) -> None:
        if self._task is not None:
            self._bar.stop()
            self._task = None
