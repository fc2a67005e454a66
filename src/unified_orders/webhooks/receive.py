"""Verify, then parse: the one way a delivery becomes canonical events."""

from __future__ import annotations

from ..errors import ConfigurationError, UnsupportedOperation
from .delivery import Headers
from .events import Event
from .rules import WebhookRules

__all__ = ["delivery_id", "receive", "route", "rules", "topic", "verify"]


def rules(platform: str | WebhookRules) -> WebhookRules:
    """The webhook rules of a registered platform (or ``platform`` itself when it is rules)."""
    if not isinstance(platform, str):
        return platform
    from ..plugins import registry

    spec = registry().get(platform)
    if spec is None:
        raise ConfigurationError(f"unknown platform {platform!r}")
    if spec.webhooks is None:
        raise UnsupportedOperation(platform, "webhooks", "its adapter has no webhook rules")
    return spec.webhooks


def verify(
    platform: str | WebhookRules, headers: Headers, body: bytes, secret: str | bytes
) -> None:
    """Check the delivery's signature on the raw body; raises WebhookSignatureError."""
    rules(platform).verify(headers, body, secret)


def receive(
    platform: str | WebhookRules,
    headers: Headers,
    body: bytes,
    secret: str | bytes,
    store: str,
) -> list[Event]:
    """The canonical events of a delivery, after its signature checked out.

    Raises :class:`~unified_orders.WebhookSignatureError` (bad or missing signature: nothing is
    parsed) or :class:`~unified_orders.InvalidRequest` (a body the platform does not document).
    A delivery of a topic with no canonical meaning gives an empty list.
    """
    found = rules(platform)
    found.verify(headers, body, secret)
    return found.parse(headers, body, store)


def delivery_id(platform: str | WebhookRules, headers: Headers, body: bytes) -> str:
    """The platform's de-duplication key of a delivery (the same when it is retried)."""
    return rules(platform).delivery_id(headers, body)


def route(platform: str | WebhookRules, headers: Headers, body: bytes) -> str | None:
    """The shop a delivery names, as the platform spells it; None when it does not say."""
    return rules(platform).route(headers, body)


def topic(platform: str | WebhookRules, headers: Headers, body: bytes) -> str:
    """The platform's own name for the delivery's event."""
    return rules(platform).topic(headers, body)
