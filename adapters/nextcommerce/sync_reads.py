"""What a sync reads of a Next Commerce store beyond its order listing, and the store's links.

- ``order_changes``: the transactions feed (every refund, capture and void names its order), then,
  with ``scan_updates``, every order's list item, naming those updated since the last run;
- ``open_fulfillment_orders``: ``fulfillmentOrdersList`` of the statuses that may still change,
  which a sync compares with the stored ones;
- the cursor links every listing follows: only on this store's own host, where the token may go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from unified_orders.adapter import Adapter, Op, OrderChange, Page, Request
from unified_orders.errors import InvalidRequest, PlatformError, Problem
from unified_orders.models import FulfillmentOrder
from unified_orders.pagination import query_value

from . import translate
from .settings import NextCommerceSettings

__all__ = ["DELETED_BEFORE_WINDOW", "SyncReadsMixin"]

#: The ``order_changes`` cursors of the whole order listing (``scan_updates``).
_SCAN = "orders:"
#: No listing of order ids finds them (the Admin API deletes no order; the dashboard may).
DELETED_BEFORE_WINDOW = "deleted orders placed before the window"


class SyncReadsMixin(Adapter):
    """``order_changes``, ``open_fulfillment_orders`` and the store's cursor links."""

    settings: NextCommerceSettings

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """``transactionsList`` since ``since``: every refund, capture and void names its order,
        whenever that order was placed (the listing only sees a placed-date window). With
        ``scan_updates``, then ``ordersList`` of every order: each whose list item's
        ``updated_at`` is at or after ``since`` (cursors ``orders:…``)."""
        if cursor is not None and cursor.startswith(_SCAN):
            return (yield from self._updated_orders(since, cursor.removeprefix(_SCAN) or None))
        params = {"date_created_from": since.date().isoformat()}
        if cursor:
            params["cursor"] = cursor
        response = yield Request("GET", "transactions/", params=params)
        results, next_url = translate.listing_page(response, "transaction")
        numbers = translate.changed_order_numbers(results, since)
        following = self._next_cursor(next_url)
        if following is None and self.settings.scan_updates:
            following = _SCAN
        return Page([OrderChange(number) for number in numbers], following)

    def _updated_orders(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """One page of the whole order listing: the orders updated since ``since`` (one whose
        ``updated_at`` cannot be read is named too: reading it again costs a request, leaving
        it out could lose a change)."""
        response = yield Request("GET", "orders/", params={"cursor": cursor} if cursor else None)
        results, next_url = translate.listing_page(response)
        numbers = translate.updated_order_numbers(results, since)
        following = self._next_cursor(next_url)
        return Page([OrderChange(number) for number in numbers], following and _SCAN + following)

    def open_fulfillment_orders(self, cursor: str | None) -> Op[Page[FulfillmentOrder]]:
        """``fulfillmentOrdersList`` filtered by the statuses that may still change (open,
        processing, on hold), every order's; ``next`` links followed only on this store's host."""
        if cursor and cursor.startswith(("http://", "https://")):
            url = self._store_link(cursor, "fulfillments.list")
            response = yield Request("GET", url)
        else:
            params: dict[str, Any] = {"status": list(translate.OPEN_STATUSES)}
            if cursor:
                params["cursor"] = cursor
            response = yield Request("GET", "fulfillment-orders/", params=params)
        results, next_url = translate.listing_page(response, "fulfillment order")
        fos, failures = translate.open_fulfillment_orders(results)
        return Page(fos, self._next_cursor(next_url), failures)

    def _store_link(self, cursor: str, operation: str) -> str:
        """A cursor that is a link, refused unless it is on this store's own host."""
        if not self._on_store(cursor):
            raise InvalidRequest(
                [
                    Problem(
                        "cursor",
                        f"the cursor is a link to {urlsplit(cursor).hostname}, not to this "
                        "store; it is not followed with the store's credentials",
                    )
                ],
                operation=operation,
            )
        return cursor

    def _next_cursor(self, next_url: Any) -> str | None:
        """The cursor of a ``next`` link; a link to another host is refused, never followed."""
        if not next_url:
            return None
        link = str(next_url)
        if link.startswith(("http://", "https://")) and not self._on_store(link):
            raise PlatformError(
                f"the order listing's next link points at {urlsplit(link).hostname}, not at this "
                "store; it is not followed with the store's credentials",
                platform=self.platform,
                code="foreign_next_link",
            )
        return query_value(link, "cursor") or link

    def _on_store(self, url: str) -> bool:
        """Whether an absolute URL is on this store's own origin (where the token may go)."""
        return _origin(url) == _origin(self.base_url)


def _origin(url: str) -> tuple[str, str | None, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80)
