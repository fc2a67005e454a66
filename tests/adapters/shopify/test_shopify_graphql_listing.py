"""A GraphQL listing page is one query (issue 16): the page of orders comes with each order's
lines, transactions, refunds (with their lines and transactions), fulfillments and fulfillment
orders; follow-up reads are asked only for a collection Shopify says has more, and nothing nested
is ever dropped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from unified_orders_adapters.shopify.graphql.documents import (
    DOCUMENTS,
    ORDERS_READ_PAGE,
    requested_cost,
)
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport

#: Shopify's single-query limit on requested cost.
MAX_QUERY_COST = 1000


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def recorded(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, RecordingTransport]]:
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect("shopify", sandbox=True, rate_limit=False, transport=transport)
    yield store, transport
    store.close()


def asked(transport: RecordingTransport) -> Counter[str]:
    return Counter(e.body["operationName"] for e in transport.exchanges)


def test_every_document_stays_under_the_single_query_limit() -> None:
    over = {name: requested_cost(name) for name in DOCUMENTS if requested_cost(name) > 1000}
    assert over == {}
    # The listing page is sized to the limit: one more order per page would pass it.
    per_order = (requested_cost("OrdersPage") - 2) // ORDERS_READ_PAGE
    assert requested_cost("OrdersPage") <= MAX_QUERY_COST < 2 + (ORDERS_READ_PAGE + 1) * per_order


def test_a_listing_of_small_orders_costs_one_request_per_page(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    emulator.seed_orders(40)
    total = len(emulator.state.data["orders"])
    orders = list(store.orders.list())
    assert len({o.id for o in orders}) == total
    follow_ups = {name: n for name, n in asked(transport).items() if name != "OrdersPage"}
    # Seed orders with more than a listing page holds (a second refund, ...) are read further.
    big = {
        str(o["id"])
        for o in emulator.state.data["orders"].values()
        if len(o.get("refunds") or []) >= 2 or len(o.get("line_items") or []) > 5
    }
    assert sum(follow_ups.values()) <= 2 * len(big)
    assert asked(transport)["OrdersPage"] == -(-total // ORDERS_READ_PAGE)
    assert len(transport.exchanges) < total  # never a request per order


def test_small_orders_alone_cost_no_follow_up(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    small = [
        o
        for o in store.orders.list()
        if len(o.lines) <= 5 and len(o.refunds) <= 1 and len(o.transactions) <= 5
    ]
    assert small
    start = len(transport.exchanges)
    for order in small:
        again = list(store.orders.list(number=order.number))
        assert [o.id for o in again] == [order.id]
    assert asked_since(transport, start) == {"OrdersPage": len(small)}


def asked_since(transport: RecordingTransport, start: int) -> Counter[str]:
    return Counter(e.body["operationName"] for e in transport.exchanges[start:])


def _rows(order: uo.Order) -> dict[str, Any]:
    """Every nested row of an order, counted (a dropped row changes a figure)."""
    return {
        "lines": [line.id for line in order.lines],
        "transactions": sorted(t.id for t in order.transactions),
        "refunds": [
            (r.id, len(r.lines), len(r.transactions), len(r.adjustments)) for r in order.refunds
        ],
        "fulfillments": [
            (f["id"], len(f["fulfillmentLineItems"]["nodes"])) for f in order.raw["fulfillments"]
        ],
        "fulfillment_orders": [
            (fo["id"], len(fo["lineItems"]["nodes"]))
            for fo in order.raw["fulfillmentOrders"]["nodes"]
        ],
    }


@pytest.mark.parametrize("shape", ["warehouse", "shipped", "refunded"])
def test_a_listed_large_order_is_read_completely(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport], shape: str
) -> None:
    store, _ = recorded
    order_id = emulator.seed_large_order(shape)
    [listed] = [o for o in store.orders.list() if o.id == order_id]
    read = store.orders.get(order_id)  # the per-order read, asserted complete elsewhere
    assert listed.model_dump(exclude={"raw"}) == read.model_dump(exclude={"raw"})
    assert _rows(listed) == _rows(read)
    seeded = emulator.state.order(order_id)
    assert len(listed.lines) == len(seeded["line_items"])
    assert len(listed.refunds) == len(seeded.get("refunds") or [])
    assert sum(len(r.lines) for r in listed.refunds) == sum(
        len(r.get("refund_line_items") or []) for r in seeded.get("refunds") or []
    )
    assert len(listed.transactions) == len(emulator.state.transactions(int(order_id)))


def test_every_listed_order_equals_its_own_read(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, _ = recorded
    for shape in ("warehouse", "shipped", "refunded"):
        emulator.seed_large_order(shape)
    emulator.seed_orders(10)
    listed = {o.id: o.model_dump(exclude={"raw"}) for o in store.orders.list()}
    assert len(listed) == len(emulator.state.data["orders"])
    for order_id, dumped in listed.items():
        assert dumped == store.orders.get(order_id).model_dump(exclude={"raw"}), order_id
