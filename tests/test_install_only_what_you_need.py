"""Installing only the backends you need, checked in fresh virtual environments.

Each environment is made with ``python -m venv`` and filled with pip from a copy of this
repository, as a user would install it (not editable): the core alone, then with the
gaussian_copula backend added; the core with the ctgan backend, then tvae added.
Downloads come from pip's cache after the first run. Each test prints the time of each
install and the environment's installed size (run with ``-s`` to see them); README.md
reports the sizes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CREDIT = ROOT / "docs" / "examples" / "credit.csv"
#: torch's CPU build, which pip finds locally; a plain ``torch`` pulls several GB of CUDA.
TORCH = "torch==2.13.0"


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """The packages of this repository, copied without build leftovers or virtualenvs."""
    target = tmp_path_factory.mktemp("repository")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist", ".venv*")
    shutil.copytree(ROOT / "core", target / "core", ignore=ignore)
    shutil.copytree(ROOT / "plugins", target / "plugins", ignore=ignore)
    return target


class Environment:
    """A fresh virtual environment and the commands run in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        self.bin = path / "bin"

    def run(self, *args: object, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL"))}
        result = subprocess.run(
            [str(arg) for arg in args], capture_output=True, text=True, env=env, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result

    def pip(self, *args: object, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(
            self.bin / "python", "-m", "pip", "--disable-pip-version-check", *args, check=check
        )

    def install(self, *requirements: object) -> None:
        started = time.perf_counter()
        self.pip("install", "-q", *requirements)
        seconds = time.perf_counter() - started
        print(f"\npip install {' '.join(map(str, requirements))}: {seconds:.0f} s")

    def cli(self, *args: object, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(self.bin / "tabular-engine", *args, check=check)

    def installed(self, distribution: str) -> bool:
        return self.pip("show", "-q", distribution, check=False).returncode == 0

    def size_mb(self) -> float:
        total = 0
        for folder, _, files in os.walk(self.path):
            for name in files:
                total += os.lstat(os.path.join(folder, name)).st_size
        return total / 1e6

    def report_size(self, label: str) -> float:
        size = self.size_mb()
        print(f"\ninstalled size, {label}: {size:.0f} MB")
        return size


def test_the_core_alone_then_with_gaussian_copula_needs_no_torch(sources, tmp_path):
    env = Environment(tmp_path / "light")
    env.install(sources)
    listed = env.cli("plugins")
    assert "No generator plugins installed" in listed.stdout
    assert env.cli("plugins", "--json").stdout.strip() == "[]"
    asked = env.cli(
        "generate", CREDIT, "-g", "ctgan", "-n", 5, "-o", tmp_path / "out.csv", check=False
    )
    assert asked.returncode == 2
    assert "pip install tabular-engine-ctgan" in asked.stderr
    assert not (tmp_path / "out.csv").exists()
    assert not env.installed("torch")
    env.report_size("core alone")

    env.install(sources, sources / "plugins" / "gaussian_copula")
    assert not env.installed("torch")  # pip show torch fails
    assert not env.installed("sdv")
    output = tmp_path / "synthetic.csv"
    env.cli("generate", CREDIT, "-g", "gaussian_copula", "-n", 200, "-o", output, "--seed", 1)
    assert len(output.read_text().splitlines()) == 201
    env.report_size("core + gaussian_copula")


def test_the_core_with_ctgan_generates_and_tvae_adds_on_top(sources, tmp_path):
    env = Environment(tmp_path / "ctgan")
    env.install(TORCH)
    env.install(sources, sources / "plugins" / "ctgan")
    assert env.installed("torch")
    assert not env.installed("sdv")  # the ctgan library, not SDV
    assert not env.installed("tabular-engine-gaussian-copula")
    listed = env.cli("plugins")
    assert "ctgan" in listed.stdout
    assert "gaussian_copula" not in listed.stdout
    output = tmp_path / "ctgan.csv"
    fast = ["-p", "epochs=2", "-p", "batch_size=100"]
    env.cli("generate", CREDIT, "-g", "ctgan", "-n", 200, "-o", output, "--seed", 1, *fast)
    assert len(output.read_text().splitlines()) == 201
    env.report_size("core + ctgan")

    env.install(sources / "plugins" / "ctgan", sources / "plugins" / "tvae")
    output = tmp_path / "tvae.csv"
    env.cli("generate", CREDIT, "-g", "tvae", "-n", 200, "-o", output, "--seed", 1, *fast)
    assert len(output.read_text().splitlines()) == 201
    env.report_size("core + ctgan + tvae")
