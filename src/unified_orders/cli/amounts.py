"""The amount rows of order, refund-preview and refund tables, shown so that they add up.

Each function gives (label, amount) rows in the order a person adds them, following the identities
of :mod:`unified_orders.models.identities`: where taxes are included, the tax is shown after the
total as the part of it that is tax (it is not added again); where they are not, it is a row of
the sum. A difference the platform's own figures leave (``Order.adjustment``, a refund paying
back more or less than its lines and shipping) is a row of its own, never hidden.
"""

from __future__ import annotations

from collections.abc import Callable

from ..models import Money, Order, Refund, RefundCalculation, RefundStatus
from ..models.identities import SHIPPING_ADJUSTMENTS, total_of

__all__ = ["calculation_amount_rows", "order_amount_rows", "refund_amount_rows"]

Show = Callable[[Money | None], str]
Rows = list[tuple[str, str]]


def _nonzero(value: Money | None) -> Money | None:
    return value if value is not None and value.amount != 0 else None


def order_amount_rows(order: Order, show: Show) -> Rows:
    """subtotal, shipping, (tax,) adjustment, total; discounts as the part of the subtotal they
    took off; with taxes included, the tax inside the total after it."""
    rows: Rows = []
    discount = _nonzero(order.discount)
    if order.taxes_included:
        rows.append(("subtotal (tax incl.)", show(order.subtotal)))
        if discount is not None:
            rows.append(("  discounts (in subtotal)", show(discount)))
        rows.append(("shipping (tax incl.)", show(order.shipping)))
    else:
        rows.append(("subtotal (before tax)", show(order.subtotal)))
        if discount is not None:
            rows.append(("  discounts (in subtotal)", show(discount)))
        rows.append(("shipping (before tax)", show(order.shipping)))
        rows.append(("tax", show(order.tax)))
    adjustment = _nonzero(order.adjustment)
    if adjustment is not None:
        rows.append(("adjustment (platform)", show(adjustment)))
    rows.append(("total", show(order.total)))
    if order.taxes_included:
        rows.append(("  tax included", show(order.tax)))
    return rows


def calculation_amount_rows(calc: RefundCalculation, show: Show) -> Rows:
    """Lines before tax, their tax, shipping (tax included), an amount-only part, and the total;
    a total the payments cap below those is shown with the difference."""
    currency = calc.total.currency
    rows: Rows = [("lines before tax", show(calc.subtotal)), ("lines' tax", show(calc.tax))]
    parts = [calc.subtotal, calc.tax]
    if calc.shipping is not None:
        tax = _nonzero(calc.shipping.tax)
        label = "shipping (tax incl." + (f" {tax.amount})" if tax is not None else ")")
        rows.append((label, show(calc.shipping.amount)))
        parts.append(calc.shipping.amount)
    if calc.request.amount:
        amount = Money.of(calc.request.amount, currency)
        rows.append(("amount (no lines)", show(amount)))
        parts.append(amount)
    rows.extend(_difference(calc.total, total_of(parts, currency), show, "not covered by payments"))
    rows.append(("total", show(calc.total)))
    return rows


def refund_amount_rows(refund: Refund, show: Show) -> Rows:
    """What a refund paid back: its lines, shipping and the platform's adjustments, then the
    total; a total those do not explain is shown with the difference."""
    currency = refund.total.currency
    goods = total_of((line.total for line in refund.lines), currency)
    rows: Rows = []
    parts: list[Money] = []
    if refund.lines:
        rows.append(("lines (tax incl.)", show(goods)))
        parts.append(goods)
    if refund.shipping is not None:
        rows.append(("shipping (tax incl.)", show(refund.shipping.amount)))
        parts.append(refund.shipping.amount)
    for adjustment in refund.adjustments:
        if adjustment.kind in SHIPPING_ADJUSTMENTS:
            continue  # already the shipping row
        rows.append((adjustment.kind.replace("_", " "), show(adjustment.amount)))
        parts.append(adjustment.amount)
    if refund.status is RefundStatus.SUCCESS and refund.transactions and parts:
        rows.extend(_difference(refund.total, total_of(parts, currency), show, "not recorded"))
    rows.append(("total paid back", show(refund.total)))
    return rows


def _difference(total: Money, parts: Money, show: Show, why: str) -> Rows:
    gap = total - parts
    if gap.amount == 0:
        return []
    return [(f"difference ({why})", show(gap))]
