"""REST fulfillment orders and the locations one can move to -> canonical."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from unified_orders.models import (
    FulfillmentHold,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfillmentOrderStatus,
    HoldReason,
    Location,
)

from ...rules import HOLD_REASONS
from ...vocabulary import FULFILLMENT_ORDER_STATUS, parse_time, platform_id

__all__ = ["fulfillment_order_from_rest", "locations_from_rest"]


def fulfillment_order_from_rest(
    data: Mapping[str, Any], *, replaced_by: Iterable[str] = ()
) -> FulfillmentOrder:
    """A canonical FulfillmentOrder from a REST one.

    ``location_id`` is the top-level ``assigned_location_id`` (in Shopify's move example the
    nested ``assigned_location.location_id`` disagrees with it; the top-level field is the one
    the API documents as the assignment).
    """
    status = str(data.get("status") or "")
    holds = []
    for hold in data.get("fulfillment_holds") or []:
        platform_reason = str(hold.get("reason") or "other")
        holds.append(
            FulfillmentHold.trusted(
                id=platform_id(hold.get("id")),
                reason=HOLD_REASONS.get(platform_reason, HoldReason.OTHER),
                platform_reason=platform_reason,
                note=hold.get("reason_notes"),
                raw=dict(hold),
            )
        )
    return FulfillmentOrder.trusted(
        id=str(data["id"]),
        order_id=str(data["order_id"]),
        status=FULFILLMENT_ORDER_STATUS.get(status, FulfillmentOrderStatus.UNKNOWN),
        platform_status=status or None,
        request_status=data.get("request_status"),
        location_id=platform_id(data.get("assigned_location_id")),
        lines=[
            FulfillmentOrderLine.trusted(
                id=str(x["id"]),
                line_id=str(x["line_item_id"]),
                quantity=int(x.get("quantity") or 0),
                fulfillable_quantity=int(x.get("fulfillable_quantity") or 0),
                raw=dict(x),
            )
            for x in data.get("line_items") or []
        ],
        holds=holds,
        supported_actions=[str(a) for a in data.get("supported_actions") or []],
        replaced_by=list(replaced_by),
        created_at=parse_time(data.get("created_at")),
        raw=dict(data),
    )


def locations_from_rest(data: Mapping[str, Any]) -> list[Location]:
    """Movable locations from ``locations_for_move.json``."""
    found = []
    for row in data.get("locations_for_move") or []:
        if not row.get("movable", True):
            continue
        location = row.get("location") or {}
        found.append(
            Location.trusted(id=str(location["id"]), name=location.get("name"), raw=dict(row))
        )
    return found
