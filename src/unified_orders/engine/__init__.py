"""Scale-out on Temporal: sync workflows per store and refund workflows per idempotency key.

``unified-orders worker`` runs activities with the worker's own stores config;
``unified-orders sync --engine temporal`` and ``refunds create --from-csv ... --engine temporal``
start the workflows and wait for their results. Temporal runs at most one workflow per id, so a
store (``sync:<store>``) is synced by one worker at a time and a refund (its idempotency key) is
sent by one worker at a time, on any number of machines.

``temporalio`` is an optional extra (``pip install 'unified-orders[temporal]'``) and is imported
only inside this package; :func:`require_temporal` turns its absence into a
:class:`~unified_orders.errors.ConfigurationError` naming the pip command.
"""

from __future__ import annotations

import importlib.util

from ..errors import ConfigurationError
from .jobs import (
    DEFAULT_ADDRESS,
    DEFAULT_TASK_QUEUE,
    RefundJob,
    RefundOutcome,
    SyncJob,
    WorkerStores,
)

__all__ = [
    "DEFAULT_ADDRESS",
    "DEFAULT_TASK_QUEUE",
    "INSTALL_HINT",
    "RefundJob",
    "RefundOutcome",
    "SyncJob",
    "WorkerStores",
    "require_temporal",
]

INSTALL_HINT = "pip install 'unified-orders[temporal]'"


def require_temporal() -> None:
    """Refuse, with the command that fixes it, when the ``temporal`` extra is not installed."""
    try:
        found = importlib.util.find_spec("temporalio") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigurationError(
            f"the Temporal engine needs the temporalio package: {INSTALL_HINT}"
        )
