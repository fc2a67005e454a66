"""Finding orders by name, email and status through GraphQL (issue 15), recorded in
cassettes/shopify/graphql/ and replayed (record mode "none"); the documents contract test checks
every document and its variables against the 2026-04 schema. Re-record with
``--record-mode=rewrite``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
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
    with uo.connect(
        "shopify",
        shop="acme.myshopify.com",
        access_token="test-token-not-a-real-secret",
        api_version="2026-04",
        rate_limit=False,
        transport=emulator_transport(ShopifyEmulator(shop="acme.myshopify.com")),
    ) as connected:
        yield connected


@pytest.mark.vcr
def test_graphql_orders_found_by_name_email_and_status(store: uo.Store) -> None:
    order = store.orders.get("#1002")
    assert order.number == "#1002"
    assert store.orders.get(f"gid://shopify/Order/{order.id}").id == order.id
    assert [o.id for o in store.orders.list(number="1002", status="open")] == [order.id]
    # cassettes keep no customer data (emails are scrubbed): the email term is recorded on an
    # address no order has, so the document and its variables are what the contract checks
    assert list(store.orders.list(email="Nobody@Example.com", status="open")) == []
    assert [o.number for o in store.orders.list(status="cancelled")] == []
