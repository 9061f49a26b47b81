"""The smartnoise generator's parameters, and which SmartNoise synthesizer uses which.

Cheap to import (no snsynth): ``plugin.py`` builds its :class:`GeneratorInfo` from here.
"""

from __future__ import annotations

from typing import Any

from tabular_engine.errors import ParameterError
from tabular_engine.types import Parameter

SYNTHESIZERS = ("mst", "aim", "mwem", "dpctgan", "patectgan", "pacsynth")

#: The DP mechanism each synthesizer's noise comes from, as the aumos privacy engine names it.
MECHANISMS = {
    "mst": "gaussian",
    "aim": "gaussian",
    "mwem": "laplace",
    "dpctgan": "subsampled",
    "patectgan": "laplace",
    "pacsynth": "gaussian",
}

COMMON = (
    Parameter(
        "synthesizer",
        str,
        "mst",
        help="SmartNoise synthesizer: mst (marginals on a spanning tree, the default), aim "
        "(adaptive marginals), mwem (multiplicative weights), dpctgan and patectgan "
        "(differentially private GANs, torch), pacsynth (aggregate seeded; cannot be saved).",
        choices=SYNTHESIZERS,
    ),
    Parameter(
        "epsilon",
        float,
        None,
        help="Privacy budget epsilon of the whole job (0 < epsilon <= 10), the share spent "
        "inferring bounds included; charged to the tenant's budget. --epsilon E.",
        minimum=0,
        maximum=10,
        exclusive_minimum=True,
        required=True,
    ),
    Parameter(
        "delta",
        float,
        1e-9,
        help="Privacy budget delta (0 <= delta < 1); mwem is pure epsilon-DP and spends none. "
        "--delta D.",
        minimum=0,
        maximum=0.999999999,
    ),
    Parameter(
        "preprocessor_epsilon",
        float,
        0.0,
        help="Part of epsilon spent inferring the bounds of continuous columns that have none "
        "(from --bounds or metadata min/max); 0 refuses such columns.",
        minimum=0,
    ),
    Parameter(
        "bounds",
        dict,
        None,
        help='Public bounds of continuous columns, {"col": [low, high]}; --bounds COL=LO:HI.',
    ),
    Parameter(
        "bins",
        int,
        10,
        help="Bins of each continuous column for mst, aim, mwem and pacsynth.",
        minimum=2,
    ),
)

#: parameter -> (synthesizers that take it, the library's keyword)
OWN: dict[str, tuple[tuple[str, ...], str]] = {}


def _own(synthesizers: tuple[str, ...], parameter: Parameter, keyword: str = "") -> Parameter:
    OWN[parameter.name] = (synthesizers, keyword or parameter.name)
    return parameter


GANS = ("dpctgan", "patectgan")

SPECIFIC = (
    _own(
        ("aim",), Parameter("max_model_size", int, 80, help="aim: largest model, in MB.", minimum=1)
    ),
    _own(
        ("aim",),
        Parameter("degree", int, 2, help="aim: size of the marginals measured.", minimum=2),
    ),
    _own(
        ("aim",),
        Parameter(
            "max_cells", int, 10000, help="aim: most cells of a marginal it may measure.", minimum=1
        ),
    ),
    _own(
        ("aim",),
        Parameter(
            "rounds", int, None, help="aim: measurement rounds; default 16 x columns.", minimum=1
        ),
    ),
    _own(
        ("mwem",),
        Parameter(
            "iterations",
            int,
            None,
            help="mwem: rounds of query selection; library default.",
            minimum=1,
        ),
    ),
    _own(
        ("mwem",),
        Parameter(
            "q_count",
            int,
            None,
            help="mwem: random queries to choose from; library default.",
            minimum=1,
        ),
    ),
    _own(
        ("mwem",),
        Parameter(
            "split_factor",
            int,
            None,
            help="mwem: columns per independent histogram; library default.",
            minimum=1,
        ),
    ),
    _own(
        ("mwem",),
        Parameter(
            "mult_weights_iterations",
            int,
            20,
            help="mwem: multiplicative-weights passes per round.",
            minimum=1,
        ),
    ),
    _own(
        GANS, Parameter("epochs", int, 300, help="dpctgan, patectgan: training epochs.", minimum=1)
    ),
    _own(
        GANS,
        Parameter(
            "batch_size", int, 500, help="dpctgan, patectgan: rows per step (even).", minimum=2
        ),
    ),
    _own(
        ("dpctgan",),
        Parameter(
            "sigma",
            float,
            5.0,
            help="dpctgan: noise multiplier of DP-SGD.",
            minimum=0,
            exclusive_minimum=True,
        ),
    ),
    _own(
        ("dpctgan",),
        Parameter(
            "max_per_sample_grad_norm",
            float,
            1.0,
            help="dpctgan: gradient clipping norm.",
            minimum=0,
            exclusive_minimum=True,
        ),
    ),
    _own(
        ("patectgan",),
        Parameter(
            "noise_multiplier",
            float,
            1e-3,
            help="patectgan: noise of the teachers' votes.",
            minimum=0,
            exclusive_minimum=True,
        ),
    ),
    _own(
        ("pacsynth",),
        Parameter(
            "reporting_length",
            int,
            3,
            help="pacsynth: longest column combination counted.",
            minimum=1,
        ),
    ),
)

PARAMETERS = COMMON + SPECIFIC


def library_options(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``snsynth.Synthesizer.create`` for ``params``, checked.

    A parameter of another synthesizer, set away from its default, is an error naming the
    synthesizers that take it.
    """
    name = params["synthesizer"]
    if params["preprocessor_epsilon"] >= params["epsilon"]:
        raise ParameterError(
            f"parameter 'preprocessor_epsilon' ({params['preprocessor_epsilon']:g}) of "
            f"generator 'smartnoise' must be less than epsilon ({params['epsilon']:g}): it is "
            "spent out of epsilon"
        )
    defaults = {p.name: p.default for p in SPECIFIC}
    options: dict[str, Any] = {"epsilon": float(params["epsilon"])}
    if name != "mwem":
        options["delta"] = float(params["delta"])
    for parameter, (takers, keyword) in OWN.items():
        value = params.get(parameter, defaults[parameter])
        if name in takers:
            if value is not None:
                options[keyword] = value
        elif value != defaults[parameter]:
            raise ParameterError(
                f"parameter {parameter!r} of generator 'smartnoise' applies to "
                f"{', '.join(takers)} only, not to synthesizer {name!r}; leave it out"
            )
    if name in GANS:
        if options["batch_size"] % 2:
            raise ParameterError(
                f"parameter 'batch_size' of generator 'smartnoise' must be even for {name}, "
                f"got {options['batch_size']}"
            )
        options["verbose"] = False
        options["cuda"] = False
    return options
