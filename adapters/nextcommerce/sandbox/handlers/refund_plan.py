"""Refund planning, shared by calculate and create: check the request, work out the amounts.

:func:`plan_refund` checks each refund line (:func:`check_line`: quantity, restock type by the
platform's rules), the shipping refund (:func:`plan_shipping`), and then which payments give the
money back (:func:`allocate`). Any problem is a DRF-style 400 naming the fields.

A line may be named twice with two restock types (its unfulfilled units canceled, its fulfilled
ones returned): each item is checked against the units the earlier ones left. INFERRED: the spec
puts no uniqueness on ``refund_lines[].line_id``; one restock type per state is what the
restock rules need for a line with both kinds of unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ...rules import (
    MONEY_DECIMALS,
    PARTIAL_REFUND_NEEDS_CAPTURE,
    infer_restock,
    money_string,
    places,
    restock_refusal,
)
from ..state import Json, NextCommerceBackend, as_int, bad_request, d, not_a_dict

__all__ = [
    "Allocation",
    "PlannedLine",
    "RefundPlan",
    "ShippingPlan",
    "allocate",
    "check_line",
    "plan_refund",
    "plan_shipping",
    "too_many_places",
]


def too_many_places(amount: Decimal) -> list[str] | None:
    """DRF's DecimalField error for an amount with more decimals than the platform keeps."""
    if places(amount) > MONEY_DECIMALS:
        return [f"Ensure that there are no more than {MONEY_DECIMALS} decimal places."]
    return None


@dataclass
class PlannedLine:
    """Units of one order line to refund, with their restock type and amounts."""

    line: Json
    quantity: int
    restock_type: str
    excl: Decimal
    incl: Decimal
    refundable: int


@dataclass
class ShippingPlan:
    """The shipping refund (excl./incl. tax) and the shipping still refundable (excl. tax)."""

    excl: Decimal
    incl: Decimal
    left_excl: Decimal


@dataclass
class Allocation:
    """What one payment transaction gives back, and what it could."""

    txn: Json
    amount: Decimal
    refundable: Decimal


@dataclass
class RefundPlan:
    """A checked refund request: lines, shipping, totals and the payments allocated."""

    lines: list[PlannedLine]
    shipping: ShippingPlan
    total_excl: Decimal
    total_incl: Decimal
    allocation: list[Allocation]


def plan_refund(backend: NextCommerceBackend, order: Json, body: Any, creating: bool) -> RefundPlan:
    """Check a refund request and work out its amounts; raises a DRF-style 400.

    ``creating``: a refund (``restock_type`` required) rather than a calculation (inferred).
    """
    if not isinstance(body, Mapping):
        raise bad_request(not_a_dict())
    errors: Json = {}
    line_errors: list[Json] = []
    planned: list[PlannedLine] = []
    seen: dict[int, list[PlannedLine]] = {}
    for item in body.get("refund_lines") or []:
        checked = check_line(backend, order, item, seen, creating)
        line_errors.append(checked if isinstance(checked, dict) else {})
        if isinstance(checked, PlannedLine):
            planned.append(checked)
    if any(line_errors):
        errors["refund_lines"] = line_errors
    shipping, shipping_error = plan_shipping(backend, order, body.get("refund_shipping"))
    if shipping_error:
        errors["refund_shipping"] = shipping_error
    if errors:
        raise bad_request(errors)
    total_incl = sum((p.incl for p in planned), Decimal(0)) + shipping.incl
    total_excl = sum((p.excl for p in planned), Decimal(0)) + shipping.excl
    return RefundPlan(
        lines=planned,
        shipping=shipping,
        total_excl=total_excl,
        total_incl=total_incl,
        allocation=allocate(backend, order, planned, shipping, total_incl),
    )


def check_line(
    backend: NextCommerceBackend,
    order: Json,
    item: Any,
    seen: dict[int, list[PlannedLine]],
    creating: bool,
) -> PlannedLine | Json:
    """One ``refund_lines`` item as planned units, or its field errors; ``seen`` holds the items
    of each line planned so far (a line may come twice, with two restock types)."""
    line_id = as_int(item.get("line_id"))
    line = next((x for x in order["lines"] if x["id"] == line_id), None)
    if line is None:
        return {"line_id": [f'Invalid pk "{item.get("line_id")}" - object does not exist.']}
    earlier = seen.get(line["id"], [])
    restock = item.get("restock_type")
    if earlier and (restock is None or restock in {p.restock_type for p in earlier}):
        return {"line_id": ["This line appears more than once with the same restock type."]}
    quantity = as_int(item.get("quantity"))
    taken = sum(p.quantity for p in earlier)
    refundable = line["current_quantity"] - backend.refunded(order, line["id"]) - taken
    if quantity is None or quantity < 0:
        return {"quantity": ["Ensure this value is greater than or equal to 0."]}
    if quantity > refundable:
        return {"quantity": [f"Ensure this value is less than or equal to {refundable}."]}
    canceled = sum(p.quantity for p in earlier if p.restock_type == "cancel")
    unfulfilled = backend.unfulfilled(order, line) - canceled
    fulfilled = backend.fulfilled_refundable(order, line) - (taken - canceled)
    if restock is None and creating:
        return {"restock_type": ["This field is required."]}
    if restock is None:
        # "the system will infer it based on quantity"
        restock = infer_restock(quantity, unfulfilled, fulfilled)
        if restock is None:
            return {
                "restock_type": [
                    "Cannot infer a restock type: the quantity spans unfulfilled and fulfilled units."
                ]
            }
    refusal = restock_refusal(
        restock, quantity, unfulfilled, fulfilled, digital=not line["requires_shipping"]
    )
    if refusal is not None:
        return {"restock_type": [refusal]}
    excl, incl = backend.line_prices(line)
    planned = PlannedLine(line, quantity, restock, excl * quantity, incl * quantity, refundable)
    seen.setdefault(line["id"], []).append(planned)
    return planned


def plan_shipping(
    backend: NextCommerceBackend, order: Json, shipping: Any
) -> tuple[ShippingPlan, Json | None]:
    """The shipping refund asked for (all that is left, or an excl-tax amount), or its errors."""
    totals = backend.totals(order)
    refunded = [
        a for r in order["refunds"] for a in r["adjustments"] if a["type"] == "refund_shipping"
    ]
    left_excl = totals["ship_excl"] - sum((d(a["amount_excl_tax"]) for a in refunded), Decimal(0))
    left_incl = totals["ship_incl"] - sum((d(a["amount_incl_tax"]) for a in refunded), Decimal(0))
    excl = incl = Decimal(0)
    if isinstance(shipping, Mapping):
        if shipping.get("full_refund"):
            excl, incl = left_excl, left_incl
        elif shipping.get("amount_excl_tax") not in (None, ""):
            try:
                excl = Decimal(str(shipping["amount_excl_tax"]))
            except InvalidOperation:
                return ShippingPlan(excl, incl, left_excl), {
                    "amount_excl_tax": ["A valid number is required."]
                }
            refusal = too_many_places(excl)
            if refusal:
                return ShippingPlan(excl, incl, left_excl), {"amount_excl_tax": refusal}
            if excl < 0 or excl > left_excl:
                return ShippingPlan(excl, incl, left_excl), {
                    "amount_excl_tax": [
                        f"Ensure this value is less than or equal to {money_string(left_excl)}."
                    ]
                }
            incl = (
                left_incl if excl == left_excl else backend.incl(excl, order["shipping_tax_rate"])
            )
    return ShippingPlan(excl, incl, left_excl), None


def allocate(
    backend: NextCommerceBackend,
    order: Json,
    planned: list[PlannedLine],
    shipping: ShippingPlan,
    total: Decimal,
) -> list[Allocation]:
    """Which payments give ``total`` back, oldest first, as far as they can.

    The captures; without any, a refund of everything voids the open authorizations, and a
    partial refund is refused (it needs a captured payment). INFERRED: where the payments hold
    less than ``total`` (an earlier refund paid back more than its lines) the suggestion is what
    they hold, as Shopify's calculate does; the refund's transactions are what it pays.
    """
    captured = backend.captured(order)
    sources: list[Json]
    if captured:
        sources = captured
    elif _refunds_everything(backend, order, planned, shipping) or not PARTIAL_REFUND_NEEDS_CAPTURE:
        sources = [
            t
            for t in order["transactions"]
            if t["type"] == "authorize" and t["status"] == "succeeded"
        ]
    else:
        raise bad_request(
            {
                "non_field_errors": [
                    "Order payments must be captured in order to create partial refunds, uncaptured payments cannot be partially refunded."
                ]
            }
        )
    allocation = []
    left = total
    for txn in sorted(sources, key=lambda t: (t["date_created"], t["id"])):
        available = backend.refundable_of(order, txn)
        share = min(available, left)
        allocation.append(Allocation(txn, share, available))
        left -= share
    return allocation


def _refunds_everything(
    backend: NextCommerceBackend, order: Json, planned: list[PlannedLine], shipping: ShippingPlan
) -> bool:
    """Whether the refund takes every unit left on every line and all shipping left."""
    return (
        all(
            sum(p.quantity for p in planned if p.line["id"] == line["id"])
            >= line["current_quantity"] - backend.refunded(order, line["id"])
            for line in order["lines"]
        )
        and shipping.excl >= shipping.left_excl
    )
