"""Recorded exchanges (cassettes/shopware/), replayed with record mode "none".

Each test connects as a real user would (base URL, integration key, secret) through a fresh
emulator transport; on replay vcrpy answers from the cassette and the emulator is never reached.
Re-record with ``pytest tests/adapters/shopware/test_shopware_cassettes.py --record-mode=rewrite``
(deterministic: ids and timestamps come from the seeded emulator and fixed idempotency keys).
"""

from __future__ import annotations

import pytest
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport

SECRET = "test-token-not-a-real-secret"
NET_ORDER = "90e8329645ec5a30be474efb73e8bb75"  # demo order 10002 (net, captured)
UNPAID_ORDER = "5225a867d70150cfb73d59911fef462b"  # demo order 10004
SHIPPED_ORDER = "d0aaf91a59fd569d9ffe4f40b3adccc2"  # demo order 10005 (tax-free USD)


def connect(**emulator: object) -> uo.Store:
    fresh = ShopwareEmulator(client_id="SWIAEXAMPLEKEY", client_secret=SECRET, **emulator)  # type: ignore[arg-type]
    return uo.connect(
        "shopware",
        base_url="https://shop.example",
        client_id="SWIAEXAMPLEKEY",
        client_secret=SECRET,
        transport=emulator_transport(fresh),
        sandbox_version=str(emulator.get("version", "6.7")),  # only shapes a sandbox
    )


@pytest.mark.vcr
def test_refund_against_a_capture() -> None:
    store = connect()
    order = store.orders.get(NET_ORDER)
    chair = next(line for line in order.lines if line.title == "Office chair")
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=chair.id, quantity=1)],
        shipping=uo.ShippingRefund(full=True),
    )
    refund = store.refunds.create(
        order.id, request, note="damaged", idempotency_key="cassette-refund-1"
    )
    assert refund.total == uo.Money.of("130.90", "EUR")
    assert [r.id for r in store.refunds.list(order.id)] == [refund.id]
    assert store.orders.get(order.id).financial_status is uo.FinancialStatus.PARTIALLY_REFUNDED


@pytest.mark.vcr
def test_cancel_and_change_address() -> None:
    store = connect()
    cancelled = store.orders.cancel(
        UNPAID_ORDER, reason="customer asked", idempotency_key="cassette-cancel-1"
    )
    assert cancelled.status is uo.OrderStatus.CANCELED
    moved = store.orders.update_shipping_address(
        NET_ORDER,
        uo.Address(line1="9 Example Road", city="Munich", country_code="DE", province_code="BY"),
    )
    assert moved.shipping_address is not None
    assert moved.shipping_address.city == "Munich"


@pytest.mark.vcr
def test_pay_on_a_6_6_shop() -> None:
    store = connect(version="6.6")
    run = store._driver.run
    txn = store.orders.get(UNPAID_ORDER).transactions[0].id
    adapter = store.adapter
    assert (
        run(adapter.transition("order_transaction", txn, "reminded", current="open")) == "reminded"
    )  # type: ignore[attr-defined]
    # reminded -> paid is only "pay" on 6.6: the adapter finds it by target state
    assert run(adapter.transition("order_transaction", txn, "paid", current="reminded")) == "paid"  # type: ignore[attr-defined]
    assert store.orders.get(UNPAID_ORDER).financial_status is uo.FinancialStatus.PAID


@pytest.mark.vcr
def test_returns_and_deliveries() -> None:
    store = connect()
    order = store.orders.get(SHIPPED_ORDER)
    created = store.returns.create(
        order.id,
        uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=order.lines[1].id, quantity=2)]),
    )
    more = store._driver.run(
        store.adapter.add_return_lines(order.id, created.id, {order.lines[0].id: 1})
    )  # type: ignore[attr-defined]
    assert len(more.lines) == 2
    assert store.returns.close(created.id).status is uo.ReturnStatus.CLOSED
    [fo] = store.fulfillments.list(NET_ORDER)
    shipped = store.fulfillments.request_fulfillment(fo.id, lines={fo.lines[0].id: 1})
    assert shipped.platform_status == "shipped_partially"


@pytest.mark.vcr
def test_returns_without_the_licence() -> None:
    store = connect(commercial=False)
    with pytest.raises(uo.UnsupportedOperation, match="RETURNS_MANAGEMENT"):
        store.returns.list(SHIPPED_ORDER)
    assert uo.Capability.RETURNS_CREATE not in store.capabilities


@pytest.mark.vcr
def test_list_and_migrate_an_order() -> None:
    store = connect()
    orders = list(store.orders.list())
    assert len(orders) == 10  # the demo orders
    source = orders[0].model_copy(
        update={"platform": "shopify", "id": "gid-7", "number": "#7", "refunds": []}
    )
    created = store.orders.create(source)
    assert created.total == orders[0].total
