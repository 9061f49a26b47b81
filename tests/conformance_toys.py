"""Toy generator plugins of each kind, to test the conformance suite itself.

Each is real (it fits and samples the tiny datasets) but trivial: it resamples the real
rows, tables or sequences. ``tests/test_conformance_kit.py`` installs them as entry points
in a temporary folder and runs the suite on them; the ``Broken*`` variants each break one
rule, so the test can check that the suite catches it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tabular_engine.backend import GeneratorPlugin
from tabular_engine.errors import ParameterError
from tabular_engine.hookspecs import hookimpl
from tabular_engine.types import Capability, GeneratorInfo, Kind, Parameter

WEIGHTS = Parameter(
    "weights_column",
    str,
    "",
    help="A numerical column whose values weight the rows drawn; empty: equal weights.",
)
REPEATS = Parameter("repeats", int, 1, help="How often each draw is repeated.", minimum=1)


def _info(name: str, kind: Kind, **fields) -> GeneratorInfo:
    fields.setdefault("parameters", (WEIGHTS, REPEATS))
    fields.setdefault("license", "Apache-2.0")
    return GeneratorInfo(name, kind, f"Toy {kind.value} generator: resamples.", **fields)


def _weights(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    if not column:
        return None
    if column not in frame.columns:
        raise ParameterError(f"parameter 'weights_column' names {column!r}, no such column")
    values = frame[column].astype("float64").fillna(0).clip(lower=0).to_numpy()
    return values / values.sum()


# -- single table ---------------------------------------------------------------------------


class Bootstrap:
    """A single table: rows drawn with replacement, from the model's own generator."""

    def __init__(self, name: str, frame: pd.DataFrame, weights: np.ndarray | None) -> None:
        self.name, self.frame, self.weights = name, frame, weights

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        ((name, frame),) = dataset.items()
        return cls(name, frame, _weights(frame, params["weights_column"]))

    def rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng(seed)

    def sample(self, num_rows, seed, row_offset):
        picked = self.rng(seed).choice(len(self.frame), size=num_rows, p=self.weights)
        return {self.name: self.frame.iloc[picked].reset_index(drop=True)}


class BootstrapSeedingNumpy(Bootstrap):
    """Breaks a rule: seeds numpy's global generator when it fits."""

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        np.random.seed(seed)
        return super().fit(dataset, metadata, params, seed, progress)


class BootstrapIgnoringTheSeed(Bootstrap):
    """Breaks a rule: draws differently every time."""

    def rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng()


class BootstrapOneRowShort(Bootstrap):
    """Breaks a rule: returns one row fewer than asked."""

    def sample(self, num_rows, seed, row_offset):
        ((name, frame),) = super().sample(num_rows, seed, row_offset).items()
        return {name: frame.iloc[1:].reset_index(drop=True)}


class BootstrapInventingCategories(Bootstrap):
    """Breaks a rule: a categorical value that is not in the real data."""

    def sample(self, num_rows, seed, row_offset):
        ((name, frame),) = super().sample(num_rows, seed, row_offset).items()
        frame.loc[0, "Home"] = "castle"
        return {name: frame}


class BootstrapWithLooseChecks(Bootstrap):
    """Breaks a rule: a bad parameter fails with a ValueError, not a ParameterError."""

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        ((_, frame),) = dataset.items()
        if params["weights_column"] and params["weights_column"] not in frame.columns:
            raise ValueError("bad column")
        return super().fit(dataset, metadata, params, seed, progress)


class HeavyOnRegistration(GeneratorPlugin):
    """Breaks a rule: imports a heavy library when it registers."""

    @hookimpl
    def register_generators(self):
        import copulas  # noqa: F401

        return [self.info]


# -- multi table ----------------------------------------------------------------------------


class BootstrapTables:
    """Parent rows drawn with replacement under new keys, each with its original children."""

    def __init__(self, dataset, metadata) -> None:
        self.tables = dataset
        (relation,) = metadata.relationships
        self.parent = relation["parent_table_name"]
        self.key = relation["parent_primary_key"]
        self.child = relation["child_table_name"]
        self.foreign_key = relation["child_foreign_key"]

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        _weights(dataset[next(iter(dataset))], params["weights_column"])
        return cls(dataset, metadata)

    def sample(self, num_rows, seed, row_offset, options):
        parents = self.tables[self.parent]
        if options.scale is not None:
            num_rows = round(options.scale * len(parents))
        rng = np.random.default_rng(seed)
        drawn = parents.iloc[rng.choice(len(parents), size=num_rows)].reset_index(drop=True)
        new_keys = [f"P{row_offset + i}" for i in range(num_rows)]
        children = self.tables[self.child]
        families = []
        for old_key, new_key in zip(drawn[self.key], new_keys, strict=True):
            family = children[children[self.foreign_key] == old_key].copy()
            family[self.foreign_key] = new_key
            families.append(family)
        drawn[self.key] = new_keys
        child = pd.concat(families, ignore_index=True) if families else children.iloc[:0]
        return {self.parent: drawn, self.child: child.astype(children.dtypes.to_dict())}


# -- sequences ------------------------------------------------------------------------------


class BootstrapSequences:
    """Whole real sequences drawn with replacement, numbered anew; context respected."""

    def __init__(self, name: str, frame: pd.DataFrame, key: str) -> None:
        self.name, self.frame, self.key = name, frame, key

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        ((name, frame),) = dataset.items()
        _weights(frame, params["weights_column"])
        return cls(name, frame, metadata.tables[name].sequence_key)

    def sample(self, num_rows, seed, row_offset, options):
        rng = np.random.default_rng(seed)
        firsts = self.frame.drop_duplicates(self.key)
        if options.context is None:
            keys = rng.choice(firsts[self.key].to_numpy(), size=num_rows)
        else:
            keys = [
                rng.choice(firsts.loc[(firsts[row.index] == row).all(axis=1), self.key])
                for _, row in options.context.iterrows()
            ]
        parts = []
        for number, key in enumerate(keys, start=row_offset + 1):
            part = self.frame[self.frame[self.key] == key].copy()
            part[self.key] = number
            parts.append(part)
        table = pd.concat(parts, ignore_index=True) if parts else self.frame.iloc[:0]
        return {self.name: table.astype(self.frame.dtypes.to_dict())}


# -- the plugins, as entry points name them ---------------------------------------------------

single = GeneratorPlugin(
    _info("toy_bootstrap", Kind.SINGLE_TABLE), model="conformance_toys:Bootstrap"
)
multi = GeneratorPlugin(
    _info("toy_tables", Kind.MULTI_TABLE), model="conformance_toys:BootstrapTables"
)
sequential = GeneratorPlugin(
    _info(
        "toy_sequences",
        Kind.SEQUENTIAL,
        capabilities=frozenset({Capability.CONDITIONAL_SAMPLING}),
    ),
    model="conformance_toys:BootstrapSequences",
)
seeds_numpy = GeneratorPlugin(
    _info("toy_seeds_numpy", Kind.SINGLE_TABLE),
    model="conformance_toys:BootstrapSeedingNumpy",
)
ignores_seed = GeneratorPlugin(
    _info("toy_ignores_seed", Kind.SINGLE_TABLE),
    model="conformance_toys:BootstrapIgnoringTheSeed",
)
short = GeneratorPlugin(
    _info("toy_short", Kind.SINGLE_TABLE), model="conformance_toys:BootstrapOneRowShort"
)
invents = GeneratorPlugin(
    _info("toy_invents", Kind.SINGLE_TABLE),
    model="conformance_toys:BootstrapInventingCategories",
)
loose = GeneratorPlugin(
    _info("toy_loose", Kind.SINGLE_TABLE), model="conformance_toys:BootstrapWithLooseChecks"
)
heavy = HeavyOnRegistration(
    _info("toy_heavy", Kind.SINGLE_TABLE), model="conformance_toys:Bootstrap"
)
sloppy = GeneratorPlugin(
    _info(
        "toy_sloppy",
        Kind.SINGLE_TABLE,
        license="",
        parameters=(WEIGHTS, Parameter("repeats", int, 1)),
    ),
    model="conformance_toys:Bootstrap",
)
duplicate = GeneratorPlugin(
    _info("toy_duplicate", Kind.SINGLE_TABLE), model="conformance_toys:Bootstrap"
)
