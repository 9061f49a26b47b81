"""Structured logging with structlog: readable on a terminal, JSON when asked or piped."""

from __future__ import annotations

import logging
import sys

import structlog


def configure(log_format: str | None = None, verbosity: int = 0) -> None:
    """Set up structlog for the CLI.

    Args:
        log_format: ``"console"`` or ``"json"``; default console on a terminal, JSON otherwise.
        verbosity: -1 quiet (errors only), 0 warnings and progress events, 1 info, 2 debug.
    """
    if log_format is None:
        log_format = "console" if sys.stderr.isatty() else "json"
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str = "tabular_engine") -> structlog.typing.FilteringBoundLogger:
    """A structlog logger; warnings only on stderr until the application configures logging."""
    if not structlog.is_configured():
        configure(verbosity=0)
    return structlog.get_logger(name)
