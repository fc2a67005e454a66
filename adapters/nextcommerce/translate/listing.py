"""Order-list pages: the page itself (never read as empty when it is not one), the exact time
filtering of its items (the platform filters by placed date only), and the number and status
filters checked on each item before it is read in full."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from unified_orders.adapter import OrderQuery, Response
from unified_orders.errors import PlatformError
from unified_orders.lookup import number_key

from .orders import ORDER_STATUS
from .values import PLATFORM

__all__ = [
    "changed_order_numbers",
    "in_window",
    "listed_match",
    "listing_page",
    "updated_order_numbers",
]


def listing_page(response: Response, what: str = "order") -> tuple[list[Any], Any]:
    """The ``results`` and ``next`` of a list page; anything else is a PlatformError, never an
    empty page (an empty page would end a listing early, and a full sync would then mark every
    order deleted)."""
    body = response.body
    results = body.get("results") if isinstance(body, Mapping) else None
    if not isinstance(results, list):
        raise PlatformError(
            f"the {what} listing answered {response.status} with no list of results "
            f"({type(body).__name__} body); it is not a page of {what}s",
            status=response.status,
            platform=PLATFORM,
            code="unreadable_response",
        )
    return results, body.get("next") if isinstance(body, Mapping) else None


def in_window(item: Mapping[str, Any], query: OrderQuery) -> bool:
    """Exact datetime filtering of a list item (the platform filters by date only, or not at all)."""

    def when(key: str) -> datetime | None:
        value = item.get(key)
        if not value:
            return None
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def aware(value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    placed = when("date_placed") or when("created_at")
    updated = when("updated_at")
    lower = [(query.created_since, placed), (query.updated_since, updated)]
    upper = [(query.created_until, placed), (query.updated_until, updated)]
    for bound, value in lower:
        if bound is not None and value is not None and value < aware(bound):
            return False
    for bound, value in upper:
        if bound is not None and value is not None and value > aware(bound):
            return False
    return True


def listed_match(item: Mapping[str, Any], query: OrderQuery) -> bool:
    """Whether a list item can pass the number and status filters (both are on the item, so an
    order the platform should not have listed costs no read; the core checks each order again)."""
    if query.number is not None and number_key(str(item.get("number"))) != number_key(query.number):
        return False
    status = ORDER_STATUS.get(str(item.get("status") or ""))
    return query.status is None or status is None or status is query.status


def changed_order_numbers(results: list[Any], since: datetime) -> list[str]:
    """Order numbers of the transactions (refunds, captures, voids, ...) created at or after
    ``since``; the listing filters by date only. Transactions of no order are skipped."""
    numbers: list[str] = []
    for item in results:
        if not isinstance(item, Mapping) or not item.get("order"):
            continue
        created = item.get("date_created")
        if created:
            when = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
            if (when if when.tzinfo else when.replace(tzinfo=UTC)) < since:
                continue
        numbers.append(str(item["order"]))
    return numbers


def updated_order_numbers(results: list[Any], since: datetime) -> list[str]:
    """Order numbers of the list items updated at or after ``since``; an item whose
    ``updated_at`` cannot be read is named too (reading it again only costs a request). An item
    with no number is a PlatformError: the page cannot be told complete."""
    query = OrderQuery(updated_since=since)
    numbers: list[str] = []
    for index, item in enumerate(results):
        number = item.get("number") if isinstance(item, Mapping) else None
        if number in (None, ""):
            raise PlatformError(
                f"order list item results[{index}] has no number",
                platform=PLATFORM,
                code="unreadable_response",
            )
        try:
            updated = in_window(item, query)
        except (TypeError, ValueError):
            updated = True
        if updated:
            numbers.append(str(number))
    return numbers
