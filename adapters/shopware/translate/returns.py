"""Commercial returns, platform -> canonical: an ``order_return`` with its state and items.

An item's state (``order_line_item.state``, the Commercial position machine) says where its
units are; Shopware counts no processed units, so ``processed_quantity`` stays None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.models import Return, ReturnLine, ReturnLineStatus, ReturnStatus

from ..platform import parse_time
from .values import state_name

__all__ = ["RETURN_LINE_STATUS", "RETURN_STATUS", "return_from_platform"]

RETURN_STATUS = {
    "open": ReturnStatus.REQUESTED,
    "in_progress": ReturnStatus.OPEN,
    "done": ReturnStatus.CLOSED,
    "cancelled": ReturnStatus.CANCELED,
}
RETURN_LINE_STATUS = {
    "open": ReturnLineStatus.OPEN,
    "shipped": ReturnLineStatus.SHIPPED,
    "shipped_partially": ReturnLineStatus.SHIPPED,
    "return_requested": ReturnLineStatus.REQUESTED,
    "returned": ReturnLineStatus.RETURNED,
    "returned_partially": ReturnLineStatus.RETURNED,
    "cancelled": ReturnLineStatus.CANCELED,
}


def return_from_platform(data: Mapping[str, Any]) -> Return:
    """A canonical return from an ``order_return`` loaded with ``state`` and ``lineItems``."""
    state = state_name(data, "state") or "open"
    lines = [
        ReturnLine.trusted(
            id=str(item["id"]),
            line_id=str(item["orderLineItemId"]),
            quantity=int(item.get("quantity") or 0),
            reason=(item.get("reason") or {}).get("reasonKey"),
            note=item.get("internalComment"),
            status=RETURN_LINE_STATUS.get(line_state or "", ReturnLineStatus.UNKNOWN),
            platform_status=line_state,
            raw=dict(item),
        )
        for item in sorted(data.get("lineItems") or [], key=lambda i: str(i["id"]))
        for line_state in [state_name(item, "state")]
    ]
    return Return.trusted(
        id=str(data["id"]),
        order_id=str(data["orderId"]),
        status=RETURN_STATUS.get(state, ReturnStatus.UNKNOWN),
        platform_status=state,
        name=data.get("returnNumber"),
        lines=lines,
        created_at=parse_time(data.get("requestedAt") or data.get("createdAt")),
        raw=dict(data),
    )
