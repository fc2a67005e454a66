"""The change feed of the GraphQL dialect (``Adapter.order_changes``): what an incremental sync
must re-read beyond the orders whose ``updatedAt`` moved.

Two feeds, one after the other, each paged to its end:

1. **Deleted orders**: ``events(query: "subject_type:ORDER action:destroy created_at:>=…")``.
   INFERRED: the action Shopify records for a deleted order is ``destroy`` (the REST events'
   verb; the schema names the filters but not the value).
2. **Orders whose fulfillment orders changed**: ``fulfillmentOrders(query: "updated_at:>=…",
   includeClosed: true, sortKey: UPDATED_AT)``, each node's ``orderId`` (the 2026-04 schema
   documents the ``updated_at`` filter and ``FulfillmentOrder.updatedAt``). A hold, a release, a
   move or a cancellation request changes a fulfillment order; whether it also moves the order's
   ``updatedAt`` is not documented, so these orders are read again either way.

The cursor says which feed it belongs to (``deletions:…``, ``fulfillment-orders:…``); a cursor
without a prefix (saved by an earlier version mid-feed) is a deletions cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from unified_orders.adapter import Op, OrderChange, Page
from unified_orders.errors import PlatformError

from . import translate as tg
from .paging import Paging

__all__ = ["ChangeFeed", "search_time"]

_DELETIONS = "deletions:"
_FULFILLMENT_ORDERS = "fulfillment-orders:"


def search_time(value: datetime) -> str:
    """A datetime as Shopify search syntax wants it: quoted UTC ISO 8601."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


class ChangeFeed(Paging):
    """``order_changes``: deleted orders, then orders whose fulfillment orders changed."""

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """One page of either feed (see the module's docs); the last page of the deletions
        hands over to the fulfillment orders."""
        if cursor is not None and cursor.startswith(_FULFILLMENT_ORDERS):
            after = cursor.removeprefix(_FULFILLMENT_ORDERS) or None
            terms = f"updated_at:>={search_time(since)}"
            data = yield from self._gql("FulfillmentOrderChanges", {"query": terms, "after": after})
            connection = data.get("fulfillmentOrders") or {}
            changes = [
                OrderChange(order_id)
                for order_id in dict.fromkeys(
                    tg.legacy(node.get("orderId"))
                    for node in connection.get("nodes") or []
                    if isinstance(node, Mapping)
                )
                if order_id
            ]
            more = _next(connection, after, "fulfillmentOrders")
            return Page(changes, None if more is None else _FULFILLMENT_ORDERS + more)
        after = None if cursor is None else cursor.removeprefix(_DELETIONS)
        terms = f"subject_type:ORDER action:destroy created_at:>={search_time(since)}"
        data = yield from self._gql("OrderDeletions", {"query": terms, "after": after})
        connection = data.get("events") or {}
        changes = [
            OrderChange(order_id, deleted=True)
            for node in connection.get("nodes") or []
            if isinstance(node, Mapping)
            and str(node.get("subjectType")).upper() == "ORDER"
            and str(node.get("action")).lower() == "destroy"
            and (order_id := tg.legacy(node.get("subjectId")))
        ]
        more = _next(connection, after, "events")
        return Page(changes, _FULFILLMENT_ORDERS if more is None else _DELETIONS + more)


def _next(connection: Mapping[str, Any], after: str | None, field: str) -> str | None:
    """The cursor of the connection's next page; None at its end."""
    page = connection.get("pageInfo") or {}
    more = page.get("endCursor") if page.get("hasNextPage") else None
    if page.get("hasNextPage") and (not more or more == after):
        raise PlatformError(
            f"{field}: Shopify says more follow but gives no new cursor",
            platform="shopify",
            code="bad_cursor",
        )
    return str(more) if more else None
