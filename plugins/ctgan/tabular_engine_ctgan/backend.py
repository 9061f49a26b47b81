"""Driving the ctgan library: what the ctgan and tvae generators share, written once.

The ctgan library (DataCebo, BUSL-1.1) provides ``CTGAN`` and ``TVAE`` with one shape: a
constructor taking the hyper-parameters, ``fit(frame, discrete_columns)``, ``sample(n)``,
one ``DataTransformer`` (Gaussian-mixture modes for numbers, one-hot for categories) and a
public ``loss_values`` frame updated at the end of every epoch. This module wraps that
shape once; each plugin's ``model.py`` only says what differs (a :class:`Backend`, which
its ``plugin.py`` hands to the core's ``GeneratorPlugin``).

* :class:`EpochReporting` is mixed into the library's classes: it reports each epoch's
  losses as the epoch ends and keeps pickles free of GPU tensors.
* :class:`LibraryModel` is the fitted state both generators return: the core's column
  codec (:class:`tabular_engine.columns.TableCodec`) in front, the library's synthesizer
  behind. The codec turns datetimes, booleans, ids, missing values and integers into a
  frame of floats and categories, and back; the library only ever sees that frame.

Randomness: the library draws from torch's and numpy's global generators. Every fit and
every sampled block runs inside :func:`tabular_engine.training.seeded`, so its stream
depends on its seed only and the caller's random state is left as it was.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch
from tabular_engine.columns import TableCodec
from tabular_engine.errors import InputError
from tabular_engine.log import get_logger
from tabular_engine.training import EpochReporter, fit_batch_size, resolve_device, seeded

if TYPE_CHECKING:
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress

logger = get_logger(__name__)


class EpochReporting:
    """Two small additions to a ctgan-library synthesizer; mix it in before the library class.

    **Per-epoch losses.** The library's fit loop takes no callback, but it assigns the
    public attribute ``loss_values`` (one row per epoch for CTGAN, per batch for TVAE) once
    at the end of every epoch. Making ``loss_values`` a property turns that assignment into
    the hook: the setter stores the frame as the library expects and, while
    :meth:`reporting_to` is active, hands the epoch just ended and its losses
    (:meth:`epoch_losses`, one per subclass) to an :class:`EpochReporter`. No library code
    is replaced or patched; were a later version to assign less often, progress would only
    be coarser (the test suite checks one event per epoch).

    **CPU pickles.** ctgan's ``__getstate__`` moves the network to the CPU, copies
    ``__dict__`` and moves the network back to its device *before* pickle writes the copy
    (``nn.Module.to`` works in place), so a model trained on a GPU would be pickled with
    CUDA tensors and could not be loaded on a machine without one. Here the network is
    moved to the CPU first and stays there until the next sample moves it back.
    """

    _device: torch.device

    @property
    def loss_values(self) -> pd.DataFrame | None:
        return self.__dict__.get("_loss_values")

    @loss_values.setter
    def loss_values(self, frame: pd.DataFrame | None) -> None:
        self.__dict__["_loss_values"] = frame
        reporter = self.__dict__.get("_epoch_reporter")
        if reporter is None or frame is None or len(frame) == 0:
            return
        epoch = int(frame["Epoch"].iloc[-1])
        if epoch + 1 > reporter.done:
            reporter.epoch(epoch + 1, **self.epoch_losses(frame, epoch))

    @staticmethod
    def epoch_losses(losses: pd.DataFrame, epoch: int) -> dict[str, float]:
        """The losses of ``epoch`` (counted from 0) from the library's ``loss_values``."""
        raise NotImplementedError

    @contextmanager
    def reporting_to(self, reporter: EpochReporter) -> Iterator[None]:
        """Report each epoch that ends inside the block to ``reporter``."""
        self.__dict__["_epoch_reporter"] = reporter
        try:
            yield
        finally:
            self.__dict__.pop("_epoch_reporter", None)

    def place_on(self, device: torch.device) -> None:
        """Move the network to ``device`` unless it is there already."""
        if self._device != device:
            self.set_device(device)  # type: ignore[attr-defined]

    def __getstate__(self) -> dict[str, Any]:
        if self._device.type != "cpu":
            self.set_device(torch.device("cpu"))  # type: ignore[attr-defined]
        return super().__getstate__()  # type: ignore[misc]


@dataclass(frozen=True)
class Backend:
    """What differs between the generators built on the ctgan library."""

    name: str
    #: (params, batch_size, device) -> an unfitted synthesizer
    build: Callable[[dict[str, Any], int, torch.device], EpochReporting]
    #: cross-parameter rules, raising ParameterError; run before any data is touched
    check: Callable[[dict[str, Any]], None]
    #: what the batch size must be a multiple of (CTGAN: pac, and even)
    batch_multiple: Callable[[dict[str, Any]], int] = lambda params: 1

    def fit(
        self,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> LibraryModel:
        """Train this generator: what ``tabular_engine.backend.GeneratorPlugin`` calls."""
        return LibraryModel.fit(self, dataset, metadata, params, seed, progress)


@dataclass
class LibraryModel:
    """A fitted ctgan or tvae generator: the column codec and the library's synthesizer.

    ``synthesizer`` is None when no column needs a model (all constant, empty or ids).
    ``device`` is the parameter as given (``auto``, ``cpu``, ``cuda``), resolved again on
    the machine that samples; ``batch_size`` is the one actually trained with.
    """

    generator: str
    table_name: str
    codec: TableCodec
    synthesizer: EpochReporting | None
    device: str
    batch_size: int
    enforce_min_max_values: bool
    enforce_rounding: bool

    @classmethod
    def fit(
        cls,
        backend: Backend,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> LibraryModel:
        ((table_name, frame),) = dataset.items()
        backend.check(params)
        device = resolve_device(params["device"], backend.name)
        if len(frame) == 0:
            raise InputError(
                f"table {table_name!r} has no rows; generator {backend.name!r} needs at least "
                "one row to learn from"
            )
        codec = TableCodec.fit(
            frame, metadata.tables[table_name], max_categories=params["max_categories"]
        )
        _explain(codec, backend.name, table_name, params["max_categories"])
        model_frame = codec.encode(frame)
        batch_size = fit_batch_size(
            params["batch_size"], len(model_frame), backend.batch_multiple(params)
        )
        if batch_size != params["batch_size"]:
            logger.warning(
                f"table {table_name!r} has {len(model_frame)} rows, fewer than batch_size="
                f"{params['batch_size']}: training with batch_size={batch_size}",
                generator=backend.name,
                table=table_name,
                rows=len(model_frame),
                batch_size=batch_size,
            )
        synthesizer = None
        if len(model_frame.columns):
            synthesizer = backend.build(params, batch_size, device)
            reporter = EpochReporter(
                progress, backend.name, params["epochs"], table=table_name, device=str(device)
            )
            with (
                seeded(seed, device),
                reporter,
                synthesizer.reporting_to(reporter),
                warnings.catch_warnings(),
            ):
                _quiet_library_warnings()
                synthesizer.fit(model_frame, discrete_columns=codec.categorical)  # type: ignore[attr-defined]
        else:
            logger.info(
                "nothing to train: every column is constant, empty or an id",
                generator=backend.name,
                table=table_name,
            )
        return cls(
            generator=backend.name,
            table_name=table_name,
            codec=codec,
            synthesizer=synthesizer,
            device=params["device"],
            batch_size=batch_size,
            enforce_min_max_values=params["enforce_min_max_values"],
            enforce_rounding=params["enforce_rounding"],
        )

    def sample(self, num_rows: int, seed: int, row_offset: int) -> dict[str, pd.DataFrame]:
        """``num_rows`` rows drawn with ``seed`` only; ids numbered from ``row_offset``."""
        if self.synthesizer is None:
            model_frame = pd.DataFrame(index=range(num_rows))
        else:
            device = self._sampling_device()
            self.synthesizer.place_on(device)
            with seeded(seed, device), torch.no_grad(), warnings.catch_warnings():
                _quiet_library_warnings()
                model_frame = self.synthesizer.sample(num_rows)  # type: ignore[attr-defined]
        table = self.codec.decode(
            model_frame,
            row_offset=row_offset,
            enforce_min_max=self.enforce_min_max_values,
            enforce_rounding=self.enforce_rounding,
            seed=seed,
        )
        return {self.table_name: table}

    def _sampling_device(self) -> torch.device:
        """The device to sample on here, resolved (and warned about) once per process."""
        device = self.__dict__.get("_device_here")
        if device is None:
            device = resolve_device(self.device, self.generator, strict=False)
            self.__dict__["_device_here"] = device
        return device

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_device_here", None)
        return state


def _explain(codec: TableCodec, generator: str, table: str, max_categories: int) -> None:
    """Tell the user how columns were treated: notes at info, the rest as warnings."""
    for note in codec.notes:
        logger.info("column handling", generator=generator, table=table, note=note)
    for warning in codec.warnings:
        logger.warning("column handling", generator=generator, table=table, note=warning)
    for plan in codec.plans:
        if plan.kept is None:
            continue
        kept, folded = len(plan.kept), len(plan.rare_values)
        logger.warning(
            f"column {plan.name!r} has {kept + folded:,} distinct values, more than "
            f"max_categories={max_categories}: its {kept} most frequent values are modelled, "
            f"the other {folded:,} are drawn back at their real frequencies; raise "
            "max_categories to model more of them (more memory and time)",
            generator=generator,
            table=table,
            column=plan.name,
            distinct_values=kept + folded,
            modelled_values=kept,
        )


def _quiet_library_warnings() -> None:
    """Silence warnings the libraries raise on ordinary small data (inside catch_warnings).

    scikit-learn's Bayesian Gaussian mixture (behind the library's mode-specific
    normalization) warns that it did not converge on columns with few distinct values.
    """
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
