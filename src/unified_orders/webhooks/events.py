"""Canonical webhook events: what happened, to which order, on which platform and store."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime

from ..models.base import CanonicalModel

__all__ = ["Event", "EventType"]


class EventType(StrEnum):
    """The closed set of canonical event types; the platform's own name stays in ``Event.topic``."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_DELETED = "order.deleted"
    REFUND_CREATED = "refund.created"
    RETURN_REQUESTED = "return.requested"
    RETURN_APPROVED = "return.approved"
    RETURN_DECLINED = "return.declined"
    RETURN_UPDATED = "return.updated"
    RETURN_CLOSED = "return.closed"
    RETURN_CANCELLED = "return.cancelled"
    RETURN_REOPENED = "return.reopened"
    FULFILLMENT_ORDER_HELD = "fulfillment_order.held"
    FULFILLMENT_ORDER_RELEASED = "fulfillment_order.released"
    FULFILLMENT_ORDER_MOVED = "fulfillment_order.moved"
    FULFILLMENT_ORDER_CANCELLATION_REQUESTED = "fulfillment_order.cancellation_requested"
    FULFILLMENT_ORDER_CANCELLED = "fulfillment_order.cancelled"


class Event(CanonicalModel):
    """One canonical event out of a verified webhook delivery.

    ``id`` is unique per event: the platform's delivery (dedupe) id, with ``:<order id>``
    appended when one delivery yields several events (a Shopware ``order.written`` naming
    several orders). ``topic`` is the platform's own event name; ``object_id``
    the refund, return or fulfillment order the event is about (None for order events);
    ``order_id`` is None only when the platform's payload does not name the order.
    """

    id: str
    type: EventType
    platform: str
    store: str
    order_id: str | None
    occurred_at: AwareDatetime
    topic: str
    object_id: str | None = None
