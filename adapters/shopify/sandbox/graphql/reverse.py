"""Reverse fulfillment orders: the sandbox keeps one per return, a line per return line (its
id is the return line's number), through which ``returnProcess`` disposes of units."""

from __future__ import annotations

from .values import Obj, gid, paged

__all__ = ["DISPOSITION_TYPES", "reverse_orders"]

#: ``ReverseFulfillmentOrderDispositionType``.
DISPOSITION_TYPES = ("RESTOCKED", "PROCESSING_REQUIRED", "NOT_RESTOCKED", "MISSING")


def reverse_orders(ret: Obj) -> list[Obj]:
    """The return's ``ReverseFulfillmentOrder``s (one, while it has lines)."""
    items = [
        {
            "id": gid("ReverseFulfillmentOrderLineItem", row["id"]),
            "totalQuantity": row["quantity"],
            "fulfillmentLineItem": {
                "id": gid("FulfillmentLineItem", row["fulfillment_line_item_id"])
            },
            "dispositions": [dict(d) for d in row.get("dispositions") or []],
        }
        for row in ret["line_items"]
    ]
    if not items:
        return []
    return [
        {
            "id": gid("ReverseFulfillmentOrder", ret["id"]),
            "status": "CLOSED" if ret["status"] == "closed" else "OPEN",
            "lineItems": paged(lambda: items),
        }
    ]
