"""Capture refunds both ways: ``order_transaction_capture_refund`` <-> canonical refunds.

Refunds this library writes for one request over several captures share an ``externalReference``
(``unified-orders:{idempotency key}``) and read back as one canonical refund. Amounts and
positions hold the money paid back, tax included, in every tax status.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.models import (
    Money,
    Refund,
    RefundLine,
    RefundShipping,
    RefundStatus,
    RefundTransaction,
    Restock,
    TransactionStatus,
)

from ..platform import parse_time, stable_id, tax_total
from ..states import DEAD_REFUND_STATES
from .values import EXTERNAL_PREFIX, calculated_price, money, state_name

__all__ = [
    "REFUND_STATUS",
    "capture_refundable",
    "refund_to_platform",
    "refunded_quantities",
    "refunds_from_platform",
]

REFUND_STATUS = {
    "open": RefundStatus.PENDING,
    "in_progress": RefundStatus.PENDING,
    "completed": RefundStatus.SUCCESS,
    "failed": RefundStatus.FAILURE,
    "cancelled": RefundStatus.FAILURE,
}
_REFUND_TXN_STATUS = {
    "open": TransactionStatus.PENDING,
    "in_progress": TransactionStatus.PENDING,
    "completed": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
    "cancelled": TransactionStatus.FAILURE,
}


Row = tuple[dict[str, Any], dict[str, Any]]
"""A capture refund and the capture it belongs to."""


def _refund_rows(order: Mapping[str, Any]) -> list[Row]:
    """Every capture refund of the order with the capture it belongs to."""
    rows: list[Row] = []
    for txn in order.get("transactions") or []:
        for capture in txn.get("captures") or []:
            for refund in capture.get("refunds") or []:
                rows.append((dict(refund), dict(capture)))
    return rows


def _line_refund_amounts(position: Mapping[str, Any], currency: str) -> tuple[Money, Money, Money]:
    total = money((position.get("amount") or {}).get("totalPrice"), currency)
    tax = money(tax_total(position.get("amount")), currency)
    return total - tax, tax, total


def refunds_from_platform(order: Mapping[str, Any], currency: str) -> list[Refund]:
    """Canonical refunds from the capture refunds, oldest first.

    Refunds this library wrote for one request over several captures share an
    ``externalReference`` and come back as one canonical refund; any other refund stands alone.
    Refund amounts and positions hold the money paid back (tax included) in every tax status.
    """
    groups: dict[str, list[Row]] = {}
    for refund, capture in _refund_rows(order):
        reference = refund.get("externalReference") or ""
        key = reference if reference.startswith(EXTERNAL_PREFIX) else str(refund["id"])
        groups.setdefault(key, []).append((refund, capture))
    return [_refund(str(order["id"]), key, rows, currency) for key, rows in groups.items()]


def _refund(order_id: str, key: str, rows: list[Row], currency: str) -> Refund:
    """One canonical refund from the capture refunds written under one key."""
    rows.sort(key=lambda r: (str(r[0].get("createdAt") or ""), str(r[0]["id"])))
    lines: list[RefundLine] = []
    transactions: list[RefundTransaction] = []
    shipping_total = Money.zero(currency)
    states: list[str] = []
    for refund, capture in rows:
        state = state_name(refund) or "open"
        states.append(state)
        amount = money((refund.get("amount") or {}).get("totalPrice"), currency)
        refund_lines = [
            _refund_line(position, currency) for position in refund.get("positions") or []
        ]
        lines.extend(refund_lines)
        positions_total = Money.sum((line.total for line in refund_lines), currency)
        if amount > positions_total:
            shipping_total = shipping_total + (amount - positions_total)
        transactions.append(
            RefundTransaction(
                id=str(refund["id"]),
                status=_REFUND_TXN_STATUS.get(state, TransactionStatus.UNKNOWN),
                platform_status=state,
                amount=amount,
                parent_id=str(capture["id"]),
                created_at=parse_time(refund.get("createdAt")),
                raw=refund,
            )
        )
    first = rows[0][0]
    return Refund(
        id=str(first["id"]),
        order_id=order_id,
        status=_refund_status(states),
        lines=lines,
        shipping=RefundShipping(amount=shipping_total) if shipping_total.amount else None,
        transactions=transactions,
        total=Money.sum((t.amount for t in transactions), currency),
        note=first.get("reason"),
        created_at=parse_time(first.get("createdAt")),
        idempotency_key=key[len(EXTERNAL_PREFIX) :] if key.startswith(EXTERNAL_PREFIX) else None,
        raw=[r for r, _ in rows],
    )


def _refund_line(position: Mapping[str, Any], currency: str) -> RefundLine:
    subtotal, tax, total = _line_refund_amounts(position, currency)
    return RefundLine(
        line_id=str(position["orderLineItemId"]),
        quantity=int(position.get("quantity") or 0),
        restock=Restock.NO_RESTOCK,
        subtotal=subtotal,
        tax=tax,
        total=total,
        raw=dict(position),
    )


def _refund_status(states: list[str]) -> RefundStatus:
    """One status over the capture refunds of one canonical refund."""
    if all(s == "completed" for s in states):
        return RefundStatus.SUCCESS
    if all(s in DEAD_REFUND_STATES for s in states):
        return RefundStatus.FAILURE
    if any(s == "completed" for s in states):
        return RefundStatus.PARTIAL
    return REFUND_STATUS.get(states[0], RefundStatus.PENDING)


def refunded_quantities(order: Mapping[str, Any]) -> dict[str, int]:
    """Units refunded per line id, over every refund whose money left."""
    result: dict[str, int] = {}
    for refund, _ in _refund_rows(order):
        if (state_name(refund) or "open") in DEAD_REFUND_STATES:
            continue
        for position in refund.get("positions") or []:
            key = str(position["orderLineItemId"])
            result[key] = result.get(key, 0) + int(position.get("quantity") or 0)
    return result


def capture_refundable(capture: Mapping[str, Any], currency: str) -> Money:
    """What a capture can still refund: its amount less every refund that is not failed/cancelled."""
    amount = money((capture.get("amount") or {}).get("totalPrice"), currency)
    spent = Money.sum(
        (
            money((r.get("amount") or {}).get("totalPrice"), currency)
            for r in capture.get("refunds") or []
            if (state_name(r) or "open") not in DEAD_REFUND_STATES
        ),
        currency,
    )
    left = amount - spent
    return left if left.amount > 0 else Money.zero(currency)


def refund_to_platform(
    *,
    refund_id: str,
    capture_id: str,
    open_state_id: str,
    reference: str,
    reason: str | None,
    lines: list[RefundLine],
    line_rates: Mapping[str, Decimal | None],
    amount: Money,
    shipping_taxes: list[dict[str, Any]],
) -> dict[str, Any]:
    """An ``order_transaction_capture_refund`` body with its positions.

    Amounts are the money paid back, tax included, whatever the order's tax status: that is the
    figure a payment handler reads from ``amount.totalPrice``.
    """
    positions = []
    refund_taxes: list[dict[str, Any]] = list(shipping_taxes)
    for line in lines:
        rate = line_rates.get(line.line_id)
        taxes = (
            [{"tax": line.tax.amount, "taxRate": rate, "price": line.total.amount}]
            if rate is not None and line.tax.amount
            else []
        )
        refund_taxes.extend(taxes)
        unit = (line.total.amount / line.quantity).quantize(line.total.quantum, ROUND_HALF_UP)
        positions.append(
            {
                "id": stable_id(refund_id, "position", line.line_id),
                "refundId": refund_id,
                "orderLineItemId": line.line_id,
                "quantity": line.quantity,
                "amount": calculated_price(unit, line.total.amount, line.quantity, taxes),
            }
        )
    body: dict[str, Any] = {
        "id": refund_id,
        "captureId": capture_id,
        "stateId": open_state_id,
        "externalReference": reference,
        "amount": calculated_price(amount.amount, amount.amount, 1, refund_taxes),
        "positions": positions,
    }
    if reason:
        body["reason"] = reason
    return body
