"""Fulfillment orders through the GraphQL Admin API: list, hold and release, request fulfillment
or its cancellation, and move. Each change is checked against the fulfillment order's
``supportedActions`` first (one read), so a refused move never reaches a mutation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Op
from unified_orders.errors import IllegalTransition
from unified_orders.models import FulfillmentOrder, HoldReason, Location

from . import translate as tg
from .paging import Paging

__all__ = ["FulfillmentOperations"]


class FulfillmentOperations(Paging):
    """The fulfillment-order operations of the GraphQL dialect."""

    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """``Order.fulfillmentOrders``, every page, each with every line."""
        data = yield from self._gql(
            "FulfillmentOrders", {"id": tg.gid("Order", order_id, "order_id")}
        )
        node = yield from self._complete(self._found(data, "order", "order", order_id), "order")
        found = (node.get("fulfillmentOrders") or {}).get("nodes") or []
        done = yield from self._complete_each(list(found), "fulfillmentOrder")
        return [tg.fulfillment_order_from_graphql(fo) for fo in done]

    def _answer(
        self, payload: Mapping[str, Any], key: str, replaced_by: str | None = None
    ) -> Op[FulfillmentOrder]:
        """The fulfillment order a mutation answers with (``payload[key]``), every line read;
        ``replaced_by`` names the payload's other fulfillment order, if any."""
        node = yield from self._complete(payload[key], "fulfillmentOrder")
        others = self._other(payload, replaced_by, node.get("id")) if replaced_by else []
        return tg.fulfillment_order_from_graphql(node, replaced_by=others)

    def _gate(self, fo_id: str, action: str) -> Op[Mapping[str, Any]]:
        """Read the fulfillment order; refuse ``action`` unless it is a supported action."""
        data = yield from self._gql(
            "FulfillmentOrderGet", {"id": tg.gid("FulfillmentOrder", fo_id, "fulfillment_order_id")}
        )
        fo = self._found(data, "fulfillmentOrder", "fulfillment order", fo_id)
        supported = [str(a.get("action") or "").lower() for a in fo.get("supportedActions") or []]
        if action not in supported:
            raise IllegalTransition(
                f"fulfillment order {fo_id} (status {fo.get('status')}, request status "
                f"{fo.get('requestStatus')}) does not support {action!r}; Shopify lists as "
                f"supported: {', '.join(supported) or 'nothing'}",
                state=str(fo.get("status") or "").lower() or None,
                possible=supported,
                platform=self.platform,
                code="unsupported_action",
            )
        return fo

    @staticmethod
    def _fo_lines(lines: Mapping[str, int] | None) -> list[dict[str, Any]] | None:
        if lines is None:
            return None
        return [
            {"id": tg.gid("FulfillmentOrderLineItem", key, f"lines[{key}]"), "quantity": quantity}
            for key, quantity in lines.items()
        ]

    @staticmethod
    def _other(payload: Mapping[str, Any], key: str, same: Any) -> list[str]:
        other = payload.get(key) or {}
        return [tg.legacy(other["id"]) or ""] if other.get("id") and other["id"] != same else []

    def hold_fulfillment_order(
        self, fulfillment_order_id: str, reason: HoldReason, note: str | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderHold(id, fulfillmentHold: {reason, reasonNotes, notifyMerchant})``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        hold: dict[str, Any] = {
            "reason": tg.hold_reason(reason),
            "notifyMerchant": self.settings.notify_merchant_on_hold,
        }
        if note:
            hold["reasonNotes"] = note
        yield from self._gate(fulfillment_order_id, "hold")
        payload = yield from self._mutate(
            "FulfillmentOrderHold", "fulfillmentOrderHold", {"id": fid, "fulfillmentHold": hold}
        )
        return (yield from self._answer(payload, "fulfillmentOrder", "remainingFulfillmentOrder"))

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderReleaseHold(id, holdIds)`` naming every hold the order has now (read
        first): never an omitted ``holdIds``, which would release holds of other apps too."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        fo = yield from self._gate(fulfillment_order_id, "release_hold")
        hold_ids = [str(h["id"]) for h in fo.get("fulfillmentHolds") or [] if h.get("id")]
        if not hold_ids:
            raise IllegalTransition(
                f"fulfillment order {fulfillment_order_id} has no hold to release",
                state=str(fo.get("status") or "").lower() or None,
                possible=[],
                platform=self.platform,
                code="no_holds",
            )
        payload = yield from self._mutate(
            "FulfillmentOrderReleaseHold",
            "fulfillmentOrderReleaseHold",
            {"id": fid, "holdIds": hold_ids},
        )
        return (yield from self._answer(payload, "fulfillmentOrder"))

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderSubmitFulfillmentRequest``; the result is the submitted FO, with the
        unsubmitted remainder's id in ``replaced_by``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {"id": fid, "notifyCustomer": notify}
        if message:
            variables["message"] = message
        items = self._fo_lines(lines)
        if items is not None:
            variables["fulfillmentOrderLineItems"] = items
        yield from self._gate(fulfillment_order_id, "request_fulfillment")
        payload = yield from self._mutate(
            "FulfillmentOrderSubmitFulfillmentRequest",
            "fulfillmentOrderSubmitFulfillmentRequest",
            variables,
        )
        return (
            yield from self._answer(
                payload, "submittedFulfillmentOrder", "unsubmittedFulfillmentOrder"
            )
        )

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderSubmitCancellationRequest(id, message)``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {"id": fid}
        if message:
            variables["message"] = message
        yield from self._gate(fulfillment_order_id, "request_cancellation")
        payload = yield from self._mutate(
            "FulfillmentOrderSubmitCancellationRequest",
            "fulfillmentOrderSubmitCancellationRequest",
            variables,
        )
        return (yield from self._answer(payload, "fulfillmentOrder"))

    def available_locations(self, fulfillment_order_id: str) -> Op[list[Location]]:
        """``FulfillmentOrder.locationsForMove`` (movable ones)."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        data = yield from self._gql("LocationsForMove", {"id": fid})
        node = self._found(data, "fulfillmentOrder", "fulfillment order", fulfillment_order_id)
        return tg.locations_from_graphql((yield from self._complete(node, "fulfillmentOrder")))

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderMove``; the result is the FO now at the new location, with a
        remaining (unmoved) one's id in ``replaced_by``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {
            "id": fid,
            "newLocationId": tg.gid("Location", location_id, "location_id"),
        }
        items = self._fo_lines(lines)
        if items is not None:
            variables["fulfillmentOrderLineItems"] = items
        yield from self._gate(fulfillment_order_id, "move")
        payload = yield from self._mutate("FulfillmentOrderMove", "fulfillmentOrderMove", variables)
        return (
            yield from self._answer(payload, "movedFulfillmentOrder", "remainingFulfillmentOrder")
        )
