"""TABULAR_ENGINE_LOAD_PLUGINS (an allow-list) and TABULAR_ENGINE_TRACE_PLUGINS (hook calls).

Through the command line in fresh processes, with real entry points: the installed
plugins, and small distributions written into a temporary folder on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from support import ROOT

CREDIT_100 = ROOT / "core" / "tabular_engine" / "testing" / "data" / "credit.csv"
ACME = """
from tabular_engine.backend import GeneratorPlugin
from tabular_engine.types import GeneratorInfo, Kind

plugin = GeneratorPlugin(
    GeneratorInfo("acme", Kind.SINGLE_TABLE, "Acme's generator.", license="MIT"),
    model="acme_generators:Nothing",
)
"""


def _distribution(site: Path, name: str, entry_point: str, target: str, source: str) -> None:
    module = target.partition(":")[0]
    (site / f"{module}.py").write_text(source)
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tabular_engine]\n{entry_point} = {target}\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder with two extra plugins: acme (entry point 'acme' of 'acme-generators') and
    one whose import fails."""
    site = tmp_path / "site"
    site.mkdir()
    _distribution(site, "acme-generators", "acme", "acme_generators:plugin", ACME)
    _distribution(site, "broken-plugin", "broken-plugin", "broken_plugin", "import no_such_lib\n")
    return site


def _cli(*args: object, site: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    for name in ("TABULAR_ENGINE_LOAD_PLUGINS", "TABULAR_ENGINE_TRACE_PLUGINS"):
        if name not in env:
            environment.pop(name, None)
    if site is not None:
        environment["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "tabular_engine", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def _listed(result: subprocess.CompletedProcess) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {record["name"]: record for record in json.loads(result.stdout)}


def _events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_allow_list_by_entry_point_or_distribution_name(site):
    everything = _listed(_cli("plugins", "--json", site=site))
    assert {"acme", "broken-plugin", "tabular-engine-gaussian-copula"} <= set(everything)

    by_distribution = _cli(
        "plugins",
        "--json",
        site=site,
        TABULAR_ENGINE_LOAD_PLUGINS=" Acme_Generators , tabular-engine-gaussian-copula",
    )
    assert set(_listed(by_distribution)) == {"acme", "tabular-engine-gaussian-copula"}
    assert by_distribution.stderr == ""  # the broken plugin is not even imported

    by_entry_point = _cli("plugins", "--json", site=site, TABULAR_ENGINE_LOAD_PLUGINS="acme")
    assert set(_listed(by_entry_point)) == {"acme"}
    assert _listed(_cli("plugins", "--json", site=site, TABULAR_ENGINE_LOAD_PLUGINS=" , ")) == {}

    by_short_name = _cli(
        "plugins", "--json", site=site, TABULAR_ENGINE_LOAD_PLUGINS="gaussian_copula"
    )
    assert set(_listed(by_short_name)) == {"tabular-engine-gaussian-copula"}
    nothing = _cli("plugins", site=site, TABULAR_ENGINE_LOAD_PLUGINS="no_such_plugin")
    assert "No plugin loaded: TABULAR_ENGINE_LOAD_PLUGINS='no_such_plugin'" in nothing.stdout


def test_allow_list_is_the_way_out_of_a_broken_plugin(site, tmp_path):
    output = tmp_path / "out.csv"
    args = ("generate", CREDIT_100, "-g", "gaussian_copula", "-n", "5", "-o", output)
    strict = _cli(*args, site=site, TABULAR_ENGINE_STRICT_PLUGINS="1")
    assert strict.returncode == 2
    assert "no_such_lib" in strict.stderr
    assert not output.exists()

    allowed = _cli(
        *args,
        site=site,
        TABULAR_ENGINE_STRICT_PLUGINS="1",
        TABULAR_ENGINE_LOAD_PLUGINS="tabular-engine-gaussian-copula",
    )
    assert allowed.returncode == 0, allowed.stderr
    assert len(pd.read_csv(output)) == 5


def test_allow_list_names_matching_nothing_are_reported(site):
    result = _cli(
        "--log-format",
        "json",
        "plugins",
        "--json",
        site=site,
        TABULAR_ENGINE_LOAD_PLUGINS="acme,acmee",
    )
    assert set(_listed(result)) == {"acme"}
    (warning,) = _events(result.stderr)
    assert warning["event"] == "TABULAR_ENGINE_LOAD_PLUGINS names no installed plugin"
    assert warning["unmatched"] == ["acmee"]
    assert "acme" in warning["installed"]


def test_trace_logs_plugins_and_each_hook_call_with_its_plugins(tmp_path):
    output = tmp_path / "out.csv"
    args = ("generate", CREDIT_100, "-g", "gaussian_copula", "-n", "5", "-o", output, "--seed", "1")
    traced = _cli("--log-format", "json", *args, TABULAR_ENGINE_TRACE_PLUGINS="1")
    assert traced.returncode == 0, traced.stderr
    events = _events(traced.stderr)
    loaded = {e["entry_point"]: e for e in events if e["event"] == "plugin loaded"}
    assert loaded["tabular-engine-gaussian-copula"]["generators"] == ["gaussian_copula"]
    assert loaded["tabular-engine-gaussian-copula"]["status"] == "ok"
    calls = [e for e in events if e["event"] == "hook call"]
    order = [call["hook"] for call in calls]
    assert order.index("fit") < order.index("sample") < order.index("validate")
    fit, sample, validate = (calls[order.index(hook)] for hook in ("fit", "sample", "validate"))
    assert fit["plugins"] == ["tabular-engine-gaussian-copula"]  # no other backend
    assert fit["arguments"]["dataset"] == {"credit": "DataFrame 100x14"}
    assert fit["arguments"]["seed"] == 1
    assert sample["arguments"]["num_rows"] == 5
    assert validate["plugins"] == ["tabular_engine.default_plugins.validation"]
    results = {e["hook"]: e for e in events if e["event"] == "hook result"}
    assert {"fit", "sample", "validate"} <= set(results)
    assert results["sample"]["result"] == {"credit": "DataFrame 5x14"}
    assert results["fit"]["result"] == "GaussianCopulaModel"
    assert all(r["seconds"] >= 0 for r in results.values())
    assert all(e["level"] and e["timestamp"] for e in events)

    untraced = _cli("--log-format", "json", *args)
    assert untraced.returncode == 0, untraced.stderr
    assert not [e for e in _events(untraced.stderr) if "hook" in e or "entry_point" in e]


def test_trace_reports_a_hook_that_raises_and_the_error_stays_one_line(tmp_path):
    output = tmp_path / "out.csv"
    traced = _cli(
        "--log-format",
        "console",
        "generate",
        CREDIT_100,
        "-g",
        "gaussian_copula",
        "-n",
        "5",
        "-o",
        output,
        "-p",
        'numerical_distributions={"Age": "cauchy"}',
        TABULAR_ENGINE_TRACE_PLUGINS="1",
    )
    assert traced.returncode == 2
    lines = traced.stderr.splitlines()
    assert any("hook call" in line and "hook=fit" in line for line in lines)
    (error,) = [line for line in lines if "hook error" in line]
    assert "ParameterError" in error and "cauchy" in error
    assert lines[-1].startswith("Error: parameter 'numerical_distributions'")
    assert "Traceback" not in traced.stderr
    assert not output.exists()
