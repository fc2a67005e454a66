"""The sandbox's store state and the rules Shopify enforces: dialect-neutral.

State is plain JSON-serialisable dicts shaped like Shopify's REST resources (orders with their
line items, refunds and fulfillments; transactions; fulfillment orders; locations). Amounts are
decimal strings and ids JSON integers (beyond 2**53, like real Shopify ids). The REST emulator
(:mod:`.sandbox`) routes HTTP requests to the methods here; a GraphQL resolver layer can answer
from the same :class:`ShopifyState` (inputs are REST-shaped dicts; GraphQL inputs translate to
them, and :class:`ShopifyError` carries a status plus REST-shaped ``errors`` that translate to
``userErrors``).
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.models import minor_unit

__all__ = ["FIRST_ID", "ShopifyError", "ShopifyState"]

#: Sandbox ids start above 2**53 so a float anywhere on the path would corrupt them.
FIRST_ID = 820_982_911_946_154_508
EPOCH = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
LIVE_FO = ("open", "in_progress", "scheduled", "on_hold", "incomplete")
REFUND_KINDS = ("capture", "sale")


class ShopifyError(Exception):
    """A request Shopify would refuse: HTTP ``status`` and the REST error ``body``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def _unprocessable(field: str, message: str) -> ShopifyError:
    return ShopifyError(422, {"errors": {field: [message]}})


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0"))


class ShopifyState:
    """Orders, transactions, fulfillment orders and locations of one sandbox shop."""

    def __init__(self, shop: str = "sandbox.myshopify.com", *, seed: bool = True) -> None:
        self.data: dict[str, Any] = {
            "shop": {"domain": shop, "currency": "USD", "id": 548380009},
            "next_id": FIRST_ID,
            "tick": 0,
            "generated": 0,
            "locations": [],
            "orders": {},
            "transactions": {},
            "fulfillment_orders": {},
            "rates": {},
            # GraphQL-only parts (used by sandbox_graphql): FulfillmentLineItem ids by
            # fulfillment and line, returns, cancel jobs, and results by idempotency key.
            "fulfillment_line_items": {},
            "returns": {},
            "jobs": {},
            "idempotency": {},
        }
        if seed:
            from .seed import seed_demo

            seed_demo(self)
            self.number_fulfillment_lines()

    # --- plumbing -------------------------------------------------------------------------------
    def new_id(self) -> int:
        """A fresh id (shared sequence for every kind of object)."""
        value = int(self.data["next_id"])
        self.data["next_id"] = value + 1
        return value

    def now(self) -> str:
        """A deterministic timestamp: each write moves the sandbox clock one minute on."""
        self.data["tick"] = int(self.data["tick"]) + 1
        return (EPOCH + timedelta(minutes=int(self.data["tick"]))).isoformat()

    @property
    def shop_currency(self) -> str:
        """The shop's own currency."""
        return str(self.data["shop"]["currency"])

    def fmt(self, amount: Decimal, currency: str) -> str:
        """An amount as Shopify writes it: a decimal string at the currency's precision."""
        quantum = Decimal(1).scaleb(-minor_unit(currency))
        return str(amount.quantize(quantum, rounding=ROUND_HALF_UP))

    def bag(self, order: dict[str, Any], amount: Decimal) -> dict[str, Any]:
        """A ``*_set`` money bag for a presentment amount of ``order``."""
        presentment = str(order["presentment_currency"])
        rate = _d(self.data["rates"].get(str(order["id"]), "1"))
        return {
            "shop_money": {
                "amount": self.fmt(amount * rate, self.shop_currency),
                "currency_code": self.shop_currency,
            },
            "presentment_money": {
                "amount": self.fmt(amount, presentment),
                "currency_code": presentment,
            },
        }

    def money(self, order: dict[str, Any], amount: Decimal) -> str:
        """A presentment amount of ``order`` as a decimal string."""
        return self.fmt(amount, str(order["presentment_currency"]))

    def dump(self) -> dict[str, Any]:
        """All state (JSON-serialisable)."""
        return copy.deepcopy(self.data)

    def load(self, data: dict[str, Any]) -> None:
        """Replace all state (dumps from before the GraphQL parts existed get them)."""
        self.data = copy.deepcopy(data)
        for key in ("fulfillment_line_items", "returns", "jobs", "idempotency"):
            self.data.setdefault(key, {})
        self.number_fulfillment_lines()

    def number_fulfillment_lines(self) -> None:
        """Give every fulfillment line its own id (GraphQL ``FulfillmentLineItem``).

        REST fulfillment lines are copies of the order's line items (their ``id`` is the line
        id), so the GraphQL ids are kept beside them, by fulfillment id and line id.
        """
        table = self.data.setdefault("fulfillment_line_items", {})
        for order in self.orders():
            for fulfillment in order.get("fulfillments") or []:
                rows = table.setdefault(str(fulfillment["id"]), {})
                for item in fulfillment.get("line_items") or []:
                    if str(item["id"]) not in rows:
                        rows[str(item["id"])] = self.new_id()

    # --- lookups ----------------------------------------------------------------------------
    def order(self, order_id: int | str) -> dict[str, Any]:
        """An order (404 when absent)."""
        found = self.data["orders"].get(str(order_id))
        if found is None:
            raise ShopifyError(404, {"errors": "Not Found"})
        return found  # type: ignore[no-any-return]

    def orders(self) -> list[dict[str, Any]]:
        """Every order, by id."""
        return sorted(self.data["orders"].values(), key=lambda o: int(o["id"]))

    def transactions(self, order_id: int | str) -> list[dict[str, Any]]:
        """An order's transactions, oldest first."""
        self.order(order_id)
        return list(self.data["transactions"].get(str(order_id), []))

    def location(self, location_id: int | str) -> dict[str, Any] | None:
        """A location, or None."""
        return next((x for x in self.data["locations"] if str(x["id"]) == str(location_id)), None)

    def fulfillment_order(self, fo_id: int | str) -> dict[str, Any]:
        """A fulfillment order with its current ``supported_actions`` (404 when absent)."""
        fo = self.data["fulfillment_orders"].get(str(fo_id))
        if fo is None:
            raise ShopifyError(404, {"errors": "Not Found"})
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
                raise _unprocessable(
                    "fulfillment_order_line_items",
                    f"fulfillment order line item {row.get('id')} is not on this fulfillment order",
                )
            if quantity < 1 or quantity > int(item["quantity"]):
                raise _unprocessable(
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
            raise _unprocessable("reason", "can't be blank")
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
            raise _unprocessable("new_location_id", f"location {target} was not found")
        if str(target) == str(fo["assigned_location_id"]):
            raise _unprocessable(
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

    # --- orders ------------------------------------------------------------------------------
    def update_order(self, order_id: int | str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``PUT orders/{id}.json`` changes (shipping address fields merge)."""
        order = self.order(order_id)
        allowed = {"shipping_address", "email", "note", "tags", "phone", "id"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise _unprocessable(unknown[0], "cannot be changed on an existing order")
        if "id" in changes and str(changes["id"]) != str(order["id"]):
            raise _unprocessable("id", "does not match the order in the URL")
        if order.get("cancelled_at") and "shipping_address" in changes:
            raise _unprocessable("shipping_address", "cannot be changed on a canceled order")
        address = changes.get("shipping_address")
        if address is not None:
            if not isinstance(address, dict):
                raise _unprocessable("shipping_address", "must be an address object")
            merged = dict(order.get("shipping_address") or {})
            merged.update(address)
            order["shipping_address"] = merged
        for key in ("email", "note", "tags", "phone"):
            if key in changes:
                order[key] = changes[key]
        order["updated_at"] = self.now()
        return order

    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders.json``: build an order from line items, prices and transactions."""
        from .seed import build_order

        items = body.get("line_items")
        if not items:
            raise _unprocessable("line_items", "must have at least one line item")
        for item in items:
            if int(item.get("quantity") or 0) < 1:
                raise _unprocessable("line_items", "quantity must be at least 1")
            if item.get("price") is None:
                raise _unprocessable("line_items", "price can't be blank")
        order = build_order(self, body)
        self.number_fulfillment_lines()
        return order

    def cancel_order(self, order_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders/{id}/cancel.json``: optional refund block, then cancel."""
        order = self.order(order_id)
        if "restock" in body or "restock" in (body.get("refund") or {}):
            raise ShopifyError(
                422,
                {
                    "error": "restock is no longer supported. Please use restock_type on "
                    "refund_line_items."
                },
            )
        if order.get("cancelled_at"):
            raise ShopifyError(422, {"error": "Order has already been cancelled"})
        reason = body.get("reason", "other")
        if reason not in ("customer", "inventory", "fraud", "declined", "other"):
            raise _unprocessable("reason", "is not included in the list")
        # INFERRED: Shopify refuses to cancel an order with successful fulfillments.
        if any(f.get("status") == "success" for f in order.get("fulfillments") or []):
            raise ShopifyError(
                422, {"errors": {"base": ["Cannot cancel an order that has been fulfilled."]}}
            )
        if body.get("refund"):
            self.create_refund(order_id, body["refund"])
        now = self.now()
        order["cancelled_at"] = now
        order["cancel_reason"] = reason
        order["updated_at"] = now
        for line in order["line_items"]:
            line["fulfillable_quantity"] = 0
        for fo in self.data["fulfillment_orders"].values():
            if str(fo["order_id"]) == str(order["id"]) and fo["status"] in LIVE_FO:
                fo["status"] = "cancelled"
                fo["updated_at"] = now
        txns = self.data["transactions"].setdefault(str(order["id"]), [])
        captured = [t for t in txns if t["kind"] in REFUND_KINDS and t["status"] == "success"]
        auths = [t for t in txns if t["kind"] == "authorization" and t["status"] == "success"]
        if not captured and auths:
            for auth in auths:
                txns.append(self._transaction(order, "void", auth["amount"], auth))
            order["financial_status"] = "voided"
        return order

    def _transaction(
        self, order: dict[str, Any], kind: str, amount: Any, parent: dict[str, Any] | None
    ) -> dict[str, Any]:
        txn_id = self.new_id()
        now = self.now()
        return {
            "id": txn_id,
            "order_id": order["id"],
            "kind": kind,
            "gateway": parent["gateway"] if parent else "bogus",
            "status": "success",
            "message": "Bogus Gateway: Forced success",
            "created_at": now,
            "test": True,
            "authorization": None,
            "location_id": None,
            "user_id": None,
            "parent_id": parent["id"] if parent else None,
            "processed_at": now,
            "device_id": None,
            "error_code": None,
            "source_name": "sandbox",
            "receipt": {},
            "amount": self.money(order, _d(amount)),
            "currency": order["presentment_currency"],
            "payment_id": f"c{order['id']}.{txn_id}",
            "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{txn_id}",
        }

    # --- refunds -------------------------------------------------------------------------------
    def _refundable_by_parent(self, order: dict[str, Any]) -> list[tuple[dict[str, Any], Decimal]]:
        txns = self.data["transactions"].get(str(order["id"]), [])
        refunded: dict[str, Decimal] = {}
        for t in txns:
            if t["kind"] == "refund" and t["status"] == "success" and t.get("parent_id"):
                key = str(t["parent_id"])
                refunded[key] = refunded.get(key, Decimal(0)) + _d(t["amount"])
        result = []
        for t in txns:
            if t["kind"] in REFUND_KINDS and t["status"] == "success":
                result.append((t, _d(t["amount"]) - refunded.get(str(t["id"]), Decimal(0))))
        return result

    def _shipping_remaining(self, order: dict[str, Any]) -> Decimal:
        total = sum(
            (
                _d(s.get("discounted_price", s.get("price")))
                for s in order.get("shipping_lines") or []
            ),
            Decimal(0),
        )
        refunded = Decimal(0)
        for refund in order.get("refunds") or []:
            for row in refund.get("refund_shipping_lines") or []:
                refunded += _d(row["subtotal_amount_set"]["presentment_money"]["amount"])
        return total - refunded

    def _line_share(self, line: dict[str, Any], what: str, first: int, count: int) -> Decimal:
        """The share of a line's discounted total (``what="total"``) or tax for ``count`` units
        after ``first`` units: cumulative rounding, so the parts sum to the whole."""
        quantity = int(line["quantity"])
        if what == "total":
            whole = _d(line["price"]) * quantity - _d(line.get("total_discount"))
            for allocation in line.get("discount_allocations") or []:
                whole -= _d(allocation["amount"])
        else:
            whole = sum((_d(t["price"]) for t in line.get("tax_lines") or []), Decimal(0))
        quantum = Decimal("0.01")

        def upto(units: int) -> Decimal:
            return (whole * units / quantity).quantize(quantum, rounding=ROUND_HALF_UP)

        return upto(first + count) - upto(first)

    def plan_refund(self, order_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """Validate a refund (REST ``refund`` body) and work out its lines, shipping and the
        suggested transactions. Raises ShopifyError where Shopify would refuse."""
        order = self.order(order_id)
        currency = str(order["presentment_currency"])
        if body.get("currency") and str(body["currency"]).upper() != currency:
            raise _unprocessable("currency", f"must be the order's presentment currency {currency}")
        lines_by_id = {str(x["id"]): x for x in order["line_items"]}
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for row in body.get("refund_line_items") or []:
            key = str(row.get("line_item_id"))
            line = lines_by_id.get(key)
            if line is None:
                raise _unprocessable("refund_line_items", f"line item {key} was not found")
            if key in seen:
                raise _unprocessable("refund_line_items", f"line item {key} appears twice")
            seen.add(key)
            quantity = int(row.get("quantity") or 0)
            current = int(line["current_quantity"])
            unfulfilled = int(line["fulfillable_quantity"])
            restock = row.get("restock_type") or "no_restock"
            if restock == "legacy_restock":
                raise _unprocessable(
                    "restock_type", "legacy_restock is not accepted when creating new refunds"
                )
            if restock not in ("no_restock", "cancel", "return"):
                raise _unprocessable("restock_type", f"{restock} is not a valid restock type")
            if quantity < 1 or quantity > current:
                raise _unprocessable(
                    "refund_line_items",
                    f"quantity {quantity} of line item {key} exceeds the refundable quantity "
                    f"{current}",
                )
            if restock == "cancel" and quantity > unfulfilled:
                raise _unprocessable(
                    "restock_type",
                    f"cancel can restock only unfulfilled units: line item {key} has {unfulfilled}",
                )
            if restock == "return" and quantity > current - unfulfilled:
                raise _unprocessable(
                    "restock_type",
                    f"return can restock only fulfilled units: line item {key} has "
                    f"{current - unfulfilled}",
                )
            location = row.get("location_id")
            if restock in ("cancel", "return"):
                if location is None:
                    raise _unprocessable(
                        "location_id", "is required when restock_type is cancel or return"
                    )
                if self.location(location) is None:
                    raise _unprocessable("location_id", f"location {location} was not found")
            first = int(line["quantity"]) - current
            subtotal = self._line_share(line, "total", first, quantity)
            tax = self._line_share(line, "tax", first, quantity)
            rows.append(
                {
                    "line": line,
                    "quantity": quantity,
                    "restock_type": restock,
                    "location_id": location if restock in ("cancel", "return") else None,
                    "subtotal": subtotal,
                    "tax": tax,
                }
            )
        shipping = body.get("shipping") or {}
        remaining = self._shipping_remaining(order)
        if shipping.get("full_refund"):
            ship = remaining
        elif shipping.get("amount") is not None:
            ship = _d(shipping["amount"])
            if ship < 0 or ship > remaining:
                raise _unprocessable(
                    "shipping", f"amount {ship} exceeds the refundable shipping {remaining}"
                )
        else:
            ship = Decimal(0)
        taxes_included = bool(order.get("taxes_included"))
        goods = sum(
            (r["subtotal"] + (Decimal(0) if taxes_included else r["tax"]) for r in rows),
            Decimal(0),
        )
        total = goods + ship
        suggestions = []
        left = total
        for parent, refundable in self._refundable_by_parent(order):
            if left <= 0 or refundable <= 0:
                continue
            share = min(left, refundable)
            suggestions.append(
                {
                    "order_id": order["id"],
                    "kind": "suggested_refund",
                    "gateway": parent["gateway"],
                    "parent_id": parent["id"],
                    "amount": self.money(order, share),
                    "currency": currency,
                    "maximum_refundable": self.money(order, refundable),
                }
            )
            left -= share
        return {
            "order": order,
            "rows": rows,
            "shipping": ship,
            "shipping_remaining": remaining,
            "total": total,
            "suggestions": suggestions,
        }

    def calculate_refund(self, order_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders/{id}/refunds/calculate.json``: the refund Shopify suggests."""
        plan = self.plan_refund(order_id, body)
        order = plan["order"]
        zero = self.bag(order, Decimal(0))
        return {
            "shipping": {
                "amount": self.money(order, plan["shipping"]),
                "tax": self.money(order, Decimal(0)),
                "maximum_refundable": self.money(order, plan["shipping_remaining"]),
            },
            "duties": [],
            "total_duties_set": zero,
            "additional_fees": [],
            "total_additional_fees_set": zero,
            "return": None,
            "refund_shipping_lines": self._refund_shipping_lines(order, plan["shipping"], None),
            "refund_line_items": [
                {
                    "quantity": r["quantity"],
                    "line_item_id": r["line"]["id"],
                    "location_id": r["location_id"],
                    "restock_type": r["restock_type"],
                    "price": r["line"]["price"],
                    "subtotal": self.money(order, r["subtotal"]),
                    "total_tax": self.money(order, r["tax"]),
                    "discounted_price": r["line"]["price"],
                    "discounted_total_price": self.money(
                        order, _d(r["line"]["price"]) * r["quantity"]
                    ),
                    "total_cart_discount_amount": self.money(
                        order, _d(r["line"]["price"]) * r["quantity"] - r["subtotal"]
                    ),
                }
                for r in plan["rows"]
            ],
            "transactions": plan["suggestions"],
            "currency": order["presentment_currency"],
        }

    def _refund_shipping_lines(
        self, order: dict[str, Any], amount: Decimal, refund_id: int | None
    ) -> list[dict[str, Any]]:
        if amount <= 0 or not order.get("shipping_lines"):
            return []
        line = order["shipping_lines"][0]
        return [
            {
                "id": self.new_id() if refund_id is not None else None,
                "shipping_line_id": line["id"],
                "subtotal_amount_set": self.bag(order, amount),
                "shipping_line": copy.deepcopy(line),
            }
        ]

    def create_refund(self, order_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders/{id}/refunds.json``: check, record and apply a refund."""
        if "restock" in body:
            raise ShopifyError(
                422,
                {
                    "error": "restock is no longer supported. Please use restock_type on "
                    "refund_line_items."
                },
            )
        if not (body.get("refund_line_items") or body.get("shipping") or body.get("transactions")):
            raise ShopifyError(400, {"errors": {"refund": "Required parameter missing or invalid"}})
        plan = self.plan_refund(order_id, body)
        order = plan["order"]
        parents = {str(t["id"]): (t, left) for t, left in self._refundable_by_parent(order)}
        paid = Decimal(0)
        for index, txn in enumerate(body.get("transactions") or []):
            if txn.get("kind") != "refund":
                raise _unprocessable(
                    "transactions",
                    f"transaction {index} has kind {txn.get('kind')!r}; a refund needs kind "
                    "'refund' (suggested_refund is only calculate's suggestion)",
                )
            parent = parents.get(str(txn.get("parent_id")))
            if parent is None:
                raise _unprocessable(
                    "transactions",
                    f"parent_id {txn.get('parent_id')} is not a successful capture or sale "
                    "of this order",
                )
            amount = _d(txn.get("amount"))
            if amount <= 0 or amount > parent[1]:
                raise _unprocessable(
                    "transactions",
                    f"amount {amount} exceeds the {parent[1]} refundable on transaction "
                    f"{parent[0]['id']}",
                )
            paid += amount
        refund_id = self.new_id()
        now = self.now()
        new_txns = [
            self._transaction(order, "refund", txn["amount"], parents[str(txn["parent_id"])][0])
            for txn in body.get("transactions") or []
        ]
        adjustments = []
        if plan["shipping"] > 0:
            adjustments.append(
                self._adjustment(
                    order, refund_id, -plan["shipping"], "shipping_refund", "Shipping refund"
                )
            )
        if paid < plan["total"] and body.get("transactions") is not None:
            # INFERRED: a refund paying back less than calculated records the difference.
            adjustments.append(
                self._adjustment(
                    order,
                    refund_id,
                    paid - plan["total"],
                    "refund_discrepancy",
                    str(body.get("discrepancy_reason") or "Refund discrepancy"),
                )
            )
        refund = {
            "id": refund_id,
            "order_id": order["id"],
            "created_at": now,
            "note": body.get("note"),
            "user_id": None,
            "processed_at": now,
            "duties": [],
            "total_duties_set": self.bag(order, Decimal(0)),
            "return": None,
            "restock": False,
            "additional_fees": [],
            "total_additional_fees_set": self.bag(order, Decimal(0)),
            "refund_shipping_lines": self._refund_shipping_lines(
                order, plan["shipping"], refund_id
            ),
            "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
            "order_adjustments": adjustments,
            "refund_line_items": [
                {
                    "location_id": r["location_id"],
                    "restock_type": r["restock_type"],
                    "quantity": r["quantity"],
                    "id": self.new_id(),
                    "line_item_id": r["line"]["id"],
                    # JSON numbers here, as in Shopify's refund responses.
                    "subtotal": r["subtotal"],
                    "total_tax": r["tax"],
                    "subtotal_set": self.bag(order, r["subtotal"]),
                    "total_tax_set": self.bag(order, r["tax"]),
                    "line_item": copy.deepcopy(r["line"]),
                }
                for r in plan["rows"]
            ],
            "transactions": new_txns,
        }
        self._apply_refund(order, plan, new_txns)
        order.setdefault("refunds", []).append(refund)
        return refund

    def _adjustment(
        self, order: dict[str, Any], refund_id: int, amount: Decimal, kind: str, reason: str
    ) -> dict[str, Any]:
        return {
            "id": self.new_id(),
            "order_id": order["id"],
            "refund_id": refund_id,
            "amount": self.money(order, amount),
            "tax_amount": self.money(order, Decimal(0)),
            "kind": kind,
            "reason": reason,
            "amount_set": self.bag(order, amount),
            "tax_amount_set": self.bag(order, Decimal(0)),
        }

    def _apply_refund(
        self, order: dict[str, Any], plan: dict[str, Any], txns: list[dict[str, Any]]
    ) -> None:
        for r in plan["rows"]:
            line = r["line"]
            quantity = r["quantity"]
            unfulfilled = int(line["fulfillable_quantity"])
            line["current_quantity"] = int(line["current_quantity"]) - quantity
            # Refunded units that had not shipped will not ship: cancel restocks come out of
            # the unfulfilled units, and so do no_restock refunds first.
            if r["restock_type"] in ("cancel", "no_restock"):
                taken = min(quantity, unfulfilled)
                line["fulfillable_quantity"] = unfulfilled - taken
                self._drop_from_fulfillment_orders(order, int(line["id"]), taken)
        self.data["transactions"].setdefault(str(order["id"]), []).extend(txns)
        left = sum((x[1] for x in self._refundable_by_parent(order)), Decimal(0))
        refunded_any = any(
            t["kind"] == "refund" for t in self.data["transactions"][str(order["id"])]
        )
        if refunded_any:
            order["financial_status"] = "refunded" if left <= 0 else "partially_refunded"
        order["updated_at"] = self.now()

    def _drop_from_fulfillment_orders(
        self, order: dict[str, Any], line_id: int, units: int
    ) -> None:
        for fo in sorted(self.data["fulfillment_orders"].values(), key=lambda f: int(f["id"])):
            if units <= 0:
                return
            if str(fo["order_id"]) != str(order["id"]) or fo["status"] not in LIVE_FO:
                continue
            for item in list(fo["line_items"]):
                if int(item["line_item_id"]) != line_id or units <= 0:
                    continue
                taken = min(units, int(item["quantity"]))
                item["quantity"] = int(item["quantity"]) - taken
                item["fulfillable_quantity"] = max(int(item["fulfillable_quantity"]) - taken, 0)
                units -= taken
                if item["quantity"] == 0:
                    fo["line_items"].remove(item)
            if not fo["line_items"]:
                fo["status"] = "closed"
            fo["updated_at"] = self.now()

    def refunds(self, order_id: int | str) -> list[dict[str, Any]]:
        """An order's refunds."""
        return list(self.order(order_id).get("refunds") or [])

    def refund(self, order_id: int | str, refund_id: int | str) -> dict[str, Any]:
        """One refund (404 when absent)."""
        for refund in self.refunds(order_id):
            if str(refund["id"]) == str(refund_id):
                return refund
        raise ShopifyError(404, {"errors": "Not Found"})

    def find_refund(self, refund_id: int | str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A refund and its order, by refund id alone (404 when absent)."""
        for order in self.orders():
            for refund in order.get("refunds") or []:
                if str(refund["id"]) == str(refund_id):
                    return order, refund
        raise ShopifyError(404, {"errors": "Not Found"})

    # --- generated data ---------------------------------------------------------------------------
    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` generated orders (deterministic: the same calls give the same orders)."""
        from .seed import generated_order

        ids = []
        for _ in range(n):
            index = int(self.data["generated"])
            self.data["generated"] = index + 1
            ids.append(str(generated_order(self, random.Random(f"shopify-{index}"), index)["id"]))
            self.number_fulfillment_lines()
        return ids
