"""What travels through the engine: the inputs and results of its workflows.

These are the only values Temporal stores in a workflow's history, so they hold store names,
order and refund ids, idempotency keys, counts and amounts, never credentials (they stay in each
worker's stores config) and never customer payloads (orders are read and written by the
activities, straight between the platform and the destination).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "DEFAULT_ADDRESS",
    "DEFAULT_TASK_QUEUE",
    "REFUND_ACTIVITY",
    "SYNC_ACTIVITY",
    "UNSETTLED",
    "RefundJob",
    "RefundOutcome",
    "SyncJob",
    "WorkerStores",
]

#: The Temporal frontend a local ``temporal server start-dev`` listens on.
DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_TASK_QUEUE = "unified-orders"
SYNC_ACTIVITY = "unified-orders.sync-store"
REFUND_ACTIVITY = "unified-orders.create-refund"
#: The failure type of a refund workflow whose refund is unsettled (details: the outcome).
UNSETTLED = "RefundUnsettled"


@dataclass(frozen=True)
class SyncJob:
    """Sync one store: the ``sync`` command's options, by value (the destination is the
    worker's own ``--db``: a PostgreSQL URL may hold a password)."""

    store: str
    full: bool = False
    lookback_minutes: int = 30
    window_days: int = 30
    details: bool = True
    keep_raw: bool = True
    #: a worker silent for this long is taken for dead; its store is resumed on another worker
    heartbeat_seconds: float = 60.0


@dataclass(frozen=True)
class RefundJob:
    """Create one refund of a bulk run: the group's key is the workflow id."""

    store: str
    order: str
    key: str
    #: the canonical ``RefundRequest`` as JSON (line ids, quantities, amounts)
    request: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    notify: bool = False
    heartbeat_seconds: float = 30.0


@dataclass(frozen=True)
class RefundOutcome:
    """What became of a refund: ``refunded``, ``already-refunded``, ``failed``, ``pending``
    or ``ambiguous`` (the bulk run's outcomes), with the refund's id and total where known."""

    outcome: str
    refund_id: str = ""
    amount: str = ""
    currency: str = ""
    message: str = ""
    #: the refund already carried the key on the platform (an earlier attempt made it)
    found_by_key: bool = False

    @property
    def unsettled(self) -> bool:
        """No refund was made, or whether one was is unknown, or it is still pending: a later
        run of the same key must be able to try again (its workflow fails, so Temporal lets the
        id be used again)."""
        return self.outcome in ("ambiguous", "pending") or (
            self.outcome == "failed" and not self.refund_id
        )


class WorkerStores(Protocol):
    """What a worker's activities need from the worker's own stores config."""

    def sync_source(self, name: str) -> Any:
        """A factory of the ``AsyncStore`` named ``name`` (a ``StoreSource``)."""
        ...

    def refund(self, job: RefundJob) -> RefundOutcome:
        """Create the refund ``job`` names, exactly once (blocking)."""
        ...
