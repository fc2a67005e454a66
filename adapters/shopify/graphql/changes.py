"""The change feed of the GraphQL dialect (``Adapter.order_changes``): what an incremental sync
must re-read beyond the orders whose ``updatedAt`` moved.

Two feeds, one after the other, each paged to its end:

1. **Deleted orders**: ``events(query: "subject_type:ORDER action:destroy created_at:>=…")``.
   INFERRED: the action Shopify records for a deleted order is ``destroy`` (the REST events'
   verb; the schema names the filters but not the value).
2. **Orders whose fulfillment orders changed after the order did**: ``fulfillmentOrders(query:
   "updated_at:>=…", includeClosed: true, sortKey: UPDATED_AT)``, each node's ``orderId`` where
   its ``updatedAt`` is later than its ``order { updatedAt }`` (the 2026-04 schema documents the
   filter and both fields). A hold, a release, a move or a cancellation request changes a
   fulfillment order; whether it also moves the order's ``updatedAt`` is not documented. Where it
   does not, the listing (``updated_at``) did not read the order, and this feed names it; where
   the order moved as late, the listing read it after the change, so it is not read twice (after
   a long gap between runs most orders shipped since are in both).

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
                    if isinstance(node, Mapping) and _changed_alone(node)
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


def _changed_alone(node: Mapping[str, Any]) -> bool:
    """Whether a fulfillment order changed after its order last did (so the listing, which
    filters on the order's ``updatedAt``, may not have read it since); when either time is
    missing or unreadable, it is taken to have."""
    order = node.get("order")
    try:
        changed = _moment(node.get("updatedAt"))
        order_changed = _moment(order.get("updatedAt") if isinstance(order, Mapping) else None)
    except ValueError:
        return True
    return changed is None or order_changed is None or changed > order_changed


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 time (UTC where it names no offset); None when absent."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
