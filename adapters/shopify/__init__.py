"""The ``shopify`` adapter: Shopify's Admin API behind the canonical interface.

Package layout (dialect-specific code in dialect-named modules):

- ``api.py``       ``ShopifySettings`` (``api="graphql"`` by default, or ``"rest"``) and
  ``make_adapter``, which picks the dialect class;
- ``base.py``      what every dialect shares (restock policy, auth header, sandbox, deprecations);
- ``graphql.py``   the GraphQL Admin API dialect (``ShopifyGraphQLAdapter``, the default);
- ``documents.py`` every GraphQL document that dialect sends (one registry, schema-validated);
- ``translate_graphql.py`` GraphQL JSON <-> canonical models, through the REST mapping;
- ``rest.py``      the REST Admin API dialect (``ShopifyRestAdapter``);
- ``translate.py`` REST JSON <-> canonical models (pure functions);
- ``state.py``     the sandbox's dialect-neutral store state and Shopify's rules;
- ``seed.py``      deterministic demo data;
- ``sandbox.py``   ``ShopifyEmulator``: the REST Admin API over that state, and
- ``sandbox_graphql.py`` the GraphQL Admin API over the same state (returns live here).
"""

from __future__ import annotations

from unified_orders.adapter import AdapterSpec
from unified_orders.hookspecs import hookimpl

from .api import ShopifySettings, make_adapter
from .graphql import GRAPHQL_CAPABILITIES

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
            capabilities=GRAPHQL_CAPABILITIES,
            version=VERSION,
            description="Shopify Admin API (GraphQL by default; api='rest' for REST, no returns)",
            extra={"dialects": ("graphql", "rest"), "default_api": "graphql"},
        )
    ]
