"""The fulfillment-order change feed both dialects read: orders whose fulfillment orders changed
after the order itself did.

``fulfillmentOrders(query: "updated_at:>=…", includeClosed: true, sortKey: UPDATED_AT)`` (the
``FulfillmentOrderChanges`` document; the 2026-04 schema documents the filter and both
``updatedAt`` fields) names each fulfillment order changed since a time, with its order's
``updatedAt``. A hold, a release, a move or a cancellation request changes a fulfillment order;
whether it also moves the order's ``updatedAt`` is not documented. Where it does not, an
incremental listing (which filters on the order's ``updatedAt``) did not read the order, and this
feed names it; where the order moved as late, the listing read it after the change (its rows
changed with its ``updatedAt``, so its fulfillment orders were read with it), so it is not named.

The GraphQL dialect sends the document itself; the REST dialect, which has no shop-wide read of
fulfillment orders, sends it to ``graphql.json`` (the same token reads both Admin APIs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from unified_orders.adapter import OrderChange
from unified_orders.errors import PlatformError

from .vocabulary import PLATFORM, legacy_id

__all__ = ["DOCUMENT", "TEXT", "changes_page", "next_cursor", "search_time", "variables"]

#: The document's operation name.
DOCUMENT = "FulfillmentOrderChanges"
#: Its text (the GraphQL dialect's registry holds it too, where the schema test validates it).
TEXT = """
query FulfillmentOrderChanges($query: String!, $after: String) {
  fulfillmentOrders(
    first: 250, after: $after, query: $query, includeClosed: true, sortKey: UPDATED_AT
  ) {
    pageInfo { hasNextPage endCursor }
    nodes { orderId updatedAt order { updatedAt } }
  }
}
""".lstrip()


def search_time(value: datetime) -> str:
    """A datetime as Shopify search syntax wants it: quoted UTC ISO 8601."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


def variables(since: datetime, after: str | None) -> dict[str, Any]:
    """The document's variables for the page after ``after`` of the changes since ``since``."""
    return {"query": f"updated_at:>={search_time(since)}", "after": after}


def changes_page(
    data: Mapping[str, Any], after: str | None, *, details: bool = False
) -> tuple[list[OrderChange], str | None]:
    """The orders one page names (each once) and the next page's cursor (None at the end).
    ``details``: the changes say the order's fulfillment orders changed
    (``OrderChange.details``), for a dialect whose order read does not bring them."""
    connection = data.get("fulfillmentOrders") or {}
    order_ids = dict.fromkeys(
        legacy_id(node.get("orderId"))
        for node in connection.get("nodes") or []
        if isinstance(node, Mapping) and _changed_alone(node)
    )
    changes = [OrderChange(order_id, details=details) for order_id in order_ids if order_id]
    return changes, next_cursor(connection, after, "fulfillmentOrders")


def next_cursor(connection: Mapping[str, Any], after: str | None, field: str) -> str | None:
    """The cursor of the connection's next page; None at its end."""
    page = connection.get("pageInfo") or {}
    more = page.get("endCursor") if page.get("hasNextPage") else None
    if page.get("hasNextPage") and (not more or more == after):
        raise PlatformError(
            f"{field}: Shopify says more follow but gives no new cursor",
            platform=PLATFORM,
            code="bad_cursor",
        )
    return str(more) if more else None


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
