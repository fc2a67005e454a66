"""The change feed of the GraphQL dialect (``Adapter.order_changes``): what an incremental sync
must re-read beyond the orders whose ``updatedAt`` moved.

Two feeds, one after the other, each paged to its end:

1. **Deleted orders**: ``events(query: "subject_type:ORDER action:destroy created_at:>=…")``.
   INFERRED: the action Shopify records for a deleted order is ``destroy`` (the REST events'
   verb; the schema names the filters but not the value).
2. **Orders whose fulfillment orders changed after the order did**
   (:mod:`..fulfillment_order_changes`, which the REST dialect reads too). A read of this
   dialect brings an order's fulfillment orders and hashes them in, so a changed one is written.

The cursor says which feed it belongs to (``deletions:…``, ``fulfillment-orders:…``); a cursor
without a prefix (saved by an earlier version mid-feed) is a deletions cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from unified_orders.adapter import Op, OrderChange, Page

from .. import fulfillment_order_changes as fo_changes
from ..fulfillment_order_changes import next_cursor, search_time
from . import translate as tg
from .paging import Paging

__all__ = ["ChangeFeed", "search_time"]

_DELETIONS = "deletions:"
_FULFILLMENT_ORDERS = "fulfillment-orders:"


class ChangeFeed(Paging):
    """``order_changes``: deleted orders, then orders whose fulfillment orders changed."""

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """One page of either feed (see the module's docs); the last page of the deletions
        hands over to the fulfillment orders."""
        if cursor is not None and cursor.startswith(_FULFILLMENT_ORDERS):
            after = cursor.removeprefix(_FULFILLMENT_ORDERS) or None
            data = yield from self._gql(fo_changes.DOCUMENT, fo_changes.variables(since, after))
            changes, more = fo_changes.changes_page(data, after)
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
        more = next_cursor(connection, after, "events")
        return Page(changes, _FULFILLMENT_ORDERS if more is None else _DELETIONS + more)
