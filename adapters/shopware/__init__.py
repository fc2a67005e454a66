"""The ``shopware`` adapter: Shopware 6's Admin API behind the canonical interface.

- ``settings.py``   ``ShopwareSettings`` (base URL, integration key and secret);
- ``platform.py``   ids, JSON numbers, times and taxes, as both the adapter and the sandbox read them;
- ``states.py``     the state machines (6.6 and 6.7 action sets) and every state transition rule;
- ``translate/``    platform JSON <-> canonical models, pure;
- ``base.py``       capabilities, OAuth client credentials, requests, the transition walker;
- ``adapter.py``    ``ShopwareAdapter``: orders and deliveries, with ``refunds.py`` (capture
  refunds, keyed by ``externalReference``; ``assign.py`` puts a refund's lines onto captures) and
  ``returns.py`` (Commercial ReturnManagement);
- ``sandbox/``      the in-memory Shopware shop (imported only when a sandbox is asked for).
- ``webhooks.py``   webhook deliveries (an installed app's per-shop secret): signature,
  de-duplication, routing, canonical events.

``uo.connect("shopware", base_url="https://shop.example", client_id="SWIA...",
client_secret="...")``; ``uo.connect("shopware", sandbox=True)`` needs no credentials.
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from . import webhooks
from .adapter import ShopwareAdapter
from .base import BASE_CAPABILITIES, RETURN_CAPABILITIES
from .settings import ShopwareSettings

__all__ = ["unified_orders_adapters"]

VERSION = "0.1.0"


@hookimpl
def unified_orders_adapters() -> list[AdapterSpec]:
    """The ``shopware`` platform."""
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
            webhooks=webhooks,
        )
    ]
