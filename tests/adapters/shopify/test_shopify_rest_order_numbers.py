"""Finding orders by name and status through REST (issue 15), recorded in cassettes/shopify/ and
replayed (record mode "none"): ``orders.json`` takes the documented ``status``; the name is
checked on each page's items. Re-record with ``--record-mode=rewrite``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport


@pytest.fixture
def store() -> Iterator[uo.Store]:
    with uo.connect(
        "shopify",
        shop="acme.myshopify.com",
        access_token="test-token-not-a-real-secret",
        api="rest",
        api_version="2026-07",
        transport=emulator_transport(ShopifyEmulator(shop="acme.myshopify.com")),
    ) as connected:
        yield connected


@pytest.mark.vcr
def test_rest_orders_found_by_name_and_status(store: uo.Store) -> None:
    order = store.orders.get("#1002")
    assert order.number == "#1002"
    assert store.orders.get("1002").id == order.id  # tried as an id first (404), then a name
    assert [o.id for o in store.orders.list(number="#1002", status="open")] == [order.id]
    assert [o.number for o in store.orders.list(status="closed")] == []
