"""The shared conformance suite against the Shopware sandbox (6.7 and 6.6 action sets)."""

from __future__ import annotations

from typing import Any, ClassVar

from unified_orders.testing.conformance import AdapterConformance


class TestShopwareConformance(AdapterConformance):
    platform = "shopware"


class TestShopware66Conformance(AdapterConformance):
    platform = "shopware"
    settings: ClassVar[dict[str, Any]] = {"sandbox_version": "6.6"}


class TestShopwareWithoutCommercialConformance(AdapterConformance):
    platform = "shopware"
    settings: ClassVar[dict[str, Any]] = {"sandbox_commercial": False, "commercial_returns": False}
