"""Finding orders by number and status (issue 15), recorded in cassettes/nextcommerce/ and
replayed (record mode "none"); the contract test checks the ``ordersList`` query parameters sent
(``order_number``, ``status``) against the 2024-04-01 spec. Re-record with ``--record-mode=rewrite``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport

pytestmark = pytest.mark.vcr


@pytest.fixture
def store() -> Iterator[uo.Store]:
    with uo.connect(
        "nextcommerce",
        store="demo-store",
        access_token="test-token-not-a-real-secret",
        rate_limit=False,
        transport=emulator_transport(NextCommerceEmulator()),
    ) as connected:
        yield connected


def test_orders_found_by_number_and_status(store: uo.Store) -> None:
    assert store.orders.get("#10002").id == "10002"  # the number is the id: one retrieve
    assert [o.id for o in store.orders.list(number="#10003", status="open")] == ["10003"]
    assert [o.id for o in store.orders.list(status="canceled")] == []
    assert [r.id for r in store.refunds.list("#10004")] == [
        r.id for r in store.orders.get("10004").refunds
    ]
