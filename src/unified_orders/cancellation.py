"""What cancelling an order will do, worked out before it is done: money and stock.

Money: captured money is refunded when the cancel asks for it (``refund=True``), else the
merchant keeps it; money only authorized (never captured) is voided: the authorization is
released, nothing is refunded. Every adapter's cancel voids open authorizations (Next Commerce:
INFERRED, see its README). Stock follows the platform's rule, the adapter's
:attr:`~unified_orders.adapter.Adapter.cancel_restock`: the preview never promises a restock the
platform ignores, nor hides one it always makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .adapter import CancelOptions, CancelRestock
from .models import Money, Order, TransactionKind, TransactionStatus
from .models.identities import total_of
from .refundable import refundable_by_transaction

__all__ = ["CancelEffect", "authorized_open", "cancel_effect"]


@dataclass(frozen=True)
class CancelEffect:
    """The effect of a cancel: captured money ``refunded`` or ``kept``, authorized money
    ``voided``; ``restock`` True (stock comes back), False (it does not) or None (the platform
    decides), with ``restock_note`` saying why."""

    order_id: str
    refunded: Money
    kept: Money
    voided: Money
    restock: bool | None
    restock_note: str

    @property
    def payment(self) -> str:
        """``refund``, ``void``, ``refund and void``, ``keep`` or ``none``: what happens to the
        money, in one word."""
        words = []
        if self.refunded.amount:
            words.append("refund")
        if self.voided.amount:
            words.append("void")
        if words:
            return " and ".join(words)
        return "keep" if self.kept.amount else "none"


def authorized_open(order: Order) -> Money:
    """Money authorized and neither captured nor voided yet: what a cancel voids."""
    currency = order.currency
    children: dict[str, Decimal] = {}
    for txn in order.transactions:
        if txn.parent_id is None or txn.status is not TransactionStatus.SUCCESS:
            continue
        if txn.kind in (TransactionKind.CAPTURE, TransactionKind.VOID):
            children[txn.parent_id] = children.get(txn.parent_id, Decimal(0)) + txn.amount.amount
    open_parts = [
        max(txn.amount.amount - children.get(txn.id, Decimal(0)), Decimal(0))
        for txn in order.transactions
        if txn.kind is TransactionKind.AUTHORIZATION and txn.status is TransactionStatus.SUCCESS
    ]
    return total_of((Money.of(part, currency) for part in open_parts), currency)


def _restock(rule: CancelRestock, options: CancelOptions) -> tuple[bool | None, str]:
    if rule is CancelRestock.ALWAYS:
        return True, "the platform restocks on every cancel, asked or not"
    if rule is CancelRestock.UNCONTROLLED:
        return None, "its cancel has no restock switch, so asking changes nothing"
    if rule is CancelRestock.WITH_REFUND:
        if options.restock and not options.refund:
            return False, "the platform restocks only through the cancel's refund: refund too"
        if options.restock:
            return True, (
                "through the cancel's refund: unfulfilled units as cancel, fulfilled as return "
                "(a line with both is not restocked)"
            )
    return options.restock, "asked" if options.restock else "not asked"


def cancel_effect(order: Order, options: CancelOptions, rule: CancelRestock) -> CancelEffect:
    """What cancelling ``order`` with ``options`` does, on a platform whose cancel restocks by
    ``rule``."""
    currency = order.currency
    captured = total_of((left for _, left in refundable_by_transaction(order)), currency)
    zero = Money.zero(currency)
    restock, note = _restock(rule, options)
    return CancelEffect(
        order_id=order.id,
        refunded=captured if options.refund else zero,
        kept=zero if options.refund else captured,
        voided=authorized_open(order),
        restock=restock,
        restock_note=note,
    )
