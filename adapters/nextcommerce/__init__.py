"""The Next Commerce (29 Next) adapter: Admin API 2024-04-01.

Orders (read, list, create for migration, cancel, shipping address), refunds (calculate then
create, listed from the order), and fulfillment orders (hold, release, fulfillment and
cancellation requests, available locations, move). Next Commerce has no returns API: a return is
a refund with restock ``return``. ``uo.connect("nextcommerce", sandbox=True)`` runs against an
in-memory emulator seeded with demo orders.
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from .api import API_VERSION, CAPABILITIES, NextCommerceAdapter, NextCommerceSettings
from .sandbox import NextCommerceEmulator

__all__ = [
    "NextCommerceAdapter",
    "NextCommerceEmulator",
    "NextCommerceSettings",
    "unified_orders_adapters",
]


@hookimpl
def unified_orders_adapters() -> list[AdapterSpec]:
    """The ``nextcommerce`` platform."""
    return [
        AdapterSpec(
            platform="nextcommerce",
            factory=NextCommerceAdapter,
            settings=NextCommerceSettings,
            capabilities=CAPABILITIES,
            version=API_VERSION,
            description="Next Commerce (29 Next) Admin API 2024-04-01",
        )
    ]
