"""Fulfillment-order rules: what may be done next, holds, fulfillment requests, moves.

A fulfillment order (FO) holds some units of an order's lines at one location. Its status and
request status decide the ``supported_actions`` (:meth:`FulfillmentOrderRules.supported_actions`);
every action checks them first. Partial holds, requests and moves split an FO in two.
"""

from __future__ import annotations

import copy
from typing import Any

from ..rules import LIVE_FULFILLMENT_ORDER_STATUSES
from .errors import ShopifyError, not_found, unprocessable
from .store import Store

__all__ = ["FulfillmentOrderRules"]


class FulfillmentOrderRules(Store):
    """The store with Shopify's fulfillment-order rules."""

    # --- lookups ---------------------------------------------------------------------------------
    def fulfillment_order(self, fo_id: int | str) -> dict[str, Any]:
        """A fulfillment order with its current ``supported_actions`` (404 when absent)."""
        fo = self.data["fulfillment_orders"].get(str(fo_id))
        if fo is None:
            raise not_found()
        fo["supported_actions"] = self.supported_actions(fo)
        return fo  # type: ignore[no-any-return]

    def fulfillment_orders_of(self, order_id: int | str) -> list[dict[str, Any]]:
        """An order's fulfillment orders, by id."""
        self.order(order_id)
        found = [
            self.fulfillment_order(fo["id"])
            for fo in self.data["fulfillment_orders"].values()
            if str(fo["order_id"]) == str(order_id)
        ]
        return sorted(found, key=lambda fo: int(fo["id"]))

    # --- fulfillment-order rules -----------------------------------------------------------------
    def supported_actions(self, fo: dict[str, Any]) -> list[str]:
        """What may be done next, as Shopify reports it.

        INFERRED from Shopify's examples (merchant-managed open FO: create_fulfillment, move,
        hold; on hold: release_hold, hold; submitted to a fulfillment service:
        cancel_fulfillment_order; cancellation requested: create_fulfillment,
        cancel_fulfillment_order); an accepted request allows request_cancellation.
        """
        status, request = fo.get("status"), fo.get("request_status")
        location = self.location(fo["assigned_location_id"]) or {}
        service = bool(location.get("fulfillment_service"))
        if status in ("closed", "cancelled", "incomplete"):
            return []
        if status == "on_hold":
            return ["release_hold", "hold"]
        if status == "open" and request == "unsubmitted":
            if service:
                return ["request_fulfillment", "create_fulfillment", "hold", "move"]
            return ["create_fulfillment", "move", "hold"]
        if status == "open" and request in ("submitted", "rejected"):
            return ["cancel_fulfillment_order"]
        if status == "in_progress" and request == "unsubmitted":
            return ["create_fulfillment"]  # partly shipped by the merchant (INFERRED)
        if status == "in_progress" and request == "accepted":
            return ["create_fulfillment", "request_cancellation"]
        if status == "in_progress" and request == "cancellation_requested":
            return ["create_fulfillment", "cancel_fulfillment_order"]
        return []

    def _require_action(self, fo: dict[str, Any], action: str) -> None:
        supported = self.supported_actions(fo)
        if action not in supported:
            raise ShopifyError(
                422,
                {
                    "errors": [
                        f"Cannot {action.replace('_', ' ')} this fulfillment order: the "
                        f"fulfillment order's status is {fo['status']} and its request status "
                        f"is {fo['request_status']}."
                    ]
                },
            )

    def new_fulfillment_order(
        self, order: dict[str, Any], location_id: int, items: list[tuple[int, int]], **state: Any
    ) -> dict[str, Any]:
        """A fulfillment order for ``(line id, quantity)`` pairs at a location."""
        fo_id = self.new_id()
        location = self.location(location_id) or {"id": location_id, "name": None}
        line_by_id = {int(x["id"]): x for x in order["line_items"]}
        now = self.now()
        fo = {
            "id": fo_id,
            "created_at": now,
            "updated_at": now,
            "shop_id": self.data["shop"]["id"],
            "order_id": order["id"],
            "assigned_location_id": location_id,
            "request_status": state.get("request_status", "unsubmitted"),
            "status": state.get("status", "open"),
            "fulfill_at": None,
            "fulfill_by": None,
            "supported_actions": [],
            "destination": {
                k: (order.get("shipping_address") or {}).get(k)
                for k in (
                    "address1",
                    "address2",
                    "city",
                    "company",
                    "country",
                    "first_name",
                    "last_name",
                    "phone",
                    "province",
                    "zip",
                )
            },
            "line_items": [
                {
                    "id": self.new_id(),
                    "shop_id": self.data["shop"]["id"],
                    "fulfillment_order_id": fo_id,
                    "quantity": qty,
                    "line_item_id": line_id,
                    "inventory_item_id": line_by_id[line_id].get("variant_id"),
                    "fulfillable_quantity": qty,
                    "variant_id": line_by_id[line_id].get("variant_id"),
                }
                for line_id, qty in items
            ],
            "international_duties": None,
            "fulfillment_holds": state.get("fulfillment_holds", []),
            "delivery_method": None,
            "assigned_location": {
                "address1": location.get("address1"),
                "city": location.get("city"),
                "country_code": location.get("country_code"),
                "location_id": location_id,
                "name": location.get("name"),
                "province": None,
                "zip": location.get("zip"),
            },
            "merchant_requests": [],
        }
        self.data["fulfillment_orders"][str(fo_id)] = fo
        return fo

    def _split(
        self, fo: dict[str, Any], wanted: list[dict[str, Any]] | None
    ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """FO lines split into (chosen, rest) as ``(order line id, quantity)`` pairs."""
        by_id = {int(x["id"]): x for x in fo["line_items"]}
        if wanted is None:
            return [(int(x["line_item_id"]), int(x["quantity"])) for x in fo["line_items"]], []
        chosen: dict[int, int] = {}
        for row in wanted:
            item = by_id.get(int(row.get("id", 0)))
            quantity = int(row.get("quantity", 0))
            if item is None:
                raise unprocessable(
                    "fulfillment_order_line_items",
                    f"fulfillment order line item {row.get('id')} is not on this fulfillment order",
                )
            if quantity < 1 or quantity > int(item["quantity"]):
                raise unprocessable(
                    "fulfillment_order_line_items",
                    f"quantity {quantity} is invalid for line item {item['id']} "
                    f"(it has {item['quantity']})",
                )
            chosen[int(item["id"])] = quantity
        take: list[tuple[int, int]] = []
        rest: list[tuple[int, int]] = []
        for item in fo["line_items"]:
            line_id, qty = int(item["line_item_id"]), int(item["quantity"])
            moved = chosen.get(int(item["id"]), 0)
            if moved:
                take.append((line_id, moved))
            if qty - moved:
                rest.append((line_id, qty - moved))
        return take, rest

    def _set_lines(self, fo: dict[str, Any], items: list[tuple[int, int]]) -> None:
        kept = []
        for line_id, qty in items:
            item = next(x for x in fo["line_items"] if int(x["line_item_id"]) == line_id)
            item["quantity"] = qty
            item["fulfillable_quantity"] = qty
            kept.append(item)
        fo["line_items"] = kept

    def hold(self, fo_id: int | str, hold: dict[str, Any]) -> dict[str, Any]:
        """Put (some lines of) a fulfillment order on hold; a partial hold splits it."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "hold")
        reason = hold.get("reason")
        if not reason:
            raise unprocessable("reason", "can't be blank")
        take, rest = self._split(fo, hold.get("fulfillment_order_line_items"))
        held = fo
        if rest:
            self._set_lines(fo, rest)
            held = self.new_fulfillment_order(
                self.order(fo["order_id"]), int(fo["assigned_location_id"]), take
            )
        held["fulfillment_holds"] = [
            *list(held.get("fulfillment_holds") or []),
            {"id": self.new_id(), "reason": reason, "reason_notes": hold.get("reason_notes")},
        ]
        held["status"] = "on_hold"
        held["updated_at"] = self.now()
        return self.fulfillment_order(held["id"])

    def release_hold(self, fo_id: int | str) -> dict[str, Any]:
        """Release every hold."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "release_hold")
        fo["fulfillment_holds"] = []
        fo["status"] = "open"
        fo["updated_at"] = self.now()
        return self.fulfillment_order(fo_id)

    def fulfillment_request(self, fo_id: int | str, request: dict[str, Any]) -> dict[str, Any]:
        """Submit (some lines of) a fulfillment order to its fulfillment service."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "request_fulfillment")
        original = copy.deepcopy(fo)
        take, rest = self._split(fo, request.get("fulfillment_order_line_items"))
        unsubmitted = None
        if rest:
            self._set_lines(fo, take)
            unsubmitted = self.new_fulfillment_order(
                self.order(fo["order_id"]), int(fo["assigned_location_id"]), rest
            )
        fo["request_status"] = "submitted"
        fo["updated_at"] = self.now()
        fo["merchant_requests"] = [
            *list(fo.get("merchant_requests") or []),
            {
                "message": request.get("message"),
                "request_options": {"notify_customer": bool(request.get("notify_customer"))},
                "sent_at": fo["updated_at"],
                "kind": "fulfillment_request",
            },
        ]
        original.update({k: fo[k] for k in ("request_status", "updated_at", "merchant_requests")})
        original["supported_actions"] = self.supported_actions(fo)
        return {
            "original_fulfillment_order": original,
            "submitted_fulfillment_order": self.fulfillment_order(fo["id"]),
            "unsubmitted_fulfillment_order": self.fulfillment_order(unsubmitted["id"])
            if unsubmitted
            else None,
        }

    def accept_fulfillment_request(self, fo_id: int | str) -> dict[str, Any]:
        """The fulfillment service accepts a submitted request (status in_progress)."""
        fo = self.fulfillment_order(fo_id)
        if fo["request_status"] != "submitted":
            raise ShopifyError(
                422, {"errors": [f"Fulfillment order {fo['id']} has no submitted request."]}
            )
        fo["request_status"] = "accepted"
        fo["status"] = "in_progress"
        fo["updated_at"] = self.now()
        return self.fulfillment_order(fo_id)

    def cancellation_request(self, fo_id: int | str, request: dict[str, Any]) -> dict[str, Any]:
        """Ask the fulfillment service to cancel an accepted request."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "request_cancellation")
        fo["request_status"] = "cancellation_requested"
        fo["updated_at"] = self.now()
        fo["merchant_requests"] = [
            *list(fo.get("merchant_requests") or []),
            {
                "message": request.get("message"),
                "request_options": {},
                "sent_at": fo["updated_at"],
                "kind": "cancellation_request",
            },
        ]
        return self.fulfillment_order(fo_id)

    def locations_for_move(self, fo_id: int | str) -> list[dict[str, Any]]:
        """Every other active location, movable unless the FO cannot move at all."""
        fo = self.fulfillment_order(fo_id)
        can_move = "move" in self.supported_actions(fo)
        rows = []
        for location in self.data["locations"]:
            if str(location["id"]) == str(fo["assigned_location_id"]):
                continue
            rows.append(
                {
                    "location": {"id": location["id"], "name": location["name"]},
                    "message": "" if can_move else "The fulfillment order cannot be moved.",
                    "movable": can_move,
                }
            )
        return rows

    def move(self, fo_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """Move (some lines of) a fulfillment order to another location."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "move")
        target = body.get("new_location_id")
        if target is None or self.location(target) is None:
            raise unprocessable("new_location_id", f"location {target} was not found")
        if str(target) == str(fo["assigned_location_id"]):
            raise unprocessable(
                "new_location_id", "the fulfillment order is already assigned to that location"
            )
        take, rest = self._split(fo, body.get("fulfillment_order_line_items"))
        order = self.order(fo["order_id"])
        moved = self.new_fulfillment_order(order, int(target), take)
        remaining = None
        if rest:
            self._set_lines(fo, rest)
            fo["updated_at"] = self.now()
            remaining = fo
        else:
            fo["status"] = "closed"
            fo["line_items"] = []
            fo["updated_at"] = self.now()
        self._relocate_lines(order)
        return {
            "original_fulfillment_order": self.fulfillment_order(fo["id"]),
            "moved_fulfillment_order": self.fulfillment_order(moved["id"]),
            "remaining_fulfillment_order": self.fulfillment_order(remaining["id"])
            if remaining
            else None,
        }

    def _relocate_lines(self, order: dict[str, Any]) -> None:
        order["updated_at"] = self.now()

    def drop_from_fulfillment_orders(self, order: dict[str, Any], line_id: int, units: int) -> None:
        """Take ``units`` of a line off the order's live fulfillment orders (oldest first);
        an emptied fulfillment order closes."""
        for fo in sorted(self.data["fulfillment_orders"].values(), key=lambda f: int(f["id"])):
            if units <= 0:
                return
            if (
                str(fo["order_id"]) != str(order["id"])
                or fo["status"] not in LIVE_FULFILLMENT_ORDER_STATUSES
            ):
                continue
            for item in list(fo["line_items"]):
                if int(item["line_item_id"]) != line_id or units <= 0:
                    continue
                # only units still to ship leave the FO (shipped ones stay on it, fulfilled)
                taken = min(units, int(item["fulfillable_quantity"]))
                item["quantity"] = int(item["quantity"]) - taken
                item["fulfillable_quantity"] = int(item["fulfillable_quantity"]) - taken
                units -= taken
                if item["quantity"] == 0:
                    fo["line_items"].remove(item)
            if not any(int(x["fulfillable_quantity"]) for x in fo["line_items"]):
                fo["status"] = "closed"
            fo["updated_at"] = self.now()
