"""GraphQL fulfillment orders and the locations one can move to -> canonical."""

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
from ...vocabulary import FULFILLMENT_ORDER_STATUS, parse_time
from .values import legacy, lower, nodes

__all__ = ["fulfillment_order_from_graphql", "locations_from_graphql"]


def _hold(node: Mapping[str, Any]) -> FulfillmentHold:
    platform_reason = str(lower(node.get("reason")) or "other")
    return FulfillmentHold.trusted(
        id=legacy(node.get("id")) or None,
        reason=HOLD_REASONS.get(platform_reason, HoldReason.OTHER),
        platform_reason=platform_reason,
        note=node.get("reasonNotes"),
        raw=dict(node),
    )


def fulfillment_order_from_graphql(
    node: Mapping[str, Any], *, replaced_by: Iterable[str] = ()
) -> FulfillmentOrder:
    """A canonical FulfillmentOrder from a GraphQL ``FulfillmentOrder`` (statuses, request
    statuses, hold reasons and supported actions in REST's lower-case spelling)."""
    status = str(lower(node.get("status")) or "")
    location = (node.get("assignedLocation") or {}).get("location") or {}
    return FulfillmentOrder.trusted(
        id=str(legacy(node["id"])),
        order_id=str(legacy(node.get("orderId"))),
        status=FULFILLMENT_ORDER_STATUS.get(status, FulfillmentOrderStatus.UNKNOWN),
        platform_status=status or None,
        request_status=lower(node.get("requestStatus")),
        location_id=legacy(location.get("id")) or None,
        lines=[
            FulfillmentOrderLine.trusted(
                id=str(legacy(item["id"])),
                line_id=str(legacy((item.get("lineItem") or {}).get("id"))),
                quantity=int(item.get("totalQuantity") or 0),
                fulfillable_quantity=int(item.get("remainingQuantity") or 0),
                raw=dict(item),
            )
            for item in nodes(node.get("lineItems"))
        ],
        holds=[_hold(hold) for hold in node.get("fulfillmentHolds") or []],
        supported_actions=[str(lower(a.get("action"))) for a in node.get("supportedActions") or []],
        replaced_by=list(replaced_by),
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )


def locations_from_graphql(node: Mapping[str, Any]) -> list[Location]:
    """Movable locations from ``FulfillmentOrder.locationsForMove``."""
    found = []
    for row in nodes(node.get("locationsForMove")):
        if not row.get("movable", True):
            continue
        location = row.get("location") or {}
        found.append(
            Location.trusted(
                id=legacy(location["id"]) or "", name=location.get("name"), raw=dict(row)
            )
        )
    return found
