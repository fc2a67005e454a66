"""REST refunds and refund calculations -> canonical.

Refunds keep ``legacy_restock`` lines (read as a return restock) and their order adjustments;
shipping refunded is read from ``refund_shipping_lines``, or from ``shipping_refund`` adjustments
on refunds from before those existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from unified_orders.models import (
    Order,
    Refund,
    RefundAdjustment,
    RefundCalculation,
    RefundLine,
    RefundRequest,
    RefundShipping,
    RefundTransaction,
    TransactionAllocation,
    TransactionKind,
)

from ... import mapping
from ...vocabulary import money_of, parse_time, platform_id, restock_of, transaction_status
from .values import money_from_set

__all__ = ["calculation_from_rest", "refund_from_rest", "suggested_total"]


def _refund_transaction(data: Mapping[str, Any], currency: str) -> RefundTransaction:
    status = str(data.get("status") or "")
    kind = str(data.get("kind") or "refund")
    return RefundTransaction.trusted(
        id=str(data["id"]),
        kind=TransactionKind.parse(kind),
        status=transaction_status(status),
        platform_status=status or None,
        amount=money_of(data.get("amount"), str(data.get("currency") or currency)),
        parent_id=platform_id(data.get("parent_id")),
        gateway=data.get("gateway"),
        created_at=parse_time(data.get("created_at")),
        raw=dict(data),
    )


def _refund_line(data: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    # subtotal/total_tax are JSON numbers in refund responses (read as Decimal) and the *_set
    # bags carry the exact strings with the shop amount; prefer the bags.
    if data.get("subtotal_set"):
        subtotal = money_from_set(data["subtotal_set"], currency)
    else:
        subtotal = money_of(data.get("subtotal"), currency)
    if data.get("total_tax_set"):
        tax = money_from_set(data["total_tax_set"], currency)
    else:
        tax = money_of(data.get("total_tax"), currency)
    return mapping.refund_line(
        line_id=str(data["line_item_id"]),
        quantity=int(data.get("quantity") or 0),
        restock=restock_of(data.get("restock_type") or "no_restock"),
        location_id=platform_id(data.get("location_id")),
        subtotal=subtotal,
        tax=tax,
        taxes_included=taxes_included,
        raw=dict(data),
    )


def _adjustment(data: Mapping[str, Any], currency: str) -> RefundAdjustment:
    """An order adjustment; a ``refund_discrepancy`` with the canonical sign
    (:func:`~unified_orders_adapters.shopify.mapping.discrepancy`)."""
    kind = str(data.get("kind"))
    amount = (
        money_from_set(data.get("amount_set"), currency)
        if data.get("amount_set")
        else money_of(data.get("amount"), currency)
    )
    tax = (
        money_from_set(data.get("tax_amount_set"), currency)
        if data.get("tax_amount_set")
        else money_of(data.get("tax_amount"), currency)
    )
    if kind == "refund_discrepancy":
        amount, tax = mapping.discrepancy(amount), mapping.discrepancy(tax)
    return RefundAdjustment.trusted(
        kind=kind, amount=amount, tax=tax, reason=data.get("reason"), raw=dict(data)
    )


def refund_from_rest(
    data: Mapping[str, Any], currency: str, *, taxes_included: bool = False
) -> Refund:
    """A canonical Refund from a REST refund (``legacy_restock`` lines and adjustments kept)."""
    lines = [_refund_line(x, currency, taxes_included) for x in data.get("refund_line_items") or []]
    transactions = [
        _refund_transaction(t, currency)
        for t in data.get("transactions") or []
        if str(t.get("kind")) == "refund"
    ]
    adjustments = [_adjustment(a, currency) for a in data.get("order_adjustments") or []]
    shipping = mapping.refund_shipping(
        [
            money_from_set(r.get("subtotal_amount_set"), currency)
            for r in data.get("refund_shipping_lines") or []
        ],
        adjustments,
        currency,
    )
    refund = mapping.refund(
        refund_id=str(data["id"]),
        order_id=str(data["order_id"]),
        lines=lines,
        shipping=shipping,
        transactions=transactions,
        adjustments=adjustments,
        currency=currency,
        note=data.get("note"),
        created_at=parse_time(data.get("created_at")),
        raw=dict(data),
    )
    returned = (data.get("return") or {}).get("id")  # the return it paid for (GraphQL's too)
    return refund.model_copy(update={"return_id": str(returned)}) if returned else refund


def _calc_line(data: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    # In calculate responses subtotal/total_tax are decimal strings (JSON numbers elsewhere).
    return mapping.refund_line(
        line_id=str(data["line_item_id"]),
        quantity=int(data.get("quantity") or 0),
        restock=restock_of(data.get("restock_type") or "no_restock"),
        location_id=platform_id(data.get("location_id")),
        subtotal=money_of(data.get("subtotal"), currency),
        tax=money_of(data.get("total_tax"), currency),
        taxes_included=taxes_included,
        raw=dict(data),
    )


def calculation_from_rest(
    data: Mapping[str, Any], order: Order, request: RefundRequest
) -> RefundCalculation:
    """A canonical RefundCalculation from a ``refunds/calculate.json`` response.

    ``transactions`` are the ``suggested_refund`` transactions (each becomes an allocation against
    its ``parent_id``); ``total`` is what they pay back.
    """
    body = data.get("refund", data)
    currency = str(body.get("currency") or order.currency)
    lines = [
        _calc_line(x, currency, order.taxes_included) for x in body.get("refund_line_items") or []
    ]
    shipping: RefundShipping | None = None
    ship = body.get("shipping")
    if request.shipping is not None and ship:
        shipping = mapping.calculated_shipping(
            money_of(ship.get("amount"), currency),
            money_of(ship.get("tax"), currency),
            money_of(ship.get("maximum_refundable"), currency),
            taxes_included=order.taxes_included,
        )
    allocations = [
        TransactionAllocation(
            transaction_id=str(t["parent_id"]),
            amount=money_of(t.get("amount"), str(t.get("currency") or currency)),
            maximum_refundable=money_of(t.get("maximum_refundable"), currency)
            if t.get("maximum_refundable") is not None
            else None,
            gateway=t.get("gateway"),
            raw=dict(t),
        )
        for t in body.get("transactions") or []
        if t.get("parent_id") is not None
    ]
    return mapping.calculation(
        order,
        request,
        lines=lines,
        shipping=shipping,
        allocations=allocations,
        currency=currency,
        raw=dict(data),
    )


def suggested_total(calculation: RefundCalculation) -> Decimal | None:
    """What Shopify's own calculation suggested paying back (from ``raw``), where known."""
    raw = calculation.raw
    if not isinstance(raw, Mapping):
        return None
    body = raw.get("refund", raw)
    suggested = [
        Decimal(str(t.get("amount") or 0))
        for t in body.get("transactions") or []
        if t.get("kind") == "suggested_refund"
    ]
    return sum(suggested, Decimal(0)) if suggested else None
