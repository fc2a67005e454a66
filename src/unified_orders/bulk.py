"""The bulk export seam: a platform that exports every order of a query as one file.

Some platforms run a large read server-side and hand back a file (Shopify Bulk Operations: a
``bulkOperationRunQuery`` job, then a JSONL file at a URL on another host). An adapter offers it
through ``Adapter.bulk_export()`` (None: the platform has none); the sync's bulk phase
(:mod:`unified_orders.sync.bulk`) drives it. Everything here is sans-I/O: the operations are
:data:`~unified_orders.exchange.Op` generators, and a :class:`BulkReader` turns the file's lines,
fed one at a time, into orders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from .errors import PlatformError
from .exchange import Op, OrderDetails, Page
from .lookup import OrderQuery
from .models import Order, Return

__all__ = [
    "BulkBusy",
    "BulkExport",
    "BulkJob",
    "BulkJobFailed",
    "BulkMismatch",
    "BulkOrder",
    "BulkReader",
    "BulkStatus",
    "ReturnsReader",
]


class BulkStatus(StrEnum):
    """Where a bulk job is."""

    CREATED = "created"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELING = "canceling"
    CANCELED = "canceled"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def finished(self) -> bool:
        """Whether the job will not change any more (its file ready, or never coming)."""
        return self in (
            BulkStatus.COMPLETED,
            BulkStatus.CANCELED,
            BulkStatus.FAILED,
            BulkStatus.EXPIRED,
        )


@dataclass(frozen=True)
class BulkJob:
    """One bulk job as the platform reports it. ``objects`` counts every object the job wrote
    (one file line each), ``roots`` the orders among them; ``url`` is the file once completed.
    ``denied``: the job failed because the app's access scopes do not cover its query (Shopify
    ``ACCESS_DENIED``), so running it again cannot help."""

    id: str
    status: BulkStatus
    url: str | None = None
    objects: int | None = None
    roots: int | None = None
    error_code: str | None = None
    denied: bool = False


@dataclass(frozen=True)
class BulkOrder:
    """One order rebuilt from the file: ``order`` (None when the file could not carry all of it:
    read it again with the paged read, ``reason`` says why), what came with it (``details``),
    and the file lines it took (``lines``, the order's own line included)."""

    order_id: str
    order: Order | None
    details: OrderDetails = field(default_factory=OrderDetails)
    lines: int = 1
    reason: str | None = None


class BulkReader(Protocol):
    """Turns the lines of a bulk file into orders, holding one order's lines at a time."""

    #: Lines fed so far, and the orders (root objects) among them.
    lines: int
    roots: int

    def feed(self, line: bytes) -> list[BulkOrder]:
        """One line of the file; the orders it completed (the one before a new order's line)."""
        ...

    def finish(self) -> list[BulkOrder]:
        """The end of the file: the last order."""
        ...


class ReturnsReader(Protocol):
    """Reads a returns job's file: ``returns`` maps each order that has returns to them (None:
    they may have been cut, read them again); orders without returns are not named."""

    lines: int
    roots: int
    returns: dict[str, list[Return] | None]

    def feed(self, line: bytes) -> None:
        """One line of the file."""
        ...

    def finish(self) -> None:
        """The end of the file."""
        ...


class BulkExport(Protocol):
    """A platform's bulk export of orders (sans-I/O operations): one job for the orders, one
    for their returns (a platform whose order file carries returns has no returns job)."""

    def start(self, query: OrderQuery) -> Op[BulkJob]:
        """Submit a job exporting the orders of ``query``."""
        ...

    def start_returns(self, query: OrderQuery) -> Op[BulkJob]:
        """Submit a job exporting the returns of the orders of ``query``. A job ``denied`` for
        the app's access scopes means the store refuses this app its returns: the sync goes on
        without them (and says so)."""
        ...

    def status(self, job_id: str) -> Op[BulkJob | None]:
        """The job as it is now (one read); None when the platform does not know it."""
        ...

    def wait(self, job_id: str) -> Op[BulkJob]:
        """Poll the job (pausing between polls) until it is finished."""
        ...

    def cancel(self, job_id: str) -> Op[BulkJob | None]:
        """Ask the platform to stop the job."""
        ...

    def reread(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders named, read the paged way (each complete, with what came along as
        ``Page.details``); an order the platform no longer has is left out."""
        ...

    def count(self, query: OrderQuery) -> Op[int | None]:
        """The number of orders ``query`` matches, when the platform counts it exactly."""
        ...

    def reader(self) -> BulkReader:
        """A fresh reader for one orders job's file."""
        ...

    def returns_reader(self) -> ReturnsReader:
        """A fresh reader for one returns job's file."""
        ...


class BulkJobFailed(PlatformError):
    """A bulk job ended without a file (failed, canceled, expired): nothing of it was used."""


class BulkBusy(PlatformError):
    """The platform runs as many bulk jobs for this app as it allows; try again later."""


class BulkMismatch(PlatformError):
    """A bulk file does not hold what the platform counted (a short or broken file): the store
    fails and its watermark stays where it was."""

    def __init__(self, message: str, *, platform: str, counts: Mapping[str, int | None]) -> None:
        super().__init__(message, platform=platform, code="bulk_mismatch", details=dict(counts))
