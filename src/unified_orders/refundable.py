"""What an order can still refund: units by fulfillment state and the restock types that cover
them, shipping left, the amount of the next units of a line, and money left on each payment.

Pure facts about a canonical :class:`Order` (no I/O, no validation): :mod:`.planning` checks
requests against them, :mod:`.refund_remaining` builds "everything left" from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .adapter import RestockPolicy
from .errors import InvalidRequest, Problem
from .models import (
    LineItem,
    Money,
    Order,
    RefundLine,
    Restock,
    Transaction,
    TransactionAllocation,
    TransactionStatus,
)

__all__ = [
    "LineAvailability",
    "allocate",
    "allowed_restocks",
    "availability",
    "infer_restock",
    "payments_left",
    "places",
    "refundable_by_transaction",
    "restock_capacity",
    "scaled_line",
    "shipping_remaining",
    "unit_amounts",
]


@dataclass(frozen=True)
class LineAvailability:
    """Units of a line that can still be refunded, split by fulfillment state."""

    refundable: int
    unfulfilled: int
    fulfilled: int


def availability(order: Order, line: LineItem) -> LineAvailability:
    """How many units of ``line`` are refundable, and how many of those are (un)fulfilled.

    Units refunded with restock ``cancel`` came out of the unfulfilled ones; other refunded units
    are counted against the fulfilled ones first.
    """
    canceled = sum(
        refund_line.quantity
        for refund in order.refunds
        for refund_line in refund.lines
        if refund_line.line_id == line.id and refund_line.restock is Restock.CANCEL
    )
    refundable = line.refundable_quantity
    unfulfilled = min(max(line.unfulfilled_quantity - canceled, 0), refundable)
    fulfilled = min(max(refundable - unfulfilled, 0), line.fulfilled_quantity)
    return LineAvailability(refundable, unfulfilled, fulfilled)


def shipping_remaining(order: Order) -> Money:
    """Shipping not yet refunded, tax included (as shipping refunds are)."""
    return order.shipping_with_tax - order.shipping_refunded


def allowed_restocks(
    policy: RestockPolicy, line: LineItem
) -> tuple[frozenset[Restock], frozenset[Restock]]:
    """The restock types allowed for the line's unfulfilled units and for its fulfilled units."""
    fulfilled = policy.fulfilled_digital if line.is_digital else policy.fulfilled
    return policy.unfulfilled, fulfilled


def restock_capacity(
    restock: Restock, policy: RestockPolicy, line: LineItem, av: LineAvailability
) -> int:
    """How many of the available units ``restock`` may cover."""
    unfulfilled_ok, fulfilled_ok = allowed_restocks(policy, line)
    return (av.unfulfilled if restock in unfulfilled_ok else 0) + (
        av.fulfilled if restock in fulfilled_ok else 0
    )


def infer_restock(
    quantity: int, policy: RestockPolicy, line: LineItem, av: LineAvailability
) -> Restock | None:
    """The restock type the platform would infer for ``quantity`` units; None when no one type
    covers them (the units span states that need different types)."""
    unfulfilled_ok, _ = allowed_restocks(policy, line)
    if policy.infer_unfulfilled in unfulfilled_ok and quantity <= av.unfulfilled:
        return policy.infer_unfulfilled
    if quantity <= restock_capacity(policy.infer_fulfilled, policy, line, av):
        return policy.infer_fulfilled
    return None


def places(amount: Decimal) -> int:
    """Decimals an amount carries (``5.10`` has 2, ``5`` has 0)."""
    exponent = amount.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def _unit_shares(total: Money | None, quantity: int, currency: str) -> list[Money]:
    if total is None or quantity <= 0:
        return [Money.zero(currency)] * max(quantity, 0)
    return total.allocate([1] * quantity)


def unit_amounts(
    order: Order, line: LineItem, quantity: int, offset: int = 0
) -> tuple[Money, Money, Money]:
    """(subtotal, tax, total) for the next ``quantity`` refundable units of ``line``, skipping
    ``offset`` units (taken by an earlier part of the same request).

    The line total and tax are split into per-unit shares that sum exactly to them (largest
    remainder); units are taken in order after those already refunded or removed, so a line
    refunded in several parts sums to its total to the cent.
    """
    currency = order.currency
    totals = _unit_shares(line.total, line.quantity, currency)
    taxes = _unit_shares(line.total_tax, line.quantity, currency)
    first = line.quantity - line.current_quantity + line.refunded_quantity + offset
    chosen = slice(first, first + quantity)
    amount = Money.sum(totals[chosen], currency)
    tax = Money.sum(taxes[chosen], currency)
    if order.taxes_included:
        return amount - tax, tax, amount
    return amount, tax, amount + tax


def scaled_line(line: RefundLine, amount: Money) -> RefundLine:
    """``line`` refunded for ``amount`` (tax included) instead of its calculated total: its tax,
    and its subtotal's distance from the total, scaled down in proportion, so the line's own
    identity (``total = subtotal + tax``, or ``total = subtotal`` where prices include tax) holds.
    """
    if line.total.amount <= 0 or amount == line.total:
        return line
    ratio = amount.amount / line.total.amount
    tax = (line.tax * ratio).rounded()
    gap = line.total - line.subtotal
    gap = tax if gap.amount == line.tax.amount else (gap * ratio).rounded()
    return line.model_copy(update={"subtotal": amount - gap, "tax": tax, "total": amount})


def refundable_by_transaction(order: Order) -> list[tuple[Transaction, Money]]:
    """Each captured/sale transaction with what it can still refund, oldest first."""
    refunded: dict[str, Money] = {}
    for refund in order.refunds:
        for refund_txn in refund.transactions:
            parent = refund_txn.parent_id
            if parent is not None and refund_txn.status is TransactionStatus.SUCCESS:
                refunded[parent] = (
                    refunded.get(parent, Money.zero(order.currency)) + refund_txn.amount
                )
    result: list[tuple[Transaction, Money]] = []
    for txn in sorted(
        order.captured_payments, key=lambda t: (t.created_at is None, t.created_at or 0, t.id)
    ):
        left = txn.refundable
        if left is None:
            left = txn.amount - refunded.get(txn.id, Money.zero(txn.amount.currency))
        result.append((txn, left if left.amount > 0 else Money.zero(txn.amount.currency)))
    return result


def payments_left(order: Order) -> Money:
    """What the order's captured payments can still pay back, together."""
    return Money.sum((left for _, left in refundable_by_transaction(order)), order.currency)


def allocate(order: Order, total: Money) -> list[TransactionAllocation]:
    """Spread a refund over the order's captured/sale transactions.

    Rule: transactions are taken oldest first (by creation time, then id); each pays back as
    much as it still can, up to what is left of the refund. The allocations sum to ``total``
    exactly. Raises :class:`InvalidRequest` when the payments cannot cover it.
    """
    left = total.rounded()
    allocations: list[TransactionAllocation] = []
    available = Money.zero(order.currency)
    for txn, refundable in refundable_by_transaction(order):
        available = available + refundable
        if left.amount <= 0 or refundable.amount <= 0:
            continue
        share = refundable if refundable < left else left
        allocations.append(
            TransactionAllocation(
                transaction_id=txn.id,
                amount=Money(amount=share.amount, currency=order.currency),
                maximum_refundable=refundable,
                gateway=txn.gateway,
            )
        )
        left = left - share
    if left.amount > 0:
        raise InvalidRequest(
            [
                Problem(
                    "",
                    f"the refund total {total} is more than the order's payments can refund "
                    f"({available})",
                )
            ],
            operation="refund",
        )
    return allocations
