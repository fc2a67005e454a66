"""The shared adapter conformance suite, run against the Next Commerce sandbox."""

from __future__ import annotations

from unified_orders.testing.conformance import AdapterConformance


class TestNextCommerceConformance(AdapterConformance):
    platform = "nextcommerce"
