"""Capture refunds both ways: ``order_transaction_capture_refund`` <-> canonical refunds.

Refunds this library writes for one request over several captures share an ``externalReference``
(``unified-orders:{idempotency key}``) and read back as one canonical refund carrying that key.
Amounts and positions hold the money paid back, tax included, in every tax status. A line whose
refund is spread over several captures has a position on each: the first carries the units
(``quantity``), the others only money (``quantity`` is optional on a position), and they read back
as one refund line.

Money a capture refund pays beyond its positions is shipping, unless the refund says otherwise:
a capture refund that also pays back an amount with no line (an amount-only refund) carries
``customFields.unified_orders_shipping`` (the shipping part, a decimal string) and the rest reads
back as a ``refund_discrepancy`` adjustment. A line refunded for less than its price is simply a
position whose ``amount`` is the money paid back. INFERRED: Shopware stores a refund's
``customFields`` as given (the adapter keeps its shipped counts on deliveries the same way).

A refund that pays for a Commercial return carries the return's id in
``customFields.unified_orders_return`` (:data:`RETURN_FIELD`) and reads back with
``Refund.return_id``. INFERRED: neither ``order_return`` nor the capture refund has a field that
links one to the other, so the link is ours, kept on the refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.models import (
    Money,
    Refund,
    RefundAdjustment,
    RefundLine,
    RefundShipping,
    RefundStatus,
    RefundTransaction,
    Restock,
    TransactionStatus,
)

from ..platform import parse_time, stable_id, tax_total
from ..states import DEAD_REFUND_STATES
from .values import EXTERNAL_PREFIX, Amounts, amounts_of, calculated_price, state_name

__all__ = [
    "PARTS_FIELD",
    "REFUND_STATUS",
    "RETURN_FIELD",
    "SHIPPING_FIELD",
    "PositionPart",
    "capture_refundable",
    "refund_rows",
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


#: The custom field naming a capture refund's shipping part when it also pays back an amount with
#: no line; without it, everything beyond the positions is shipping.
SHIPPING_FIELD = "unified_orders_shipping"
#: The custom field naming the Commercial return a capture refund pays for.
RETURN_FIELD = "unified_orders_return"
#: The custom field giving how many capture refunds a request over several captures writes, so a
#: set cut short by a writer that stopped is seen to be short.
PARTS_FIELD = "unified_orders_parts"

Row = tuple[dict[str, Any], dict[str, Any]]
"""A capture refund and the capture it belongs to."""


def refund_rows(order: Mapping[str, Any]) -> list[Row]:
    """Every capture refund of the order with the capture it belongs to."""
    rows: list[Row] = []
    for txn in order.get("transactions") or []:
        for capture in txn.get("captures") or []:
            for refund in capture.get("refunds") or []:
                rows.append((dict(refund), dict(capture)))
    return rows


def _line_refund_amounts(position: Mapping[str, Any], cur: Amounts) -> tuple[Money, Money, Money]:
    total = cur((position.get("amount") or {}).get("totalPrice"))
    tax = cur(tax_total(position.get("amount")))
    return total - tax, tax, total


def refunds_from_platform(
    order: Mapping[str, Any], currency: str | Amounts, rows: list[Row] | None = None
) -> list[Refund]:
    """Canonical refunds from the capture refunds (``rows``: the order's :func:`refund_rows`,
    where the caller read them already), oldest first.

    Refunds this library wrote for one request over several captures share an
    ``externalReference`` and come back as one canonical refund; any other refund stands alone.
    Refund amounts and positions hold the money paid back (tax included) in every tax status.
    """
    cur = amounts_of(currency)
    groups: dict[str, list[Row]] = {}
    for refund, capture in refund_rows(order) if rows is None else rows:
        reference = refund.get("externalReference") or ""
        key = reference if reference.startswith(EXTERNAL_PREFIX) else str(refund["id"])
        groups.setdefault(key, []).append((refund, capture))
    return [_refund(str(order["id"]), key, rows, cur) for key, rows in groups.items()]


def _refund(order_id: str, key: str, rows: list[Row], cur: Amounts) -> Refund:
    """One canonical refund from the capture refunds written under one key."""
    rows.sort(key=lambda r: (str(r[0].get("createdAt") or ""), str(r[0]["id"])))
    lines: dict[str, RefundLine] = {}
    transactions: list[RefundTransaction] = []
    shipping_total = cur.zero()
    unlined = cur.zero()
    states: list[str] = []
    for refund, capture in rows:
        state = state_name(refund) or "open"
        states.append(state)
        amount = cur((refund.get("amount") or {}).get("totalPrice"))
        refund_lines = [_refund_line(position, cur) for position in refund.get("positions") or []]
        for line in refund_lines:
            lines[line.line_id] = _merged(lines.get(line.line_id), line)
        positions_total = cur.sum(line.total for line in refund_lines)
        if amount > positions_total:
            ship, other = _beyond_positions(refund, amount - positions_total, cur)
            shipping_total = shipping_total + ship
            unlined = unlined + other
        transactions.append(
            RefundTransaction.trusted(
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
    fields = first.get("customFields")
    return_id = fields.get(RETURN_FIELD) if isinstance(fields, Mapping) else None
    return Refund.trusted(
        id=str(first["id"]),
        order_id=order_id,
        status=_refund_status(states),
        lines=list(lines.values()),
        shipping=RefundShipping.trusted(amount=shipping_total) if shipping_total.amount else None,
        transactions=transactions,
        adjustments=[RefundAdjustment.trusted(kind="refund_discrepancy", amount=unlined)]
        if unlined.amount
        else [],
        total=cur.sum(t.amount for t in transactions),
        note=first.get("reason"),
        created_at=parse_time(first.get("createdAt")),
        idempotency_key=key[len(EXTERNAL_PREFIX) :] if key.startswith(EXTERNAL_PREFIX) else None,
        return_id=str(return_id) if return_id else None,
        raw=[r for r, _ in rows],
    )


def _beyond_positions(refund: Mapping[str, Any], extra: Money, cur: Amounts) -> tuple[Money, Money]:
    """Money beyond a capture refund's positions as (shipping, amount with no line)."""
    fields = refund.get("customFields")
    marked = fields.get(SHIPPING_FIELD) if isinstance(fields, Mapping) else None
    if marked is None:
        return extra, cur.zero()
    shipping = cur(marked)
    shipping = shipping if shipping <= extra else extra
    return shipping, extra - shipping


def _merged(before: RefundLine | None, part: RefundLine) -> RefundLine:
    """One refund line from the positions of one line on several captures."""
    if before is None:
        return part
    raws = before.raw if isinstance(before.raw, list) else [before.raw]
    return before.model_copy(
        update={
            "quantity": before.quantity + part.quantity,
            "subtotal": before.subtotal + part.subtotal,
            "tax": before.tax + part.tax,
            "total": before.total + part.total,
            "raw": [*raws, part.raw],
        }
    )


def _refund_line(position: Mapping[str, Any], cur: Amounts) -> RefundLine:
    subtotal, tax, total = _line_refund_amounts(position, cur)
    return RefundLine.trusted(
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


def refunded_quantities(order: Mapping[str, Any], rows: list[Row] | None = None) -> dict[str, int]:
    """Units refunded per line id, over every refund whose money left (``rows``: as for
    :func:`refunds_from_platform`)."""
    result: dict[str, int] = {}
    for refund, _ in refund_rows(order) if rows is None else rows:
        if (state_name(refund) or "open") in DEAD_REFUND_STATES:
            continue
        for position in refund.get("positions") or []:
            key = str(position["orderLineItemId"])
            result[key] = result.get(key, 0) + int(position.get("quantity") or 0)
    return result


def capture_refundable(
    capture: Mapping[str, Any], currency: str | Amounts, amount: Money | None = None
) -> Money:
    """What a capture can still refund: its amount (``amount``, where the caller read it already)
    less every refund that is not failed/cancelled."""
    cur = amounts_of(currency)
    if amount is None:
        amount = cur((capture.get("amount") or {}).get("totalPrice"))
    if cur.rounds and not capture.get("refunds"):
        # an amount rounded to its unit, less a zero: exactly the amount (digits and all)
        return amount if amount.amount > 0 else cur.zero()
    spent = cur.sum(
        cur((r.get("amount") or {}).get("totalPrice"))
        for r in capture.get("refunds") or []
        if (state_name(r) or "open") not in DEAD_REFUND_STATES
    )
    left = amount - spent
    return left if left.amount > 0 else cur.zero()


@dataclass(frozen=True)
class PositionPart:
    """What one capture refund pays back for one line: money (tax included) and, on the part
    that carries them, the units; ``quantity`` None is a part of a line spread over captures."""

    line_id: str
    quantity: int | None
    total: Money
    tax: Money


def refund_to_platform(
    *,
    refund_id: str,
    capture_id: str,
    open_state_id: str,
    reference: str,
    reason: str | None,
    parts: list[PositionPart],
    line_rates: Mapping[str, Decimal | None],
    amount: Money,
    shipping_taxes: list[dict[str, Any]],
    shipping: Money | None = None,
    return_id: str | None = None,
    of: int = 1,
) -> dict[str, Any]:
    """An ``order_transaction_capture_refund`` body with its positions.

    Amounts are the money paid back, tax included, whatever the order's tax status: that is the
    figure a payment handler reads from ``amount.totalPrice``. ``externalReference`` carries the
    idempotency key, so a re-read finds this refund by key. ``shipping`` is given when the refund
    also pays back an amount with no line: it goes into ``customFields`` (:data:`SHIPPING_FIELD`);
    ``return_id`` names the return the refund pays for (:data:`RETURN_FIELD`); ``of`` is how
    many capture refunds the request writes (:data:`PARTS_FIELD`, kept where more than one).
    """
    positions = []
    refund_taxes: list[dict[str, Any]] = list(shipping_taxes)
    for part in parts:
        rate = line_rates.get(part.line_id)
        taxes = (
            [{"tax": part.tax.amount, "taxRate": rate, "price": part.total.amount}]
            if rate is not None and part.tax.amount
            else []
        )
        refund_taxes.extend(taxes)
        units = part.quantity or 1
        unit = (part.total.amount / units).quantize(part.total.quantum, ROUND_HALF_UP)
        position: dict[str, Any] = {
            "id": stable_id(refund_id, "position", part.line_id),
            "refundId": refund_id,
            "orderLineItemId": part.line_id,
            "amount": calculated_price(unit, part.total.amount, units, taxes),
        }
        if part.quantity is not None:
            position["quantity"] = part.quantity
        positions.append(position)
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
    fields: dict[str, str | int] = {}
    if shipping is not None:
        fields[SHIPPING_FIELD] = str(shipping.amount)
    if return_id is not None:
        fields[RETURN_FIELD] = return_id
    if of > 1:
        fields[PARTS_FIELD] = of
    if fields:
        body["customFields"] = fields
    return body
