"""No N+1 on Shopify GraphQL (issue 16): an order read is one query that brings the order's
fulfillment orders (and, in a listing, its returns) along; follow-ups only where a connection has
more.

``orders.get`` is one ``OrderGet`` for an order whose connections fit; a listing page (one
``OrdersPage``) hands each order's returns and fulfillment orders over in ``Page.details``, and
those equal what ``returns.list`` and ``fulfillments.list`` read order by order, for small orders
and for large ones whose returns, return lines and fulfillment orders need follow-up pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from unified_orders_adapters.shopify.graphql.documents import requested_cost
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.adapter import OrderDetails
from unified_orders.errors import Problem
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


def asked(transport: RecordingTransport, since: int = 0) -> Counter[str]:
    return Counter(e.body["operationName"] for e in transport.exchanges[since:])


def with_returns(store: uo.Store, wanted: int) -> list[str]:
    """Open a return (of one unit) on up to ``wanted`` orders that have a fulfilled unit; the
    ids of those orders."""
    returned = []
    for order in store.orders.list():
        line = next((x for x in order.lines if x.fulfilled_quantity > 0), None)
        if line is None:
            continue
        request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
        store.returns.create(order.id, request)
        returned.append(order.id)
        if len(returned) == wanted:
            break
    assert returned, "the sandbox has no fulfilled order to return"
    return returned


def comparable(details: OrderDetails) -> tuple[Any, Any]:
    """Returns and fulfillment orders without ``raw`` (page sizes shape the payloads)."""
    assert details.returns is not None
    assert details.fulfillment_orders is not None
    return (
        [r.model_dump(exclude={"raw"}) for r in details.returns],
        [fo.model_dump(exclude={"raw"}) for fo in details.fulfillment_orders],
    )


def one_by_one(store: uo.Store, order_id: str) -> tuple[Any, Any]:
    return comparable(OrderDetails(store.returns.list(order_id), store.fulfillments.list(order_id)))


def test_order_reads_stay_under_the_single_query_limit() -> None:
    assert requested_cost("OrderGet") <= MAX_QUERY_COST
    assert requested_cost("OrdersPage") <= MAX_QUERY_COST


def test_orders_get_is_one_query_for_an_order_whose_connections_fit(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    returned = set(with_returns(store, 3))
    fitting = [
        o
        for o in store.orders.list()
        if len(o.lines) <= 20 and len(o.refunds) < 4 and len(o.transactions) < 10
    ]
    assert returned & {o.id for o in fitting}
    for order in fitting:
        sent = len(transport.exchanges)
        again = store.orders.get(order.id)
        assert asked(transport, sent) == {"OrderGet": 1}, order.id
        assert again.model_dump(exclude={"raw"}) == order.model_dump(exclude={"raw"})


def test_read_order_brings_the_fulfillment_orders_one_by_one_reads_give(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    returned = with_returns(store, 2)
    for order_id in returned:
        sent = len(transport.exchanges)
        order, details = store.run(store.adapter.read_order(order_id))  # type: ignore[attr-defined]
        assert asked(transport, sent) == {"OrderGet": 1}
        assert order.id == order_id
        # OrderGet asks no returns (the read_returns scope orders.get never needed): not read
        assert details.returns is None
        assert details.fulfillment_orders
        fulfillment_orders = [fo.model_dump(exclude={"raw"}) for fo in details.fulfillment_orders]
        assert fulfillment_orders == one_by_one(store, order_id)[1]


def test_a_large_order_pages_only_the_connections_that_have_more(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    warehouse = emulator.seed_large_order("warehouse")  # 6 fulfillment orders of 30 lines
    sent = len(transport.exchanges)
    _, details = store.run(store.adapter.read_order(warehouse))  # type: ignore[attr-defined]
    counts = asked(transport, sent)
    assert counts["FulfillmentOrders"] == 1  # 5 read at first: the sixth on one more page
    assert counts["FulfillmentOrderLineItemsPage"] == 6  # 10 lines read at first, 30 each
    assert "OrderReturns" not in counts
    assert details.fulfillment_orders is not None
    fulfillment_orders = [fo.model_dump(exclude={"raw"}) for fo in details.fulfillment_orders]
    assert [len(fo["lines"]) for fo in fulfillment_orders] == [30] * 6
    assert fulfillment_orders == one_by_one(store, warehouse)[1]
    shipped = emulator.seed_large_order("shipped")  # 11 returns of 30 lines
    sent = len(transport.exchanges)
    page = store.orders.page(uo.OrderQuery(number=store.orders.get(shipped).number), None)
    counts = asked(transport, sent)
    # A listing reads 1 return at first (3 lines), the other 10 on one more page (25 lines
    # each): every return then needs one more page of lines.
    assert counts["OrderReturns"] == 1
    assert counts["ReturnLineItemsPage"] == 11
    returns, _ = comparable(page.details[shipped])
    assert [len(r["lines"]) for r in returns] == [30] * 11
    assert comparable(page.details[shipped]) == one_by_one(store, shipped)


def test_a_listing_page_brings_each_orders_returns_and_fulfillment_orders(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    emulator.seed_orders(12)
    emulator.seed_large_order("shipped")
    returned = set(with_returns(store, 4))
    sent = len(transport.exchanges)
    cursor: str | None = None
    pages: list[uo.Page[uo.Order]] = []
    while True:
        page = store.orders.page(uo.OrderQuery(), cursor)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    counts = asked(transport, sent)
    assert counts["OrdersPage"] == len(pages)
    # The orders' own collections fit the listing: no order is asked for on its own.
    assert not {"OrderGet", "FulfillmentOrders"} & set(counts)
    assert counts["OrderReturns"] == 1  # the large order's 11 returns: one more page
    seen = 0
    for page in pages:
        assert [o.id for o in page.items] == list(page.details)
        for order in page.items:
            details = page.details[order.id]
            assert comparable(details) == one_by_one(store, order.id), order.id
            seen += bool(details.returns)
    assert seen == len(returned) + 1


def test_an_app_denied_returns_still_lists_every_order(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    """Without the ``read_returns`` scope (INFERRED: Shopify denies ``Order.returns``), the
    listing switches once to a page without returns: every order is listed, and the pages say
    they did not read returns (so a sync asks for them) instead of saying there are none."""
    store, transport = recorded
    expected = [order.id for order in store.orders.list()]
    emulator.state.data["denied_scopes"] = ["read_returns"]
    since = len(transport.exchanges)
    page = store.orders.page(uo.OrderQuery(), None)
    listed = [order.id for order in store.orders.list()]
    assert listed == expected
    assert all(details.returns is None for details in page.details.values())
    assert all(details.fulfillment_orders is not None for details in page.details.values())
    names = asked(transport, since)
    assert names["OrdersPage"] == 1  # denied once, then never asked again
    assert names["OrdersPageWithoutReturns"] >= 2


def test_only_a_denial_of_returns_switches_the_listing() -> None:
    """Any other access-denied answer (a bad token, a missing ``read_orders``) stays an error."""
    from unified_orders_adapters.shopify.graphql.translate import denied_returns as _denied_returns

    def denied(path: str) -> uo.AuthenticationError:
        return uo.AuthenticationError("Access denied", problems=[Problem(path, "denied")])

    assert _denied_returns(denied("orders.nodes[0].returns"))
    assert not _denied_returns(denied("orders"))
    assert not _denied_returns(denied(""))
    assert not _denied_returns(uo.AuthenticationError("Invalid API key or access token"))


def test_an_app_denied_returns_is_told_the_returns_list_is_unsupported(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    """``returns.list`` of an app Shopify denies the returns is an UnsupportedOperation naming
    the scope to grant (so a sync goes on without returns), not an authentication failure."""
    store, _ = recorded
    order = next(iter(store.orders.list()))
    emulator.state.data["denied_scopes"] = ["read_returns"]
    with pytest.raises(uo.UnsupportedOperation, match="read_returns") as refused:
        store.returns.list(order.id)
    assert refused.value.operation == "returns.list"
