"""What the conformance suite compares: global random state, heavy imports, sampled tables.

Helpers of :class:`~tabular_engine.testing.GeneratorConformance`, usable on their own.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..metadata import Metadata

#: Libraries a plugin module must not import at import time (the core imports every
#: plugin to list generators): they belong inside fit and sample.
HEAVY_MODULES = (
    "torch",
    "sdv",
    "snsynth",
    "jax",
    "tensorflow",
    "ctgan",
    "deepecho",
    "copulas",
    "rdt",
    "opacus",
)


def global_random_state(import_torch: bool = False) -> dict[str, Any]:
    """Snapshots of numpy's legacy global generator, ``random``'s, and torch's if imported.

    With ``import_torch``, torch is imported first when it is installed, so that a fit
    that imports it can be checked too (torch seeds itself randomly on import).
    """
    import numpy as np

    if import_torch and "torch" not in sys.modules and importlib.util.find_spec("torch"):
        importlib.import_module("torch")
    state: dict[str, Any] = {"numpy": np.random.get_state(), "random": random.getstate()}
    torch = sys.modules.get("torch")
    if torch is not None:
        state["torch"] = torch.random.get_rng_state()
    return state


def changed_random_state(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the global generators whose state differs between two snapshots.

    A torch imported in between is compared with the state it had on import, unless it
    was seeded again.
    """
    import numpy as np

    changed = []
    old, new = before["numpy"], after["numpy"]
    if old[0] != new[0] or not np.array_equal(old[1], new[1]) or old[2:] != new[2:]:
        changed.append("numpy (np.random's global state)")
    if before["random"] != after["random"]:
        changed.append("random (the random module's global state)")
    if "torch" in after:
        torch = sys.modules["torch"]
        reference = before.get("torch")
        if reference is None:
            reference = torch.Generator().manual_seed(torch.initial_seed()).get_state()
        if not torch.equal(reference, after["torch"]):
            changed.append("torch (torch's default generator)")
    return changed


_IMPORT_PROBE = """
import json, sys
from importlib.metadata import entry_points

(entry_point,) = {{ep.name: ep for ep in entry_points(group={group!r})
                  if ep.name == {name!r}}}.values()
plugin = entry_point.load()
register = getattr(plugin, "register_generators", None)
if register is not None:
    register()
heavy = set({heavy!r})
print(json.dumps(sorted({{m for m in sys.modules if m.split(".")[0] in heavy}})))
"""


def heavy_modules_imported_by(
    entry_point: str, heavy: tuple[str, ...] = HEAVY_MODULES
) -> list[str]:
    """Heavy modules a fresh interpreter holds after loading ``entry_point`` and registering.

    Runs in a subprocess, so what this process imported does not count.
    """
    from ..hookspecs import ENTRY_POINT_GROUP

    probe = _IMPORT_PROBE.format(group=ENTRY_POINT_GROUP, name=entry_point, heavy=heavy)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"loading entry point {entry_point!r} in a fresh interpreter failed:\n{result.stderr}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def table_problems(
    name: str, synthetic: pd.DataFrame, real: pd.DataFrame, metadata: Metadata
) -> list[str]:
    """How a synthetic table differs in shape from the real one it imitates.

    Columns (names and order), dtypes, and categorical or boolean values outside the real
    values (a missing value counts only if the real column has missing values).
    """
    problems = []
    if list(synthetic.columns) != list(real.columns):
        problems.append(
            f"table {name!r}: columns {list(synthetic.columns)} instead of {list(real.columns)}"
        )
        return problems
    for column in real.columns:
        if synthetic[column].dtype != real[column].dtype:
            problems.append(
                f"table {name!r}, column {column!r}: dtype {synthetic[column].dtype} "
                f"instead of {real[column].dtype}"
            )
    for column, described in metadata.tables[name].columns.items():
        if described.sdtype not in ("categorical", "boolean"):
            continue
        domain = set(real[column].dropna())
        foreign = sorted(map(str, set(synthetic[column].dropna()) - domain))
        if foreign:
            problems.append(
                f"table {name!r}, column {column!r}: values not in the real data: {foreign[:5]}"
            )
        if synthetic[column].isna().any() and not real[column].isna().any():
            problems.append(
                f"table {name!r}, column {column!r}: missing values, the real data has none"
            )
    return problems


def broken_references(tables: dict[str, pd.DataFrame], metadata: Metadata) -> list[str]:
    """Foreign keys of synthetic child tables that match no primary key of the parent."""
    problems = []
    for relation in metadata.relationships:
        parent = tables[relation["parent_table_name"]][relation["parent_primary_key"]]
        child = tables[relation["child_table_name"]][relation["child_foreign_key"]]
        dangling = set(child.dropna()) - set(parent.dropna())
        if dangling:
            problems.append(
                f"{relation['child_table_name']}.{relation['child_foreign_key']}: "
                f"{len(dangling)} value(s) with no row in {relation['parent_table_name']}, "
                f"e.g. {sorted(map(str, dangling))[:3]}"
            )
    return problems


def assert_same_dataset(first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]) -> None:
    """Raise AssertionError (pandas' message) unless both datasets are equal, table by table."""
    import pandas as pd

    assert list(first) == list(second), f"tables {list(first)} and {list(second)}"
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=f"table {name!r}")
