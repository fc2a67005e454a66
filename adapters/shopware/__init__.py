"""The Shopware 6 adapter: Admin API (JSON), OAuth client credentials, state-machine transitions
chosen by target state (6.6 and 6.7 action sets), capture refunds, Commercial returns, deliveries
as fulfillment orders, and an in-memory sandbox of those routes.

``uo.connect("shopware", base_url="https://shop.example", client_id="SWIA...",
client_secret="...")``; ``uo.connect("shopware", sandbox=True)`` needs no credentials.
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from .api import BASE_CAPABILITIES, RETURN_CAPABILITIES, ShopwareAdapter, ShopwareSettings
from .sandbox import ShopwareEmulator

__all__ = ["ShopwareAdapter", "ShopwareEmulator", "ShopwareSettings", "unified_orders_adapters"]

VERSION = "0.1.0"


@hookimpl
def unified_orders_adapters() -> list[AdapterSpec]:
    """Register the Shopware adapter."""
    return [
        AdapterSpec(
            platform="shopware",
            factory=ShopwareAdapter,
            settings=ShopwareSettings,
            capabilities=BASE_CAPABILITIES | RETURN_CAPABILITIES,
            version=VERSION,
            description=(
                "Shopware 6 Admin API: orders, capture refunds, state transitions, deliveries; "
                "returns need Shopware Commercial ReturnManagement"
            ),
        )
    ]
