"""Verification: a migrated order read back from the target, its canonical figures compared
with the source's (total, tax, lines, refunded amount, fulfilled units); each difference in
words."""

from __future__ import annotations

from decimal import Decimal

from ..models import Order, RefundStatus

__all__ = ["differences", "fulfilled_units", "refunded"]


def refunded(order: Order) -> Decimal:
    """What the order's successful (or not yet failed) refunds paid back."""
    return sum(
        (r.total.amount for r in order.refunds if r.status is not RefundStatus.FAILURE),
        Decimal(0),
    )


def fulfilled_units(order: Order) -> int:
    """Units shipped over every line."""
    return sum(line.fulfilled_quantity for line in order.lines)


def differences(source: Order, target: Order) -> list[str]:
    """Every canonical figure that differs between the source order and the migrated one."""
    found: list[str] = []
    if source.currency != target.currency:
        found.append(f"currency: {source.currency} -> {target.currency}")
    if source.total.amount != target.total.amount:
        found.append(f"total: {source.total.amount} -> {target.total.amount}")
    if source.tax.amount != target.tax.amount:
        found.append(f"tax: {source.tax.amount} -> {target.tax.amount}")
    kept = [line for line in source.lines if line.current_quantity > 0]
    made = [line for line in target.lines if line.current_quantity > 0]
    if len(kept) != len(made):
        found.append(f"lines: {len(kept)} -> {len(made)}")
    for index, (before, after) in enumerate(zip(kept, made, strict=False)):
        if before.current_quantity != after.current_quantity:
            found.append(
                f"lines[{index}] quantity: {before.current_quantity} -> {after.current_quantity}"
            )
        if before.total.amount != after.total.amount:
            found.append(f"lines[{index}] total: {before.total.amount} -> {after.total.amount}")
    if refunded(source) != refunded(target):
        found.append(f"refunded: {refunded(source)} -> {refunded(target)}")
    if fulfilled_units(source) != fulfilled_units(target):
        found.append(f"fulfilled units: {fulfilled_units(source)} -> {fulfilled_units(target)}")
    return found
