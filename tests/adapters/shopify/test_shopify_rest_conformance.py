"""The shared conformance suite against the Shopify sandbox (REST dialect)."""

from __future__ import annotations

from typing import Any, ClassVar

from unified_orders.testing.conformance import AdapterConformance


class TestShopifyRestConformance(AdapterConformance):
    platform = "shopify"
    settings: ClassVar[dict[str, Any]] = {"api": "rest"}
