"""GraphQL fulfillments (shipments) -> canonical, and tracking as ``FulfillmentTrackingInput``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.models import Fulfillment, FulfillmentLine, Tracking

from ...tracking import shipment_status, tracking_fields
from ...vocabulary import parse_time
from .values import legacy, lower, nodes

__all__ = ["fulfillment_from_graphql", "tracking_input"]


def fulfillment_from_graphql(
    node: Mapping[str, Any], order_id: str, fulfillment_order_id: str | None = None
) -> Fulfillment:
    """A canonical Fulfillment from a GraphQL ``Fulfillment`` (every line read); Shopify keeps no
    key on a shipment, so ``idempotency_key`` is None."""
    return Fulfillment.trusted(
        id=str(legacy(node["id"])),
        order_id=order_id,
        fulfillment_order_id=fulfillment_order_id,
        status=shipment_status(node.get("status")),
        platform_status=lower(node.get("status")),
        lines=[
            FulfillmentLine.trusted(
                line_id=str(legacy((row.get("lineItem") or {}).get("id"))),
                quantity=int(row.get("quantity") or 0),
                raw=dict(row),
            )
            for row in nodes(node.get("fulfillmentLineItems"))
        ],
        tracking=[
            Tracking.trusted(company=t.get("company"), number=t.get("number"), url=t.get("url"))
            for t in node.get("trackingInfo") or []
        ],
        location_id=legacy((node.get("location") or {}).get("id")),
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )


def tracking_input(tracking: Sequence[Tracking]) -> dict[str, Any] | None:
    """``FulfillmentTrackingInput`` for the tracking (None for none)."""
    return tracking_fields(tracking) or None
