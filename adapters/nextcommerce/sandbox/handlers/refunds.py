"""Refund endpoints: calculate (amounts, inferred restock, allocation) and create.

Both plan the refund the same way (:mod:`.refund_plan`); create then checks the transactions it
was given against the plan and applies it: refund transactions, refund lines (canceled units
leave their fulfillment orders), the shipping adjustment, and a ``refund_discrepancy`` adjustment
when the transactions pay back another amount than the lines and shipping come to (an
amount-only refund has no lines at all). INFERRED: the spec lists ``refund_discrepancy`` among
refund adjustments and makes ``refund_lines`` optional but says neither when one is recorded nor
its sign; the sandbox records the difference (transactions less lines and shipping, excl. tax
equal to incl.: a discrepancy carries no tax), so ``total_return_incl_tax`` ("sum of lines and
adjustments") equals the money paid back.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from unified_orders.sandbox import SandboxRequest

from ...rules import FO_OPEN_STATUSES, money_string
from ..records import refund_transaction
from ..render import render_refund
from ..state import Json, NextCommerceBackend, as_int, bad_request
from .refund_plan import RefundPlan, plan_refund, too_many_places

__all__ = ["RefundHandlers"]


class RefundHandlers:
    """``orders/{number}/refund/calculate/`` and ``orders/{number}/refund/``."""

    backend: NextCommerceBackend

    def calculate_refund(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersRefundCalculateCreate``: what a refund would be; nothing changes."""
        order = self.backend.order(number)
        plan = plan_refund(self.backend, order, request.body, creating=False)
        return 200, _calculation(self.backend, order, plan)

    def create_refund(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersRefundCreate``: the planned refund through the transactions given."""
        backend, body = self.backend, request.body
        order = backend.order(number)
        if not isinstance(body, Mapping) or not body.get("transactions"):
            raise bad_request({"transactions": ["This field is required."]})
        plan = plan_refund(backend, order, body, creating=True)
        chosen = _check_transactions(backend, order, number, body["transactions"])
        refund = _apply(backend, order, plan, chosen, body.get("note"))
        return 200, render_refund(backend, order, refund)


def _calculation(backend: NextCommerceBackend, order: Json, plan: RefundPlan) -> Json:
    """A ``CalculateRefundResponse``."""
    gateways = backend.data["gateways"]
    shipping = plan.shipping
    return {
        "amount_excl_tax": money_string(plan.total_excl),
        "amount_incl_tax": money_string(plan.total_incl),
        "total_tax": money_string(plan.total_incl - plan.total_excl),
        "currency": order["currency"],
        "refund_lines": [
            {
                "line_id": p.line["id"],
                "quantity": p.quantity,
                "refundable_quantity": p.refundable,
                "restock_type": p.restock_type,
                "amount_excl_tax": money_string(p.excl),
                "amount_incl_tax": money_string(p.incl),
                "total_tax": money_string(p.incl - p.excl),
                "product_id": p.line["variant_id"],
                "variant_id": p.line["variant_id"],
                "sku": p.line["sku"],
                "product_title": p.line["title"],
                "variant_title": p.line["variant_title"],
                "product_image": f"https://cdn.example.com/products/{p.line['product_id']}.png",
                "product_url": f"https://sandbox.29next.store/products/{p.line['product_id']}/",
            }
            for p in plan.lines
        ],
        "refund_shipping": {
            "amount_excl_tax": money_string(shipping.excl),
            "amount_incl_tax": money_string(shipping.incl),
            "total_tax": money_string(shipping.incl - shipping.excl),
            "refundable_amount": money_string(shipping.left_excl),
            "currency": order["currency"],
            "shipping_code": order["shipping_code"],
            "shipping_method": order["shipping_method"],
        },
        "transactions": [
            {
                "id": a.txn["id"],
                "amount": money_string(a.amount),
                "refundable_amount": money_string(a.refundable),
                "gateway_id": a.txn["gateway_id"],
                "gateway_name": gateways[str(a.txn["gateway_id"])]["name"],
                "payment_method": a.txn["payment_method"],
                "type": a.txn["type"],
            }
            for a in plan.allocation
        ],
    }


def _check_transactions(
    backend: NextCommerceBackend, order: Json, number: str, items: Any
) -> list[tuple[Json, Decimal]]:
    """The payments and amounts a refund names: each a refundable payment of the order, within
    what it can still give back (the amounts are the refund: "the server does not derive the
    amount from the lines"). An open authorization counts only when nothing is captured (a
    refund of everything voids it; a partial one was refused by the plan)."""
    errors: list[Json] = []
    chosen: list[tuple[Json, Decimal]] = []
    captured = backend.captured(order)
    sources = captured or [
        t for t in order["transactions"] if t["type"] == "authorize" and t["status"] == "succeeded"
    ]
    for item in items:
        error: Json = {}
        errors.append(error)
        txn = backend.transaction(order, as_int(item.get("id")) or -1)
        allowed = {t["id"] for t in sources}
        if txn is None or txn["id"] not in allowed:
            error["id"] = [
                f"Transaction {item.get('id')} is not a refundable payment of order {number}."
            ]
            continue
        try:
            amount = Decimal(str(item.get("amount")))
        except InvalidOperation:
            error["amount"] = ["A valid number is required."]
            continue
        refusal = too_many_places(amount)
        if refusal:
            error["amount"] = refusal
            continue
        available = backend.refundable_of(order, txn)
        if amount <= 0 or amount > available:
            error["amount"] = [
                f"Ensure this value is greater than 0 and at most {money_string(available)}."
            ]
            continue
        chosen.append((txn, amount))
    if any(errors):
        raise bad_request({"transactions": errors})
    return chosen


def _apply(
    backend: NextCommerceBackend,
    order: Json,
    plan: RefundPlan,
    chosen: list[tuple[Json, Decimal]],
    note: Any,
) -> Json:
    """Record the refund: its transactions, lines and shipping adjustment."""
    now = backend.now()
    ids = [refund_transaction(backend, order, txn, amount)["id"] for txn, amount in chosen]
    refund_lines = []
    for p in plan.lines:
        if p.quantity == 0:
            continue
        location = _restock_location(backend, order, p.line, p.restock_type)
        refund_lines.append(
            {
                "id": backend.next_id("refund_line"),
                "line_item_id": p.line["id"],
                "location_id": location,
                "quantity": p.quantity,
                "restock_type": p.restock_type,
                "amount_excl_tax": money_string(p.excl),
                "amount_incl_tax": money_string(p.incl),
            }
        )
        if p.restock_type == "cancel":
            _cancel_units(backend, order, p.line, p.quantity, now)
    adjustments = []
    if plan.shipping.excl > 0:
        adjustments.append(
            {
                "id": backend.next_id("adjustment"),
                "type": "refund_shipping",
                "amount_excl_tax": money_string(plan.shipping.excl),
                "amount_incl_tax": money_string(plan.shipping.incl),
            }
        )
    discrepancy = sum((amount for _, amount in chosen), Decimal(0)) - plan.total_incl
    if discrepancy:
        adjustments.append(
            {
                "id": backend.next_id("adjustment"),
                "type": "refund_discrepancy",
                "amount_excl_tax": money_string(discrepancy),
                "amount_incl_tax": money_string(discrepancy),
            }
        )
    refund = {
        "id": backend.next_id("refund"),
        "created_at": now,
        "note": note,
        "lines": refund_lines,
        "adjustments": adjustments,
        "transaction_ids": ids,
    }
    order["refunds"].append(refund)
    order["updated_at"] = now
    return refund


def _restock_location(backend: NextCommerceBackend, order: Json, line: Json, restock: str) -> int:
    """Where refunded units go back to: where they shipped from, else their FO's location."""
    if restock != "cancel":
        for f in order["fulfillments"]:
            if any(i["order_line_id"] == line["id"] for i in f["lines"]):
                return int(f["location_id"])
    for fo in backend.fulfillment_orders_of(order["number"]):
        if any(i["order_line_id"] == line["id"] for i in fo["lines"]):
            return int(fo["location_id"])
    return 1


def _cancel_units(
    backend: NextCommerceBackend, order: Json, line: Json, quantity: int, now: str
) -> None:
    """Take canceled units out of the line's fulfillment orders, open ones first."""
    fos = sorted(
        backend.fulfillment_orders_of(order["number"]),
        key=lambda fo: (fo["status"] not in FO_OPEN_STATUSES, fo["id"]),
    )
    for fo in fos:
        for item in fo["lines"]:
            if quantity and item["order_line_id"] == line["id"] and item["fulfillable"] > 0:
                take = min(item["fulfillable"], quantity)
                item["fulfillable"] -= take
                quantity -= take
                fo["updated_at"] = now
        if (
            fo["lines"]
            and all(i["fulfillable"] == 0 for i in fo["lines"])
            and fo["status"] in FO_OPEN_STATUSES
        ):
            fo["status"] = "closed"
            fo["request_status"] = "closed"
