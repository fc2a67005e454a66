"""Shopware 6 webhook deliveries: verify, de-duplicate, route and normalise them.

Shopware signs webhooks only for an installed **app**: the secret is the per-shop secret the
app assigned when the shop registered (looked up by ``source.shopId``). An integration's client
id and secret sign nothing, so a store connected with integration credentials cannot receive
verified webhooks (subscribing is refused with a hint for the same reason).

- Signature: ``shopware-shop-signature``, the hex HMAC-SHA256 of the raw body under that secret.
- Body: ``{"data": {"event", "payload"}, "source": {"url", "shopId", "eventId", ...},
  "timestamp"}``; ``source.eventId`` (the same on a retry, since 6.4.11.0; else the
  ``X-Shopware-Event-Id`` header) de-duplicates, ``source.shopId`` routes.
- Events: ``checkout.order.placed``; ``order.written`` / ``order.deleted`` (ids only: one event per
  order named); ``state_enter.<machine>.<state>`` transitions: payment ``refunded(_partially)``
  is a refund, delivery ``returned(_partially)`` a return whose goods came back, order
  ``cancelled`` a cancellation, Commercial ``order_return`` states the return's lifecycle
  (INFERRED: the webhook reference lists no return-management events; the names follow the
  ``state_enter`` rule).
"""

from __future__ import annotations

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
    signature_hex,
    signatures_match,
)
from unified_orders.webhooks.events import Event, EventType

from .states import DELIVERY_MACHINE, ORDER_MACHINE, RETURN_MACHINE, TRANSACTION_MACHINE

__all__ = ["STATE_EVENTS", "delivery_id", "parse", "route", "topic", "verify"]

PLATFORM = "shopware"

SIGNATURE = "shopware-shop-signature"
EVENT_ID = "X-Shopware-Event-Id"

#: Orders edited in the administration are written as drafts first; only the live version counts.
LIVE_VERSION = "0fa91ce3e96a4bc2be4bd9ce752c3425"

#: ``state_enter.<machine>.<state>`` events with a canonical meaning of their own; every other
#: state entered by an order, its payment or delivery is ``order.updated``.
STATE_EVENTS: dict[tuple[str, str], EventType] = {
    (ORDER_MACHINE, "cancelled"): EventType.ORDER_CANCELLED,
    (TRANSACTION_MACHINE, "refunded"): EventType.REFUND_CREATED,
    (TRANSACTION_MACHINE, "refunded_partially"): EventType.REFUND_CREATED,
    (DELIVERY_MACHINE, "returned"): EventType.RETURN_CLOSED,
    (DELIVERY_MACHINE, "returned_partially"): EventType.RETURN_CLOSED,
    (RETURN_MACHINE, "open"): EventType.RETURN_REQUESTED,
    (RETURN_MACHINE, "in_progress"): EventType.RETURN_APPROVED,
    (RETURN_MACHINE, "done"): EventType.RETURN_CLOSED,
    (RETURN_MACHINE, "cancelled"): EventType.RETURN_CANCELLED,
}

#: Machines whose other states still change the order (``order.updated``).
_ORDER_MACHINES = frozenset(
    {
        ORDER_MACHINE,
        TRANSACTION_MACHINE,
        DELIVERY_MACHINE,
        "order_transaction_capture.state",
        "order_transaction_capture_refund.state",
    }
)

#: Where a state-change payload names its order: the entity key and the key holding the order id
#: (``order`` is the documented business-event data; the entity forms are INFERRED).
_PAYLOAD_ORDER = (
    ("order", "id"),
    ("orderTransaction", "orderId"),
    ("orderDelivery", "orderId"),
    ("orderReturn", "orderId"),
)


def verify(headers: Headers, body: bytes, secret: str | bytes) -> None:
    """Check ``shopware-shop-signature`` against the raw body under the shop's app secret."""
    require_secret(
        PLATFORM,
        secret,
        "Shopware signs webhooks with the per-shop secret an installed app assigned at "
        "registration (integration credentials cannot receive webhooks)",
    )
    given = require_signature(PLATFORM, headers, SIGNATURE)
    if not signatures_match(signature_hex(secret, body), given):
        raise WebhookSignatureError(PLATFORM, SIGNATURE)


def delivery_id(headers: Headers, body: bytes) -> str:
    """``source.eventId`` (the same on every retry), else the ``X-Shopware-Event-Id`` header."""
    found = _source(body_json(PLATFORM, body)).get("eventId") or header(headers, EVENT_ID)
    if not found or not isinstance(found, str):
        raise invalid(
            PLATFORM, "is missing (and there is no X-Shopware-Event-Id)", "body.source.eventId"
        )
    return found


def route(headers: Headers, body: bytes) -> str | None:
    """The shop's id as the app registered it (``source.shopId``)."""
    shop = _source(body_json(PLATFORM, body)).get("shopId")
    return str(shop) if shop else None


def topic(headers: Headers, body: bytes) -> str:
    """The event's name (``data.event``), e.g. ``state_enter.order_transaction.state.refunded``."""
    return _topic(body_json(PLATFORM, body))


def parse(headers: Headers, body: bytes, store: str) -> list[Event]:
    """The canonical events of a verified delivery (one per order it names; none for events with
    no meaning here)."""
    envelope = body_json(PLATFORM, body)
    name = _topic(envelope)
    payload = _data(envelope).get("payload")
    found: list[tuple[EventType, str]] = []
    if name == "checkout.order.placed":
        found = [(EventType.ORDER_CREATED, _state_order_id(payload))]
    elif name in ("order.written", "order.deleted"):
        found = _written(payload, deleted=name == "order.deleted")
    elif name.startswith("state_enter."):
        machine, _, state = name.removeprefix("state_enter.").rpartition(".")
        kind = STATE_EVENTS.get((machine, state))
        if kind is None and machine in _ORDER_MACHINES:
            kind = EventType.ORDER_UPDATED
        if kind is not None:
            found = [(kind, _state_order_id(payload))]
    if not found:
        return []
    event_id = delivery_id(headers, body)
    occurred_at = _occurred_at(envelope)
    return [
        Event(
            id=event_id if len(found) == 1 else f"{event_id}:{order_id}",
            type=kind,
            platform=PLATFORM,
            store=store,
            order_id=order_id,
            occurred_at=occurred_at,
            topic=name,
            raw=envelope,
        )
        for kind, order_id in found
    ]


def _written(payload: Any, *, deleted: bool) -> list[tuple[EventType, str]]:
    """One event per live order an entity-written payload names (first mention wins)."""
    if not isinstance(payload, list):
        raise invalid(PLATFORM, "is not a list of written entities", "body.data.payload")
    seen: dict[str, EventType] = {}
    for index, entry in enumerate(payload):
        where = f"body.data.payload[{index}]"
        if not isinstance(entry, dict):
            raise invalid(PLATFORM, "is not an object", where)
        if entry.get("entity", "order") != "order":
            continue
        key: Any = entry.get("primaryKey")
        version = entry.get("versionId")
        if isinstance(key, dict):  # a versioned entity's key: {"id", "versionId"}
            version = key.get("versionId", version)
            key = key.get("id")
        if not isinstance(key, str) or not key:
            raise invalid(PLATFORM, "is missing or not an id", f"{where}.primaryKey")
        if version not in (None, LIVE_VERSION):
            continue
        operation = entry.get("operation")
        if deleted or operation == "delete":
            kind = EventType.ORDER_DELETED
        elif operation == "insert":
            kind = EventType.ORDER_CREATED
        else:
            kind = EventType.ORDER_UPDATED
        seen.setdefault(key, kind)
    return [(kind, key) for key, kind in seen.items()]


def _state_order_id(payload: Any) -> str:
    """The order a business event (order placed, state entered) is about."""
    if isinstance(payload, dict):
        for entity, key in _PAYLOAD_ORDER:
            node = payload.get(entity)
            if isinstance(node, dict) and isinstance(node.get(key), str) and node[key]:
                return str(node[key])
    raise invalid(PLATFORM, "names no order (order.id)", "body.data.payload")


def _data(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise invalid(PLATFORM, "is not an object", "body.data")
    return data


def _source(envelope: dict[str, Any]) -> dict[str, Any]:
    source = envelope.get("source")
    return source if isinstance(source, dict) else {}


def _topic(envelope: dict[str, Any]) -> str:
    name = _data(envelope).get("event")
    if not isinstance(name, str) or not name:
        raise invalid(PLATFORM, "is missing or not a string", "body.data.event")
    return name


def _occurred_at(envelope: dict[str, Any]) -> datetime:
    """``timestamp`` (Unix seconds, since 6.4.1.0); older shops' deliveries are dated when read."""
    stamp = envelope.get("timestamp")
    if stamp is None:
        return datetime.now(UTC)
    return parse_time(PLATFORM, stamp, "body.timestamp")
