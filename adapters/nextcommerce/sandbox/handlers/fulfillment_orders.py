"""Fulfillment-order endpoints, the merchant's side.

Read, hold, release, request fulfillment (or its cancellation), available locations, move.
A fulfillment request for some lines splits them off: the requested lines stay, the rest move to
a new, unrequested fulfillment order. A move of some lines does the same at the new location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.sandbox import SandboxRequest

from ...rules import FO_TRANSITIONS, HOLD_REASONS
from ..records import new_fulfillment_order
from ..render import render_fulfillment_order
from ..state import Json, NextCommerceBackend, as_int, bad_request
from .paging import cursor_page
from .transitions import apply_transition, refuse_unless_allowed, touch

__all__ = ["LINE_ITEMS", "FulfillmentOrderHandlers", "quantity_error"]

#: The body member naming fulfillment-order lines and quantities.
LINE_ITEMS = "fulfillment_order_line_items"


class FulfillmentOrderHandlers:
    """``orders/{number}/fulfillment-orders/`` and the merchant's ``fulfillment-orders/``."""

    backend: NextCommerceBackend
    page_size: int

    def list_all_fulfillment_orders(self, request: SandboxRequest) -> tuple[int, Any]:
        """``fulfillmentOrdersList``: every order's, oldest first, filtered by ``status[]``,
        ``request_status[]``, ``order_number``, ``location_id`` and ``date_created_from/_to``
        (dates); ``f{offset}`` cursors."""
        query = request.query
        statuses = set(query.get("status") or query.get("status[]") or ())
        requests = set(query.get("request_status") or query.get("request_status[]") or ())
        number, location = request.arg("order_number"), request.arg("location_id")
        since, until = request.arg("date_created_from"), request.arg("date_created_to")
        orders = self.backend.data["orders"]
        found = []
        for fo in self.backend.data["fulfillment_orders"].values():
            day = str(fo["created_at"])[:10]
            if (
                fo["order_number"] not in orders
                or (statuses and fo["status"] not in statuses)
                or (requests and fo["request_status"] not in requests)
                or (number and fo["order_number"] != number)
                or (location and str(fo["location_id"]) != location)
                or (since and day < since)
                or (until and day > until)
            ):
                continue
            found.append(fo)
        render = lambda fo: render_fulfillment_order(self.backend, fo)  # noqa: E731
        page = cursor_page(
            request, found, render, path="fulfillment-orders/", prefix="f", size=self.page_size
        )
        return 200, page

    def list_fulfillment_orders(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersFulfillmentOrdersRetrieve``."""
        self.backend.order(number)
        # Declared as one FulfillmentOrder; described, and sent, as a list (notes §11.7).
        return 200, [
            render_fulfillment_order(self.backend, fo)
            for fo in self.backend.fulfillment_orders_of(number)
        ]

    def get_fulfillment_order(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentOrdersRetrieve``."""
        return 200, render_fulfillment_order(self.backend, self.backend.fulfillment_order(fo_id))

    def hold(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentOrdersHold``: an open fulfillment order goes on hold, for a reason."""
        backend, body = self.backend, request.body
        fo = backend.fulfillment_order(fo_id)
        reason = body.get("reason") if isinstance(body, Mapping) else None
        if reason is None:
            raise bad_request({"reason": ["This field is required."]})
        if reason not in HOLD_REASONS:
            raise bad_request({"reason": [f'"{reason}" is not a valid choice.']})
        refuse_unless_allowed(
            fo,
            "hold",
            f"Only open fulfillment orders can be put on hold; this one is {fo['status']}.",
        )
        apply_transition(fo, "hold")
        fo["holds"].append(
            {
                "reason": reason,
                "reason_message": body.get("reason_message"),
                "created_at": backend.now(),
            }
        )
        touch(backend, fo)
        return 200, render_fulfillment_order(backend, fo)

    def release_hold(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentOrdersReleaseHold``: back to open, holds cleared."""
        fo = self.backend.fulfillment_order(fo_id)
        refuse_unless_allowed(
            fo, "release_hold", f"The fulfillment order is not on hold; it is {fo['status']}."
        )
        apply_transition(fo, "release_hold")
        fo["holds"] = []
        touch(self.backend, fo)
        return 200, render_fulfillment_order(self.backend, fo)

    def request_fulfillment(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentRequestSend``: all lines, or some (the rest split off, unrequested)."""
        backend = self.backend
        fo = backend.fulfillment_order(fo_id)
        body = request.body if isinstance(request.body, Mapping) else {}
        refuse_unless_allowed(
            fo,
            "request_fulfillment",
            f"A fulfillment request needs an open fulfillment order that was not requested yet; this one is {fo['status']} ({fo['request_status']}).",
        )
        items = body.get(LINE_ITEMS)
        unrequested = None
        if items:
            wanted = {
                int(as_int(i.get("id")) or 0): int(as_int(i.get("quantity")) or 0) for i in items
            }
            # The requested lines stay on this FO; the rest split off into a new, unrequested one.
            rest = {
                item["id"]: item["fulfillable"] - wanted.get(item["id"], 0) for item in fo["lines"]
            }
            foreign = [line_id for line_id in wanted if line_id not in rest]
            if foreign:
                raise bad_request(
                    {LINE_ITEMS: [_not_a_line_of(fo, line_id) for line_id in foreign]}
                )
            over = [
                line_id for line_id, left in rest.items() if left < 0 or wanted.get(line_id, 1) < 1
            ]
            if over:
                raise bad_request({LINE_ITEMS: [quantity_error()]})
            unrequested = _split(backend, fo, {k: v for k, v in rest.items() if v > 0})
        apply_transition(fo, "request_fulfillment")
        fo["merchant_requests"].append(
            {
                "type": "fulfill_request",
                "message": body.get("message"),
                "notify": bool(body.get("notify", False)),
            }
        )
        touch(backend, fo)
        rendered = render_fulfillment_order(backend, fo)
        return 200, {
            "original_fulfillment_order": rendered,
            "requested_fulfillment_order": rendered,
            # INFERRED: null when the whole fulfillment order was requested (nothing left over).
            "unrequested_fulfillment_order": render_fulfillment_order(backend, unrequested)
            if unrequested
            else None,
        }

    def request_cancellation(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``cancellationRequestSend``: ask the fulfillment service to give a processing FO back."""
        fo = self.backend.fulfillment_order(fo_id)
        refuse_unless_allowed(
            fo,
            "request_cancellation",
            f"Only fulfillment orders accepted by their fulfillment service (processing) take a cancellation request; this one is {fo['status']} ({fo['request_status']}).",
        )
        message = request.body.get("message") if isinstance(request.body, Mapping) else None
        apply_transition(fo, "request_cancellation")
        fo["merchant_requests"].append(
            {"type": "cancel_request", "message": message, "notify": False}
        )
        touch(self.backend, fo)
        return 200, render_fulfillment_order(self.backend, fo)

    def available_locations(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``availableLocationsRetrieve``: every other location, for all fulfillable lines."""
        fo = self.backend.fulfillment_order(fo_id)
        ids = [item["id"] for item in fo["lines"] if item["fulfillable"] > 0]
        # The guide's shape (a list), not the spec's object (notes §11.7).
        return 200, {
            "available_locations": [
                {"id": loc["id"], "name": loc["name"], "fulfillment_order_line_ids": ids}
                for key, loc in self.backend.data["locations"].items()
                if int(key) != fo["location_id"]
            ]
        }

    def move(self, request: SandboxRequest, fo_id: str) -> tuple[int, Any]:
        """``fulfillmentOrdersMove``: whole lines (or all of them) to another location."""
        backend = self.backend
        fo = backend.fulfillment_order(fo_id)
        with_service = fo["status"] in (FO_TRANSITIONS["request_cancellation"].statuses or ())
        hint = " Send a cancellation request first." if with_service else ""
        refuse_unless_allowed(
            fo,
            "move",
            f'Fulfillment Orders must be "status": "open" to be moved; this one is "{fo["status"]}".{hint}',
        )
        body = request.body if isinstance(request.body, Mapping) else {}
        location = _check_location(backend, fo, body.get("new_location_id"))
        items = body.get(LINE_ITEMS)
        if items:
            wanted = {}
            for i in items:
                line_id = as_int(i.get("id")) or 0
                item = next((x for x in fo["lines"] if x["id"] == line_id), None)
                wanted[line_id] = item["fulfillable"] if item else 0
        else:
            wanted = {
                item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0
            }
        moved = _split(backend, fo, wanted)
        if moved is None:
            # Everything moves: the original closes and a new one opens at the new location.
            moved = new_fulfillment_order(
                backend,
                fo["order_number"],
                location,
                [
                    (i["order_line_id"], i["fulfillable"], i["fulfillable"])
                    for i in fo["lines"]
                    if i["fulfillable"] > 0
                ],
            )
            for item in fo["lines"]:
                item["fulfillable"] = 0
            fo["status"] = "closed"
            fo["request_status"] = "closed"
        else:
            moved["location_id"] = location
        touch(backend, fo)
        return 200, {
            "original_fulfillment_order": render_fulfillment_order(backend, fo),
            "moved_fulfillment_order": render_fulfillment_order(backend, moved),
        }


def quantity_error() -> Json:
    """A line item asking for more than its fulfillable quantity (or none)."""
    return {"quantity": ["Ensure this value is between 1 and the fulfillable quantity."]}


def _not_a_line_of(fo: Json, line_id: int) -> Json:
    return {
        "id": [f"Fulfillment order line {line_id} is not part of fulfillment order {fo['id']}."]
    }


def _check_location(backend: NextCommerceBackend, fo: Json, value: Any) -> int:
    """The location a fulfillment order moves to: a known one, not its own."""
    location = as_int(value)
    if location is None:
        raise bad_request({"new_location_id": ["This field is required."]})
    if str(location) not in backend.data["locations"]:
        raise bad_request(
            {"new_location_id": [f'Invalid pk "{location}" - object does not exist.']}
        )
    if location == fo["location_id"]:
        raise bad_request(
            {"new_location_id": ["The fulfillment order is already assigned to this location."]}
        )
    return location


def _split(backend: NextCommerceBackend, fo: Json, wanted: Mapping[int, int]) -> Json | None:
    """Move ``wanted`` quantities (by FO line id) into a new FO at the same location.

    Returns the new FO, or None when ``wanted`` is every remaining unit (nothing to split).
    """
    by_id = {item["id"]: item for item in fo["lines"]}
    errors: list[Json] = []
    for line_id, quantity in wanted.items():
        item = by_id.get(line_id)
        if item is None:
            errors.append(_not_a_line_of(fo, line_id))
        elif quantity < 1 or quantity > item["fulfillable"]:
            errors.append(
                {"quantity": [f"Ensure this value is between 1 and {item['fulfillable']}."]}
            )
    if errors:
        raise bad_request({LINE_ITEMS: errors})
    remaining = {item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0}
    if all(wanted.get(line_id, 0) == left for line_id, left in remaining.items()):
        return None
    new = new_fulfillment_order(
        backend,
        fo["order_number"],
        fo["location_id"],
        [
            (item["order_line_id"], wanted[item["id"]], wanted[item["id"]])
            for item in fo["lines"]
            if wanted.get(item["id"], 0)
        ],
    )
    for item in fo["lines"]:
        taken = wanted.get(item["id"], 0)
        item["fulfillable"] -= taken
        item["quantity"] -= taken
    fo["lines"] = [item for item in fo["lines"] if item["quantity"] > 0 or item["fulfillable"] > 0]
    return new
