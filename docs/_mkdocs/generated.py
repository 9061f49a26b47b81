"""MkDocs hooks: tables generated from the installed plugins' registration records.

A page asks for a table with a marker on a line of its own:

* ``<!-- generators -->``: every installed generator, its kind, capabilities, package
  and licenses;
* ``<!-- parameters: NAME -->``: the parameters of generator ``NAME`` as it declares
  them (``GeneratorInfo.parameters``): type, default, allowed values, help.

A generator that is not installed gets a note saying which package to install, and a
warning, which fails a ``--strict`` build: the published site always has every table.
Adding a backend page is one file, ``docs/backends/NAME.md``, with its marker.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from tabular_engine.errors import TabularEngineError
from tabular_engine.plugins import KNOWN_GENERATORS, Registry, build_registry
from tabular_engine.types import GeneratorInfo, Parameter

log = logging.getLogger("mkdocs.plugins.tabular_engine")
MARKER = re.compile(r"^<!-- (generators|parameters: ([a-z][a-z0-9_]*)) -->$", re.MULTILINE)

_registry: Registry | None = None


def on_pre_build(config: Any, **kwargs: Any) -> None:
    """Load the installed plugins once per build."""
    global _registry
    _registry = build_registry()


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    """Replace each marker of the page with its generated table."""

    def render(match: re.Match) -> str:
        if match.group(2) is None:
            return generators_table(_loaded())
        return parameters_table(_loaded(), match.group(2), page.file.src_uri)

    return MARKER.sub(render, markdown)


def _loaded() -> Registry:
    global _registry
    if _registry is None:
        _registry = build_registry()
    return _registry


def generators_table(registry: Registry) -> str:
    """Every installed generator, as a Markdown table."""
    rows = [
        "| generator | kind | capabilities | package | license (wrapped library) |",
        "|---|---|---|---|---|",
    ]
    for info in registry.generators():
        capabilities = ", ".join(sorted(c.value for c in info.capabilities)) or "-"
        licenses = info.license
        if info.library:
            licenses += f" ({info.library}: {info.library_license})"
        rows.append(
            f"| `{info.name}` | {info.kind.value} | {capabilities} | "
            f"`{info.distribution}` {info.version} | {licenses} |"
        )
    return "\n".join(rows)


def parameters_table(registry: Registry, name: str, page: str) -> str:
    """The parameters of generator ``name`` as a Markdown table, or a note if not installed."""
    try:
        info = registry.get(name)
    except TabularEngineError as error:
        package = KNOWN_GENERATORS.get(name, f"the package that provides {name}")
        log.warning("%s: no parameter table for %r: %s", page, name, error)
        return (
            f'!!! note "Parameters not shown"\n    The parameter table is generated from the '
            f"installed plugin; install `{package}` and build the site again."
        )
    return _parameter_rows(info)


def _parameter_rows(info: GeneratorInfo) -> str:
    if not info.parameters:
        return f"`{info.name}` has no parameters."
    rows = ["| parameter | type | default | allowed | meaning |", "|---|---|---|---|---|"]
    for parameter in info.parameters:
        rows.append(
            f"| `{parameter.name}` | {parameter.type.__name__} | {_default(parameter)} | "
            f"{_escape(_allowed(parameter))} | {_escape(parameter.help)} |"
        )
    example = info.parameters[0]
    rows.append("")
    rows.append(
        f"Give them as `-p NAME=VALUE` on the command line (`-p {example.name}="
        f"{_cli_value(example.default)}`; JSON for lists and objects) or as keyword "
        f"arguments of `tabular_engine.fit(..., {example.name}=...)`."
    )
    return "\n".join(rows)


def _default(parameter: Parameter) -> str:
    if parameter.required:
        return "required"
    if parameter.default is None:
        return "-"
    return f"`{_cli_value(parameter.default)}`"


def _cli_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _allowed(parameter: Parameter) -> str:
    if parameter.type in (int, float) or parameter.choices:
        return parameter.describe_expected()
    return "-"


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
