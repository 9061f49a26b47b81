"""Reaching a Dask cluster: a scheduler at an address, a client given, or a local cluster.

Dask (``dask[distributed]``, the ``tabular-engine[dask]`` extra) is imported here and only
when a Dask run starts, never at ``import tabular_engine``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import ExecutorError, ParameterError

INSTALL_HINT = "pip install 'tabular-engine[dask]'"


def import_distributed() -> Any:
    """The ``distributed`` module, or a clear error saying how to install it."""
    try:
        import distributed
    except ImportError as error:
        raise ParameterError(
            f"--executor dask needs Dask's distributed scheduler ({error}); install it with: "
            f"{INSTALL_HINT}"
        ) from None
    return distributed


def local_worker_count() -> int:
    """The CPUs this process may use: one single-threaded worker process each."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def connect(
    scheduler: str | None = None,
    *,
    client: Any = None,
    workers: int | None = None,
    processes: bool = True,
    connect_timeout: float = 10.0,
) -> Iterator[Any]:
    """A ``distributed.Client``: ``client`` as given (left open), one connected to
    ``scheduler``, or one on a new local cluster of ``workers`` processes (closed after)."""
    if client is not None:
        yield client
        return
    distributed = import_distributed()
    if scheduler is not None:
        with _remote(distributed, scheduler, connect_timeout) as remote:
            yield remote
        return
    with _children_ignore_ctrl_c(processes):
        cluster = distributed.LocalCluster(
            n_workers=workers or local_worker_count(),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            # a task's failure comes back to the client as its exception; what the
            # workers log at ERROR is shutdown noise (a heartbeat to a scheduler that
            # already closed, after Ctrl-C or SIGTERM), printed as a traceback
            silence_logs=logging.CRITICAL,
        )
    try:
        with distributed.Client(cluster, set_as_default=False) as local:
            yield local
    finally:
        cluster.close()


@contextmanager
def _children_ignore_ctrl_c(processes: bool) -> Iterator[None]:
    """Worker processes started in this block ignore Ctrl-C (SIGINT goes to the whole
    terminal process group); the client stops them itself, without their tracebacks.

    An ignored signal stays ignored in a child across exec, which a handler would not.
    A Ctrl-C during the cluster's start-up (a second or two) is lost.
    """
    if not processes or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _remote(distributed: Any, address: str, timeout: float) -> Iterator[Any]:
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise ExecutorError(
            f"the Dask scheduler at {address!r} did not answer within {timeout:g} s ({reason}); "
            "check the address (e.g. tcp://host:8786) and that the scheduler runs, or leave out "
            "--scheduler to start a local cluster"
        ) from None
    try:
        yield client
    finally:
        client.close()


def wait_for_workers(client: Any, timeout: float) -> dict[str, int]:
    """The workers' addresses and thread counts, once at least one worker is there."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise ExecutorError(
            f"the Dask scheduler at {client.scheduler.address!r} has no workers after "
            f"{timeout:g} s; start some (dask worker {client.scheduler.address}) and try again"
        ) from None
    return dict(client.nthreads())


def check_worker_versions(client: Any, generator: str, expected: dict[str, str]) -> None:
    """Refuse workers whose tabular-engine or generator plugin differ from this machine's."""
    from .parts import installed_versions

    try:
        found = client.run(installed_versions, generator)
    except (ImportError, AttributeError) as error:
        raise ExecutorError(
            f"the Dask workers cannot run tabular-engine ({type(error).__name__}: {error}); "
            f"install tabular-engine {expected['core']} and the {generator} plugin on every worker"
        ) from None
    for worker, versions in sorted(found.items()):
        if versions != expected:
            raise ExecutorError(
                f"worker {worker} has tabular-engine {versions['core']} and {generator} plugin "
                f"{versions['plugin']}, this machine {expected['core']} and {expected['plugin']}; "
                "install the same versions on every worker"
            )
