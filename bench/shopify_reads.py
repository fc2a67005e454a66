"""Shopify reads: requests (and cost points) per order for a GraphQL sync of N sandbox orders,
before and after issue 16, side by side in one run.

    python bench/shopify_reads.py                  # N = 100 and 1,000
    python bench/shopify_reads.py --orders 300

"before" is the old listing, rebuilt here: a page of 50 order ids, then per order ``OrderGet``,
``OrderFulfillments`` and one ``RefundGet`` per refund (the per-order read ``orders.get`` still
uses). "after" is the adapter as it is: one ``OrdersPage`` query per page of orders with their
nested data, follow-ups only for a collection with more. Both sync into a fresh DuckDB file
with pacing off (``rate_limit=False``); the cost points are the sandbox's ``extensions.cost``
figures (requested: Shopify's published estimate; actual: objects returned, INFERRED rule).
Results are recorded in bench/README.md ("Shopify reads"), never asserted in tests.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from unified_orders_adapters.shopify.graphql import adapter as graphql_adapter
from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.adapter import Op, OrderQuery, Page
from unified_orders.http import emulator_transport
from unified_orders.models import Order
from unified_orders.pagination import read_each
from unified_orders.sync import run_sync

#: The listing document before issue 16: order ids only, 50 a page.
OLD_IDS_PAGE = """
query OrderIdsPage($query: String, $after: String) {
  orders(first: 50, after: $after, query: $query, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}
"""


def _old_list_orders(
    self: graphql_adapter.ShopifyGraphQLAdapter, query: OrderQuery, cursor: str | None
) -> Op[Page[Order]]:
    """The listing before issue 16: a page of ids, then each order read on its own."""
    variables: dict[str, Any] = {"query": graphql_adapter.search_query(query), "after": cursor}
    data = yield from self._gql("OrderIdsPage", variables)
    connection = data.get("orders") or {}
    ids = [str(node["id"]).rsplit("/", 1)[-1] for node in connection.get("nodes") or []]
    items, failures = yield from read_each(ids, self.get_order)
    page = connection.get("pageInfo") or {}
    return Page(items, page.get("endCursor") if page.get("hasNextPage") else None, failures)


@contextmanager
def old_listing() -> Iterator[None]:
    """The adapter with its pre-issue-16 listing, for the "before" run."""
    saved = graphql_adapter.ShopifyGraphQLAdapter.list_orders
    DOCUMENTS["OrderIdsPage"] = OLD_IDS_PAGE
    graphql_adapter.ShopifyGraphQLAdapter.list_orders = _old_list_orders  # type: ignore[method-assign]
    try:
        yield
    finally:
        graphql_adapter.ShopifyGraphQLAdapter.list_orders = saved  # type: ignore[method-assign]
        del DOCUMENTS["OrderIdsPage"]


class Counting:
    """A transport over the emulator counting GraphQL requests and their cost points."""

    def __init__(self, emulator: ShopifyEmulator) -> None:
        self.inner = emulator_transport(emulator)
        self.operations: Counter[str] = Counter()
        self.requested = 0
        self.actual = 0
        self.max_requested = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: Any = jsonutil.loads(request.content) if request.content else {}
        response = self.inner.handle_request(request)
        answer: Any = jsonutil.loads(response.read())
        self.operations[str(body.get("operationName"))] += 1
        cost = (answer.get("extensions") or {}).get("cost") or {}
        self.requested += int(cost.get("requestedQueryCost") or 0)
        self.actual += int(cost.get("actualQueryCost") or 0)
        self.max_requested = max(self.max_requested, int(cost.get("requestedQueryCost") or 0))
        return response


def measure(orders: int, what: str) -> dict[str, Any]:
    """``what`` = "sync": one full sync of ``orders`` sandbox orders through the GraphQL dialect
    (the sync also reads each order's returns and fulfillment orders); "listing": every order
    read with ``orders.list()`` alone."""
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    emulator.seed_orders(max(orders - len(emulator.state.data["orders"]), 0))
    total = len(emulator.state.data["orders"])
    counting = Counting(emulator)
    transport = httpx.MockTransport(counting)
    if what == "listing":
        with uo.connect("shopify", sandbox=True, rate_limit=False, transport=transport) as plain:
            assert len(list(plain.orders.list())) == total
    else:
        store = uo.connect_async("shopify", sandbox=True, rate_limit=False, transport=transport)
        with tempfile.TemporaryDirectory() as folder:
            [result] = run_sync({"s": store}, Path(folder) / "s.duckdb").results
        assert result.ok, result.error
    requests = sum(counting.operations.values())
    return {
        "orders": total,
        "requests": requests,
        "per_order": requests / total,
        "actual_points_per_order": counting.actual / total,
        "requested_points_per_order": counting.requested / total,
        "max_requested": counting.max_requested,
        "operations": dict(counting.operations.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, action="append", help="sandbox orders (repeatable)")
    sizes = parser.parse_args().orders or [100, 1000]
    print(
        "| orders | read | listing | requests | requests/order | actual points/order "
        "| requested points/order | largest query (points) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size, what in [(size, what) for size in sizes for what in ("listing", "sync")]:
        with old_listing():
            before = measure(size, what)
        after = measure(size, what)
        for label, row in (
            ("before (ids + per-order reads)", before),
            ("after (OrdersPage)", after),
        ):
            print(
                f"| {row['orders']} | {what} | {label} | {row['requests']} "
                f"| {row['per_order']:.2f} | {row['actual_points_per_order']:.1f} "
                f"| {row['requested_points_per_order']:.0f} | {row['max_requested']} |"
            )
        print(f"<!-- {what} before {size}: {before['operations']} -->")
        print(f"<!-- {what} after {size}: {after['operations']} -->")


if __name__ == "__main__":
    main()
