"""Next Commerce webhook deliveries: verify, de-duplicate, route and normalise them.

- Signature: ``X-29Next-Signature``, the hex HMAC-SHA256 under the webhook's ``secret_key``. The
  official example signs the *re-serialised* body, ``json.dumps(json.loads(body))`` (Python's
  default separators, ``ensure_ascii``); which form production signs is unverified (INFERRED:
  both are accepted), so the raw body is tried first and the re-serialised form second, both
  compared in constant time.
- Envelope: ``{"api_version", "event_id", "event_type", "object", "data", "webhook"}``;
  ``event_id`` (a uuid) de-duplicates, ``webhook.store`` routes.
- Next Commerce has no refund, return or fulfillment-order events. A refund arrives as
  ``transaction.created`` with ``type: refund`` (here ``refund.created``, whose ``object_id`` is
  the refund *transaction*'s id: re-read the order for the refund itself) next to an
  ``order.updated``. Fulfillments and other transactions are ``order.updated`` of their order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from unified_orders.errors import WebhookSignatureError
from unified_orders.webhooks.delivery import (
    Headers,
    body_json,
    invalid,
    parse_time,
    require_secret,
    require_signature,
    signature_hex,
    signatures_match,
)
from unified_orders.webhooks.events import Event, EventType

__all__ = ["delivery_id", "parse", "reserialised", "route", "topic", "verify"]

PLATFORM = "nextcommerce"

SIGNATURE = "X-29Next-Signature"


def reserialised(body: bytes) -> bytes | None:
    """The bytes Next Commerce's example signs: ``json.dumps(json.loads(body))``; None if not JSON."""
    try:
        return json.dumps(json.loads(body)).encode()
    except (ValueError, TypeError, RecursionError):
        return None


def verify(headers: Headers, body: bytes, secret: str | bytes) -> None:
    """Check ``X-29Next-Signature`` against the raw body, then its re-serialised form."""
    require_secret(PLATFORM, secret, "Next Commerce signs webhooks with the webhook's secret_key")
    given = require_signature(PLATFORM, headers, SIGNATURE)
    if signatures_match(signature_hex(secret, body), given):
        return
    again = reserialised(body)
    if again is not None and signatures_match(signature_hex(secret, again), given):
        return
    raise WebhookSignatureError(PLATFORM, SIGNATURE)


def delivery_id(headers: Headers, body: bytes) -> str:
    """The envelope's ``event_id`` (a uuid, the same on every retry)."""
    return _text(body_json(PLATFORM, body), "event_id")


def route(headers: Headers, body: bytes) -> str | None:
    """The store's subdomain (``webhook.store``)."""
    webhook = body_json(PLATFORM, body).get("webhook")
    store = webhook.get("store") if isinstance(webhook, dict) else None
    return str(store) if store else None


def topic(headers: Headers, body: bytes) -> str:
    """The envelope's ``event_type``, e.g. ``transaction.created``."""
    return _text(body_json(PLATFORM, body), "event_type")


def parse(headers: Headers, body: bytes, store: str) -> list[Event]:
    """The canonical event of a verified delivery; an empty list for events with no meaning here."""
    envelope = body_json(PLATFORM, body)
    name = _text(envelope, "event_type")
    event_id = _text(envelope, "event_id")
    data = envelope.get("data")
    if name not in _ORDER_KEY:
        return []
    if not isinstance(data, dict):
        raise invalid(PLATFORM, "is not an object", "body.data")
    kind = EventType.ORDER_UPDATED
    object_id = None
    if name == "order.created":
        kind = EventType.ORDER_CREATED
    elif name == "transaction.created" and data.get("type") == "refund":
        kind = EventType.REFUND_CREATED
        object_id = _text(data, "id", "body.data")
    order_id = _text(data, _ORDER_KEY[name], "body.data")
    return [
        Event(
            id=event_id,
            type=kind,
            platform=PLATFORM,
            store=store,
            order_id=order_id,
            occurred_at=_occurred_at(data, name),
            topic=name,
            object_id=object_id,
            raw=envelope,
        )
    ]


#: The events with a canonical meaning, and the ``data`` key naming their order (its number).
_ORDER_KEY = {
    "order.created": "number",
    "order.updated": "number",
    "transaction.created": "order",
    "transaction.updated": "order",
    "fulfillment.created": "order_number",
    "fulfillment.updated": "order_number",
}

#: Where each object keeps the time it last changed, newest first.
_TIME_KEYS = {
    "order": ("updated_at", "date_placed"),
    "transaction": ("date_created",),
    "fulfillment": ("last_event_date", "created_at"),
}


def _text(body: dict[str, Any], key: str, where: str = "body") -> str:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise invalid(PLATFORM, "is missing or not a string", f"{where}.{key}")
    return str(value)


def _occurred_at(data: dict[str, Any], name: str) -> datetime:
    """When the object last changed; a delivery without a time is dated when it is read."""
    for key in _TIME_KEYS[name.partition(".")[0]]:
        if data.get(key):
            return parse_time(PLATFORM, data[key], f"body.data.{key}")
    return datetime.now(UTC)
