"""The shared conformance suite against the Shopify sandbox, GraphQL dialect (the default), with
the sandbox's large orders added (adapters/shopify/sandbox/data/large_orders.json), so every
scenario also meets orders whose nested collections go past one GraphQL read."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from unified_orders.http import RecordingTransport
from unified_orders.store import Store
from unified_orders.testing.conformance import AdapterConformance


class TestShopifyGraphQLConformance(AdapterConformance):
    platform = "shopify"
    settings: ClassVar[dict[str, Any]] = {"api": "graphql"}

    @pytest.fixture
    def store(self, recorder: tuple[Store, RecordingTransport]) -> Store:
        sandbox: Any = recorder[0].sandbox
        for shape in ("warehouse", "shipped", "refunded"):
            sandbox.seed_large_order(shape)
        return recorder[0]
