"""Shopify Bulk Operations: the GraphQL dialect's bulk export of orders (sans-I/O).

``start`` submits ``bulkOperationRunQuery`` with :func:`~.bulk_query.bulk_orders_query` (grouped
output); ``status`` reads ``bulkOperation(id:)``; ``wait`` polls it, with a
:class:`~unified_orders.exchange.Pause` of ``job_poll_interval`` seconds between polls, until the
job is finished; ``cancel`` sends ``bulkOperationCancel``; ``count`` reads ``ordersCount`` (no
limit) with the same search, for the sync to reconcile the file against. The file itself is
downloaded by the core (no credentials go to its host) and read by :mod:`.bulk_rebuild`.

``OPERATION_IN_PROGRESS`` / ``LIMIT_REACHED`` (the app runs as many bulk queries as the shop
allows: five from API 2026-01, one before) are waited out :data:`BUSY_PAUSES` times, a
``BUSY_WAIT``-poll pause each, then a :class:`~unified_orders.bulk.BulkBusy` error. A bulk query
only reads, so submitting it again after a lost answer can do no harm beyond one more job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from unified_orders.adapter import Op, OrderQuery, Page, Pause, Request
from unified_orders.bulk import BulkBusy, BulkJob, BulkJobFailed, BulkStatus
from unified_orders.errors import PlatformError, ResponseLost
from unified_orders.models import Order

from . import translate as tg
from .bulk_query import BULK_DOCUMENTS, bulk_orders_query, bulk_returns_query
from .bulk_rebuild import CHILD_CAP, OrderRebuilder
from .bulk_returns import ReturnsRebuilder
from .costs import estimate_cost
from .paging import count_of
from .plumbing import GraphQLPlumbing

__all__ = ["BUSY_PAUSES", "BUSY_WAIT", "OrdersRead", "ShopifyBulkExport", "job_of"]

#: The adapter's read of orders by id (``read_orders``: the listing's ``OrdersPage`` by id search).
OrdersRead = Callable[[Sequence[str]], Op[Page[Order]]]

#: Times a busy answer (``OPERATION_IN_PROGRESS``, ``LIMIT_REACHED``) is waited out.
BUSY_PAUSES = 20
#: A busy wait, in poll intervals (30 s at the default interval of 1 s, as Airbyte waits).
BUSY_WAIT = 30
_BUSY_CODES = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})


@cache
def _cost(name: str) -> int:
    return estimate_cost(BULK_DOCUMENTS[name])


def _count(value: Any) -> int | None:
    """An ``UnsignedInt64`` (a JSON string or number) as an int."""
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def job_of(node: Mapping[str, Any]) -> BulkJob:
    """A :class:`BulkJob` from a ``BulkOperation`` node."""
    status = str(node.get("status") or "").lower()
    return BulkJob(
        id=str(node["id"]),
        status=BulkStatus(status)
        if status in BulkStatus.__members__.values()
        else _unknown(status),
        url=node.get("url") or None,
        objects=_count(node.get("objectCount")),
        roots=_count(node.get("rootObjectCount")),
        error_code=node.get("errorCode") or None,
        denied=node.get("errorCode") == "ACCESS_DENIED",
    )


def _unknown(status: str) -> BulkStatus:
    raise PlatformError(f"bulk operation status {status!r} is not one the API documents")


class ShopifyBulkExport:
    """Bulk Operations through one GraphQL adapter (its settings, cost bucket and errors)."""

    def __init__(
        self,
        adapter: GraphQLPlumbing,
        search_query: Callable[[OrderQuery], str | None],
        read_orders: OrdersRead,
        cap: int = CHILD_CAP,
    ) -> None:
        self.adapter = adapter
        self.search_query = search_query
        self.read_orders = read_orders
        self.platform = adapter.platform
        self.cap = cap

    def _send(self, name: str, variables: Mapping[str, Any], *, write: bool) -> Op[Any]:
        """One bulk document; its ``data`` (top-level ``errors`` raise typed errors)."""
        response = yield Request(
            "POST",
            "graphql.json",
            json={
                "query": BULK_DOCUMENTS[name],
                "variables": dict(variables),
                "operationName": name,
            },
            cost=_cost(name),
            retry_safe=True,  # every bulk document reads, or starts/stops a read-only job
            write=write,
        )
        body = response.body
        if isinstance(body, Mapping) and body.get("errors"):
            raise tg.graphql_errors_error(body, response.status)
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, Mapping):
            if write:
                raise ResponseLost(f"{name}: no data in the answer", response=response)
            raise PlatformError(f"{name}: no data in the answer", platform=self.platform)
        return data

    def start(self, query: OrderQuery) -> Op[BulkJob]:
        """``bulkOperationRunQuery`` of the orders of ``query``, busy answers waited out."""
        return (yield from self._run(bulk_orders_query(self.search_query(query))))

    def start_returns(self, query: OrderQuery) -> Op[BulkJob]:
        """``bulkOperationRunQuery`` of the returns of the orders of ``query``."""
        return (yield from self._run(bulk_returns_query(self.search_query(query))))

    def _run(self, text: str) -> Op[BulkJob]:
        """Submit one bulk query, busy answers waited out."""
        for attempt in range(BUSY_PAUSES + 1):
            data = yield from self._send("BulkOrdersRun", {"query": text}, write=True)
            payload = data.get("bulkOperationRunQuery") or {}
            errors = payload.get("userErrors") or []
            busy = [e for e in errors if isinstance(e, Mapping) and e.get("code") in _BUSY_CODES]
            if busy and attempt < BUSY_PAUSES:
                yield Pause(seconds=self.adapter.settings.job_poll_interval * BUSY_WAIT)
                continue
            if busy:
                raise BulkBusy(
                    f"bulkOperationRunQuery: {busy[0].get('message')} (still after "
                    f"{BUSY_PAUSES} waits)",
                    platform=self.platform,
                    code=str(busy[0].get("code")),
                )
            if errors:
                raise tg.user_errors_error(errors, "bulkOperationRunQuery")
            node = payload.get("bulkOperation")
            if not isinstance(node, Mapping):
                raise ResponseLost("bulkOperationRunQuery answered no bulk operation")
            return job_of(node)
        raise AssertionError("unreachable")  # pragma: no cover

    def status(self, job_id: str) -> Op[BulkJob | None]:
        """``bulkOperation(id:)``; None when Shopify does not know the job."""
        data = yield from self._send("BulkOperationGet", {"id": job_id}, write=False)
        node = data.get("bulkOperation")
        return job_of(node) if isinstance(node, Mapping) else None

    def wait(self, job_id: str) -> Op[BulkJob]:
        """Poll until the job is finished (completed, failed, canceled or expired)."""
        while True:
            job = yield from self.status(job_id)
            if job is None:
                raise BulkJobFailed(
                    f"bulk operation {job_id} is unknown to Shopify", platform=self.platform
                )
            if job.status.finished:
                return job
            yield Pause(seconds=self.adapter.settings.job_poll_interval)

    def cancel(self, job_id: str) -> Op[BulkJob | None]:
        """``bulkOperationCancel``; a job that can no longer be canceled is left as it is."""
        data = yield from self._send("BulkOperationCancel", {"id": job_id}, write=True)
        payload = data.get("bulkOperationCancel") or {}
        node = payload.get("bulkOperation")
        return job_of(node) if isinstance(node, Mapping) else None

    def count(self, query: OrderQuery) -> Op[int | None]:
        """``ordersCount(query:, limit: null)``: None unless Shopify says it is exact."""
        data = yield from self._send(
            "OrdersCount", {"query": self.search_query(query)}, write=False
        )
        return count_of(data.get("ordersCount"))

    def reread(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders named, read as the paged listing reads them (the adapter's
        ``read_orders``); an order no longer there is left out."""
        return (yield from self.read_orders(order_ids))

    def reader(self) -> OrderRebuilder:
        """A reader for one orders job's file."""
        return OrderRebuilder(self.cap)

    def returns_reader(self) -> ReturnsRebuilder:
        """A reader for one returns job's file."""
        return ReturnsRebuilder(self.cap)
