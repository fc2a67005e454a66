"""Shipments: ``fulfillmentsCreate`` and ``fulfillmentOrdersCancel``.

A shipment takes some or all remaining units of an open or processing fulfillment order, with
any number of ``TrackingInfo`` parcels; shipping every remaining unit closes the fulfillment
order. A cancel (open or held fulfillment orders; INFERRED) cancels it and opens a replacement at
the same location with the units still to ship, like Shopify's ``fulfillmentOrderCancel``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.sandbox import SandboxRequest

from ..records import new_fulfillment_order
from ..render import render_fulfillment, render_fulfillment_order
from ..state import Json, NextCommerceBackend, as_int, bad_request, detail
from ..tracking import tracking_errors
from .fulfillment_orders import LINE_ITEMS, quantity_error
from .transitions import refuse_unless_allowed, touch

__all__ = ["CANCELABLE", "FulfillmentHandlers"]

#: Fulfillment-order statuses ``fulfillmentOrdersCancel`` takes (INFERRED).
CANCELABLE = frozenset({"open", "on_hold"})


class FulfillmentHandlers:
    """``fulfillment-orders/{id}/fulfillments/`` and ``fulfillment-orders/{id}/cancel/``."""

    backend: NextCommerceBackend

    def create_fulfillment(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentsCreate``: ship some or all remaining units; all shipped closes the FO."""
        backend = self.backend
        fo = backend.fulfillment_order(fo_id)
        refuse_unless_allowed(
            fo,
            "create_fulfillment",
            f"Only open or processing fulfillment orders can be fulfilled; this one is {fo['status']}.",
        )
        body = request.body if isinstance(request.body, Mapping) else {}
        errors = tracking_errors(body.get("tracking_info"))
        if errors:
            raise bad_request({"tracking_info": errors})
        items = body.get(LINE_ITEMS)
        wanted = (
            {int(as_int(i.get("id")) or 0): int(as_int(i.get("quantity")) or 0) for i in items}
            if items
            else {
                item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0
            }
        )
        by_id = {item["id"]: item for item in fo["lines"]}
        for line_id, quantity in wanted.items():
            if line_id not in by_id or quantity < 1 or quantity > by_id[line_id]["fulfillable"]:
                raise bad_request({LINE_ITEMS: [quantity_error()]})
        if not wanted:
            raise detail("There is nothing left to fulfill on this fulfillment order.")
        order = backend.order(fo["order_number"])
        now = backend.now()
        fulfillment: Json = {
            "id": backend.next_id("fulfillment"),
            "location_id": fo["location_id"],
            "created_at": now,
            "status": "success",
            "tracking": [dict(info) for info in body.get("tracking_info") or []],
            "notify": bool(body.get("notify", True)),
            "lines": [],
        }
        for line_id, quantity in wanted.items():
            item = by_id[line_id]
            item["fulfillable"] -= quantity
            fulfillment["lines"].append(
                {
                    "id": backend.next_id("fulfillment_line"),
                    "order_line_id": item["order_line_id"],
                    "quantity": quantity,
                }
            )
        order["fulfillments"].append(fulfillment)
        if all(item["fulfillable"] == 0 for item in fo["lines"]):
            fo["status"] = "closed"
            fo["request_status"] = "closed"
        touch(backend, fo)
        order["updated_at"] = now
        return 201, render_fulfillment(backend, order, fulfillment)

    def cancel_fulfillment_order(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentOrdersCancel``: canceled, with a replacement holding what is left."""
        backend = self.backend
        fo = backend.fulfillment_order(fo_id)
        if fo["status"] not in CANCELABLE:
            hint = " Send a cancellation request first." if fo["status"] == "processing" else ""
            raise detail(
                f"Only open or on hold fulfillment orders can be canceled; this one is "
                f"{fo['status']}.{hint}"
            )
        left = [
            (item["order_line_id"], item["fulfillable"], item["fulfillable"])
            for item in fo["lines"]
            if item["fulfillable"] > 0
        ]
        replacement = new_fulfillment_order(backend, fo["order_number"], fo["location_id"], left)
        for item in fo["lines"]:
            item["fulfillable"] = 0
        fo["status"] = "canceled"
        fo["request_status"] = "closed"
        fo["holds"] = []
        touch(backend, fo)
        backend.order(fo["order_number"])["updated_at"] = fo["updated_at"]
        return 200, {
            "original_fulfillment_order": render_fulfillment_order(backend, fo),
            "new_fulfillment_order": render_fulfillment_order(backend, replacement),
        }
