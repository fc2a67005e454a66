"""Finding orders by number, email and status (issue 15), recorded in cassettes/shopware/ and
replayed (record mode "none"); the contract test checks the ``search/order`` criteria sent
(``orderNumber``, ``orderCustomer.email``, the state) against the Admin API spec. Re-record with
``--record-mode=rewrite``.
"""

from __future__ import annotations

import pytest
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport

SECRET = "test-token-not-a-real-secret"
NET_ORDER = "90e8329645ec5a30be474efb73e8bb75"  # demo order 10002


@pytest.mark.vcr
def test_orders_found_by_number_email_and_status() -> None:
    store = uo.connect(
        "shopware",
        base_url="https://shop.example",
        client_id="SWIAEXAMPLEKEY",
        client_secret=SECRET,
        transport=emulator_transport(
            ShopwareEmulator(client_id="SWIAEXAMPLEKEY", client_secret=SECRET)
        ),
    )
    assert store.orders.get("#10002").id == NET_ORDER
    assert [o.id for o in store.orders.list(number="10002", status="open")] == [NET_ORDER]
    # cassettes keep no customer data (emails are scrubbed), so the email filter is recorded on
    # an address no order has: the criteria are what the contract test checks
    assert list(store.orders.list(email="Nobody@Example.com", status="open")) == []
    assert [o.number for o in store.orders.list(status="closed")] == ["10005", "10009"]
    assert [f.order_id for f in store.fulfillments.list("10002")] == [NET_ORDER]
