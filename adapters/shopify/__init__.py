"""The ``shopify`` adapter: Shopify's Admin API behind the canonical interface.

Package layout (dialect-specific code in dialect-named modules):

- ``api.py``       ``ShopifySettings`` (``api="rest" | "graphql"``) and ``make_adapter``, which
  picks the dialect class;
- ``base.py``      what every dialect shares (restock policy, auth header, sandbox, deprecations);
- ``rest.py``      the REST Admin API dialect (``ShopifyRestAdapter``);
- ``translate.py`` REST JSON <-> canonical models (pure functions);
- ``state.py``     the sandbox's dialect-neutral store state and Shopify's rules;
- ``seed.py``      deterministic demo data;
- ``sandbox.py``   ``ShopifyEmulator``: the REST Admin API over that state.
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from .api import ShopifySettings, make_adapter
from .rest import REST_CAPABILITIES

__all__ = ["unified_orders_adapters"]

VERSION = "0.1.0"


@hookimpl
def unified_orders_adapters() -> list[AdapterSpec]:
    """The ``shopify`` platform."""
    return [
        AdapterSpec(
            platform="shopify",
            factory=make_adapter,
            settings=ShopifySettings,
            capabilities=REST_CAPABILITIES,
            version=VERSION,
            description="Shopify Admin API (REST dialect; returns need GraphQL)",
            extra={"dialects": ("rest",), "default_api": "rest"},
        )
    ]
