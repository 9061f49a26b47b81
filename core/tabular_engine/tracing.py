"""``TABULAR_ENGINE_TRACE_PLUGINS=1``: every plugin loaded and every hook call, logged.

The events go to stderr through the project's structured logs (console on a terminal,
JSON with ``--log-format json`` or when piped), whatever the log level, so a plugin
author sees which plugins answer a hook, with what arguments, what they return and how
long they take:

* ``plugin loaded``: entry point, distribution, version, status, generators, error;
* ``hook call``: hook, the plugins it reaches (in call order), its arguments;
* ``hook result`` (with the seconds it took) or ``hook error`` (with the exception).

Arguments and results are summarized (a DataFrame as ``DataFrame 100x14``), never dumped.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    import pluggy

    from .plugins import PluginRecord

TRACE_VARIABLE = "TABULAR_ENGINE_TRACE_PLUGINS"
_LONGEST_TEXT = 80


def tracing_enabled() -> bool:
    """Whether the user asked for plugin tracing."""
    return os.environ.get(TRACE_VARIABLE, "").strip() == "1"


def trace_logger() -> Any:
    """A logger with the project's processors that lets every level through."""
    if not structlog.is_configured():
        from .log import configure

        configure()
    return structlog.wrap_logger(
        None,
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        logger_factory_args=("tabular_engine.trace",),
    )


def trace_plugins(records: list[PluginRecord]) -> None:
    """Log what became of each plugin."""
    logger = trace_logger()
    for record in records:
        logger.info(
            "plugin loaded",
            entry_point=record.name,
            distribution=record.distribution,
            version=record.version,
            status=record.status,
            generators=record.generators,
            error=record.error or None,
        )


def trace_hook_calls(manager: pluggy.PluginManager) -> None:
    """Log every hook call of ``manager``: before, and after with its outcome."""
    logger = trace_logger()
    started: list[float] = []

    def before(hook_name: str, hook_impls: list, kwargs: dict[str, Any]) -> None:
        logger.info(
            "hook call",
            hook=hook_name,
            plugins=[impl.plugin_name for impl in reversed(hook_impls)],
            arguments={name: summarize(value) for name, value in kwargs.items()},
        )
        started.append(time.perf_counter())

    def after(outcome: Any, hook_name: str, hook_impls: list, kwargs: dict[str, Any]) -> None:
        seconds = round(time.perf_counter() - started.pop(), 6)
        if outcome.exception is not None:
            error = f"{type(outcome.exception).__name__}: {outcome.exception}"
            logger.info("hook error", hook=hook_name, seconds=seconds, error=error)
        else:
            result = summarize(outcome.get_result())
            logger.info("hook result", hook=hook_name, seconds=seconds, result=result)

    manager.add_hookcall_monitoring(before, after)


def summarize(value: Any, depth: int = 0) -> Any:
    """A short, JSON-friendly description of a hook argument or result."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= _LONGEST_TEXT else value[: _LONGEST_TEXT - 3] + "..."
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "columns"):
        return f"{type(value).__name__} {shape[0]}x{shape[1]}"
    if isinstance(value, dict) and depth < 2 and len(value) <= 20:
        return {str(key): summarize(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and depth < 2 and len(value) <= 20:
        return [summarize(item, depth + 1) for item in value]
    if isinstance(value, (dict, list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    tables = getattr(value, "tables", None)
    if isinstance(tables, dict):
        return f"{type(value).__name__} of tables {', '.join(map(str, tables))}"
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return f"{type(value).__name__} {name}"
    return type(value).__name__
