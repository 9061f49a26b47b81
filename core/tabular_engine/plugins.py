"""Finding plugins and the generators they provide.

Each entry point in the ``tabular_engine`` group is loaded on its own: one that fails to
import or register is recorded as failed, with its error, and never breaks the others.
Nothing here runs at ``import tabular_engine``; the registry is built on first use.

Environment variables:

* ``TABULAR_ENGINE_LOAD_PLUGINS=a,b`` loads only the plugins named, by entry-point or
  distribution name (empty: none): the way out when a broken plugin is in the way.
* ``TABULAR_ENGINE_STRICT_PLUGINS=1`` turns a plugin failure into an error, for CI and
  plugin authors.
* ``TABULAR_ENGINE_TRACE_PLUGINS=1`` logs every plugin loaded and every hook call
  (:mod:`tabular_engine.tracing`).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass, field, replace
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs
from .errors import (
    PluginConflictError,
    PluginLoadError,
    TabularEngineError,
    UnknownGeneratorError,
)
from .types import GeneratorInfo

DEFAULT_PLUGINS = ("tabular_engine.default_plugins.validation",)

#: First-party generators and the distribution that provides each, so a missing one can
#: be named with the exact ``pip install`` that fixes it.
KNOWN_GENERATORS = {
    "gaussian_copula": "tabular-engine-gaussian-copula",
    "ctgan": "tabular-engine-ctgan",
    "tvae": "tabular-engine-tvae",
    "smartnoise": "tabular-engine-smartnoise",
    "hma": "tabular-engine-hma",
    "par": "tabular-engine-par",
    "deepecho": "tabular-engine-deepecho",
}


@dataclass
class PluginRecord:
    """One entry point and what became of it."""

    name: str
    distribution: str
    version: str
    status: str = "ok"
    error: str = ""
    generators: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "generators": self.generators,
        }


@dataclass
class _Provided:
    info: GeneratorInfo
    plugin: object
    record: PluginRecord


class Registry:
    """The loaded plugins, the generators they provide, and the way to call one of them."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager
        self.plugins: list[PluginRecord] = []
        self._generators: dict[str, _Provided] = {}
        self._conflicts: dict[str, list[PluginRecord]] = {}

    # -- building -------------------------------------------------------------------

    def add_plugin(self, plugin: object, record: PluginRecord) -> None:
        """Register ``plugin`` and the generators it announces; record any failure."""
        self.plugins.append(record)
        try:
            self.manager.register(plugin, name=record.name)
        except Exception as error:
            record.status, record.error = "failed", _describe(error)
            return
        implementation = getattr(plugin, "register_generators", None)
        if implementation is None:
            return
        try:
            announced = _flatten(implementation())
            infos = [_complete(info, record) for info in announced]
        except Exception as error:
            self.manager.unregister(plugin)
            record.status, record.error = "failed", f"register_generators: {_describe(error)}"
            return
        for info in infos:
            record.generators.append(info.name)
            if info.name in self._conflicts:
                self._conflicts[info.name].append(record)
            elif info.name in self._generators:
                first = self._generators.pop(info.name).record
                self._conflicts[info.name] = [first, record]
            else:
                self._generators[info.name] = _Provided(info, plugin, record)
        for name, providers in self._conflicts.items():
            for provider in providers:
                provider.status = "conflict"
                provider.error = _conflict_message(name, providers)

    def add_failure(self, record: PluginRecord) -> None:
        self.plugins.append(record)

    # -- asking ---------------------------------------------------------------------

    def generators(self) -> list[GeneratorInfo]:
        """Every generator that can be used, sorted by name."""
        return [self._generators[name].info for name in sorted(self._generators)]

    def get(self, name: str) -> GeneratorInfo:
        """The generator called ``name``, or an error that says how to get it."""
        return self._provided(name).info

    def provider(self, name: str) -> PluginRecord:
        """The plugin (entry point) that provides generator ``name``."""
        return self._provided(name).record

    def _provided(self, name: str) -> _Provided:
        if name in self._generators:
            return self._generators[name]
        if name in self._conflicts:
            raise PluginConflictError(_conflict_message(name, self._conflicts[name]))
        failed = self._failed_provider(name)
        if failed is not None:
            raise PluginLoadError(
                f"generator {name!r} is provided by {failed.distribution} {failed.version}, "
                f"which failed to load: {failed.error}. Reinstall it or fix the error above; "
                "run 'tabular-engine plugins' to see every plugin's status"
            )
        if name in KNOWN_GENERATORS:
            raise UnknownGeneratorError(
                f"generator {name!r} is not installed; install it with: "
                f"pip install {KNOWN_GENERATORS[name]}"
            )
        available = ", ".join(sorted(self._generators)) or "none installed"
        message = f"unknown generator {name!r}; available generators: {available}"
        broken = [p for p in self.plugins if p.status == "failed"]
        if broken:
            message += "; plugins that failed to load: " + ", ".join(p.name for p in broken)
        raise UnknownGeneratorError(message)

    def _failed_provider(self, name: str) -> PluginRecord | None:
        distribution = KNOWN_GENERATORS.get(name)
        for record in self.plugins:
            if record.status == "failed" and distribution in (record.name, record.distribution):
                return record
        return None

    def call(self, hook: str, generator: str, **kwargs: Any) -> Any:
        """Call ``hook`` on the plugin that provides ``generator``, and on no other backend.

        Plugins that provide no generator at all (cross-cutting wrappers) still run.
        """
        owner = self._provided(generator).plugin
        backends = {p.plugin for p in self._generators.values()}
        others = [plugin for plugin in backends if plugin is not owner]
        caller = self.manager.subset_hook_caller(hook, remove_plugins=others)
        result = caller(generator=generator, **kwargs)
        if result is None:
            record = self._provided(generator).record
            raise PluginLoadError(
                f"plugin {record.distribution} registers generator {generator!r} but did not "
                f"answer the {hook!r} hook; report this to its author"
            )
        return result


def _flatten(announced: Any) -> list[GeneratorInfo]:
    infos = list(announced or [])
    for info in infos:
        if not isinstance(info, GeneratorInfo):
            raise TypeError(f"expected GeneratorInfo records, got {type(info).__name__}")
    return infos


def _complete(info: GeneratorInfo, record: PluginRecord) -> GeneratorInfo:
    return replace(
        info,
        distribution=info.distribution or record.distribution,
        version=info.version or record.version,
    )


def _conflict_message(name: str, providers: list[PluginRecord]) -> str:
    names = " and ".join(f"{p.distribution} {p.version}".strip() for p in providers)
    return (
        f"generator {name!r} is registered by both {names}; uninstall one of them "
        "or leave one out with TABULAR_ENGINE_LOAD_PLUGINS"
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def create_plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with the specs added and no plugins registered."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def build_registry(
    load_entry_points: bool = True, extra_plugins: tuple[object, ...] = ()
) -> Registry:
    """Load the default plugins, every allowed entry point and ``extra_plugins``."""
    from .tracing import trace_hook_calls, trace_plugins, tracing_enabled

    registry = Registry(create_plugin_manager())
    if tracing_enabled():
        trace_hook_calls(registry.manager)
    for module_name in DEFAULT_PLUGINS:
        module = importlib.import_module(module_name)
        registry.add_plugin(module, PluginRecord(module_name, "tabular-engine", _core_version()))
    if load_entry_points:
        for entry_point in _allowed(entry_points(group=hookspecs.ENTRY_POINT_GROUP)):
            _load_entry_point(registry, entry_point)
    for plugin in extra_plugins:
        name = getattr(plugin, "__name__", type(plugin).__name__)
        registry.add_plugin(plugin, PluginRecord(name, name, ""))
    if tracing_enabled():
        trace_plugins(registry.plugins)
    if os.environ.get("TABULAR_ENGINE_STRICT_PLUGINS") == "1":
        broken = [p for p in registry.plugins if not p.ok]
        if broken:
            raise PluginLoadError("; ".join(f"{p.name}: {p.error}" for p in broken))
    return registry


def _allowed(found: Any) -> list[EntryPoint]:
    """The entry points to load: all, or those TABULAR_ENGINE_LOAD_PLUGINS names.

    A name matches an entry point's own name or its distribution's, with or without the
    ``tabular-engine-`` prefix (so ``gaussian_copula`` names tabular-engine-gaussian-copula),
    compared the way pip compares package names (case, ``-``, ``_`` and ``.`` do not
    matter). Names matching
    nothing are reported, since a typo would otherwise silently load no plugin.
    """
    allow = os.environ.get("TABULAR_ENGINE_LOAD_PLUGINS")
    unique = {ep.name: ep for ep in found}
    if allow is None:
        return [unique[name] for name in sorted(unique)]
    chosen: dict[str, EntryPoint] = {}
    unmatched = []
    for wanted in (_canonical(name) for name in allow.split(",") if name.strip()):
        matches = [ep for ep in unique.values() if wanted in _entry_point_names(ep)]
        chosen.update((ep.name, ep) for ep in matches)
        if not matches:
            unmatched.append(wanted)
    if unmatched:
        from .log import get_logger

        get_logger(__name__).warning(
            "TABULAR_ENGINE_LOAD_PLUGINS names no installed plugin",
            unmatched=unmatched,
            installed=sorted(unique),
        )
    return list(chosen.values())


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _entry_point_names(entry_point: EntryPoint) -> set[str]:
    names = {_canonical(entry_point.name)}
    if entry_point.dist is not None:
        names.add(_canonical(entry_point.dist.name))
    return names | {name.removeprefix(_PREFIX) for name in names}


_PREFIX = "tabular-engine-"


def _load_entry_point(registry: Registry, entry_point: EntryPoint) -> None:
    distribution = entry_point.dist.name if entry_point.dist else entry_point.name
    version = entry_point.dist.version if entry_point.dist else ""
    record = PluginRecord(entry_point.name, distribution, version)
    try:
        plugin = entry_point.load()
    except Exception as error:
        record.status, record.error = "failed", _describe(error)
        registry.add_failure(record)
        print(
            f"tabular-engine: plugin {entry_point.name} failed to load: {record.error}",
            file=sys.stderr,
        )
        return
    registry.add_plugin(plugin, record)


def _core_version() -> str:
    from . import __version__

    return __version__


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        _registry = build_registry()
    return _registry


def reset_registry(registry: Registry | None = None) -> None:
    """Replace (or forget) the process-wide registry; for tests and embedding."""
    global _registry
    _registry = registry


__all__ = [
    "KNOWN_GENERATORS",
    "PluginRecord",
    "Registry",
    "TabularEngineError",
    "build_registry",
    "create_plugin_manager",
    "get_registry",
    "reset_registry",
]
