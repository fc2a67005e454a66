"""Shopify webhook deliveries: verify, de-duplicate, route and normalise them.

- Signature: ``X-Shopify-Hmac-Sha256``, the base64 HMAC-SHA256 of the raw body under the app's
  client secret (the Events preview drops the ``X-`` prefix: both spellings are read).
- De-duplication: ``X-Shopify-Event-Id`` (the same across duplicate deliveries of one event),
  else ``X-Shopify-Webhook-Id`` (the delivery id).
- Routing: ``X-Shopify-Shop-Domain``; topic: ``X-Shopify-Topic``; time: ``X-Shopify-Triggered-At``.
- Payload: the REST resource of the topic. Order topics carry the order; ``refunds/create`` the
  refund (with ``order_id``); returns and fulfillment-order payloads name their own object and
  only sometimes the order (INFERRED from Shopify's payload examples: ``order_id`` is None when
  the payload does not name it, and the receiver looks the object up).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from unified_orders.errors import WebhookSignatureError
from unified_orders.webhooks.delivery import (
    Headers,
    body_json,
    header,
    invalid,
    parse_time,
    require_secret,
    require_signature,
    signature_base64,
    signatures_match,
)
from unified_orders.webhooks.events import Event, EventType

__all__ = ["TOPICS", "delivery_id", "parse", "route", "topic", "verify"]

PLATFORM = "shopify"

SIGNATURE = ("X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256")
EVENT_ID = ("X-Shopify-Event-Id", "Shopify-Event-Id")
WEBHOOK_ID = ("X-Shopify-Webhook-Id", "Shopify-Webhook-Id")
SHOP_DOMAIN = ("X-Shopify-Shop-Domain", "Shopify-Shop-Domain")
TOPIC = ("X-Shopify-Topic", "Shopify-Topic")
TRIGGERED_AT = ("X-Shopify-Triggered-At", "Shopify-Triggered-At")

ORDER, REFUND, RETURN, FULFILLMENT_ORDER = "order", "refund", "return", "fulfillment_order"

#: Each topic with a canonical meaning: its event type and what its payload is.
TOPICS: dict[str, tuple[EventType, str]] = {
    "orders/create": (EventType.ORDER_CREATED, ORDER),
    "orders/updated": (EventType.ORDER_UPDATED, ORDER),
    "orders/edited": (EventType.ORDER_UPDATED, ORDER),
    "orders/paid": (EventType.ORDER_UPDATED, ORDER),
    "orders/fulfilled": (EventType.ORDER_UPDATED, ORDER),
    "orders/partially_fulfilled": (EventType.ORDER_UPDATED, ORDER),
    "orders/cancelled": (EventType.ORDER_CANCELLED, ORDER),
    "orders/delete": (EventType.ORDER_DELETED, ORDER),
    "refunds/create": (EventType.REFUND_CREATED, REFUND),
    "returns/request": (EventType.RETURN_REQUESTED, RETURN),
    "returns/approve": (EventType.RETURN_APPROVED, RETURN),
    "returns/decline": (EventType.RETURN_DECLINED, RETURN),
    "returns/update": (EventType.RETURN_UPDATED, RETURN),
    "returns/process": (EventType.RETURN_UPDATED, RETURN),
    "returns/close": (EventType.RETURN_CLOSED, RETURN),
    "returns/cancel": (EventType.RETURN_CANCELLED, RETURN),
    "returns/reopen": (EventType.RETURN_REOPENED, RETURN),
    "fulfillment_orders/placed_on_hold": (EventType.FULFILLMENT_ORDER_HELD, FULFILLMENT_ORDER),
    "fulfillment_orders/hold_released": (EventType.FULFILLMENT_ORDER_RELEASED, FULFILLMENT_ORDER),
    "fulfillment_orders/moved": (EventType.FULFILLMENT_ORDER_MOVED, FULFILLMENT_ORDER),
    "fulfillment_orders/cancellation_request_submitted": (
        EventType.FULFILLMENT_ORDER_CANCELLATION_REQUESTED,
        FULFILLMENT_ORDER,
    ),
    "fulfillment_orders/cancelled": (EventType.FULFILLMENT_ORDER_CANCELLED, FULFILLMENT_ORDER),
}


def verify(headers: Headers, body: bytes, secret: str | bytes) -> None:
    """Check ``X-Shopify-Hmac-Sha256`` against the raw body; raises WebhookSignatureError."""
    require_secret(
        PLATFORM, secret, "Shopify signs webhooks with the app's client secret (API secret key)"
    )
    given = require_signature(PLATFORM, headers, *SIGNATURE)
    if not signatures_match(signature_base64(secret, body), given):
        raise WebhookSignatureError(PLATFORM, SIGNATURE[0])


def delivery_id(headers: Headers, body: bytes) -> str:
    """``X-Shopify-Event-Id``, else ``X-Shopify-Webhook-Id``: the same on every retry."""
    found = header(headers, *EVENT_ID) or header(headers, *WEBHOOK_ID)
    if not found:
        raise invalid(
            PLATFORM, "has neither X-Shopify-Event-Id nor X-Shopify-Webhook-Id", "headers"
        )
    return found


def route(headers: Headers, body: bytes) -> str | None:
    """The shop's ``myshopify.com`` domain (``X-Shopify-Shop-Domain``)."""
    return header(headers, *SHOP_DOMAIN)


def topic(headers: Headers, body: bytes) -> str:
    """The REST topic (``X-Shopify-Topic``), e.g. ``refunds/create``."""
    found = header(headers, *TOPIC)
    if not found:
        raise invalid(PLATFORM, "has no X-Shopify-Topic", "headers")
    return found.strip().lower()


def parse(headers: Headers, body: bytes, store: str) -> list[Event]:
    """The canonical event of a verified delivery; an empty list for topics with no meaning here."""
    name = topic(headers, body)
    known = TOPICS.get(name)
    if known is None:
        return []
    kind, subject = known
    payload = body_json(PLATFORM, body)
    order_id, object_id = _READERS[subject](payload)
    return [
        Event(
            id=delivery_id(headers, body),
            type=kind,
            platform=PLATFORM,
            store=store,
            order_id=order_id,
            occurred_at=_occurred_at(headers, payload),
            topic=name,
            object_id=object_id,
            raw=payload,
        )
    ]


def _order(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    return _required_id(payload, "id"), None


def _refund(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    return _required_id(payload, "order_id"), _required_id(payload, "id")


def _return(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    order = payload.get("order")
    order_id = _id(order.get("id")) if isinstance(order, dict) else _id(payload.get("order_id"))
    return order_id, _id(payload.get("id")) or _id(payload.get("admin_graphql_api_id"))


def _fulfillment_order(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    key = "fulfillment_order" if "fulfillment_order" in payload else "original_fulfillment_order"
    node = payload.get(key)
    if not isinstance(node, dict):
        raise invalid(PLATFORM, "has no fulfillment_order object", "body.fulfillment_order")
    object_id = _id(node.get("id"))
    if object_id is None:
        raise invalid(PLATFORM, "is missing", "body.fulfillment_order.id")
    return _id(node.get("order_id")), object_id


_READERS: dict[str, Callable[[dict[str, Any]], tuple[str | None, str | None]]] = {
    ORDER: _order,
    REFUND: _refund,
    RETURN: _return,
    FULFILLMENT_ORDER: _fulfillment_order,
}


def _required_id(payload: dict[str, Any], key: str) -> str:
    found = _id(payload.get(key))
    if found is None:
        raise invalid(PLATFORM, "is missing or not an id", f"body.{key}")
    return found


def _id(value: Any) -> str | None:
    """A REST id (a JSON integer, exact at any size) or a GID as the canonical numeric string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text.startswith("gid://shopify/"):
            text = text.rsplit("/", 1)[-1].split("?", 1)[0]
        return text if text.isdigit() else None
    return None


def _occurred_at(headers: Headers, payload: dict[str, Any]) -> datetime:
    """``X-Shopify-Triggered-At``, else the payload's ``updated_at``/``created_at``; a delivery
    with neither (``orders/delete`` without the header) is dated when it is read."""
    triggered = header(headers, *TRIGGERED_AT)
    if triggered:
        return parse_time(PLATFORM, triggered, "headers.X-Shopify-Triggered-At")
    for key in ("updated_at", "created_at"):
        if payload.get(key):
            return parse_time(PLATFORM, payload[key], f"body.{key}")
    return datetime.now(UTC)
