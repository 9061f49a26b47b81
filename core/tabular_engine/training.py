"""Helpers for backends that train torch models: device, seeding, batch size, epoch progress.

Nothing here knows any particular library, and nothing imports torch at import time:
torch is imported inside the functions that need it, so the core and a plugin's cheap
``plugin.py`` may import this module on a machine without torch.

* :data:`DEVICE_PARAMETER` and :func:`resolve_device`: the ``device`` parameter
  (``auto``, ``cpu``, ``cuda``) and what it means on this machine.
* :func:`seeded`: run a library that draws from the *global* random generators (torch,
  numpy, ``random``) deterministically from one seed, and put every generator back as it
  was afterwards, so the caller's random state is unchanged.
* :func:`fit_batch_size`: the batch size to train with when the table has fewer rows than
  the one asked for.
* :class:`EpochReporter`: per-epoch progress with the losses, shown by the core's progress
  display on a terminal and logged as structured events otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .errors import ParameterError
from .log import get_logger
from .progress import NullProgress
from .types import Parameter

if TYPE_CHECKING:
    import torch

    from .progress import Progress

logger = get_logger(__name__)

DEVICE_CHOICES = ("auto", "cpu", "cuda")

#: The ``device`` parameter shared by every torch backend.
DEVICE_PARAMETER = Parameter(
    "device",
    str,
    "auto",
    help="Where to train and sample: auto (a CUDA GPU when torch sees one, else the CPU), "
    "cpu, or cuda (an error when torch sees no GPU). Output is reproducible on the CPU.",
    choices=DEVICE_CHOICES,
)


def resolve_device(choice: str, generator: str, *, strict: bool = True) -> torch.device:
    """The torch device that ``choice`` (``auto``, ``cpu`` or ``cuda``) means here.

    With ``strict`` (when training), asking for ``cuda`` on a machine where torch sees no
    GPU is a :class:`ParameterError`. Without it (when sampling a saved model), the CPU is
    used instead with a warning, so a model fitted on a GPU samples anywhere.
    """
    import torch

    if choice not in DEVICE_CHOICES:
        raise ParameterError(
            f"parameter 'device' of generator {generator!r}: got {choice!r}; "
            f"expected one of {', '.join(DEVICE_CHOICES)}"
        )
    if choice == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if choice == "cuda":
        if strict:
            raise ParameterError(
                f"parameter 'device' of generator {generator!r} is 'cuda' but torch sees no "
                f"GPU here (torch {torch.__version__}, torch.cuda.is_available() is False); "
                "use -p device=auto or -p device=cpu, or install a CUDA build of torch"
            )
        logger.warning(
            "no GPU here: sampling on the CPU",
            generator=generator,
            device=choice,
        )
    return torch.device("cpu")


def _seed_words(seed: int) -> tuple[int, int]:
    """Two well-mixed 32-bit words from any integer seed (negative ones too)."""
    import numpy as np

    words = np.random.SeedSequence(seed % 2**64).generate_state(2)
    return int(words[0]), int(words[1])


#: Held by every seeded block: global random state is per process, so blocks in several
#: threads of one process (a Dask worker with threads, say) take turns instead of mixing.
_GLOBAL_RANDOM_STATE = threading.RLock()


@contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Seed torch, numpy and ``random``'s global generators from ``seed`` for the block.

    Libraries such as ctgan draw from the global generators; inside this block they get a
    stream that depends on ``seed`` only, and on exit every generator (torch's CPU one and,
    when ``device`` is a GPU, that GPU's) is put back as it was. Seeded blocks in several
    threads of one process run one at a time, so each still gets its own stream; code
    outside any seeded block that draws from the same generators meanwhile is not stopped.
    """
    import random

    import numpy as np
    import torch

    first, second = _seed_words(seed)
    gpus = []
    if device is not None and device.type == "cuda":
        gpus = [device.index if device.index is not None else torch.cuda.current_device()]
    with _GLOBAL_RANDOM_STATE:
        numpy_state = np.random.get_state()
        python_state = random.getstate()
        with torch.random.fork_rng(devices=gpus):
            try:
                torch.manual_seed((first << 32) | second)
                np.random.seed(first)
                random.seed(second)
                yield
            finally:
                np.random.set_state(numpy_state)
                random.setstate(python_state)


def fit_batch_size(batch_size: int, rows: int, multiple: int = 1) -> int:
    """The batch size to train with on a table of ``rows`` rows.

    ``batch_size`` itself when the table has at least that many rows; otherwise the largest
    multiple of ``multiple`` that is at most ``rows`` (and never less than ``multiple``):
    a batch larger than the table would only repeat rows.
    """
    if multiple < 1:
        raise ValueError(f"multiple must be at least 1, got {multiple}")
    if rows >= batch_size:
        return batch_size
    return max(multiple, rows // multiple * multiple)


class EpochReporter:
    """Reports training epochs, with their losses, while a backend trains.

    Each epoch advances the core's progress display (a bar with the losses on a terminal)
    and is logged as a structured ``epoch`` event: at info level when nothing is displayed
    (``--log-format json``, no terminal, the Python API), at debug level when a bar shows
    it already. ``finish`` logs one ``trained`` event with the final losses and the time.
    """

    def __init__(self, progress: Progress, generator: str, epochs: int, **context: Any) -> None:
        self.progress = progress
        self.generator = generator
        self.epochs = epochs
        self.context = context
        self.done = 0
        self.losses: dict[str, float] = {}
        self._started = time.perf_counter()
        self._log = logger.info if isinstance(progress, NullProgress) else logger.debug

    def start(self) -> EpochReporter:
        self._started = time.perf_counter()
        self.progress.start(f"training {self.generator}", total=self.epochs)
        return self

    def epoch(self, number: int, **losses: float) -> None:
        """Epoch ``number`` (counted from 1) is done, with these losses."""
        self.done = number
        self.losses = {name: float(value) for name, value in losses.items()}
        self.progress.advance(1, **self.losses)
        self._log(
            "epoch",
            generator=self.generator,
            epoch=number,
            epochs=self.epochs,
            **self.losses,
            **self.context,
        )

    def finish(self) -> None:
        logger.info(
            "trained",
            generator=self.generator,
            epochs=self.done,
            seconds=round(time.perf_counter() - self._started, 3),
            **self.losses,
            **self.context,
        )
        self.progress.finish()

    def __enter__(self) -> EpochReporter:
        return self.start()

    def __exit__(self, error_type: type[BaseException] | None, *rest: object) -> None:
        if error_type is None:
            self.finish()
        else:
            self.progress.finish()


__all__ = [
    "DEVICE_CHOICES",
    "DEVICE_PARAMETER",
    "EpochReporter",
    "fit_batch_size",
    "resolve_device",
    "seeded",
]
