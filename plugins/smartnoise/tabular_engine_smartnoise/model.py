"""The smartnoise generator's model: a SmartNoise synthesizer behind the column plan.

Fitting runs inside :func:`tabular_engine.budget.before_data` until the first DP
mechanism runs, so a mistake found there (missing bounds, a bad parameter) gives the
budget reservation back. The DP noise is drawn from fresh OS entropy, never from the
user's seed: noise that could be replayed from a known seed would void the guarantee.
Sampling is post-processing and is reproducible from its seed.

Before the fitted state is kept, everything SmartNoise retains of the real rows (value
caches of its transformers, MWEM's exact histograms, DP-CTGAN's training matrix) is
dropped: a saved model holds only differentially private results.
"""

from __future__ import annotations

import contextlib
import io
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabular_engine.budget import before_data
from tabular_engine.errors import InputError, ModelFileError
from tabular_engine.log import get_logger

from .columns import CUBE, ColumnPlan, domain_cells, domain_warning, plan_columns
from .parameters import GANS, library_options

if TYPE_CHECKING:
    from tabular_engine.metadata import Metadata
    from tabular_engine.progress import Progress

logger = get_logger(__name__)


@dataclass
class SmartNoiseModel:
    """A fitted SmartNoise synthesizer and what is needed to give rows back their shape.

    ``privacy_spent`` is (ε, δ) charged to the budget: the whole ε asked for (the share
    spent inferring bounds included) and δ, or 0 for pure ε-DP synthesizers.
    """

    synthesizer_name: str
    table_name: str
    plan: ColumnPlan
    synthesizer: Any
    privacy_spent: tuple[float, float]
    preprocessor_epsilon_spent: float

    @classmethod
    def fit(
        cls,
        dataset: dict[str, pd.DataFrame],
        metadata: Metadata,
        params: dict[str, Any],
        seed: int,
        progress: Progress,
    ) -> SmartNoiseModel:
        ((table_name, frame),) = dataset.items()
        name = params["synthesizer"]
        with before_data():
            if len(frame) == 0:
                raise InputError(f"table {table_name!r} has no rows to learn from")
            options = library_options(params)
            plan = plan_columns(table_name, frame, metadata.tables[table_name], params)
            cells = domain_cells(plan, frame, params["bins"])
            warning = domain_warning(name, table_name, cells)
            if warning:
                logger.warning(warning, generator="smartnoise", synthesizer=name)
            transformer = _transformer(plan, name, params["bins"])
            with kept_random_state():  # importing snsynth, creating mst draw from them
                from snsynth import Synthesizer

                synthesizer = Synthesizer.create(name, **options)
            data = frame[plan.modelled]
        progress.start(f"smartnoise {name}: differentially private training", total=None)
        noise_seed = secrets.randbits(32)  # never the user's seed, see the module docstring
        chatter = io.StringIO()
        try:
            with (
                seeded(noise_seed, name),
                warnings.catch_warnings(),
                contextlib.redirect_stdout(chatter),
            ):
                warnings.simplefilter("ignore")
                synthesizer.fit(
                    data,
                    transformer=transformer,
                    preprocessor_eps=params["preprocessor_epsilon"] if plan.inferred else 0.0,
                )
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # pac-synth's Rust panics are BaseExceptions
            if plan.inferred and "could not find bounds" in str(error):
                raise InputError(
                    f"smartnoise could not infer the bounds of {', '.join(plan.inferred)} "
                    f"of table {table_name!r} privately from {len(frame)} rows with "
                    f"preprocessor_epsilon={params['preprocessor_epsilon']:g}: give public "
                    "bounds (--bounds COLUMN=LO:HI) or a larger preprocessor_epsilon; the "
                    "data was touched, so the budget stays charged"
                ) from None
            raise InputError(
                f"smartnoise {name} failed while training on table {table_name!r} "
                f"({type(error).__name__}: {error}); the data was touched, so the budget "
                "stays charged"
            ) from None
        finally:
            progress.finish()
        pre_spent = float(transformer.odometer.spent[0]) if plan.inferred else 0.0
        _forget_real_rows(synthesizer)
        delta = 0.0 if name == "mwem" else float(params["delta"])
        logger.info(
            "trained",
            generator="smartnoise",
            synthesizer=name,
            epsilon=params["epsilon"],
            preprocessor_epsilon_spent=pre_spent,
            inferred_bounds=plan.inferred,
        )
        return cls(
            synthesizer_name=name,
            table_name=table_name,
            plan=plan,
            synthesizer=synthesizer,
            privacy_spent=(float(params["epsilon"]), delta),
            preprocessor_epsilon_spent=pre_spent,
        )

    def sample(self, num_rows: int, seed: int, row_offset: int) -> dict[str, pd.DataFrame]:
        """``num_rows`` rows from ``seed`` only (post-processing: no privacy cost)."""
        with (
            seeded(seed, self.synthesizer_name),
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            drawn = self.synthesizer.sample(num_rows) if num_rows else None
        frame = pd.DataFrame(drawn, columns=self.plan.modelled)
        rng = np.random.default_rng(seed)
        frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
        return {self.table_name: self._restore(frame, num_rows, row_offset, rng)}

    def _restore(
        self, frame: pd.DataFrame, num_rows: int, row_offset: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        plan = self.plan
        out = {}
        for name in plan.order:
            if name in plan.ids:
                out[name] = pd.Series(np.arange(row_offset, row_offset + num_rows), dtype="int64")
                continue
            values = frame[name] if name in frame else pd.Series([None] * num_rows)
            if name in plan.continuous:
                out[name] = self._numbers(name, values, rng)
            else:
                out[name] = _categories(values, plan.dtypes[name])
        return pd.DataFrame(out)

    def _numbers(self, name: str, values: pd.Series, rng: np.random.Generator) -> pd.Series:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        bounds = self._bounds(name)
        if self.synthesizer_name in CUBE and bounds is not None:
            # a bin comes back as its midpoint: spread values over the bin instead
            low, high = bounds
            width = (high - low) / self._bins(name)
            numbers = numbers + rng.uniform(-width / 2, width / 2, size=len(numbers))
            numbers = np.clip(numbers, low, high)
        if self.plan.integer.get(name):
            numbers = np.round(numbers)
        return _with_dtype(pd.Series(numbers), self.plan.dtypes[name])

    def _column_transformer(self, name: str) -> Any:
        index = self.plan.modelled.index(name)
        column = self.synthesizer._transformer.transformers[index]
        return getattr(column, "transformers", [column])[-1]

    def _bounds(self, name: str) -> tuple[float, float] | None:
        column = self._column_transformer(name)
        low, high = getattr(column, "fit_lower", None), getattr(column, "fit_upper", None)
        if low is None or high is None:
            return None
        return float(low), float(high)

    def _bins(self, name: str) -> int:
        return int(getattr(self._column_transformer(name), "bins", 1))

    def __getstate__(self) -> dict[str, Any]:
        if self.synthesizer_name == "pacsynth":
            raise ModelFileError(
                "a pacsynth model cannot be saved: the pac-synth library's synthesizer cannot "
                "be written to a file; use 'tabular-engine generate' (fit and sample in one "
                "run) or another synthesizer"
            )
        import cloudpickle

        state = dict(self.__dict__)
        state["synthesizer"] = cloudpickle.dumps(self.synthesizer)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        import pickle

        state = dict(state)
        state["synthesizer"] = pickle.loads(state["synthesizer"])
        self.__dict__.update(state)


@contextlib.contextmanager
def seeded(seed: int, synthesizer: str) -> Iterator[None]:
    """Global random generators seeded from ``seed`` for the block, restored after it.

    SmartNoise draws from numpy's (and, for the GANs, torch's) global generators. The
    marginal-based synthesizers never touch torch, so they skip importing it.
    """
    if synthesizer in GANS:
        from tabular_engine.training import seeded as torch_seeded

        with torch_seeded(seed):
            yield
        return
    import random

    with kept_random_state():
        np.random.seed(seed)
        random.seed(seed)
        yield


@contextlib.contextmanager
def kept_random_state() -> Iterator[None]:
    """numpy's and ``random``'s global generators as they were before the block."""
    import random

    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def _categories(values: pd.Series, dtype: str) -> pd.Series:
    if dtype in ("bool", "boolean"):
        return values.astype("boolean")
    if dtype.lower().startswith(("int", "uint", "float")):
        numbers = pd.to_numeric(values, errors="coerce")
        if not dtype.lower().startswith("float"):
            numbers = numbers.round()
        return _with_dtype(numbers, dtype)
    return values.astype(object).where(values.notna(), None)


def _with_dtype(numbers: pd.Series, dtype: str) -> pd.Series:
    """``numbers`` as the real column's dtype; a numpy integer column with gaps as Int64."""
    if dtype.startswith(("int", "uint")) and numbers.isna().any():
        return numbers.astype("Int64")
    return numbers.astype(dtype)


def _transformer(plan: ColumnPlan, synthesizer: str, bins: int) -> Any:
    """SmartNoise's table transformer for the plan: public bounds, no inference from data."""
    from snsynth.transform import (
        BinTransformer,
        ChainTransformer,
        LabelTransformer,
        MinMaxTransformer,
        OneHotEncoder,
    )
    from snsynth.transform.table import TableTransformer

    cube = synthesizer in CUBE
    columns = []
    for name in plan.modelled:
        # pac-synth may leave a value empty: every column must take missing values
        nullable = plan.nullable[name] or synthesizer == "pacsynth"
        if name in plan.continuous:
            low, high = plan.bounds.get(name, (None, None))
            if cube:
                columns.append(BinTransformer(bins=bins, lower=low, upper=high, nullable=nullable))
            else:
                columns.append(MinMaxTransformer(lower=low, upper=high, nullable=nullable))
        elif cube:
            columns.append(LabelTransformer(nullable=nullable))
        else:
            columns.append(ChainTransformer([LabelTransformer(nullable=nullable), OneHotEncoder()]))
    return TableTransformer(columns)


def _forget_real_rows(synthesizer: Any) -> None:
    """Drop what SmartNoise keeps of the real rows after fitting (see the module docstring)."""
    transformer = getattr(synthesizer, "_transformer", None)
    for column in getattr(transformer, "transformers", []):
        for part in [column, *getattr(column, "transformers", [])]:
            if hasattr(part, "_fit_vals"):
                part._fit_vals = []
    for attribute in ("data", "histograms"):  # MWEM: the rows and their exact histograms
        if hasattr(synthesizer, attribute):
            setattr(synthesizer, attribute, None)
    sampler = getattr(synthesizer, "_data_sampler", None)  # DP-CTGAN: the training matrix
    if sampler is not None and hasattr(sampler, "_data"):
        sampler._data = None
    conditions = getattr(synthesizer, "cond_generator", None)  # PATE-CTGAN
    if conditions is not None and getattr(conditions, "_data", None) is not None:
        conditions._data = _uniform_condition_rows(conditions)
    if hasattr(synthesizer, "dataset"):  # pac-synth keeps its input dataset
        synthesizer.dataset = None


def _uniform_condition_rows(sampler: Any) -> np.ndarray:
    """Rows that stand in for PATE-CTGAN's training matrix when it draws conditions.

    At generation time the library picks the category to condition on from a random real
    row (``sample_original_condvec``), which would keep every real row in the model. These
    rows hold each category of every discrete column equally often instead: conditions are
    drawn uniformly over the (public) categories, and no real row is kept.
    """
    counts = list(sampler._discrete_column_n_category)
    starts = list(sampler._discrete_column_matrix_st)
    rows = np.zeros((max(counts, default=1), sampler._data.shape[1]), dtype="float32")
    for start, count in zip(starts, counts, strict=True):
        for row in range(len(rows)):
            rows[row, start + row % count] = 1.0
    return rows
