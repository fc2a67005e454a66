"""Fulfillment-order endpoints, the fulfillment service's side.

The service answers the merchant's requests and ships (creates fulfillments), so every
fulfillment-order state can be reached in the sandbox.
"""

from __future__ import annotations

from typing import Any

from unified_orders.sandbox import SandboxRequest

from ..render import render_fulfillment_order
from ..state import NextCommerceBackend
from .transitions import apply_transition, refuse_unless_allowed, touch

__all__ = ["FulfillmentServiceHandlers"]


class FulfillmentServiceHandlers:
    """``fulfillment-orders/{id}/`` ``…-request/accept|reject/`` (shipments: :mod:`.fulfillments`)."""

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
