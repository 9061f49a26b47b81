"""The core imports fast: no torch, ctgan, sdv, rdt or copulas until a backend fits or samples."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "ctgan", "sdv", "rdt", "copulas", "jax", "snsynth", "dask", "distributed")
HEAVY += ("sdmetrics", "anonymeter", "matplotlib")  # the quality plugin's libraries

PROBE = """
import sys, runpy
sys.argv = {argv!r}
try:
    {code}
except SystemExit:
    pass
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["python"], "import tabular_engine"),
        (["tabular-engine", "--help"], "from tabular_engine.cli import main; main()"),
        (["tabular-engine", "plugins"], "from tabular_engine.cli import main; main()"),
        (["tabular-engine", "plugins", "--json"], "from tabular_engine.cli import main; main()"),
        (["tabular-engine", "sample", "--help"], "from tabular_engine.cli import main; main()"),
        (["tabular-engine", "run", "--help"], "from tabular_engine.cli import main; main()"),
        (["tabular-engine", "evaluate", "--help"], "from tabular_engine.cli import main; main()"),
        (["python"], "import tabular_engine.pipeline"),
    ],
)
def test_no_heavy_module_is_imported(argv, code):
    source = PROBE.format(argv=argv, code=code, heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="
