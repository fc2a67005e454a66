"""Fixtures the Shopify adapter tests share: one emulator, seen through both dialects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport

TOKEN = "test-token-not-a-real-secret"


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def stores(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, uo.Store, RecordingTransport]]:
    """The GraphQL store (its exchanges recorded) and the REST store over one emulator."""
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
