"""The shared adapter conformance suite, run against the Next Commerce sandbox: its demo orders,
and again with the orders in a withdrawn (BGN) and a three-decimal (KWD) currency added."""

from __future__ import annotations

from typing import Any, ClassVar

from unified_orders.testing.conformance import AdapterConformance


class TestNextCommerceConformance(AdapterConformance):
    platform = "nextcommerce"


class TestNextCommerceCurrencyOrdersConformance(AdapterConformance):
    platform = "nextcommerce"
    settings: ClassVar[dict[str, Any]] = {"sandbox_currency_orders": True}
