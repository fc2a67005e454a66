"""Fulfillment orders: groups of lines shipped from one location, with holds."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import CanonicalModel
from .enums import FulfillmentOrderStatus, FulfillmentShipmentStatus, HoldReason

__all__ = [
    "Fulfillment",
    "FulfillmentHold",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentOrderLine",
    "Location",
    "Tracking",
]


class Location(CanonicalModel):
    """A place stock ships from."""

    id: str
    name: str | None = None


class FulfillmentOrderLine(CanonicalModel):
    """A line of a fulfillment order; ``line_id`` is the order line it ships."""

    id: str
    line_id: str
    quantity: int
    fulfillable_quantity: int


class FulfillmentHold(CanonicalModel):
    """A hold on a fulfillment order."""

    id: str | None = None
    reason: HoldReason
    platform_reason: str | None = None
    note: str | None = None


class FulfillmentOrder(CanonicalModel):
    """Lines of one order to be shipped from one location.

    ``supported_actions`` lists what the platform says may be done next, where it says so.
    ``replaced_by`` carries ids of fulfillment orders the platform created in the operation that
    returned this one (a move or a partial request splits a fulfillment order).
    """

    id: str
    order_id: str
    status: FulfillmentOrderStatus
    platform_status: str | None = None
    request_status: str | None = None
    location_id: str | None = None
    lines: list[FulfillmentOrderLine] = Field(default_factory=list)
    holds: list[FulfillmentHold] = Field(default_factory=list)
    supported_actions: list[str] = Field(default_factory=list)
    replaced_by: list[str] = Field(default_factory=list)
    created_at: datetime | None = None


class Tracking(CanonicalModel):
    """How one parcel can be followed: the carrier, its tracking number and link.

    A shipment with several parcels carries several (``Fulfillment.tracking``) where the platform
    keeps several numbers (Shopify); elsewhere more than one is refused, saying so.
    """

    company: str | None = None
    number: str | None = None
    url: str | None = None


class FulfillmentLine(CanonicalModel):
    """Units of one order line in a shipment (``fo_line_id``: the fulfillment-order line)."""

    line_id: str
    quantity: int
    fo_line_id: str | None = None


class Fulfillment(CanonicalModel):
    """A shipment: units of an order sent out, with tracking."""

    id: str
    order_id: str
    fulfillment_order_id: str | None = None
    status: FulfillmentShipmentStatus = FulfillmentShipmentStatus.UNKNOWN
    platform_status: str | None = None
    lines: list[FulfillmentLine] = Field(default_factory=list)
    tracking: list[Tracking] = Field(default_factory=list)
    location_id: str | None = None
    created_at: datetime | None = None
    idempotency_key: str | None = None
