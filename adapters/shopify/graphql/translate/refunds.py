"""GraphQL refunds and ``Order.suggestedRefund`` calculations -> canonical.

Two GraphQL gaps are bridged here (see the README, "Shopify"), so both dialects read a refund
alike:

- GraphQL has no ``shipping_refund`` order adjustment: one is derived from each of the refund's
  ``refundShippingLines`` (amount and tax negated, as REST records them).
- GraphQL ``OrderAdjustment.reason`` is an enum; it reads in lower case, as REST's free
  ``reason`` of a refund discrepancy. Its amounts read with the canonical sign, as REST's do.
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
from ...vocabulary import money_of, parse_time, restock_of, transaction_status
from .values import (
    legacy,
    lower,
    money,
    money_or_naught,
    negated_money,
    nodes,
    presentment_amount,
    presentment_money,
)

__all__ = ["calculation_from_graphql", "refund_from_graphql", "suggested_total"]


def _refund_transaction(node: Mapping[str, Any], currency: str) -> RefundTransaction:
    status = str(lower(node.get("status")) or "")
    return RefundTransaction.trusted(
        id=str(legacy(node["id"])),
        kind=TransactionKind.REFUND,
        status=transaction_status(status),
        platform_status=status or None,
        amount=presentment_money(node.get("amountSet"), currency),
        parent_id=legacy((node.get("parentTransaction") or {}).get("id")) or None,
        gateway=node.get("gateway"),
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )


def _refund_line(row: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    return mapping.refund_line(
        line_id=str(legacy((row.get("lineItem") or {}).get("id"))),
        quantity=int(row.get("quantity") or 0),
        restock=restock_of(lower(row.get("restockType")) or "no_restock"),
        location_id=legacy((row.get("location") or {}).get("id")) or None,
        subtotal=money_or_naught(row.get("subtotalSet"), currency),
        tax=money_or_naught(row.get("totalTaxSet"), currency),
        taxes_included=taxes_included,
        raw=dict(row),
    )


def refund_from_graphql(
    node: Mapping[str, Any], order_id: str, currency: str, *, taxes_included: bool
) -> Refund:
    """A canonical Refund from a GraphQL ``Refund`` (``raw`` is the GraphQL node; a derived
    ``shipping_refund`` adjustment keeps its refund shipping line; ``return_id`` is the return
    it paid for, ``Refund.return``)."""
    lines = [
        _refund_line(row, currency, taxes_included) for row in nodes(node.get("refundLineItems"))
    ]
    transactions = [
        _refund_transaction(t, currency)
        for t in nodes(node.get("transactions"))
        if lower(t.get("kind")) == "refund"
    ]
    shipping_rows = nodes(node.get("refundShippingLines"))
    adjustments = [
        RefundAdjustment.trusted(
            kind="shipping_refund",
            amount=negated_money(row.get("subtotalAmountSet"), currency),
            tax=negated_money(row.get("taxAmountSet"), currency),
            reason="Shipping refund",
            raw=dict(row),
        )
        for row in shipping_rows
    ]
    adjustments.extend(
        RefundAdjustment.trusted(
            kind="refund_discrepancy",
            amount=mapping.discrepancy(money_or_naught(adj.get("amountSet"), currency)),
            tax=mapping.discrepancy(money_or_naught(adj.get("taxAmountSet"), currency)),
            reason=lower(adj.get("reason")),
            raw=dict(adj),
        )
        for adj in nodes(node.get("orderAdjustments"))
    )
    shipping = mapping.refund_shipping(
        [money(row.get("subtotalAmountSet"), currency) for row in shipping_rows],
        adjustments,
        currency,
    )
    refund = mapping.refund(
        refund_id=str(legacy(node["id"])),
        order_id=str(order_id),
        lines=lines,
        shipping=shipping,
        transactions=transactions,
        adjustments=adjustments,
        currency=currency,
        note=node.get("note"),
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )
    returned = legacy((node.get("return") or {}).get("id"))
    return refund.model_copy(update={"return_id": returned}) if returned else refund


def _calc_line(row: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    return mapping.refund_line(
        line_id=str(legacy((row.get("lineItem") or {}).get("id"))),
        quantity=int(row.get("quantity") or 0),
        restock=restock_of(lower(row.get("restockType")) or "no_restock"),
        location_id=legacy((row.get("location") or {}).get("id")) or None,
        subtotal=money_of(presentment_amount(row.get("subtotalSet")), currency),
        tax=money_of(presentment_amount(row.get("totalTaxSet")), currency),
        taxes_included=taxes_included,
        raw=dict(row),
    )


def _allocation(node: Mapping[str, Any], currency: str, parent: str) -> TransactionAllocation:
    maximum = presentment_amount(node.get("maximumRefundableSet"))
    return TransactionAllocation(
        transaction_id=parent,
        amount=presentment_money(node.get("amountSet"), currency),
        maximum_refundable=money_of(maximum, currency) if maximum is not None else None,
        gateway=node.get("gateway"),
        raw=dict(node),
    )


def calculation_from_graphql(
    order_node: Mapping[str, Any], order: Order, request: RefundRequest
) -> RefundCalculation:
    """A canonical RefundCalculation from ``Order.suggestedRefund``: the same reading as REST
    calculate (``suggestedTransactions`` become allocations; the total is what they pay back)."""
    data = order_node.get("suggestedRefund") or {}
    currency = str(
        ((data.get("amountSet") or {}).get("presentmentMoney") or {}).get("currencyCode")
        or order.currency
    )
    taxes_included = order.taxes_included
    lines = [_calc_line(row, currency, taxes_included) for row in data.get("refundLineItems") or []]
    shipping: RefundShipping | None = None
    if request.shipping is not None:
        ship = data.get("shipping") or {}
        shipping = mapping.calculated_shipping(
            money_of(presentment_amount(ship.get("amountSet")), currency),
            money_of(presentment_amount(ship.get("taxSet")), currency),
            money_of(presentment_amount(ship.get("maximumRefundableSet")), currency),
            taxes_included=taxes_included,
        )
    allocations = []
    for t in data.get("suggestedTransactions") or []:
        parent = legacy((t.get("parentTransaction") or {}).get("id"))
        if parent is not None:
            allocations.append(_allocation(t, currency, parent))
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
    """What ``suggestedRefund`` suggested paying back (from ``raw``), where known."""
    raw = calculation.raw
    if not isinstance(raw, Mapping):
        return None
    amounts = [
        Decimal(str(presentment_amount(t.get("amountSet")) or 0))
        for t in raw.get("suggestedTransactions") or []
    ]
    return sum(amounts, Decimal(0)) if amounts else None
