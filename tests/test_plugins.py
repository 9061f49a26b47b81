"""Plugin discovery: isolation of broken plugins, conflicts, dispatch to one backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from support import generator_not_installed
from tabular_engine.errors import PluginConflictError, UnknownGeneratorError
from tabular_engine.hookspecs import hookimpl
from tabular_engine.metadata import detect
from tabular_engine.plugins import build_registry
from tabular_engine.progress import NullProgress
from tabular_engine.types import GeneratorInfo, Kind, SampleOptions


class RecordingBackend:
    """A real (tiny) backend that remembers every hook call it receives."""

    def __init__(self, name: str, plugin_name: str = "") -> None:
        self.name = name
        self.__name__ = plugin_name or f"recording-{name}"
        self.calls: list[str] = []

    @hookimpl
    def register_generators(self):
        return [GeneratorInfo(self.name, Kind.SINGLE_TABLE, f"{self.name} backend")]

    @hookimpl
    def fit(self, generator, dataset, metadata, params, seed, progress):
        self.calls.append(f"fit:{generator}")
        return None if generator != self.name else {"rows": len(next(iter(dataset.values())))}

    @hookimpl
    def sample(self, generator, state, num_rows, seed, row_offset):
        self.calls.append(f"sample:{generator}")
        if generator != self.name:
            return None
        return {"table": pd.DataFrame({"x": range(row_offset, row_offset + num_rows)})}


def test_fit_and_sample_reach_only_the_backend_asked_for():
    alpha, beta = RecordingBackend("alpha"), RecordingBackend("beta")
    registry = build_registry(load_entry_points=False, extra_plugins=(alpha, beta))
    frame = pd.DataFrame({"x": [1, 2, 3]})
    state = registry.call(
        "fit",
        "alpha",
        dataset={"table": frame},
        metadata=detect({"table": frame}),
        params={},
        seed=1,
        progress=NullProgress(),
    )
    registry.call(
        "sample", "alpha", state=state, num_rows=2, seed=1, row_offset=0, options=SampleOptions()
    )
    assert alpha.calls == ["fit:alpha", "sample:alpha"]
    assert beta.calls == []


def test_two_plugins_with_one_generator_name_is_an_error_naming_both():
    registry = build_registry(
        load_entry_points=False,
        extra_plugins=(
            RecordingBackend("same", "first"),
            RecordingBackend("same", "second"),
            RecordingBackend("ok"),
        ),
    )
    with pytest.raises(PluginConflictError, match="'same' is registered by both"):
        registry.get("same")
    assert registry.get("ok").name == "ok"
    statuses = {p.name: p.status for p in registry.plugins if p.generators}
    assert list(statuses.values()).count("conflict") == 2


def test_unknown_generator_lists_the_available_ones():
    registry = build_registry(load_entry_points=False, extra_plugins=(RecordingBackend("alpha"),))
    with pytest.raises(UnknownGeneratorError, match=r"unknown generator 'nope'.*alpha"):
        registry.get("nope")


def test_known_generator_not_installed_names_the_package_to_install():
    registry = build_registry(load_entry_points=False)
    with pytest.raises(UnknownGeneratorError, match="pip install tabular-engine-ctgan"):
        registry.get("ctgan")


def test_a_plugin_whose_registration_raises_is_failed_not_fatal():
    class Broken:
        __name__ = "broken"

        @hookimpl
        def register_generators(self):
            raise RuntimeError("boom")

    registry = build_registry(
        load_entry_points=False, extra_plugins=(Broken(), RecordingBackend("alpha"))
    )
    broken = next(p for p in registry.plugins if p.name == "broken")
    assert broken.status == "failed"
    assert "RuntimeError: boom" in broken.error
    assert registry.get("alpha").name == "alpha"


# -- real entry points, in a fresh process -----------------------------------------------------


def _fake_distribution(site: Path, name: str, module: str, source: str) -> None:
    """Install a tiny distribution with an entry point in ``site`` (a sys.path folder)."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tabular_engine]\n{name} = {module}\n")


def _cli(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    return site


def test_a_plugin_that_fails_to_import_is_listed_and_named_when_asked_for(
    site, credit_path, tmp_path
):
    missing = generator_not_installed()
    if missing is None:
        pytest.skip("every first-party generator is installed here")
    generator, package = missing
    _fake_distribution(site, package, "fake_backend", "import torch_that_is_not_installed\n")
    listed = _cli(site, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    records = {p["name"]: p for p in json.loads(listed.stdout)}
    assert records[package]["status"] == "failed"
    assert "torch_that_is_not_installed" in records[package]["error"]
    assert records["tabular-engine-gaussian-copula"]["status"] == "ok"

    output = tmp_path / "out.csv"
    asked = _cli(site, "generate", str(credit_path), "-g", generator, "-n", "5", "-o", str(output))
    assert asked.returncode == 2
    assert f"{package} 1.0, which failed to load" in asked.stderr
    assert "torch_that_is_not_installed" in asked.stderr
    assert not output.exists()

    works = _cli(
        site,
        "generate",
        str(credit_path),
        "-g",
        "gaussian_copula",
        "-n",
        "5",
        "-o",
        str(output),
        "--seed",
        "1",
    )
    assert works.returncode == 0, works.stderr
    assert len(pd.read_csv(output)) == 5


def test_duplicate_generator_from_an_entry_point_is_reported_with_both_providers(site):
    _fake_distribution(
        site,
        "copycat",
        "copycat",
        """
        from tabular_engine.hookspecs import hookimpl
        from tabular_engine.types import GeneratorInfo, Kind

        @hookimpl
        def register_generators():
            return [GeneratorInfo("gaussian_copula", Kind.SINGLE_TABLE, "a copy")]
    """,
    )
    listed = _cli(site, "plugins", "--json")
    records = {p["name"]: p for p in json.loads(listed.stdout)}
    assert records["copycat"]["status"] == "conflict"
    assert "tabular-engine-gaussian-copula" in records["copycat"]["error"]
    assert "copycat 1.0" in records["copycat"]["error"]


def test_load_plugins_allow_list_leaves_out_the_others(site):
    env = {**os.environ, "TABULAR_ENGINE_LOAD_PLUGINS": ""}
    listed = subprocess.run(
        [sys.executable, "-m", "tabular_engine", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(listed.stdout) == []


class BootstrapModel:
    """A tiny model for GeneratorPlugin: resamples the real rows."""

    def __init__(self, name: str, frame: pd.DataFrame) -> None:
        self.name, self.frame = name, frame

    @classmethod
    def fit(cls, dataset, metadata, params, seed, progress):
        ((name, frame),) = dataset.items()
        return cls(name, frame)

    def sample(self, num_rows, seed, row_offset):
        return {self.name: self.frame.sample(num_rows, replace=True, random_state=seed)}


def test_generator_plugin_provides_the_usual_hooks_and_imports_the_model_late():
    from tabular_engine.backend import GeneratorPlugin

    plugin = GeneratorPlugin(
        GeneratorInfo("bootstrap", Kind.SINGLE_TABLE, "resample rows"),
        model="test_plugins:BootstrapModel",
    )
    registry = build_registry(load_entry_points=False, extra_plugins=(plugin,))
    frame = pd.DataFrame({"x": [1, 2, 3]})
    state = registry.call(
        "fit",
        "bootstrap",
        dataset={"t": frame},
        metadata=detect({"t": frame}),
        params={},
        seed=1,
        progress=NullProgress(),
    )
    assert isinstance(state, BootstrapModel)
    sampled = registry.call(
        "sample",
        "bootstrap",
        state=state,
        num_rows=5,
        seed=2,
        row_offset=0,
        options=SampleOptions(),
    )
    assert set(sampled["t"]["x"]) <= {1, 2, 3}
    assert (
        plugin.fit(generator="other", dataset={}, metadata=None, params={}, seed=0, progress=None)
        is None
    )
    with pytest.raises(ValueError, match=r"package\.module:Class"):
        GeneratorPlugin(plugin.info, model="no_colon")
