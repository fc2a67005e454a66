"""The ``shopify`` adapter: Shopify's Admin API behind the canonical interface.

- ``settings.py``    ``ShopifySettings`` (``api="graphql"`` by default, or ``"rest"``);
- ``rules.py``       restock policy, return transitions, hold reasons (adapter and emulator);
- ``vocabulary.py``  Shopify's ids, times, money values and status words, as both dialects read;
- ``mapping.py``     the canonical mapping both dialects apply (line, refund, calculation rules;
                     refund rows, discrepancy, migrated orders);
- ``base.py``        what both dialects share: capabilities, auth, the sandbox (imported lazily);
- ``graphql/``       the GraphQL Admin API dialect (the default): adapter, documents, translate;
- ``rest/``          the REST Admin API dialect: adapter, translate;
- ``sandbox/``       the in-memory Shopify store answering both dialects.
- ``webhooks.py``    webhook deliveries: signature, de-duplication, routing, canonical events.
"""

from __future__ import annotations

from unified_orders.adapter import Adapter, AdapterSpec
from unified_orders.hookspecs import hookimpl

from . import webhooks
from .base import GRAPHQL_CAPABILITIES
from .settings import ShopifySettings

__all__ = ["make_adapter", "unified_orders_adapters"]

VERSION = "0.1.0"


def make_adapter(settings: ShopifySettings) -> Adapter:
    """The adapter for the chosen dialect (the AdapterSpec factory)."""
    if settings.api == "rest":
        from .rest.adapter import ShopifyRestAdapter

        return ShopifyRestAdapter(settings)
    from .graphql.adapter import ShopifyGraphQLAdapter

    return ShopifyGraphQLAdapter(settings)


@hookimpl
def unified_orders_adapters() -> list[AdapterSpec]:
    """The ``shopify`` platform."""
    return [
        AdapterSpec(
            platform="shopify",
            factory=make_adapter,
            settings=ShopifySettings,
            capabilities=GRAPHQL_CAPABILITIES,
            version=VERSION,
            description="Shopify Admin API (GraphQL by default; api='rest' for REST, no returns)",
            extra={"dialects": ("graphql", "rest"), "default_api": "graphql"},
            webhooks=webhooks,
        )
    ]
