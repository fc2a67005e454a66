"""Deliveries as shipments (canonical :class:`Fulfillment`), and the shipment records we keep.

Shopware core has no shipment entity: a delivery (``order_delivery``) is shipped by its state
(``shipped``, or ``shipped_partially``) and carries ``trackingCodes``, a list of plain strings
(the carrier and the tracking link belong to the delivery's shipping method, not to a code).
So one delivery is one :class:`Fulfillment` (same id), whatever number of shipments made it:

- its lines are the positions shipped: every unit once ``shipped`` (or returned since), the
  units kept in ``customFields[SHIPPED_FIELD]`` while ``shipped_partially`` (core keeps none);
- its tracking is ``trackingCodes``, numbers only;
- each shipment written here records its idempotency key, lines, codes and target state in
  ``customFields[SHIPMENTS_FIELD]``, so a re-read finds a shipment by key once it took effect
  (:func:`applied`); ``Fulfillment.idempotency_key`` is the latest such shipment's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentShipmentStatus,
    Tracking,
)

from ..platform import parse_time
from .values import SHIPPED_FIELD, state_name

__all__ = [
    "SHIPMENTS_FIELD",
    "SHIPPED_STATES",
    "applied",
    "fulfillment_from_delivery",
    "fulfillments_from_order",
    "shipment_record",
    "shipments_of",
]

SHIPMENTS_FIELD = "unified_orders_shipments"
"""``order_delivery.customFields`` key: ``{idempotency key: {lines, trackingCodes, state, at}}``."""

#: Delivery states that mean its units went out (returned ones were shipped first).
SHIPPED_STATES = frozenset({"shipped", "shipped_partially", "returned", "returned_partially"})


def shipments_of(delivery: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The shipment records on a delivery, by idempotency key."""
    found = (delivery.get("customFields") or {}).get(SHIPMENTS_FIELD) or {}
    return {str(k): dict(v) for k, v in found.items() if isinstance(v, Mapping)}


def shipment_record(
    lines: Mapping[str, int], codes: Sequence[str], state: str, at: str
) -> dict[str, Any]:
    """What a shipment keeps about itself: positions and units, its codes, the state it leads to."""
    return {"lines": dict(lines), "trackingCodes": list(codes), "state": state, "at": at}


def applied(delivery: Mapping[str, Any], key: str) -> bool:
    """Whether the shipment keyed ``key`` took effect: recorded, and the delivery in the state it
    leads to (or a later one). A record is written before its transition, so a record on a
    delivery still short of its state is a shipment whose transition has not happened (yet)."""
    record = shipments_of(delivery).get(key)
    if record is None:
        return False
    state = state_name(delivery) or ""
    if state not in SHIPPED_STATES:
        return False
    return not (record.get("state") == "shipped" and state == "shipped_partially")


def _latest_key(delivery: Mapping[str, Any], recorded: dict[str, dict[str, Any]]) -> str | None:
    """The latest shipment of ``recorded`` (the delivery's :func:`shipments_of`) that took effect."""
    if not recorded:
        return None
    records = {k: v for k, v in recorded.items() if applied(delivery, k)}
    if not records:
        return None
    return max(records, key=lambda k: str(records[k].get("at") or ""))


def fulfillment_from_delivery(
    delivery: Mapping[str, Any], order_id: str, key: str | None = None
) -> Fulfillment | None:
    """A shipped delivery as a fulfillment (None while nothing of it was shipped).

    ``idempotency_key`` is ``key`` when the delivery records that shipment, else the latest
    shipment recorded on it.
    """
    state = state_name(delivery) or ""
    if state not in SHIPPED_STATES:
        return None
    tracked = (delivery.get("customFields") or {}).get(SHIPPED_FIELD) or {}
    lines = []
    for position in delivery.get("positions") or []:
        quantity = int(position.get("quantity") or 0)
        if state == "shipped_partially":
            quantity = min(int(tracked.get(str(position["id"]), 0)), quantity)
        if quantity > 0:
            lines.append(
                FulfillmentLine.trusted(
                    line_id=str(position["orderLineItemId"]),
                    quantity=quantity,
                    fo_line_id=str(position["id"]),
                )
            )
    records = shipments_of(delivery)
    chosen = key if key is not None and applied(delivery, key) else _latest_key(delivery, records)
    first = min((str(r.get("at") or "") for r in records.values()), default="") if records else ""
    return Fulfillment.trusted(
        id=str(delivery["id"]),
        order_id=order_id,
        fulfillment_order_id=str(delivery["id"]),
        status=FulfillmentShipmentStatus.SUCCESS,
        platform_status=state,
        lines=lines,
        tracking=[
            Tracking.trusted(number=str(code)) for code in delivery.get("trackingCodes") or []
        ],
        created_at=parse_time(first) if first else None,
        idempotency_key=chosen,
        raw=dict(delivery),
    )


def fulfillments_from_order(order: Mapping[str, Any]) -> list[Fulfillment]:
    """The order's shipped deliveries, as fulfillments."""
    out = []
    for delivery in order.get("deliveries") or []:
        found = fulfillment_from_delivery(delivery, str(order["id"]))
        if found is not None:
            out.append(found)
    return out
