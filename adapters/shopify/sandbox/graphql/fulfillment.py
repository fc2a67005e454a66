"""Fulfillment-order mutations: hold and release, fulfillment and cancellation requests, move.

Each translates its GraphQL input to the REST-shaped input of the store's fulfillment-order
rules (:mod:`..fulfillment_orders`); GraphQL adds releasing single holds by id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ShopifyError
from .values import Obj, UserErrors, gid, gid_number, user_errors
from .views import Resolvers

__all__ = ["FulfillmentOrderResolvers"]


class FulfillmentOrderResolvers(Resolvers):
    """Answers the fulfillment-order mutations from the state."""

    def mutations(self) -> dict[str, Callable[[Mapping[str, Any]], Obj]]:
        """The mutations answered here, by GraphQL name."""
        return {
            "fulfillmentOrderHold": self.hold,
            "fulfillmentOrderReleaseHold": self.release_hold,
            "fulfillmentOrderSubmitFulfillmentRequest": self.submit_fulfillment_request,
            "fulfillmentOrderSubmitCancellationRequest": self.submit_cancellation_request,
            "fulfillmentOrderMove": self.move,
            "fulfillmentOrderCancel": self.cancel,
            "fulfillmentCreate": self.create_fulfillment,
            "fulfillmentTrackingInfoUpdate": self.update_tracking,
        }

    def _fulfillment_order_id(self, args: Mapping[str, Any]) -> int:
        fid = gid_number(args.get("id"), "FulfillmentOrder")
        if fid is None or str(fid) not in self.state.data["fulfillment_orders"]:
            raise UserErrors(
                [
                    {
                        "field": ["id"],
                        "message": "Fulfillment order does not exist.",
                        "code": "FULFILLMENT_ORDER_NOT_FOUND",
                    }
                ]
            )
        return fid

    def hold(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderHold`` (a partial hold splits the fulfillment order)."""
        fid = self._fulfillment_order_id(args)
        data = args.get("fulfillmentHold") or {}
        hold: Obj = {
            "reason": str(data.get("reason") or "").lower(),
            "reason_notes": data.get("reasonNotes"),
            "notify_merchant": bool(data.get("notifyMerchant")),
        }
        items = _fulfillment_order_lines(data.get("fulfillmentOrderLineItems"))
        if items is not None:
            hold["fulfillment_order_line_items"] = items
        held = _refusals_as_user_errors(lambda: self.state.hold(fid, hold), ["fulfillmentHold"])
        latest = (held.get("fulfillment_holds") or [{}])[-1]
        remaining = None
        if int(held["id"]) != fid:
            remaining = self.views.fulfillment_order(self.state.fulfillment_order(fid))
        return {
            "fulfillmentHold": {"id": gid("FulfillmentHold", latest.get("id"))},
            "fulfillmentOrder": self.views.fulfillment_order(held),
            "remainingFulfillmentOrder": remaining,
            "userErrors": [],
        }

    def release_hold(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderReleaseHold``: every hold, or those ``holdIds`` names."""
        fid = self._fulfillment_order_id(args)
        fo = self.state.fulfillment_order(fid)
        hold_ids = args.get("holdIds")
        holds = fo.get("fulfillment_holds") or []
        if hold_ids is None:
            # Shopify: omitting holdIds releases every hold on the fulfillment order.
            released = _refusals_as_user_errors(lambda: self.state.release_hold(fid), [])
        else:
            wanted = {gid_number(h, "FulfillmentHold") for h in hold_ids}
            known = {int(h["id"]) for h in holds if h.get("id") is not None}
            unknown = [h for h in hold_ids if gid_number(h, "FulfillmentHold") not in known]
            if unknown:
                raise UserErrors(
                    [
                        {
                            "field": ["holdIds"],
                            "message": f"Hold {unknown[0]} is not on this fulfillment order",
                            "code": "INVALID_ACCESS",
                        }
                    ]
                )
            if wanted >= known:
                released = _refusals_as_user_errors(lambda: self.state.release_hold(fid), [])
            else:
                fo["fulfillment_holds"] = [h for h in holds if int(h["id"]) not in wanted]
                fo["updated_at"] = self.state.now()
                released = self.state.fulfillment_order(fid)
        return {"fulfillmentOrder": self.views.fulfillment_order(released), "userErrors": []}

    def submit_fulfillment_request(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderSubmitFulfillmentRequest``."""
        fid = self._fulfillment_order_id(args)
        request: Obj = {
            "message": args.get("message"),
            "notify_customer": bool(args.get("notifyCustomer")),
        }
        items = _fulfillment_order_lines(args.get("fulfillmentOrderLineItems"))
        if items is not None:
            request["fulfillment_order_line_items"] = items
        result = _refusals_as_user_errors(lambda: self.state.fulfillment_request(fid, request), [])
        return {
            "originalFulfillmentOrder": self.views.fulfillment_order(
                result["original_fulfillment_order"]
            ),
            "submittedFulfillmentOrder": self.views.fulfillment_order(
                result["submitted_fulfillment_order"]
            ),
            "unsubmittedFulfillmentOrder": self.views.fulfillment_order(
                result["unsubmitted_fulfillment_order"]
            )
            if result.get("unsubmitted_fulfillment_order")
            else None,
            "userErrors": [],
        }

    def submit_cancellation_request(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderSubmitCancellationRequest``."""
        fid = self._fulfillment_order_id(args)
        fo = _refusals_as_user_errors(
            lambda: self.state.cancellation_request(fid, {"message": args.get("message")}), []
        )
        return {"fulfillmentOrder": self.views.fulfillment_order(fo), "userErrors": []}

    def move(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderMove``."""
        fid = self._fulfillment_order_id(args)
        body: Obj = {"new_location_id": gid_number(args.get("newLocationId"), "Location")}
        items = _fulfillment_order_lines(args.get("fulfillmentOrderLineItems"))
        if items is not None:
            body["fulfillment_order_line_items"] = items
        result = _refusals_as_user_errors(lambda: self.state.move(fid, body), [])
        remaining = result.get("remaining_fulfillment_order")
        return {
            "originalFulfillmentOrder": self.views.fulfillment_order(
                result["original_fulfillment_order"]
            ),
            "movedFulfillmentOrder": self.views.fulfillment_order(
                result["moved_fulfillment_order"]
            ),
            "remainingFulfillmentOrder": self.views.fulfillment_order(remaining)
            if remaining
            else None,
            "userErrors": [],
        }

    def cancel(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentOrderCancel``: the FO closes, a replacement holds what is left."""
        fid = self._fulfillment_order_id(args)
        result = _refusals_as_user_errors(lambda: self.state.cancel_fulfillment_order(fid), [])
        replacement = result.get("replacement_fulfillment_order")
        return {
            "fulfillmentOrder": self.views.fulfillment_order(result["fulfillment_order"]),
            "replacementFulfillmentOrder": self.views.fulfillment_order(replacement)
            if replacement
            else None,
            "userErrors": [],
        }

    def create_fulfillment(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentCreate(fulfillment: FulfillmentInput!)``."""
        data = args.get("fulfillment") or {}
        groups = []
        for group in data.get("lineItemsByFulfillmentOrder") or []:
            fo_id = gid_number(group.get("fulfillmentOrderId"), "FulfillmentOrder")
            row: Obj = {"fulfillment_order_id": fo_id or 0}
            items = _fulfillment_order_lines(group.get("fulfillmentOrderLineItems"))
            if items is not None:
                row["fulfillment_order_line_items"] = items
            groups.append(row)
        body: Obj = {
            "line_items_by_fulfillment_order": groups,
            "notify_customer": bool(data.get("notifyCustomer")),
        }
        if data.get("trackingInfo") is not None:
            body["tracking_info"] = dict(data["trackingInfo"])
        made = _refusals_as_user_errors(
            lambda: self.state.create_fulfillment(body), ["fulfillment"]
        )
        return {"fulfillment": self.views.fulfillment(made), "userErrors": []}

    def update_tracking(self, args: Mapping[str, Any]) -> Obj:
        """``fulfillmentTrackingInfoUpdate(fulfillmentId, trackingInfoInput, notifyCustomer)``."""
        fulfillment_id = gid_number(args.get("fulfillmentId"), "Fulfillment") or 0
        body = {"tracking_info": dict(args.get("trackingInfoInput") or {})}
        updated = _refusals_as_user_errors(
            lambda: self.state.update_tracking(fulfillment_id, body), ["fulfillmentId"]
        )
        return {"fulfillment": self.views.fulfillment(updated), "userErrors": []}


def _fulfillment_order_lines(rows: Any) -> list[Obj] | None:
    """REST ``fulfillment_order_line_items`` from GraphQL ones (None stays None: all lines)."""
    if rows is None:
        return None
    return [
        {
            "id": gid_number(r.get("id"), "FulfillmentOrderLineItem") or 0,
            "quantity": r.get("quantity"),
        }
        for r in rows
    ]


def _refusals_as_user_errors(call: Callable[[], Any], prefix: list[str]) -> Any:
    """Run a store rule; its refusal becomes ``userErrors`` under ``prefix``."""
    try:
        return call()
    except ShopifyError as error:
        raise UserErrors(user_errors(error, prefix)) from None
