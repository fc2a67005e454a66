"""Webhook subscriptions on Shopify: ``webhookSubscriptionCreate`` / ``webhookSubscriptions`` /
``webhookSubscriptionDelete`` (GraphQL Admin API, both dialects: the REST dialect sends these
documents to ``graphql.json`` too).

One subscription per topic. Deliveries are signed with the app's client secret (no secret per
subscription) in the subscription's API version (the version the store speaks when it is made).
A topic already delivered to the URL is not subscribed again (Shopify refuses the duplicate).
Topics are ``WebhookSubscriptionTopic`` values; the REST spelling (``refunds/create``) is
accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.adapter import Request, Response
from unified_orders.errors import InvalidRequest, NotFound, PlatformError, Problem, ResponseLost
from unified_orders.exchange import Op
from unified_orders.webhooks.events import EventType
from unified_orders.webhooks.subscriptions import (
    WebhookSubscription,
    canonical_topics,
    platform_topics,
)

from .answers import graphql_data
from .vocabulary import PLATFORM

__all__ = ["DOCUMENTS", "TOPICS", "ShopifySubscriptions"]

#: Canonical event types and the ``WebhookSubscriptionTopic`` values that bring them.
TOPICS: dict[EventType, tuple[str, ...]] = {
    EventType.ORDER_CREATED: ("ORDERS_CREATE",),
    EventType.ORDER_UPDATED: ("ORDERS_UPDATED",),
    EventType.ORDER_CANCELLED: ("ORDERS_CANCELLED",),
    EventType.ORDER_DELETED: ("ORDERS_DELETE",),
    EventType.REFUND_CREATED: ("REFUNDS_CREATE",),
    EventType.RETURN_REQUESTED: ("RETURNS_REQUEST",),
    EventType.RETURN_APPROVED: ("RETURNS_APPROVE",),
    EventType.RETURN_DECLINED: ("RETURNS_DECLINE",),
    EventType.RETURN_UPDATED: ("RETURNS_UPDATE",),
    EventType.RETURN_CLOSED: ("RETURNS_CLOSE",),
    EventType.RETURN_CANCELLED: ("RETURNS_CANCEL",),
    EventType.RETURN_REOPENED: ("RETURNS_REOPEN",),
    EventType.FULFILLMENT_ORDER_HELD: ("FULFILLMENT_ORDERS_PLACED_ON_HOLD",),
    EventType.FULFILLMENT_ORDER_RELEASED: ("FULFILLMENT_ORDERS_HOLD_RELEASED",),
    EventType.FULFILLMENT_ORDER_MOVED: ("FULFILLMENT_ORDERS_MOVED",),
    EventType.FULFILLMENT_ORDER_CANCELLATION_REQUESTED: (
        "FULFILLMENT_ORDERS_CANCELLATION_REQUEST_SUBMITTED",
    ),
    EventType.FULFILLMENT_ORDER_CANCELLED: ("FULFILLMENT_ORDERS_CANCELLED",),
}

_SUBSCRIPTION = "id topic uri apiVersion { handle }"
DOCUMENTS = {
    "WebhookSubscriptionCreate": (
        "mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $uri: String!) {"
        " webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON})"
        f" {{ webhookSubscription {{ {_SUBSCRIPTION} }} userErrors {{ field message }} }} }}"
    ),
    "WebhookSubscriptions": (
        "query WebhookSubscriptions($after: String) {"
        " webhookSubscriptions(first: 100, after: $after) {"
        f" nodes {{ {_SUBSCRIPTION} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    ),
    "WebhookSubscriptionDelete": (
        "mutation WebhookSubscriptionDelete($id: ID!) { webhookSubscriptionDelete(id: $id)"
        " { deletedWebhookSubscriptionId userErrors { field message } } }"
    ),
}
_GID = "gid://shopify/WebhookSubscription/"


def _topic(topic: str) -> str | None:
    """A topic as the GraphQL enum spells it (REST ``a/b`` -> ``A_B``), if it looks like one."""
    spelled = topic.strip().replace("/", "_").upper()
    return spelled if spelled and spelled.replace("_", "").isalnum() else None


def _subscription(node: Mapping[str, Any]) -> WebhookSubscription:
    topic = str(node["topic"])
    version = node.get("apiVersion") or {}
    return WebhookSubscription(
        id=str(node["id"]),
        platform=PLATFORM,
        url=str(node["uri"]),
        topics=canonical_topics([topic], TOPICS),
        platform_topics=(topic,),
        api_version=version.get("handle"),
        raw=dict(node),
    )


def _refused(name: str, errors: Any, response: Response) -> PlatformError:
    text = "; ".join(str(e.get("message")) for e in errors if isinstance(e, Mapping))
    return PlatformError(
        f"{name}: {text}", status=response.status, platform=PLATFORM, code="user_errors"
    )


class ShopifySubscriptions:
    """The sans-I/O subscription operations (see the module docstring).

    ``in_points``: whether the dialect's rate bucket counts GraphQL cost points (the GraphQL
    dialect) or requests (the REST dialect's leaky bucket, where one call is one request: the
    GraphQL limit is Shopify's other bucket, never the REST one)."""

    def __init__(self, *, in_points: bool = True) -> None:
        self.in_points = in_points

    def _request(self, name: str, variables: Mapping[str, Any], *, write: bool) -> Request:
        return Request(
            "POST",
            "graphql.json",
            json={"query": DOCUMENTS[name], "variables": dict(variables), "operationName": name},
            cost=(10 if write else 12) if self.in_points else 1,
            retry_safe=not write,
            write=write,
        )

    def subscribe(
        self, topics: Sequence[str], url: str, secret: str | None
    ) -> Op[list[WebhookSubscription]]:
        """Subscribe ``url`` to each asked topic it does not get yet; answer the subscriptions of
        ``url`` to the asked topics. ``secret`` must be None: Shopify signs with the app secret."""
        wanted = platform_topics(PLATFORM, topics, TOPICS, _topic)
        if secret:
            raise InvalidRequest(
                [Problem("secret", "Shopify signs deliveries with the app's client secret")]
            )
        existing = [s for s in (yield from self.list()) if s.url == url]
        have = {s.platform_topics[0] for s in existing}
        for topic in wanted:
            if topic in have:
                continue
            name = "WebhookSubscriptionCreate"
            response = yield self._request(name, {"topic": topic, "uri": url}, write=True)
            payload = graphql_data(name, response, write=True).get("webhookSubscriptionCreate")
            if not isinstance(payload, Mapping):
                raise ResponseLost(f"{name}: no payload; it may have taken effect")
            if payload.get("userErrors"):
                raise _refused(name, payload["userErrors"], response)
            existing.append(_subscription(payload["webhookSubscription"]))
        return [s for s in existing if s.platform_topics[0] in wanted]

    def list(self) -> Op[list[WebhookSubscription]]:
        """``webhookSubscriptions``, every page."""
        found: list[WebhookSubscription] = []
        after: str | None = None
        while True:
            name = "WebhookSubscriptions"
            response = yield self._request(name, {"after": after}, write=False)
            try:
                page = graphql_data(name, response, write=False)["webhookSubscriptions"]
                found += [_subscription(node) for node in page["nodes"]]
                info = page["pageInfo"]
            except (KeyError, TypeError) as error:
                raise PlatformError(
                    f"{name}: the answer cannot be read ({error})", platform=PLATFORM
                ) from error
            if not info.get("hasNextPage"):
                return found
            after = info["endCursor"]

    def unsubscribe(self, subscription_id: str) -> Op[None]:
        """``webhookSubscriptionDelete`` (a GID or its number)."""
        ident = subscription_id.strip()
        if ident.isdigit():
            ident = _GID + ident
        if not ident.startswith(_GID) or not ident[len(_GID) :].isdigit():
            raise InvalidRequest(
                [
                    Problem(
                        "subscription_id", f"{subscription_id!r} is not a webhook subscription id"
                    )
                ]
            )
        name = "WebhookSubscriptionDelete"
        response = yield self._request(name, {"id": ident}, write=True)
        payload = graphql_data(name, response, write=True).get("webhookSubscriptionDelete")
        if not isinstance(payload, Mapping):
            raise ResponseLost(f"{name}: no payload; it may have taken effect")
        if payload.get("userErrors"):
            errors = payload["userErrors"]
            if any("not exist" in str(e.get("message")) for e in errors):
                raise NotFound(
                    f"webhook subscription {subscription_id} was not found",
                    status=404,
                    platform=PLATFORM,
                )
            raise _refused(name, errors, response)
