"""Webhook subscriptions on Next Commerce: ``webhooksList``/``Create``/``Destroy`` on ``/webhooks/``.

One platform webhook carries several events. Subscribing pins ``api_version`` to the version
this adapter speaks (the docs' sample shows an older one) and sets the caller's own
``secret_key``, which the receiver verifies ``X-29Next-Signature`` with: so a secret is
required. A target already subscribed to some of the events only gets a webhook for the rest.
There is no refund, return or fulfillment-order event: ``refund.created`` maps to
``transaction.created`` (a refund is a transaction of type refund) and ``order.updated``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unified_orders.adapter import Request, Response
from unified_orders.errors import InvalidRequest, PlatformError, Problem
from unified_orders.exchange import Op
from unified_orders.webhooks.events import EventType
from unified_orders.webhooks.subscriptions import (
    WebhookSubscription,
    canonical_topics,
    platform_topics,
)

from .rules import API_VERSION

__all__ = ["EVENTS", "TOPICS", "NextCommerceSubscriptions"]

PLATFORM = "nextcommerce"

#: Canonical event types and the platform events that bring them.
TOPICS: dict[EventType, tuple[str, ...]] = {
    EventType.ORDER_CREATED: ("order.created",),
    EventType.ORDER_UPDATED: ("order.updated",),
    EventType.ORDER_CANCELLED: ("order.updated",),
    EventType.REFUND_CREATED: ("transaction.created", "order.updated"),
}

#: The events the 2024-04-01 spec documents.
EVENTS = frozenset(
    {
        "app.uninstalled", "cart.abandoned", "customer.created", "customer.updated",
        "dispute.created", "dispute.updated", "export.created", "fulfillment.created",
        "fulfillment.updated", "gateway.created", "gateway.updated", "order.created",
        "order.updated", "product.created", "product.updated", "product.deleted",
        "store.updated", "subscription.created", "subscription.updated", "ticket.created",
        "ticket.updated", "transaction.created", "transaction.updated",
    }
)  # fmt: skip


def _known(topic: str) -> str | None:
    return topic if topic in EVENTS else None


def _subscription(body: Any) -> WebhookSubscription:
    events = tuple(str(e) for e in body["events"])
    return WebhookSubscription(
        id=str(body["id"]),
        platform=PLATFORM,
        url=str(body["target"]),
        topics=canonical_topics(events, TOPICS),
        platform_topics=events,
        api_version=body.get("api_version"),
        raw=body,
    )


def _unreadable(response: Response, what: str, error: Exception) -> PlatformError:
    return PlatformError(
        f"{what}: the platform's answer cannot be read ({type(error).__name__}: {error})",
        status=response.status,
        platform=PLATFORM,
        code="unreadable_response",
    )


class NextCommerceSubscriptions:
    """The sans-I/O subscription operations (see the module docstring)."""

    def subscribe(
        self, topics: Sequence[str], url: str, secret: str | None
    ) -> Op[list[WebhookSubscription]]:
        """Create one webhook for the events ``url`` does not get yet; answer every webhook of
        ``url`` that brings one of the asked events."""
        wanted = platform_topics(PLATFORM, topics, TOPICS, _known)
        if not secret:
            raise InvalidRequest(
                [Problem("secret", "Next Commerce signs with the webhook's own secret: give one")]
            )
        existing = [s for s in (yield from self.list()) if s.url == url]
        have = {t for s in existing for t in s.platform_topics}
        missing = [t for t in wanted if t not in have]
        if missing:
            body = {
                "name": "unified-orders",
                "target": url,
                "events": missing,
                "active": True,
                "api_version": API_VERSION,
                "secret_key": secret,
            }
            response = yield Request("POST", "webhooks/", json=body)
            try:
                existing.append(_subscription(response.body))
            except (KeyError, TypeError, ValueError) as error:
                raise _unreadable(response, "webhooksCreate", error) from error
        return [s for s in existing if set(s.platform_topics) & set(wanted)]

    def list(self) -> Op[list[WebhookSubscription]]:
        """``webhooksList``, every page (``next`` links stay on the store: relative paths)."""
        found: list[WebhookSubscription] = []
        url: str | None = "webhooks/"
        while url is not None:
            response = yield Request("GET", url)
            try:
                found += [_subscription(item) for item in response.body["results"]]
                url = response.body.get("next")
            except (KeyError, TypeError, ValueError) as error:
                raise _unreadable(response, "webhooksList", error) from error
        return found

    def unsubscribe(self, subscription_id: str) -> Op[None]:
        """``webhooksDestroy``."""
        if not subscription_id.strip().isdigit():
            raise InvalidRequest(
                [Problem("subscription_id", "Next Commerce webhook ids are integers")]
            )
        yield Request("DELETE", f"webhooks/{subscription_id.strip()}/")
