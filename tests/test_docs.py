"""The documentation: every hook documented with its exact signature, every page in the
site's navigation, and the MkDocs site building with --strict (generated tables included)."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import textwrap

import pytest
import yaml
from support import ROOT
from tabular_engine.plugins import create_plugin_manager

DOCS = ROOT / "docs"


def _spec_header(function) -> str:
    """The decorator and ``def`` line(s) of a hookspec, as written in hookspecs.py."""
    source = textwrap.dedent(inspect.getsource(function))
    (definition,) = ast.parse(source).body
    lines = source.splitlines()[: definition.body[0].lineno - 1]
    return _normalized("\n".join(lines))


def _normalized(code: str) -> str:
    return re.sub(r",\s*\)", ")", " ".join(code.split()).replace("( ", "("))


def _documented_hooks() -> dict[str, tuple[str, str]]:
    """Hook name -> (its signature block, its section's text) from docs/hooks.md."""
    text = (DOCS / "hooks.md").read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    documented = {}
    for section in sections:
        name, _, body = section.partition("\n")
        block = re.search(r"```python\n(.*?)```", body, flags=re.DOTALL)
        assert block, f"docs/hooks.md: section {name} has no signature block"
        documented[name.strip()] = _normalized(block.group(1)), body
    return documented


def test_every_hook_is_documented_with_its_exact_signature():
    documented = _documented_hooks()
    specs = {
        name: caller.spec
        for name, caller in vars(create_plugin_manager().hook).items()
        if caller.spec is not None
    }
    assert sorted(documented) == sorted(specs), "docs/hooks.md sections vs hookspecs.py"
    for name, spec in specs.items():
        signature, body = documented[name]
        assert signature == _spec_header(spec.function), f"docs/hooks.md: hook {name}"
        says_firstresult = "**firstresult.**" in body
        assert says_firstresult == bool(spec.opts.get("firstresult")), f"{name}: firstresult"


def _nav_pages(entries) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages.extend(_nav_pages(value) if isinstance(value, list) else [value])
    return pages


def test_every_page_is_in_the_navigation():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    in_nav = set(_nav_pages(config["nav"]))
    pages = {
        str(path.relative_to(DOCS))
        for path in DOCS.rglob("*.md")
        if not path.relative_to(DOCS).parts[0].startswith("_")
    }
    assert sorted(pages - in_nav) == [], "pages missing from the nav of mkdocs.yml"
    assert sorted(in_nav - pages) == [], "nav entries without a page"


@pytest.mark.slow
def test_the_site_builds_strictly_with_generated_references(tmp_path):
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    copula = (site / "backends" / "gaussian_copula" / "index.html").read_text()
    assert "default_distribution" in copula and "one of norm, beta" in copula
    ctgan = (site / "backends" / "ctgan" / "index.html").read_text()
    assert "discriminator_steps" in ctgan and "Parameters not shown" not in ctgan
    cli = (site / "cli" / "index.html").read_text()
    assert "--fit-rows" in cli and "tabular-engine sample" in cli
    api = (site / "api" / "index.html").read_text()
    assert "sample_sequences" in api and "GeneratorConformance" in api
    tutorial = (site / "writing-a-plugin" / "index.html").read_text()
    example = ROOT / "contrib" / "example-generator" / "tabular_engine_example" / "model.py"
    assert "IndependentMarginals" in tutorial
    assert "exact_columns" in tutorial and example.is_file()
    hooks = (site / "hooks" / "index.html").read_text()
    assert "budget_reserve" in hooks
