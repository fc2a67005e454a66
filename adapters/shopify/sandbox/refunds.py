"""Refund rules: what may be refunded, Shopify's suggestion, and recording a refund.

:meth:`RefundRules.plan_refund` validates a REST ``refund`` body (restock types against fulfilled
and unfulfilled units, quantities, shipping, currency) and works out the amounts;
``calculate_refund`` answers with the plan, ``create_refund`` checks the transactions against the
refundable captures and sales, records the refund and applies it to the order. A refund may pay
back another amount than its lines and shipping come to (lines refunded for less, or an
amount-only refund with ``transactions`` alone): the difference is a ``refund_discrepancy`` order
adjustment.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import ShopifyError, not_found, unprocessable
from .fulfillment_orders import FulfillmentOrderRules
from .store import to_decimal

__all__ = ["HOLDING_STATUSES", "REFUND_KINDS", "REFUND_OUTCOMES", "RefundRules"]

#: Transaction kinds that take money and so can be refunded.
REFUND_KINDS = ("capture", "sale")
#: Refund transaction statuses that hold money back from the parent: paid out, or on its way.
#: INFERRED: a pending refund already counts against what its capture can still refund.
HOLDING_STATUSES = ("success", "pending")
#: Outcomes a sandbox gateway can be told to give refunds (:meth:`RefundRules.set_refund_outcome`).
REFUND_OUTCOMES = ("success", "failure", "error", "pending")
_GATEWAY_MESSAGES = {
    "success": "Bogus Gateway: Forced success",
    "failure": "Bogus Gateway: Forced failure",
    "error": "Bogus Gateway: Forced error",
    "pending": "Bogus Gateway: Forced pending",
}


class RefundRules(FulfillmentOrderRules):
    """The store with Shopify's refund rules."""

    def new_transaction(
        self,
        order: dict[str, Any],
        kind: str,
        amount: Any,
        parent: dict[str, Any] | None,
        status: str = "success",
    ) -> dict[str, Any]:
        """A transaction record of ``kind`` on ``order`` (not yet stored), ``status`` as the
        gateway answered (the Bogus Gateway's forced outcomes)."""
        txn_id = self.new_id()
        now = self.now()
        return {
            "id": txn_id,
            "order_id": order["id"],
            "kind": kind,
            "gateway": parent["gateway"] if parent else "bogus",
            "status": status,
            "message": _GATEWAY_MESSAGES.get(status, f"Bogus Gateway: {status}"),
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
            "amount": self.money(order, to_decimal(amount)),
            "currency": order["presentment_currency"],
            "payment_id": f"c{order['id']}.{txn_id}",
            "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{txn_id}",
        }

    # --- the gateway ------------------------------------------------------------------------------
    def set_refund_outcome(self, order_id: int | str, status: str = "failure") -> None:
        """Make the gateway answer every later refund of ``order_id`` with ``status``
        (``failure``, ``error`` or ``pending``; ``success`` again to undo): a declined card.

        INFERRED: Shopify still records a declined refund, with its lines and shipping, and only
        its transactions say the money did not move (status ``failure``, amount as asked).
        """
        if status not in REFUND_OUTCOMES:
            raise ValueError(f"refund outcome {status!r} is not one of {REFUND_OUTCOMES}")
        self.order(order_id)
        outcomes = self.data.setdefault("refund_outcomes", {})
        if status == "success":
            outcomes.pop(str(order_id), None)
        else:
            outcomes[str(order_id)] = status

    def refund_outcome(self, order: dict[str, Any]) -> str:
        """What the gateway answers a refund of ``order`` with (``success`` unless told)."""
        return str(self.data.get("refund_outcomes", {}).get(str(order["id"]), "success"))

    # --- what is refundable ----------------------------------------------------------------------
    def refundable_by_parent(self, order: dict[str, Any]) -> list[tuple[dict[str, Any], Decimal]]:
        """Each successful capture or sale with what is left to refund on it."""
        txns = self.data["transactions"].get(str(order["id"]), [])
        refunded: dict[str, Decimal] = {}
        for t in txns:
            if t["kind"] == "refund" and t["status"] in HOLDING_STATUSES and t.get("parent_id"):
                key = str(t["parent_id"])
                refunded[key] = refunded.get(key, Decimal(0)) + to_decimal(t["amount"])
        result = []
        for t in txns:
            if t["kind"] in REFUND_KINDS and t["status"] == "success":
                result.append((t, to_decimal(t["amount"]) - refunded.get(str(t["id"]), Decimal(0))))
        return result

    def shipping_remaining(self, order: dict[str, Any]) -> Decimal:
        """Shipping charged and not yet refunded."""
        total = sum(
            (
                to_decimal(s.get("discounted_price", s.get("price")))
                for s in order.get("shipping_lines") or []
            ),
            Decimal(0),
        )
        refunded = Decimal(0)
        for refund in order.get("refunds") or []:
            for row in refund.get("refund_shipping_lines") or []:
                refunded += to_decimal(row["subtotal_amount_set"]["presentment_money"]["amount"])
        return total - refunded

    def _line_share(self, line: dict[str, Any], what: str, first: int, count: int) -> Decimal:
        """The share of a line's discounted total (``what="total"``) or tax for ``count`` units
        after ``first`` units: cumulative rounding, so the parts sum to the whole."""
        quantity = int(line["quantity"])
        if what == "total":
            whole = to_decimal(line["price"]) * quantity - to_decimal(line.get("total_discount"))
            for allocation in line.get("discount_allocations") or []:
                whole -= to_decimal(allocation["amount"])
        else:
            whole = sum((to_decimal(t["price"]) for t in line.get("tax_lines") or []), Decimal(0))
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
            raise unprocessable("currency", f"must be the order's presentment currency {currency}")
        lines_by_id = {str(x["id"]): x for x in order["line_items"]}
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for row in body.get("refund_line_items") or []:
            key = str(row.get("line_item_id"))
            line = lines_by_id.get(key)
            if line is None:
                raise unprocessable("refund_line_items", f"line item {key} was not found")
            if key in seen:
                raise unprocessable("refund_line_items", f"line item {key} appears twice")
            seen.add(key)
            rows.append(self._plan_line(line, key, row))
        remaining = self.shipping_remaining(order)
        ship = self._plan_shipping(body.get("shipping") or {}, remaining)
        taxes_included = bool(order.get("taxes_included"))
        goods = sum(
            (r["subtotal"] + (Decimal(0) if taxes_included else r["tax"]) for r in rows),
            Decimal(0),
        )
        total = goods + ship
        return {
            "order": order,
            "rows": rows,
            "shipping": ship,
            "shipping_remaining": remaining,
            "total": total,
            "suggestions": self._suggest(order, total),
        }

    def _plan_line(self, line: dict[str, Any], key: str, row: dict[str, Any]) -> dict[str, Any]:
        """One refund line checked against what the line still has (fulfilled or not)."""
        quantity = int(row.get("quantity") or 0)
        current = int(line["current_quantity"])
        unfulfilled = int(line["fulfillable_quantity"])
        restock = row.get("restock_type") or "no_restock"
        if restock == "legacy_restock":
            raise unprocessable(
                "restock_type", "legacy_restock is not accepted when creating new refunds"
            )
        if restock not in ("no_restock", "cancel", "return"):
            raise unprocessable("restock_type", f"{restock} is not a valid restock type")
        if quantity < 1 or quantity > current:
            raise unprocessable(
                "refund_line_items",
                f"quantity {quantity} of line item {key} exceeds the refundable quantity {current}",
            )
        if restock == "cancel" and quantity > unfulfilled:
            raise unprocessable(
                "restock_type",
                f"cancel can restock only unfulfilled units: line item {key} has {unfulfilled}",
            )
        if restock == "return" and quantity > current - unfulfilled:
            raise unprocessable(
                "restock_type",
                f"return can restock only fulfilled units: line item {key} has "
                f"{current - unfulfilled}",
            )
        location = row.get("location_id")
        if restock in ("cancel", "return"):
            if location is None:
                raise unprocessable(
                    "location_id", "is required when restock_type is cancel or return"
                )
            if self.location(location) is None:
                raise unprocessable("location_id", f"location {location} was not found")
        first = int(line["quantity"]) - current
        return {
            "line": line,
            "quantity": quantity,
            "restock_type": restock,
            "location_id": location if restock in ("cancel", "return") else None,
            "subtotal": self._line_share(line, "total", first, quantity),
            "tax": self._line_share(line, "tax", first, quantity),
        }

    @staticmethod
    def _plan_shipping(shipping: dict[str, Any], remaining: Decimal) -> Decimal:
        """The shipping to refund: all that is left, an amount up to it, or none."""
        if shipping.get("full_refund"):
            return remaining
        if shipping.get("amount") is not None:
            ship = to_decimal(shipping["amount"])
            if ship < 0 or ship > remaining:
                raise unprocessable(
                    "shipping", f"amount {ship} exceeds the refundable shipping {remaining}"
                )
            return ship
        return Decimal(0)

    def _suggest(self, order: dict[str, Any], total: Decimal) -> list[dict[str, Any]]:
        """Suggested refund transactions: ``total`` spread over the captures and sales in turn."""
        suggestions = []
        left = total
        for parent, refundable in self.refundable_by_parent(order):
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
                    "currency": str(order["presentment_currency"]),
                    "maximum_refundable": self.money(order, refundable),
                }
            )
            left -= share
        return suggestions

    # --- answering and recording ------------------------------------------------------------------
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
                        order, to_decimal(r["line"]["price"]) * r["quantity"]
                    ),
                    "total_cart_discount_amount": self.money(
                        order, to_decimal(r["line"]["price"]) * r["quantity"] - r["subtotal"]
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
        parents = {str(t["id"]): (t, left) for t, left in self.refundable_by_parent(order)}
        paid = Decimal(0)
        for index, txn in enumerate(body.get("transactions") or []):
            if txn.get("kind") != "refund":
                raise unprocessable(
                    "transactions",
                    f"transaction {index} has kind {txn.get('kind')!r}; a refund needs kind "
                    "'refund' (suggested_refund is only calculate's suggestion)",
                )
            parent = parents.get(str(txn.get("parent_id")))
            if parent is None:
                raise unprocessable(
                    "transactions",
                    f"parent_id {txn.get('parent_id')} is not a successful capture or sale "
                    "of this order",
                )
            amount = to_decimal(txn.get("amount"))
            if amount <= 0 or amount > parent[1]:
                raise unprocessable(
                    "transactions",
                    f"amount {amount} exceeds the {parent[1]} refundable on transaction "
                    f"{parent[0]['id']}",
                )
            paid += amount
        refund_id = self.new_id()
        now = self.now()
        outcome = self.refund_outcome(order)
        new_txns = [
            self.new_transaction(
                order, "refund", txn["amount"], parents[str(txn["parent_id"])][0], outcome
            )
            for txn in body.get("transactions") or []
        ]
        adjustments = []
        if plan["shipping"] > 0:
            adjustments.append(
                self._adjustment(
                    order, refund_id, -plan["shipping"], "shipping_refund", "Shipping refund"
                )
            )
        if paid != plan["total"] and body.get("transactions") is not None:
            # "If you choose to refund line items for less than their calculated amount, then an
            # order adjustment is created automatically": the calculated amount less the money
            # paid back (Shopify's own example: 199.64 of items, 110.00 paid, 89.64 recorded).
            # INFERRED: an amount-only refund (no lines, money paid) records the same difference,
            # negative.
            adjustments.append(
                self._adjustment(
                    order,
                    refund_id,
                    plan["total"] - paid,
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
                self.drop_from_fulfillment_orders(order, int(line["id"]), taken)
        self.data["transactions"].setdefault(str(order["id"]), []).extend(txns)
        left = sum((x[1] for x in self.refundable_by_parent(order)), Decimal(0))
        refunded_any = any(
            t["kind"] == "refund" and t["status"] == "success"
            for t in self.data["transactions"][str(order["id"])]
        )
        if refunded_any:
            order["financial_status"] = "refunded" if left <= 0 else "partially_refunded"
        order["updated_at"] = self.now()

    def refunds(self, order_id: int | str) -> list[dict[str, Any]]:
        """An order's refunds."""
        return list(self.order(order_id).get("refunds") or [])

    def refund(self, order_id: int | str, refund_id: int | str) -> dict[str, Any]:
        """One refund (404 when absent)."""
        for refund in self.refunds(order_id):
            if str(refund["id"]) == str(refund_id):
                return refund
        raise not_found()

    def find_refund(self, refund_id: int | str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A refund and its order, by refund id alone (404 when absent)."""
        for order in self.orders():
            for refund in order.get("refunds") or []:
                if str(refund["id"]) == str(refund_id):
                    return order, refund
        raise not_found()
