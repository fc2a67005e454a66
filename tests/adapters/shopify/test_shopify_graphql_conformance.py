"""The shared conformance suite against the Shopify sandbox, GraphQL dialect (the default)."""

from __future__ import annotations

from typing import Any, ClassVar

from unified_orders.testing.conformance import AdapterConformance


class TestShopifyGraphQLConformance(AdapterConformance):
    platform = "shopify"
    settings: ClassVar[dict[str, Any]] = {"api": "graphql"}
