"""Refusals by the store's rules, in Shopify's REST error shape.

A :class:`ShopifyError` is an :class:`~unified_orders.sandbox.EmulatorError`: REST handlers let it
through to the request shell, which answers it as is; the GraphQL layer turns it into
``userErrors``.
"""

from __future__ import annotations

from unified_orders.sandbox import EmulatorError

__all__ = ["ShopifyError", "not_found", "unprocessable"]


class ShopifyError(EmulatorError):
    """A request Shopify would refuse: HTTP ``status`` and the REST error ``body``."""


def unprocessable(field: str, message: str) -> ShopifyError:
    """422 with one message about ``field``."""
    return ShopifyError(422, {"errors": {field: [message]}})


def not_found() -> ShopifyError:
    """Shopify's 404 answer."""
    return ShopifyError(404, {"errors": "Not Found"})
