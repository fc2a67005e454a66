"""Recorded flows (cassettes/shopify/), replayed with record mode "none".

Each test connects as a real user would (shop domain, an access token, api="rest") over a fresh
sandbox transport; vcrpy replays the recorded exchanges, so the adapter's requests must match the
recording byte for byte (method, path, query and body).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from shopify_helpers import cancel_and_address_flow, find, fulfillment_order_flow
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport


@pytest.fixture
def store() -> Iterator[uo.Store]:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    with uo.connect(
        "shopify",
        shop="acme.myshopify.com",
        access_token="test-token-not-a-real-secret",
        api="rest",
        api_version="2026-07",
        transport=emulator_transport(emulator),
    ) as connected:
        yield connected


@pytest.mark.vcr
def test_refund_flow(store: uo.Store) -> None:
    order = find(store, "#1001")
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1, restock=uo.Restock.RETURN),
            uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1),
        ],
        shipping=uo.ShippingRefund(amount="2.50"),
    )
    calculation = store.refunds.calculate(order.id, request)
    assert calculation.total.amount == Decimal("250.54")  # 47.70 + 200.34 + 2.50
    refund = store.refunds.create(order.id, calculation, note="wrong size", idempotency_key="k-1")
    assert refund.total.amount == Decimal("250.54")
    assert {x.restock for x in refund.lines} == {uo.Restock.RETURN, uo.Restock.CANCEL}
    assert [r.id for r in store.refunds.list(order.id)] == [refund.id]


@pytest.mark.vcr
def test_fulfillment_order_flow(store: uo.Store) -> None:
    fulfillment_order_flow(store)


@pytest.mark.vcr
def test_cancel_and_address_flow(store: uo.Store) -> None:
    cancel_and_address_flow(store)
