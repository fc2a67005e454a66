"""The ``shopify`` adapter: Shopify's Admin API behind the canonical interface.

- ``settings.py``  ``ShopifySettings`` (``api="graphql"`` by default, or ``"rest"``);
- ``base.py``      what both dialects share: capabilities, restock policy, auth, the sandbox;
- ``mapping.py``   canonical mapping shared by both dialects;
- ``graphql/``     the GraphQL Admin API dialect (the default): adapter, documents, translate;
- ``rest/``        the REST Admin API dialect: adapter;
- ``sandbox/``     the in-memory Shopify store answering both dialects (imported lazily).
"""

from __future__ import annotations

from unified_orders.adapter import Adapter, AdapterSpec
from unified_orders.hookspecs import hookimpl

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
        )
    ]
