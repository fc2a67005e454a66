"""The ``nextcommerce`` adapter: Next Commerce (29 Next) Admin API 2024-04-01.

Orders (read, list, create for migration, cancel, shipping address), refunds (calculate then
create, listed from the order), and fulfillment orders (hold, release, fulfillment and
cancellation requests, available locations, move). Next Commerce has no returns API: a return is
a refund with restock ``return``.

- ``settings.py``   ``NextCommerceSettings`` (store subdomain, access token, API version);
- ``rules.py``      the platform's rules, read by the adapter and the sandbox alike;
- ``adapter.py``    ``NextCommerceAdapter``: the operations, sans I/O;
- ``translate/``    platform JSON <-> canonical models, both ways;
- ``webhooks.py``   webhook deliveries: signature, de-duplication, routing, canonical events;
- ``sandbox/``      the in-memory store behind ``uo.connect("nextcommerce", sandbox=True)``
  (imported lazily, only by ``NextCommerceAdapter.emulator()``).
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from . import webhooks
from .adapter import CAPABILITIES, NextCommerceAdapter
from .settings import API_VERSION, NextCommerceSettings

__all__ = ["NextCommerceAdapter", "NextCommerceSettings", "unified_orders_adapters"]


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
            webhooks=webhooks,
        )
    ]
