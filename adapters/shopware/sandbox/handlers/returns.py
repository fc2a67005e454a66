"""Commercial ReturnManagement: creating returns, adding items, recalculating, item states.

These routes exist only when the shop has the plugin and its licence (``commercial``); without
them they answer 404 "No route found", as the search and state routes of return entities do.
Routes: ``POST /api/_proxy/order/{orderId}/return`` (the Store-API route, proxied),
``POST /api/_action/order/{orderId}/order-return/{returnId}/add-items``,
``POST /api/_action/order/return/{returnId}/calculate``,
``POST /api/_action/order-return-line-item/state/{toState}`` and the entity route
``PATCH /api/order-return-line-item/{id}`` (quantity, price, refund and restock figures; states
change only through the state route).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from unified_orders.sandbox import Reply, SandboxRequest

from ...platform import LIVE_VERSION, RETURNABLE_LINE_TYPES, dec, tax_total
from ...states import LINE_ITEM_MACHINE, RETURN_MACHINE
from ..errors import refusal
from ..state import Row, ShopwareState, round_cents, sandbox_id

__all__ = ["CREATED_RETURN_ASSOCIATIONS", "ReturnHandlers"]

CREATED_RETURN_ASSOCIATIONS: dict[str, Any] = {
    "state": {},
    "lineItems": {"associations": {"state": {}, "reason": {}}},
}
"""What the created return is answered with (the associations the adapter reads)."""
_ITEM_STATES = ("returned", "returned_partially", "return_requested")
_ITEM_FIELDS = frozenset(
    {"quantity", "price", "refundAmount", "restockQuantity", "internalComment", "customFields"}
)


class ReturnHandlers(ShopwareState):
    """The Commercial return routes."""

    def create_return(self, request: SandboxRequest, order_id: str) -> Reply:
        """``POST _proxy/order/{orderId}/return``: a return in state ``open``."""
        self.require_commercial(request)
        body = request.body if request.body is not None else {}
        if order_id not in self.table("order"):
            raise refusal(
                404, "CHECKOUT__ORDER_NOT_FOUND", f'Order with id "{order_id}" not found.'
            )
        items = list(body.get("lineItems") or [])
        if not items:
            raise refusal(
                400,
                "VIOLATION::IS_BLANK_ERROR",
                "This value should not be blank.",
                source={"pointer": "/lineItems"},
            )
        number = int(self.state["returns"]) + 1
        return_id = sandbox_id("return", number)
        rows = self._return_items(order_id, return_id, items, "lineItems")
        self.state["returns"] = number
        now = self.now()
        ret: Row = {
            "id": return_id,
            "orderId": order_id,
            "orderVersionId": LIVE_VERSION,
            "stateId": self.state_id(RETURN_MACHINE, "open"),
            "returnNumber": f"RET-{10000 + number}",
            "requestedAt": now,
            "createdAt": now,
        }
        if body.get("internalComment"):
            ret["internalComment"] = body["internalComment"]
        self.insert("order_return", ret)
        for row in rows:
            self.insert("order_return_line_item", row)
        self._recalculate(return_id)
        # INFERRED: the proxied Store-API route answers with the created return.
        return 200, self.render("order_return", ret, CREATED_RETURN_ASSOCIATIONS), {}

    def add_return_items(self, request: SandboxRequest, order_id: str, return_id: str) -> Reply:
        """``POST _action/order/{orderId}/order-return/{returnId}/add-items``."""
        self.require_commercial(request)
        body = request.body if request.body is not None else {}
        ret = self.table("order_return").get(return_id)
        if ret is None or ret["orderId"] != order_id:
            raise refusal(
                404, "RETURN_MANAGEMENT__RETURN_NOT_FOUND", f"Return {return_id} not found."
            )
        items = list(body.get("orderLineItems") or [])
        for row in self._return_items(order_id, return_id, items, "orderLineItems"):
            self.insert("order_return_line_item", row)
        self.touch("order_return", return_id)
        return 204, None, {}

    def calculate_return(self, request: SandboxRequest, return_id: str) -> Reply:
        """``POST _action/order/return/{returnId}/calculate``: the return's price again."""
        self.require_commercial(request)
        if return_id not in self.table("order_return"):
            raise refusal(
                404, "RETURN_MANAGEMENT__RETURN_NOT_FOUND", f"Return {return_id} not found."
            )
        self._recalculate(return_id)
        return 204, None, {}

    def set_return_item_state(self, request: SandboxRequest, to_state: str) -> Reply:
        """``POST _action/order-return-line-item/state/{toState}`` for the items in ``ids``."""
        self.require_commercial(request)
        body = request.body if request.body is not None else {}
        if to_state not in _ITEM_STATES:
            raise refusal(
                400,
                "RETURN_MANAGEMENT__INVALID_STATE",
                f"State {to_state} is not allowed for return items.",
            )
        items = self.table("order_return_line_item")
        for item_id in body.get("ids") or []:
            if item_id in items:
                items[item_id]["stateId"] = self.state_id(LINE_ITEM_MACHINE, to_state)
                self.touch("order_return_line_item", item_id)
        return 204, None, {}

    def patch_return_item(self, request: SandboxRequest, item_id: str) -> Reply:
        """``PATCH order-return-line-item/{id}``: no more units than the line has left to return,
        no more restocked than returned; a state only through the state route."""
        self.require_commercial(request)
        body = dict(request.body) if isinstance(request.body, Mapping) else {}
        item = self.table("order_return_line_item").get(item_id)
        if item is None:
            raise refusal(
                404,
                "FRAMEWORK__RESOURCE_NOT_FOUND",
                "The order_return_line_item resource with the following primary key was not "
                f"found: id({item_id})",
            )
        unknown = sorted(set(body) - _ITEM_FIELDS)
        if unknown:
            raise refusal(
                400,
                "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                f"The field {unknown[0]} cannot be written here.",
                source={"pointer": f"/{unknown[0]}"},
            )
        quantity = int(body["quantity"] if "quantity" in body else item["quantity"])
        line = self.table("order_line_item")[item["orderLineItemId"]]
        others = self._returned_so_far(line["id"]) - int(item["quantity"])
        if quantity < 1 or quantity + others > int(line["quantity"]):
            raise refusal(
                400,
                "RETURN_MANAGEMENT__QUANTITY_EXCEEDED",
                "The quantity is greater than the quantity that can be returned.",
                source={"pointer": "/quantity"},
            )
        restock = (
            body["restockQuantity"] if "restockQuantity" in body else item.get("restockQuantity")
        )
        if int(restock or 0) > quantity:
            raise refusal(
                400,
                "RETURN_MANAGEMENT__RESTOCK_QUANTITY_EXCEEDED",
                "The restock quantity is greater than the returned quantity.",
                source={"pointer": "/restockQuantity"},
            )
        item.update(copy.deepcopy(body))
        self.touch("order_return_line_item", item_id)
        return 204, None, {}

    # --- rules ----------------------------------------------------------------------------------
    def _returned_so_far(self, line_id: str) -> int:
        """Units of an order line in returns that are not cancelled."""
        cancelled = self.state_id(RETURN_MACHINE, "cancelled")
        returns = self.table("order_return")
        return sum(
            int(item["quantity"])
            for item in self.table("order_return_line_item").values()
            if item["orderLineItemId"] == line_id
            and returns[item["orderReturnId"]]["stateId"] != cancelled
        )

    def _return_items(
        self, order_id: str, return_id: str, items: list[Mapping[str, Any]], key: str
    ) -> list[Row]:
        """Return item rows for the requested lines, refused at the first line that cannot go."""
        lines = {r["id"]: r for r in self.rows_where("order_line_item", "orderId", order_id)}
        existing = {
            i["orderLineItemId"]
            for i in self.table("order_return_line_item").values()
            if i["orderReturnId"] == return_id
        }
        rows: list[Row] = []
        for index, item in enumerate(items):
            line = lines.get(str(item.get("orderLineItemId")))
            quantity = int(item.get("quantity") or 0)
            returnable = self._returnable(line, quantity, existing, f"/{key}/{index}")
            row = self._return_item(return_id, returnable, quantity)
            if item.get("internalComment"):
                row["internalComment"] = item["internalComment"]
            rows.append(row)
        return rows

    def _returnable(self, line: Row | None, quantity: int, existing: set[str], at: str) -> Row:
        """The line, if ``quantity`` more of it may go into this return (else a refusal)."""
        if line is None or line.get("type") not in RETURNABLE_LINE_TYPES:
            raise refusal(
                400,
                "CHECKOUT__ORDER_LINE_ITEM_NOT_RETURNABLE",
                "This order line item cannot be returned.",
                source={"pointer": f"{at}/orderLineItemId"},
            )
        if line["id"] in existing:
            raise refusal(
                400,
                "RETURN_MANAGEMENT__LINE_ITEM_ALREADY_IN_RETURN",
                "This order line item is already part of the return.",
                source={"pointer": f"{at}/orderLineItemId"},
            )
        if quantity < 1 or quantity + self._returned_so_far(line["id"]) > int(line["quantity"]):
            raise refusal(
                400,
                "RETURN_MANAGEMENT__QUANTITY_EXCEEDED",
                "The quantity is greater than the quantity that can be returned.",
                source={"pointer": f"{at}/quantity"},
            )
        return line

    def _return_item(self, return_id: str, line: Row, quantity: int) -> Row:
        """A return item of ``quantity`` units of ``line``, priced pro rata."""
        price = line["price"]
        share = Decimal(quantity) / Decimal(int(line["quantity"]))
        taxes = {
            rate: {
                "tax": round_cents(dec(tax["tax"]) * share),
                "taxRate": dec(tax["taxRate"]),
                "price": round_cents(dec(tax["price"]) * share),
            }
            for rate, tax in (price.get("calculatedTaxes") or {}).items()
        }
        total = round_cents(dec(price["totalPrice"]) * share)
        return {
            "id": sandbox_id("return-item", return_id, line["id"]),
            "orderReturnId": return_id,
            "orderLineItemId": line["id"],
            "orderLineItemVersionId": LIVE_VERSION,
            "reasonId": sandbox_id("reason", "other"),
            "quantity": quantity,
            "price": {
                "unitPrice": dec(price["unitPrice"]),
                "totalPrice": total,
                "quantity": quantity,
                "calculatedTaxes": taxes,
                "taxRules": copy.deepcopy(price.get("taxRules") or {}),
            },
            "refundAmount": total,
            "restockQuantity": 0,
            "stateId": self.state_id(LINE_ITEM_MACHINE, "return_requested"),
            "createdAt": self.now(),
        }

    def _recalculate(self, return_id: str) -> None:
        """The return's price from its items, in the order's tax status."""
        ret = self.table("order_return")[return_id]
        order = self.table("order")[ret["orderId"]]
        items = self.rows_where("order_return_line_item", "orderReturnId", return_id)
        total = sum((dec(i["price"]["totalPrice"]) for i in items), Decimal(0))
        tax = sum((tax_total(i["price"]) for i in items), Decimal(0))
        status = order["price"]["taxStatus"]
        gross = total if status != "net" else total + tax
        net = gross - tax if status != "tax-free" else gross
        ret["price"] = {
            "netPrice": net,
            "totalPrice": gross,
            "calculatedTaxes": {},
            "taxRules": {},
            "positionPrice": total,
            "rawTotal": gross,
            "taxStatus": status,
        }
        ret["amountTotal"] = gross
        ret["amountNet"] = net
