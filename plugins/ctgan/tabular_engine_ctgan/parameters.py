"""Parameters shared by the generators built on the ctgan library, and their checks.

Both ``ctgan`` and ``tvae`` build their :class:`GeneratorInfo` from these records, so this
module is as cheap to import as a ``plugin.py`` must be: no torch, no ctgan.

The core checks each value on its own (type, bounds, choices). The checks here are the
rules that involve several values or the items of a list, run before any data is touched,
so a mistake is a :class:`ParameterError` naming the parameter, never a failure deep inside
torch.
"""

from __future__ import annotations

import math
from typing import Any

from tabular_engine.errors import ParameterError
from tabular_engine.training import DEVICE_PARAMETER
from tabular_engine.types import Parameter

EPOCHS = Parameter(
    "epochs",
    int,
    300,
    help="Passes over the training data (at least 1).",
    minimum=1,
)

MAX_CATEGORIES = Parameter(
    "max_categories",
    int,
    100,
    help="Most distinct values of a categorical column that are one-hot encoded for the "
    "network. A column with more keeps its most frequent values and folds the rest into one "
    "category, drawn back from those values at their real frequencies (a warning says so). "
    "Raise it to model more values, at the cost of memory and time.",
    minimum=2,
)

ENFORCE_MIN_MAX_VALUES = Parameter(
    "enforce_min_max_values",
    bool,
    True,
    help="Clip numerical and datetime values to the range seen in the real data.",
)

ENFORCE_ROUNDING = Parameter(
    "enforce_rounding",
    bool,
    True,
    help="Round numerical values to the decimals seen in the real data (integer columns are "
    "always integers).",
)

DEVICE = DEVICE_PARAMETER


def batch_size(help_text: str) -> Parameter:
    return Parameter("batch_size", int, 500, help=help_text, minimum=1)


def layer_sizes(name: str, default: list[int], help_text: str) -> Parameter:
    return Parameter(name, list, default, help=help_text)


def check_layer_sizes(generator: str, params: dict[str, Any], *names: str) -> None:
    """Each of ``names`` must be a list of whole numbers of at least 1."""
    for name in names:
        sizes = params[name]
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ParameterError(
                    f"parameter {name!r} of generator {generator!r}: got {sizes!r}; expected a "
                    f"list of layer sizes, each a whole number of at least 1, e.g. [256, 256]"
                )


def pac_multiple(pac: int) -> int:
    """What CTGAN's batch size must be a multiple of: ``pac``, and even.

    The discriminator judges rows in packs of ``pac`` and the ctgan library asserts an even
    batch size.
    """
    return math.lcm(pac, 2)


def check_batch_size_and_pac(generator: str, params: dict[str, Any]) -> None:
    """``batch_size`` must be a multiple of ``pac`` and even, with suggestions if not."""
    size, pac = params["batch_size"], params["pac"]
    step = pac_multiple(pac)
    if size % step == 0:
        return
    below = size // step * step
    suggestions = [value for value in (below, below + step) if value >= step]
    rule = f"a multiple of pac ({pac})"
    if step != pac:  # the ctgan library also asserts an even batch size
        rule = f"an even multiple of pac ({pac}), that is a multiple of {step}"
    raise ParameterError(
        f"parameter 'batch_size' of generator {generator!r} is {size}, which is not {rule}: "
        f"the discriminator judges rows in packs of pac; use "
        + " or ".join(f"-p batch_size={value}" for value in suggestions)
        + ", or change pac"
    )
