"""Recorded GraphQL flows (cassettes/shopify/graphql/), replayed with record mode "none".

Each test connects as a real user would (shop domain, an access token, the default GraphQL
dialect) over a fresh sandbox transport; vcrpy replays the recorded exchanges, so every request
must match the recording (method, path and body: the document and its variables). Pacing is off
(``rate_limit=False``) so a replay never waits on the recorded cost figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from shopify_helpers import cancel_and_address_flow, find, fulfillment_order_flow
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    """GraphQL cassettes have their own folder (the REST contract test reads the parent)."""
    return str(ROOT / "cassettes" / "shopify" / "graphql")


@pytest.fixture
def store() -> Iterator[uo.Store]:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    with uo.connect(
        "shopify",
        shop="acme.myshopify.com",
        access_token="test-token-not-a-real-secret",
        api_version="2026-04",
        rate_limit=False,
        transport=emulator_transport(emulator),
    ) as connected:
        yield connected


@pytest.mark.vcr
def test_graphql_refund_flow(store: uo.Store) -> None:
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
    assert refund.idempotency_key == "k-1"
    assert {x.restock for x in refund.lines} == {uo.Restock.RETURN, uo.Restock.CANCEL}
    assert [r.id for r in store.refunds.list(order.id)] == [refund.id]


@pytest.mark.vcr
def test_graphql_returns_lifecycle(store: uo.Store) -> None:
    order = find(store, "#1001")
    line = order.lines[0]
    requested = store.returns.create(
        order.id,
        uo.ReturnRequest(
            lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1, reason="too small")],
            requested=True,
        ),
    )
    assert requested.status is uo.ReturnStatus.REQUESTED
    assert store.returns.approve(requested.id).status is uo.ReturnStatus.OPEN
    assert store.returns.close(requested.id).status is uo.ReturnStatus.CLOSED
    assert store.returns.reopen(requested.id).status is uo.ReturnStatus.OPEN
    merchant = store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
    )
    assert merchant.status is uo.ReturnStatus.OPEN
    assert store.returns.cancel(merchant.id).status is uo.ReturnStatus.CANCELED
    declined = store.returns.create(
        find(store, "#1005").id,
        uo.ReturnRequest(
            lines=[uo.ReturnLineRequest(line_id=find(store, "#1005").lines[0].id, quantity=1)],
            requested=True,
        ),
    )
    assert store.returns.decline(declined.id, note="final sale").status is uo.ReturnStatus.DECLINED
    assert [r.status for r in store.returns.list(order.id)] == [
        uo.ReturnStatus.OPEN,
        uo.ReturnStatus.CANCELED,
    ]


@pytest.mark.vcr
def test_graphql_fulfillment_order_flow(store: uo.Store) -> None:
    fulfillment_order_flow(store)


@pytest.mark.vcr
def test_graphql_cancel_and_address_flow(store: uo.Store) -> None:
    canceled = cancel_and_address_flow(store)
    assert {x.restock for x in canceled.refunds[0].lines} == {uo.Restock.CANCEL}
