"""One sandbox, two dialects: GraphQL is the default, and REST and GraphQL read the same order
as equal canonical orders (``raw`` aside), with ids that work across both."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from unified_orders_adapters.shopify.graphql.adapter import ShopifyGraphQLAdapter
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.adapter import Capability
from unified_orders.http import RecordingTransport, emulator_transport

TOKEN = "test-token-not-a-real-secret"


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def stores(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, uo.Store, RecordingTransport]]:
    recorder = RecordingTransport(emulator_transport(emulator))
    graphql = uo.connect(
        "shopify", shop="acme", access_token=TOKEN, rate_limit=False, transport=recorder
    )
    rest = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        api="rest",
        rate_limit=False,
        transport=emulator_transport(emulator),
    )
    yield graphql, rest, recorder
    graphql.close()
    rest.close()


def by_number(store: uo.Store, number: str) -> uo.Order:
    return next(o for o in store.orders.list() if o.number == number)


def test_graphql_is_the_default_dialect() -> None:
    store = uo.connect("shopify", shop="acme", access_token=TOKEN)
    assert isinstance(store.adapter, ShopifyGraphQLAdapter)
    assert store.adapter.base_url == "https://acme.myshopify.com/admin/api/2026-04/"
    assert Capability.RETURNS_CREATE in store.capabilities
    rest = uo.connect("shopify", shop="acme", access_token=TOKEN, api="rest")
    assert isinstance(rest.adapter, ShopifyRestAdapter)
    assert rest.adapter.base_url == "https://acme.myshopify.com/admin/api/2026-07/"
    assert Capability.RETURNS_CREATE not in rest.capabilities
    pinned = uo.connect("shopify", shop="acme", access_token=TOKEN, api_version="2026-07")
    assert pinned.adapter.base_url.endswith("/2026-07/")
    info = uo.adapters()["shopify"]
    assert Capability.RETURNS_LIST in info.capabilities
    for each in (store, rest, pinned):
        each.close()


def test_every_graphql_request_is_a_post_to_graphql_json(
    stores: tuple[uo.Store, uo.Store, RecordingTransport],
) -> None:
    graphql, _, recorder = stores
    list(graphql.orders.list())
    assert recorder.exchanges
    assert {(e.method, e.path) for e in recorder.exchanges} == {
        ("POST", "/admin/api/2026-04/graphql.json")
    }
    assert all(e.headers["x-shopify-access-token"] == TOKEN for e in recorder.exchanges)


def test_rest_and_graphql_read_equal_orders(
    emulator: ShopifyEmulator, stores: tuple[uo.Store, uo.Store, RecordingTransport]
) -> None:
    graphql, rest, _ = stores
    emulator.seed_orders(6)
    via_graphql = list(graphql.orders.list())
    via_rest = list(rest.orders.list())
    assert len(via_graphql) == 11
    assert via_graphql == via_rest
    # raw keeps each dialect's own payload
    assert str(via_graphql[0].raw["id"]).startswith("gid://shopify/Order/")
    assert isinstance(via_rest[0].raw["id"], int)
    assert via_graphql[0].lines[0].raw["id"].startswith("gid://shopify/LineItem/")


def test_orders_stay_equal_after_writes_through_both_dialects(
    stores: tuple[uo.Store, uo.Store, RecordingTransport],
) -> None:
    graphql, rest, _ = stores
    order = by_number(graphql, "#1001")
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1, restock=uo.Restock.RETURN),
            uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1),
        ],
        shipping=uo.ShippingRefund(amount="2.50"),
    )
    refund = graphql.refunds.create(order.id, request, idempotency_key="dialects-1")
    again = rest.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
    )
    eur = by_number(rest, "#1002")
    rest.orders.update_shipping_address(eur.id, uo.Address(city="Springfield"))
    graphql.orders.cancel(eur.id, reason="customer", refund=True, restock=True)
    for number in ("#1001", "#1002", "#1003", "#1004", "#1005"):
        assert by_number(graphql, number) == by_number(rest, number), number
    after = graphql.orders.get(order.id)
    assert [r.id for r in after.refunds] == [refund.id, again.id]
    assert after.refunds[0].adjustments[0].kind == "shipping_refund"
    assert after.refunds[0].shipping is not None
    assert after.refunds[0].shipping.amount.amount == Decimal("2.50")
    assert graphql.refunds.list(order.id) == rest.refunds.list(order.id)


def test_ids_cross_dialects(stores: tuple[uo.Store, uo.Store, RecordingTransport]) -> None:
    graphql, rest, _ = stores
    order = by_number(rest, "#1002")
    assert int(order.id) > 2**53
    assert graphql.orders.get(order.id) == order
    assert graphql.orders.get(f"gid://shopify/Order/{order.id}") == order
    [fo] = graphql.fulfillments.list(order.id)
    assert rest.fulfillments.list(order.id) == [fo]
    held = graphql.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="check")
    [rest_view] = rest.fulfillments.list(order.id)
    assert rest_view == held
    assert rest.fulfillments.release_hold(fo.id).status is uo.FulfillmentOrderStatus.OPEN
    with pytest.raises(uo.InvalidRequest, match="not a Shopify Order id"):
        graphql.orders.get("gid://shopify/LineItem/1")
