"""Webhooks in the sandbox: GraphQL subscription management and signed deliveries.

``webhookSubscriptionCreate`` / ``webhookSubscriptions`` / ``webhookSubscriptionDelete`` keep
subscriptions in the state (``webhook_subscriptions``). After each write
:class:`ShopifyWebhooks` compares orders, refunds, returns and fulfillment orders with the last
look and POSTs each event to every subscription on its topic, as Shopify does: the REST resource
as the body, ``X-Shopify-Hmac-Sha256`` the base64 HMAC-SHA256 of the raw body keyed with the
app's client secret (``secret``), and ``X-Shopify-Topic`` / ``-Shop-Domain`` / ``-API-Version`` /
``-Webhook-Id`` / ``-Event-Id`` / ``-Triggered-At``. One event id per event (shared by every
subscription it goes to), one webhook id per delivery (a repeated delivery keeps both).

Which topic a change is (INFERRED where the platform does not say): a new order
``ORDERS_CREATE``, any change ``ORDERS_UPDATED`` (plus ``ORDERS_CANCELLED`` when it becomes
cancelled), a vanished one ``ORDERS_DELETE``; a new refund ``REFUNDS_CREATE``; a return by its
status (``requested`` -> ``RETURNS_REQUEST``, a new ``open`` one or ``requested`` -> ``open``
``RETURNS_APPROVE``, ``closed`` -> ``open`` ``RETURNS_REOPEN``, ``declined``/``closed``/
``canceled`` their topics); a fulfillment order placed on hold, released, moved (a new location)
or with a cancellation request submitted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from typing import Any

from unified_orders.sandbox.outbox import Change, ChangeWatcher, Delivery, Facts, Outbox

from .graphql.values import Obj, connection, gid, gid_number
from .state import ShopifyState

__all__ = ["APP_SECRET", "ShopifyWebhooks", "WebhookResolvers", "rest_topic", "sign"]

#: The app client secret the sandbox signs with unless told otherwise.
APP_SECRET = "sandbox-app-secret"
_TABLE = "webhook_subscriptions"
_PREFIXES = ("FULFILLMENT_ORDERS_", "ORDERS_", "REFUNDS_", "RETURNS_")
_RETURN_TOPICS = {
    "requested": "RETURNS_REQUEST",
    "declined": "RETURNS_DECLINE",
    "closed": "RETURNS_CLOSE",
    "canceled": "RETURNS_CANCEL",
}


def rest_topic(topic: str) -> str:
    """A ``WebhookSubscriptionTopic`` as the REST topic of ``X-Shopify-Topic``
    (``FULFILLMENT_ORDERS_PLACED_ON_HOLD`` -> ``fulfillment_orders/placed_on_hold``)."""
    for prefix in _PREFIXES:
        if topic.startswith(prefix):
            return f"{prefix[:-1].lower()}/{topic[len(prefix) :].lower()}"
    return topic.lower().replace("_", "/", 1)


def sign(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value: base64 HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _table(state: ShopifyState) -> dict[str, Obj]:
    found: dict[str, Obj] = state.data.get(_TABLE) or {}
    return found


def _refused(message: str) -> Obj:
    error = {"field": ["webhookSubscription", "callbackUrl"], "message": message}
    return {"webhookSubscription": None, "userErrors": [error]}


class WebhookResolvers:
    """The GraphQL fields managing subscriptions (the topics are the schema's enum values)."""

    def __init__(self, state: ShopifyState, version: Callable[[], str]) -> None:
        self.state = state
        self.version = version

    def roots(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """``webhookSubscriptions`` and ``webhookSubscription``."""
        return {"webhookSubscriptions": self.list, "webhookSubscription": self.one}

    def mutations(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """``webhookSubscriptionCreate`` and ``webhookSubscriptionDelete``."""
        return {
            "webhookSubscriptionCreate": self.create,
            "webhookSubscriptionDelete": self.delete,
        }

    def _view(self, sub: Obj) -> Obj:
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", sub["id"]),
            "legacyResourceId": str(sub["id"]),
            "topic": sub["topic"],
            "uri": sub["uri"],
            "callbackUrl": sub["uri"],
            "format": "JSON",
            "apiVersion": {"handle": sub["api_version"]},
            "createdAt": sub["created_at"],
            "updatedAt": sub["created_at"],
            "includeFields": [],
            "filter": None,
            "name": sub.get("name"),
        }

    def list(self, args: Mapping[str, Any]) -> Obj:
        """``webhookSubscriptions(first:, after:, topics:, uri:)``."""
        subs = list(_table(self.state).values())
        if args.get("topics"):
            subs = [s for s in subs if s["topic"] in args["topics"]]
        uri = args.get("uri") or args.get("callbackUrl")
        if uri:
            subs = [s for s in subs if s["uri"] == uri]
        return connection([self._view(s) for s in subs], args)

    def one(self, args: Mapping[str, Any]) -> Obj | None:
        """``webhookSubscription(id:)``."""
        number = gid_number(args.get("id"), "WebhookSubscription")
        sub = _table(self.state).get(str(number))
        return self._view(sub) if sub is not None else None

    def create(self, args: Mapping[str, Any]) -> Obj:
        """``webhookSubscriptionCreate(topic:, webhookSubscription: {uri | callbackUrl})``; the
        same topic and address twice is refused, as Shopify does."""
        topic = str(args.get("topic") or "")
        given = args.get("webhookSubscription") or {}
        uri = str(given.get("uri") or given.get("callbackUrl") or "")
        if not uri.startswith(("https://", "http://")):
            # INFERRED wording; Shopify also takes pubsub:// and arn: addresses (not here).
            return _refused("Address is invalid")
        table = self.state.data.setdefault(_TABLE, {})
        if any(s["topic"] == topic and s["uri"] == uri for s in table.values()):
            return _refused("Address for this topic has already been taken")
        number = self.state.new_id()
        sub = {
            "id": number,
            "topic": topic,
            "uri": uri,
            "api_version": self.version(),
            "created_at": self.state.now(),
            "name": given.get("name"),
        }
        table[str(number)] = sub
        return {"webhookSubscription": self._view(sub), "userErrors": []}

    def delete(self, args: Mapping[str, Any]) -> Obj:
        """``webhookSubscriptionDelete(id:)``."""
        number = gid_number(args.get("id"), "WebhookSubscription")
        table = _table(self.state)
        if str(number) not in table:
            error = {"field": ["id"], "message": "Webhook subscription does not exist"}
            return {"deletedWebhookSubscriptionId": None, "userErrors": [error]}
        del table[str(number)]
        return {"deletedWebhookSubscriptionId": args["id"], "userErrors": []}


class ShopifyWebhooks:
    """Turns the store's changes into signed deliveries to its subscriptions."""

    def __init__(self, state: Callable[[], ShopifyState], shop: str) -> None:
        self.state_of = state
        self.shop = shop
        #: The app's client secret deliveries are signed with.
        self.secret = APP_SECRET
        self.outbox = Outbox()
        self.watcher = ChangeWatcher(self._facts)

    def changed(self) -> None:
        """Emit what changed since the last call (the emulator's ``changed`` hook)."""
        for change in self.watcher.changes_while(bool(_table(self.state_of()))):
            for topic, body in self._events(change):
                self._deliver(topic, body)

    def _facts(self) -> Facts:
        data = self.state_of().data
        facts: dict[tuple[str, str], Hashable] = {}
        for key, order in data["orders"].items():
            facts[("order", key)] = (order.get("cancelled_at") is not None, order["updated_at"])
            for refund in order.get("refunds") or []:
                facts[("refund", f"{key}:{refund['id']}")] = True
        for key, ret in data["returns"].items():
            facts[("return", key)] = str(ret["status"]).lower()
        for key, fo in data["fulfillment_orders"].items():
            facts[("fo", key)] = (
                fo["status"],
                fo.get("request_status"),
                fo.get("assigned_location_id"),
            )
        return facts

    def _events(self, change: Change) -> list[tuple[str, Obj]]:
        data = self.state_of().data
        if change.kind == "order":
            if change.after is None:
                return [("ORDERS_DELETE", {"id": int(change.id)})]
            order = dict(data["orders"][change.id])
            if change.before is None:
                return [("ORDERS_CREATE", order)]
            out = [("ORDERS_UPDATED", order)]
            cancelled = isinstance(change.after, tuple) and change.after[0]
            was_cancelled = isinstance(change.before, tuple) and change.before[0]
            if cancelled and not was_cancelled:
                out.append(("ORDERS_CANCELLED", order))
            return out
        if change.kind == "refund" and change.before is None and change.after is not None:
            order_key, refund_id = change.id.split(":")
            order = data["orders"][order_key]
            refund = next(r for r in order["refunds"] if str(r["id"]) == refund_id)
            return [("REFUNDS_CREATE", {**refund, "order_id": order["id"]})]
        if change.kind == "return" and change.after is not None:
            return self._return_events(change, data["returns"][change.id])
        if change.kind == "fo" and change.after is not None:
            return self._fo_events(change, data["fulfillment_orders"][change.id])
        return []

    @staticmethod
    def _return_events(change: Change, ret: Obj) -> list[tuple[str, Obj]]:
        body = {
            "id": ret["id"],
            "admin_graphql_api_id": gid("Return", ret["id"]),
            "status": str(ret["status"]).lower(),
            "name": ret.get("name"),
            "order": {"id": ret["order_id"], "admin_graphql_api_id": gid("Order", ret["order_id"])},
        }
        status, before = str(change.after), change.before
        if status == "open":
            topic = "RETURNS_REOPEN" if before == "closed" else "RETURNS_APPROVE"
        else:
            topic = _RETURN_TOPICS.get(status, "RETURNS_UPDATE")
        return [(topic, body)]

    @staticmethod
    def _fo_events(change: Change, fo: Obj) -> list[tuple[str, Obj]]:
        view = {
            "id": gid("FulfillmentOrder", fo["id"]),
            "status": str(fo["status"]).upper(),
            "order_id": gid("Order", fo["order_id"]),
        }
        before = change.before if isinstance(change.before, tuple) else (None, None, None)
        after = change.after if isinstance(change.after, tuple) else (None, None, None)
        out: list[tuple[str, Obj]] = []
        if after[0] == "on_hold" and before[0] != "on_hold":
            holds = fo.get("fulfillment_holds") or []
            out.append(
                ("FULFILLMENT_ORDERS_PLACED_ON_HOLD", {"fulfillment_order": view, "fulfillment_hold": holds[-1] if holds else None})
            )  # fmt: skip
        if before[0] == "on_hold" and after[0] not in ("on_hold", None):
            out.append(("FULFILLMENT_ORDERS_HOLD_RELEASED", {"fulfillment_order": view}))
        if change.before is not None and before[2] != after[2]:
            out.append(("FULFILLMENT_ORDERS_MOVED", {"original_fulfillment_order": view, "moved_fulfillment_order": view}))  # fmt: skip
        if after[1] == "cancellation_requested" and before[1] != "cancellation_requested":
            out.append(
                ("FULFILLMENT_ORDERS_CANCELLATION_REQUEST_SUBMITTED", {"fulfillment_order": view})
            )
        return out

    def _deliver(self, topic: str, body: Obj) -> None:
        subs = [s for s in _table(self.state_of()).values() if s["topic"] == topic]
        if not subs:
            return
        event_id = str(uuid.uuid4())
        raw = json.dumps(body, default=str).encode()
        for sub in subs:
            secret = self.secret + ("-wrong" if self.outbox.bad_signature else "")
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": rest_topic(topic),
                "X-Shopify-Hmac-Sha256": sign(raw, secret),
                "X-Shopify-Shop-Domain": self.shop,
                "X-Shopify-API-Version": str(sub["api_version"]),
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
            }
            self.outbox.post(Delivery(str(sub["uri"]), raw, headers))
