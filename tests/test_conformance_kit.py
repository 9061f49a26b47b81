"""The conformance suite itself: it passes good plugins of each kind and catches broken ones.

The toy plugins of ``conformance_toys.py`` are installed as real entry points (a
dist-info folder each, in a temporary folder on PYTHONPATH) and the suite runs on them in
a fresh pytest process, as it runs in a plugin author's repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from support import ROOT
from tabular_engine.testing import GeneratorConformance

#: entry point (and distribution) name -> (attribute of conformance_toys, generator name)
TOYS = {
    "toy-bootstrap": ("single", "toy_bootstrap"),
    "toy-tables": ("multi", "toy_tables"),
    "toy-sequences": ("sequential", "toy_sequences"),
    "toy-seeds-numpy": ("seeds_numpy", "toy_seeds_numpy"),
    "toy-ignores-seed": ("ignores_seed", "toy_ignores_seed"),
    "toy-short": ("short", "toy_short"),
    "toy-invents": ("invents", "toy_invents"),
    "toy-loose": ("loose", "toy_loose"),
    "toy-heavy": ("heavy", "toy_heavy"),
    "toy-sloppy": ("sloppy", "toy_sloppy"),
}
#: one entry point name in two distributions: only one of them can load
DUPLICATE = ("toy-duplicate", ("toy-duplicate-a", "toy-duplicate-b"), "duplicate")

TESTS = sorted(name for name in dir(GeneratorConformance) if name.startswith("test_"))
KIND_TESTS = {
    "single_table": {"test_single_table_round_trip"},
    "multi_table": {"test_multi_table_round_trip", "test_multi_table_scale"},
    "sequential": {"test_sequential_round_trip", "test_sequential_context"},
}
CAPABILITY_TESTS = {
    "test_differentially_private_generator_declares_epsilon",
    "test_gpu_generator_can_run_on_the_cpu",
}
#: generator -> the only tests the suite must fail for it
BROKEN = {
    "toy_seeds_numpy": {"test_fit_leaves_global_random_state_untouched"},
    "toy_ignores_seed": {
        "test_sampling_is_reproducible_with_a_seed",
        "test_fitting_is_reproducible_with_a_seed",
        "test_save_load_sample",
    },
    "toy_short": {"test_single_table_round_trip"},
    "toy_invents": {"test_single_table_round_trip"},
    "toy_loose": {"test_invalid_params_are_parameter_errors"},
    "toy_heavy": {"test_plugin_module_imports_no_heavy_library"},
    "toy_sloppy": {"test_registration_record", "test_parameters_are_declared_completely"},
    "toy_duplicate": {"test_entry_point_name_is_unique"},
}

#: JUnit XML's element for each outcome
OUTCOMES = {"failure": "failed", "error": "error", "skipped": "skipped"}

CLASS = """
class Test_{generator}(GeneratorConformance):
    @pytest.fixture
    def generator_name(self):
        return "{generator}"

    @pytest.fixture
    def invalid_params(self):
        return [{{"weights_column": "NoSuchColumn"}}]
"""


def _distribution(site: Path, name: str, entry_point: str, target: str) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tabular_engine]\n{entry_point} = {target}\n")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[str, str]]:
    """(generator, test) -> (passed | failed | error | skipped, message), from one run."""
    folder = tmp_path_factory.mktemp("conformance")
    site = folder / "site"
    site.mkdir()
    for entry_point, (attribute, _) in TOYS.items():
        _distribution(site, entry_point, entry_point, f"conformance_toys:{attribute}")
    entry_point, distributions, attribute = DUPLICATE
    for name in distributions:
        _distribution(site, name, entry_point, f"conformance_toys:{attribute}")
    generators = [generator for _, generator in TOYS.values()] + ["toy_duplicate"]
    source = "import pytest\nfrom tabular_engine.testing import GeneratorConformance\n"
    source += "".join(CLASS.format(generator=generator) for generator in generators)
    source += "\n\nclass Test_unnamed(GeneratorConformance):\n    pass\n"
    (folder / "test_toys.py").write_text(source)
    (folder / "pytest.ini").write_text("[pytest]\n")
    report = folder / "report.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "tests")])}
    command = ["pytest", "test_toys.py", "-p", "no:cacheprovider", "-c", "pytest.ini"]
    subprocess.run(
        [sys.executable, "-m", *command, f"--junitxml={report}"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results = {}
    for case in ElementTree.parse(report).iter("testcase"):
        generator = case.get("classname").rpartition(".Test_")[2]
        outcome, message = "passed", ""
        for child in case:
            if child.tag in OUTCOMES:
                outcome, message = OUTCOMES[child.tag], child.get("message", "")
        results[generator, case.get("name")] = outcome, message
    return results


@pytest.mark.parametrize(
    ("generator", "kind"),
    [
        ("toy_bootstrap", "single_table"),
        ("toy_tables", "multi_table"),
        ("toy_sequences", "sequential"),
    ],
)
def test_a_good_plugin_of_each_kind_passes_its_kind_and_skips_the_rest(outcomes, generator, kind):
    expected_skips = CAPABILITY_TESTS | set().union(
        *(tests for other, tests in KIND_TESTS.items() if other != kind)
    )
    for test in TESTS:
        outcome, message = outcomes[generator, test]
        expected = "skipped" if test in expected_skips else "passed"
        assert outcome == expected, f"{test}: {outcome} {message}"


@pytest.mark.parametrize("generator", sorted(BROKEN))
def test_a_broken_plugin_fails_exactly_the_check_it_breaks(outcomes, generator):
    failed = {test for test in TESTS if outcomes[generator, test][0] in ("failed", "error")}
    assert failed == BROKEN[generator]


def test_failures_say_what_is_wrong(outcomes):
    leaks = outcomes["toy_seeds_numpy", "test_fit_leaves_global_random_state_untouched"]
    assert "numpy" in leaks[1]
    assert "copulas" in outcomes["toy_heavy", "test_plugin_module_imports_no_heavy_library"][1]
    assert "castle" in outcomes["toy_invents", "test_single_table_round_trip"][1]
    assert "toy-duplicate-a" in outcomes["toy_duplicate", "test_entry_point_name_is_unique"][1]
    assert "ValueError" in outcomes["toy_loose", "test_invalid_params_are_parameter_errors"][1]


def test_a_subclass_that_names_no_generator_is_told_how(outcomes):
    for test in TESTS:
        outcome, message = outcomes["unnamed", test]
        assert outcome in ("failed", "error"), test
        assert "generator_name" in message, message
