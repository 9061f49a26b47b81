"""Choosing the budget backend: the aumos privacy engine when configured, else the ledger."""

from __future__ import annotations

import os
from typing import Any

URL_ENV = "TABULAR_ENGINE_PRIVACY_ENGINE_URL"
TOKEN_ENV = "TABULAR_ENGINE_PRIVACY_ENGINE_TOKEN"
TIMEOUT_ENV = "TABULAR_ENGINE_PRIVACY_ENGINE_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 10.0


def current_backend() -> Any:
    """An :class:`AumosClient` when $TABULAR_ENGINE_PRIVACY_ENGINE_URL is set, else a
    :class:`Ledger`; both keep their records in the ledger file."""
    from tabular_engine.budget import _number

    from .ledger import Ledger

    ledger = Ledger()
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        return ledger
    from .aumos import AumosClient

    timeout = _number(
        os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_SECONDS), TIMEOUT_ENV, "a number of seconds"
    )
    return AumosClient(url, os.environ.get(TOKEN_ENV, ""), ledger, timeout=timeout)
