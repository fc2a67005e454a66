"""The seam between the core and each adapter's ``webhooks.py``: the rules a platform's webhook
deliveries follow, as an adapter provides them (``AdapterSpec(webhooks=...)``)."""

from __future__ import annotations

from typing import Protocol

from .delivery import Headers
from .events import Event

__all__ = ["WebhookRules"]


class WebhookRules(Protocol):
    """One platform's webhook rules; an adapter's ``webhooks`` module satisfies it.

    ``verify`` runs on the raw body before anything reads it; ``parse`` trusts a verified body
    and raises :class:`~unified_orders.InvalidRequest` when it is not what the platform
    documents. ``delivery_id`` is the platform's de-duplication key (the same on a retry);
    ``route`` names the shop the delivery came from, as the platform spells it (Shopify's shop
    domain, Shopware's ``shopId``, Next Commerce's store subdomain), None when it does not say;
    ``topic`` is the platform's own event name.
    """

    def verify(self, headers: Headers, body: bytes, secret: str | bytes) -> None: ...

    def parse(self, headers: Headers, body: bytes, store: str) -> list[Event]: ...

    def delivery_id(self, headers: Headers, body: bytes) -> str: ...

    def route(self, headers: Headers, body: bytes) -> str | None: ...

    def topic(self, headers: Headers, body: bytes) -> str: ...
