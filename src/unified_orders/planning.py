"""Refund planning: validation before any write, restock inference, amounts and allocation.

Every problem with a request is collected and reported at once in
:class:`~unified_orders.errors.InvalidRequest`, each with a field path and a message a person can
act on. Nothing here does I/O: it works on a canonical :class:`Order`.

Where a platform calculates refunds itself (Next Commerce, Shopify) its figures are authoritative
and :func:`cross_check` only checks them; elsewhere (Shopware) :func:`calculate` computes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from .adapter import RestockPolicy
from .errors import InvalidRequest, PlatformError, Problem
from .models import (
    LineItem,
    Money,
    Order,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    RefundShipping,
    Restock,
    Transaction,
    TransactionAllocation,
    TransactionStatus,
)
from .models.currencies import known_minor_unit

__all__ = [
    "LineAvailability",
    "allocate",
    "availability",
    "calculate",
    "cross_check",
    "prepare",
    "refundable_by_transaction",
    "shipping_remaining",
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
    """Shipping not yet refunded."""
    return order.shipping - order.shipping_refunded


def _allowed(
    policy: RestockPolicy, line: LineItem
) -> tuple[frozenset[Restock], frozenset[Restock]]:
    fulfilled = policy.fulfilled_digital if line.is_digital else policy.fulfilled
    return policy.unfulfilled, fulfilled


def _capacity(restock: Restock, policy: RestockPolicy, line: LineItem, av: LineAvailability) -> int:
    unfulfilled_ok, fulfilled_ok = _allowed(policy, line)
    return (av.unfulfilled if restock in unfulfilled_ok else 0) + (
        av.fulfilled if restock in fulfilled_ok else 0
    )


def _infer(
    quantity: int, policy: RestockPolicy, line: LineItem, av: LineAvailability
) -> Restock | None:
    unfulfilled_ok, _ = _allowed(policy, line)
    if policy.infer_unfulfilled in unfulfilled_ok and quantity <= av.unfulfilled:
        return policy.infer_unfulfilled
    if quantity <= _capacity(policy.infer_fulfilled, policy, line, av):
        return policy.infer_fulfilled
    return None


def _check_line(
    index: int,
    wanted: RefundLineRequest,
    order: Order,
    policy: RestockPolicy,
    problems: list[Problem],
) -> RefundLineRequest | None:
    path = f"lines[{index}]"
    line = order.line(wanted.line_id)
    if wanted.quantity < 1:
        problems.append(Problem(f"{path}.quantity", "must be at least 1"))
    if line is None:
        known = ", ".join(item.id for item in order.lines) or "none"
        problems.append(
            Problem(
                f"{path}.line_id",
                f"order {order.id} has no line {wanted.line_id!r} (its lines: {known})",
            )
        )
        return None
    if wanted.quantity < 1:
        return None
    av = availability(order, line)
    if wanted.quantity > av.refundable:
        problems.append(
            Problem(
                f"{path}.quantity",
                f"only {av.refundable} of line {line.id} can be refunded (ordered "
                f"{line.quantity}, removed {line.quantity - line.current_quantity}, refunded "
                f"{line.refunded_quantity}); asked for {wanted.quantity}",
            )
        )
        return None
    restock = wanted.restock
    if restock is None:
        restock = _infer(wanted.quantity, policy, line, av)
        if restock is None:
            problems.append(
                Problem(
                    f"{path}.restock",
                    f"line {line.id} has {av.unfulfilled} unfulfilled and {av.fulfilled} fulfilled "
                    "refundable units; split it into one request line per state, each with its "
                    "restock type",
                )
            )
            return None
    elif wanted.quantity > _capacity(restock, policy, line, av):
        unfulfilled_ok, fulfilled_ok = _allowed(policy, line)
        states = []
        if restock in unfulfilled_ok:
            states.append(f"{av.unfulfilled} unfulfilled")
        if restock in fulfilled_ok:
            states.append(f"{av.fulfilled} fulfilled")
        kind = "digital " if line.is_digital else ""
        if states:
            detail = f"it applies to {' and '.join(states)} units of this {kind}line"
        else:
            detail = f"it is not allowed for this {kind}line on this platform"
        allowed = sorted(
            r.value for r in Restock if _capacity(r, policy, line, av) >= wanted.quantity
        )
        problems.append(
            Problem(
                f"{path}.restock",
                f"restock {restock.value!r} cannot cover {wanted.quantity} unit(s) of line "
                f"{line.id}: {detail}; allowed here: {', '.join(allowed) or 'none'}",
            )
        )
        return None
    location_id = wanted.location_id or line.location_id
    if restock in policy.location_required and location_id is None:
        problems.append(
            Problem(
                f"{path}.location_id",
                f"restock {restock.value!r} needs a location on this platform and line {line.id} "
                "has no fulfillment or assigned location; pass location_id",
            )
        )
        return None
    return wanted.model_copy(update={"restock": restock, "location_id": location_id})


def prepare(
    order: Order,
    request: RefundRequest,
    policy: RestockPolicy,
    *,
    partial_refund_needs_capture: bool = True,
    platform_problems: list[Problem] | None = None,
) -> RefundRequest:
    """Validate ``request`` against ``order`` and fill in restock types and locations.

    Raises :class:`InvalidRequest` listing every problem: unknown or duplicate lines, quantities
    above refundable, restock types the platform does not allow for the units' state, a missing
    location, shipping above what remains, non-positive amounts, a currency other than the
    order's, and a partial refund against payments that were only authorized.
    """
    problems: list[Problem] = list(platform_problems or [])
    if request.currency is not None and request.currency.upper() != order.currency:
        problems.append(
            Problem("currency", f"order {order.id} is in {order.currency}, not {request.currency}")
        )
    if not request.lines and request.shipping is None:
        problems.append(Problem("", "nothing to refund: give lines, shipping, or both"))
    if known_minor_unit(order.currency) is None:
        problems.append(
            Problem(
                "currency",
                f"order {order.id} is in {order.currency}, a currency whose minor unit no table "
                "knows, so refund amounts cannot be rounded safely; refund it on the platform",
            )
        )
    counts = Counter(line.line_id for line in request.lines)
    prepared: list[RefundLineRequest] = []
    for index, wanted in enumerate(request.lines):
        if counts[wanted.line_id] > 1:
            problems.append(
                Problem(
                    f"lines[{index}].line_id",
                    f"line {wanted.line_id!r} appears {counts[wanted.line_id]} times; "
                    "give each line once",
                )
            )
            continue
        checked = _check_line(index, wanted, order, policy, problems)
        if checked is not None:
            prepared.append(checked)
    if request.shipping is not None:
        remaining = shipping_remaining(order)
        amount = request.shipping.amount
        if amount is not None and amount <= 0:
            problems.append(Problem("shipping.amount", "must be greater than zero"))
        elif amount is not None and -amount.as_tuple().exponent > (  # type: ignore[operator]
            known_minor_unit(order.currency) or 0
        ):
            problems.append(
                Problem(
                    "shipping.amount", f"{amount} has more decimals than {order.currency} allows"
                )
            )
        elif amount is not None and amount > remaining.amount:
            problems.append(
                Problem("shipping.amount", f"only {remaining} of shipping remains refundable")
            )
        elif request.shipping.full and remaining.amount <= 0 and not request.lines:
            # "full" means all that remains, even 0.00; alone it would refund nothing
            problems.append(
                Problem("shipping.full", "nothing to refund: shipping was already refunded in full")
            )
    if (
        partial_refund_needs_capture
        and not order.captured_payments
        and not _is_full(order, request)
    ):
        problems.append(
            Problem(
                "",
                f"order {order.id} has no captured payment (only authorizations), so a partial "
                "refund is not possible; capture the payment first, or cancel the order to void it",
            )
        )
    if problems:
        raise InvalidRequest(problems, operation="refund")
    return request.model_copy(update={"lines": prepared, "currency": order.currency})


def _is_full(order: Order, request: RefundRequest) -> bool:
    wanted = {line.line_id: line.quantity for line in request.lines}
    lines_all = all(wanted.get(line.id, 0) >= line.refundable_quantity for line in order.lines)
    remaining = shipping_remaining(order)
    shipping_all = remaining.amount <= 0 or (
        request.shipping is not None
        and (request.shipping.full or request.shipping.amount == remaining.amount)
    )
    return lines_all and shipping_all


def _unit_shares(total: Money | None, quantity: int, currency: str) -> list[Money]:
    if total is None or quantity <= 0:
        return [Money.zero(currency)] * max(quantity, 0)
    return total.allocate([1] * quantity)


def _line_amounts(order: Order, line: LineItem, quantity: int) -> tuple[Money, Money, Money]:
    """(subtotal, tax, total) for the next ``quantity`` refundable units of ``line``.

    The line total and tax are split into per-unit shares that sum exactly to them (largest
    remainder); units are taken in order after those already refunded or removed, so a line
    refunded in several parts sums to its total to the cent.
    """
    currency = order.currency
    totals = _unit_shares(line.total, line.quantity, currency)
    taxes = _unit_shares(line.total_tax, line.quantity, currency)
    first = line.quantity - line.current_quantity + line.refunded_quantity
    chosen = slice(first, first + quantity)
    amount = Money.sum(totals[chosen], currency)
    tax = Money.sum(taxes[chosen], currency)
    if order.taxes_included:
        return amount - tax, tax, amount
    return amount, tax, amount + tax


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


def calculate(order: Order, request: RefundRequest) -> RefundCalculation:
    """Amounts and allocations for a prepared request, on platforms with no calculate endpoint."""
    currency = order.currency
    lines: list[RefundLine] = []
    for wanted in request.lines:
        line = order.line(wanted.line_id)
        if line is None or wanted.restock is None:
            raise ValueError("calculate() needs a request that went through prepare()")
        subtotal, tax, total = _line_amounts(order, line, wanted.quantity)
        lines.append(
            RefundLine(
                line_id=line.id,
                quantity=wanted.quantity,
                restock=wanted.restock,
                location_id=wanted.location_id,
                subtotal=subtotal,
                tax=tax,
                total=total,
            )
        )
    shipping = None
    if request.shipping is not None:
        remaining = shipping_remaining(order)
        amount = remaining if request.shipping.full else Money.of(request.shipping.amount, currency)
        shipping = RefundShipping(amount=amount.rounded(), maximum_refundable=remaining)
    subtotal = Money.sum((line.subtotal for line in lines), currency)
    tax = Money.sum((line.tax for line in lines), currency)
    total = Money.sum((line.total for line in lines), currency)
    if shipping is not None:
        total = total + shipping.amount
    return RefundCalculation(
        order_id=order.id,
        request=request,
        lines=lines,
        shipping=shipping,
        transactions=allocate(order, total) if total.amount > 0 else [],
        subtotal=subtotal,
        tax=tax,
        total=total,
    )


def cross_check(calculation: RefundCalculation, request: RefundRequest, platform: str) -> None:
    """Check a platform's own calculation against the request it answers.

    The platform's figures stand; this only catches a calculation that does not answer the
    request (other lines or quantities) or whose allocations do not add up to its total.
    """
    problems: list[Problem] = []
    wanted = sorted((line.line_id, line.quantity) for line in request.lines)
    got = sorted((line.line_id, line.quantity) for line in calculation.lines if line.quantity)
    if wanted != got:
        problems.append(Problem("lines", f"asked for {wanted}, the platform calculated {got}"))
    allocated = sum((a.amount.amount for a in calculation.transactions), Decimal(0))
    if calculation.transactions and allocated != calculation.total.amount:
        problems.append(
            Problem(
                "transactions",
                f"allocations sum to {allocated}, the total is {calculation.total.amount}",
            )
        )
    if problems:
        raise PlatformError(
            "the platform's refund calculation does not match the request",
            platform=platform,
            code="calculation_mismatch",
            problems=problems,
        )
