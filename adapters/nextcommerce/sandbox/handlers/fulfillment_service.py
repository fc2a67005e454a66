"""Fulfillment-order endpoints, the fulfillment service's side.

The service answers the merchant's requests and ships (creates fulfillments), so every
fulfillment-order state can be reached in the sandbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.sandbox import SandboxRequest

from ..render import render_fulfillment, render_fulfillment_order
from ..state import Json, NextCommerceBackend, as_int, bad_request
from .fulfillment_orders import LINE_ITEMS, quantity_error
from .transitions import apply_transition, refuse_unless_allowed, touch

__all__ = ["FulfillmentServiceHandlers"]


class FulfillmentServiceHandlers:
    """``fulfillment-orders/{id}/`` ``…-request/accept|reject/`` and ``fulfillments/``."""

    backend: NextCommerceBackend

    def accept_fulfillment_request(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """The service takes the fulfillment order on: it is processing."""
        return self._answer_request(fo_id, "accept_fulfillment_request", "fulfillment request")

    def reject_fulfillment_request(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """The service turns the request down: the fulfillment order stays open."""
        return self._answer_request(fo_id, "reject_fulfillment_request", "fulfillment request")

    def accept_cancellation_request(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """The service gives the fulfillment order back: open again (it can move now)."""
        return self._answer_request(fo_id, "accept_cancellation_request", "cancellation request")

    def reject_cancellation_request(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """The service keeps the fulfillment order: still processing."""
        return self._answer_request(fo_id, "reject_cancellation_request", "cancellation request")

    def _answer_request(self, fo_id: str, action: str, pending: str) -> tuple[int, Any]:
        fo = self.backend.fulfillment_order(fo_id)
        refuse_unless_allowed(
            fo,
            action,
            f"There is no pending {pending}; request status is {fo['request_status']}.",
        )
        apply_transition(fo, action)
        touch(self.backend, fo)
        return 200, render_fulfillment_order(self.backend, fo)

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
        order = backend.order(fo["order_number"])
        tracking = (body.get("tracking_info") or [{}])[0]
        now = backend.now()
        fulfillment: Json = {
            "id": backend.next_id("fulfillment"),
            "location_id": fo["location_id"],
            "created_at": now,
            "status": "success",
            "tracking_code": tracking.get("tracking_code") or "",
            "carrier": tracking.get("carrier") or "",
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
