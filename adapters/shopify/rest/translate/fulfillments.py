"""REST fulfillments (shipments) -> canonical, and the bodies that ship and track."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.models import Fulfillment, FulfillmentLine, Tracking

from ...tracking import shipment_status, tracking_fields, tracking_read
from ...vocabulary import parse_time, platform_id
from .bodies import fo_lines_body

__all__ = ["fulfillment_body", "fulfillment_from_rest", "tracking_body"]


def fulfillment_from_rest(
    fulfillment: Mapping[str, Any], fulfillment_order_id: str | None = None
) -> Fulfillment:
    """A canonical Fulfillment from a REST fulfillment (its lines are copies of the order's lines
    with the units shipped); Shopify keeps no key on a shipment, so ``idempotency_key`` is None."""
    numbers = list(fulfillment.get("tracking_numbers") or [])
    urls = list(fulfillment.get("tracking_urls") or [])
    if not numbers and fulfillment.get("tracking_number"):
        numbers = [fulfillment["tracking_number"]]
    if not urls and fulfillment.get("tracking_url"):
        urls = [fulfillment["tracking_url"]]
    status = fulfillment.get("status")
    return Fulfillment.trusted(
        id=str(fulfillment["id"]),
        order_id=str(fulfillment.get("order_id")),
        fulfillment_order_id=fulfillment_order_id,
        status=shipment_status(status),
        platform_status=str(status) if status else None,
        lines=[
            FulfillmentLine.trusted(
                line_id=str(item["id"]), quantity=int(item.get("quantity") or 0), raw=dict(item)
            )
            for item in fulfillment.get("line_items") or []
        ],
        tracking=tracking_read(fulfillment.get("tracking_company"), numbers, urls),
        location_id=platform_id(fulfillment.get("location_id")),
        created_at=parse_time(fulfillment.get("created_at")),
        raw=dict(fulfillment),
    )


def tracking_body(tracking: Sequence[Tracking]) -> dict[str, Any]:
    """``tracking_info``: ``number``, ``url`` and ``company`` of the one parcel REST takes (the
    core refuses more: ``tracking_numbers_per_shipment`` is 1)."""
    return tracking_fields(tracking)


def fulfillment_body(
    fo_id: int, lines: Mapping[str, int] | None, tracking: Sequence[Tracking], notify: bool
) -> dict[str, Any]:
    """``POST fulfillments.json``: exactly ``lines`` of one fulfillment order (every remaining
    unit when None), the tracking, and whether Shopify tells the customer."""
    group: dict[str, Any] = {"fulfillment_order_id": fo_id}
    items = fo_lines_body(lines)
    if items is not None:
        group["fulfillment_order_line_items"] = items
    body: dict[str, Any] = {"line_items_by_fulfillment_order": [group], "notify_customer": notify}
    info = tracking_body(tracking)
    if info:
        body["tracking_info"] = info
    return {"fulfillment": body}
