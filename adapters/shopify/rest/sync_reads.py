"""What a sync reads of a Shopify store through the REST dialect beyond its order listing.

- ``order_ids``: every order's id and nothing else (``orders.json?fields=id``), which an
  incremental sync compares with the stored orders to find deleted ones (REST reads no deletion
  feed: ``events.json`` is not implemented);
- ``order_changes``: the orders whose fulfillment orders changed after the order did
  (:mod:`..fulfillment_order_changes`), through ``graphql.json``: REST has no shop-wide read of
  fulfillment orders;
- ``read_orders``: orders by id (``orders.json?ids=…``), each read as the listing reads it, so
  the sync hashes them as a listing would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from unified_orders.adapter import (
    Op,
    OrderChange,
    OrderDetails,
    Page,
    ReadFailure,
    Request,
    Response,
)
from unified_orders.models import Order
from unified_orders.pagination import link_header_urls, query_value, read_each

from .. import fulfillment_order_changes as fo_changes
from ..answers import graphql_data, rest_body
from ..base import ShopifyAdapterBase

__all__ = ["IDS_A_REQUEST", "PAGE_SIZE", "RestSyncReads"]

#: Orders a page of ``orders.json`` holds (its largest ``limit``).
PAGE_SIZE = 250
#: Order ids one ``orders.json?ids=`` request names (INFERRED: Shopify documents no bound on the
#: list; 50 ids keep the URL near 1 kB).
IDS_A_REQUEST = 50


class RestSyncReads(ShopifyAdapterBase):
    """The sync's reads of the REST dialect (see the module's docs)."""

    #: No deletion feed is read here: an incremental sync finds deleted orders by an id-only
    #: listing (:meth:`order_ids`) instead. The GraphQL dialect reads the ``events`` feed.
    lists_order_ids: ClassVar[bool] = True
    reads_orders_by_id: ClassVar[bool] = True
    #: An order listed, read in full: with its transactions, and its fulfillment orders where
    #: the dialect needs them (``OrderDetails``: what it read of them).
    _read: Callable[[Mapping[str, Any]], Op[tuple[Order, OrderDetails]]]

    def _orders_page(
        self, params: Mapping[str, Any], keep: Callable[[Any], bool] = lambda _: True
    ) -> Op[Page[Order]]:
        """One ``GET orders.json`` page, each order ``keep`` admits read in full; one that
        cannot be read is a ``ReadFailure`` of the page, never fails it."""
        response = yield Request("GET", "orders.json", params=dict(params))
        listed = [order for order in rest_body(response, "orders") if keep(order)]
        read, failures = yield from read_each(listed, self._read, name=_order_name)
        return Page(
            [order for order, _ in read],
            _next_page(response),
            failures,
            {order.id: details for order, details in read},
        )

    def _read_by_id(self, order_id: str) -> Op[tuple[Order, OrderDetails]]:
        """``GET orders/{id}.json``, read as the listing reads an order."""
        response = yield Request("GET", f"orders/{order_id}.json")
        return (yield from self._read(rest_body(response, "order")))

    def order_ids(self, cursor: str | None) -> Op[Page[str]]:
        """``GET orders.json?status=any&fields=id&limit=250``: every order's id and nothing else,
        following ``page_info`` cursors (a cursor request carries only ``limit`` and ``fields``)."""
        params: dict[str, Any] = {"limit": PAGE_SIZE, "fields": "id"}
        if cursor is not None:
            params["page_info"] = cursor
        else:
            params["status"] = "any"
        response = yield Request("GET", "orders.json", params=params)
        ids = [str(order["id"]) for order in rest_body(response, "orders") if order.get("id")]
        return Page(ids, _next_page(response))

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """One page of the orders whose fulfillment orders changed after the order did, sent to
        ``graphql.json``. Each is a ``details`` change: a REST read of an order brings its
        fulfillment orders only where some units are unfulfilled."""
        response = yield Request(
            "POST",
            "graphql.json",
            json={
                "query": fo_changes.TEXT,
                "variables": fo_changes.variables(since, cursor),
                "operationName": fo_changes.DOCUMENT,
            },
            retry_safe=True,
            write=False,  # a query: an unreadable answer is a read error, sent again
        )
        data = graphql_data(fo_changes.DOCUMENT, response, write=False)
        changes, more = fo_changes.changes_page(data, cursor, details=True)
        return Page(changes, more)

    def read_orders(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders named, read as the listing reads them: ``orders.json?ids=…&status=any``,
        :data:`IDS_A_REQUEST` ids a request, every page followed. An order the answer leaves out
        is read by id before it is left out (a caller takes a left-out order as gone): only a
        404 leaves it out."""
        found: Page[Order] = Page([])
        wanted = [order_id for order_id in dict.fromkeys(order_ids) if order_id.isdigit()]
        found.failures.extend(
            ReadFailure(order_id, "not a Shopify order id (digits expected)")
            for order_id in order_ids
            if not order_id.isdigit()
        )
        for start in range(0, len(wanted), IDS_A_REQUEST):
            group = wanted[start : start + IDS_A_REQUEST]
            params: dict[str, Any] = {"ids": ",".join(group), "status": "any", "limit": PAGE_SIZE}
            while True:
                page = yield from self._orders_page(params, _one_of(set(group)))
                _gather(found, page)
                if page.next_cursor is None:
                    break
                params = {"limit": PAGE_SIZE, "page_info": page.next_cursor}
            named = {order.id for order in found.items} | {f.id for f in found.failures}
            left_out = [i for i in group if i not in named]
            read, failures = yield from read_each(left_out, self._read_by_id, skip_gone=True)
            details = {order.id: order_details for order, order_details in read}
            _gather(found, Page([order for order, _ in read], None, failures, details))
        return found


def _gather(into: Page[Order], page: Page[Order]) -> None:
    into.items.extend(page.items)
    into.failures.extend(page.failures)
    into.details.update(page.details)


def _one_of(ids: set[str]) -> Callable[[Any], bool]:
    """Whether a listed order is one of ``ids`` (an answer may name others: they are dropped)."""
    return lambda order: isinstance(order, Mapping) and str(order.get("id")) in ids


def _next_page(response: Response) -> str | None:
    """The ``page_info`` cursor of the answer's ``Link: rel="next"``; None on the last page."""
    links = link_header_urls(response.header("link"))
    return query_value(links["next"], "page_info") if "next" in links else None


def _order_name(order: Any) -> str:
    return str(order.get("id")) if isinstance(order, Mapping) else repr(order)[:40]
