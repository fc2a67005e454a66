"""Refund planning: validation before any write, restock inference, amounts and allocation.

Every problem with a request is collected and reported at once in
:class:`~unified_orders.errors.InvalidRequest`, each with a field path and a message a person can
act on. Nothing here does I/O: it works on a canonical :class:`Order`.

Three kinds of request are planned alike (see :class:`~unified_orders.models.RefundRequest`):
lines and shipping (a line may carry its own ``amount``, less than its calculated price), an
amount-only refund, and "everything left" (:mod:`.refund_remaining` writes it out first).

Where a platform calculates refunds itself (Next Commerce, Shopify) its figures are authoritative:
:func:`apply_line_amounts` (:mod:`.refund_amounts`) puts the requested line amounts on them and
:func:`cross_check` checks them; elsewhere (Shopware), and for amount-only refunds everywhere,
:func:`calculate` computes them. The lines are checked by :mod:`.refund_lines`; the facts used
(units by state, unit amounts, money left per payment) are in :mod:`.refundable`.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .adapter import RestockPolicy
from .errors import InvalidRequest, PlatformError, Problem
from .models import (
    Money,
    Order,
    RefundCalculation,
    RefundLine,
    RefundRequest,
    RefundShipping,
)
from .models.currencies import known_minor_unit
from .models.identities import shipping_tax_part
from .refund_amounts import apply_line_amounts
from .refund_lines import check_amount, check_lines
from .refund_remaining import everything_left
from .refundable import (
    LineAvailability,
    allocate,
    availability,
    payments_left,
    places,
    refundable_by_transaction,
    scaled_line,
    shipping_remaining,
    unit_amounts,
)

__all__ = [
    "LineAvailability",
    "allocate",
    "apply_line_amounts",
    "availability",
    "calculate",
    "cross_check",
    "prepare",
    "refundable_by_transaction",
    "shipping_remaining",
]


def _check_kind(
    order: Order, request: RefundRequest, problems: list[Problem], *, needs_capture: bool
) -> None:
    """The request's kind: something to refund, an amount only alone (and at most what the
    payments hold; with nothing captured where that is needed, the capture problem says why)."""
    if request.amount is not None:
        if request.lines or request.shipping is not None:
            problems.append(
                Problem(
                    "amount",
                    "an amount-only refund takes no lines or shipping; to refund less than a "
                    "line's price, give that line its own amount",
                )
            )
        elif order.captured_payments or not needs_capture:
            held = payments_left(order)
            check_amount(
                "amount",
                request.amount,
                order,
                problems,
                at_most=held,
                too_much=f"{request.amount} {order.currency} is more than the order's payments "
                f"can still refund ({held})",
            )
    elif not request.lines and request.shipping is None:
        problems.append(Problem("", "nothing to refund: give lines, shipping, or both"))


def _check_shipping(order: Order, request: RefundRequest, problems: list[Problem]) -> None:
    if request.shipping is None:
        return
    remaining = shipping_remaining(order)
    amount = request.shipping.amount
    if amount is not None and amount <= 0:
        problems.append(Problem("shipping.amount", "must be greater than zero"))
    elif amount is not None and places(amount) > (known_minor_unit(order.currency) or 0):
        problems.append(
            Problem("shipping.amount", f"{amount} has more decimals than {order.currency} allows")
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


def _written_out(
    order: Order, request: RefundRequest, policy: RestockPolicy, problems: list[Problem]
) -> RefundRequest | None:
    """``request``, with "everything left" written out as lines, shipping or an amount; None
    when it cannot be (the problems say why)."""
    if not request.remaining:
        return request
    given = [
        name
        for name, value in (
            ("lines", request.lines),
            ("shipping", request.shipping),
            ("amount", request.amount),
        )
        if value
    ]
    if given:
        problems.append(
            Problem(
                "remaining",
                f"remaining=True refunds everything left; give no {' or '.join(given)} with it",
            )
        )
        return None
    try:
        explicit = everything_left(order, policy)
    except InvalidRequest as refused:
        problems.extend(refused.problems)
        return None
    return explicit.model_copy(update={"currency": request.currency})


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
    location, shipping above what remains, line amounts above the units' price, an amount above
    what the payments can refund, non-positive amounts or amounts finer than the currency's minor
    unit, an amount with lines, a currency other than the order's, and a partial refund against
    payments that were only authorized. ``remaining=True`` comes back written out (lines,
    shipping or an amount, ``remaining`` False): the request a calculation answers.
    """
    problems: list[Problem] = list(platform_problems or [])
    if request.currency is not None and request.currency.upper() != order.currency:
        problems.append(
            Problem("currency", f"order {order.id} is in {order.currency}, not {request.currency}")
        )
    if known_minor_unit(order.currency) is None:
        problems.append(
            Problem(
                "currency",
                f"order {order.id} is in {order.currency}, a currency whose minor unit no table "
                "knows, so refund amounts cannot be rounded safely; refund it on the platform",
            )
        )
    written = _written_out(order, request, policy, problems)
    if written is None:
        raise InvalidRequest(problems, operation="refund")
    request = written
    _check_kind(order, request, problems, needs_capture=partial_refund_needs_capture)
    prepared = check_lines(order, request, policy, problems)
    _check_shipping(order, request, problems)
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
    if request.amount is not None or any(line.amount is not None for line in request.lines):
        return False
    wanted = Counter[str]()
    for line in request.lines:
        wanted[line.line_id] += line.quantity
    lines_all = all(wanted[line.id] >= line.refundable_quantity for line in order.lines)
    remaining = shipping_remaining(order)
    shipping_all = remaining.amount <= 0 or (
        request.shipping is not None
        and (request.shipping.full or request.shipping.amount == remaining.amount)
    )
    return lines_all and shipping_all


def calculate(order: Order, request: RefundRequest) -> RefundCalculation:
    """Amounts and allocations for a prepared request, on platforms with no calculate endpoint
    (and for amount-only refunds everywhere)."""
    currency = order.currency
    lines: list[RefundLine] = []
    taken: Counter[str] = Counter()
    for wanted in request.lines:
        line = order.line(wanted.line_id)
        if line is None or wanted.restock is None:
            raise ValueError("calculate() needs a request that went through prepare()")
        subtotal, tax, total = unit_amounts(order, line, wanted.quantity, taken[line.id])
        taken[line.id] += wanted.quantity
        refund_line = RefundLine(
            line_id=line.id,
            quantity=wanted.quantity,
            restock=wanted.restock,
            location_id=wanted.location_id,
            subtotal=subtotal,
            tax=tax,
            total=total,
        )
        if wanted.amount is not None:
            refund_line = scaled_line(refund_line, Money.of(wanted.amount, currency))
        lines.append(refund_line)
    shipping = None
    if request.shipping is not None:
        remaining = shipping_remaining(order)
        amount = remaining if request.shipping.full else Money.of(request.shipping.amount, currency)
        shipping = RefundShipping(
            amount=amount.rounded(),
            tax=shipping_tax_part(order, amount.rounded()),
            maximum_refundable=remaining,
        )
    subtotal = Money.sum((line.subtotal for line in lines), currency)
    tax = Money.sum((line.tax for line in lines), currency)
    total = Money.sum((line.total for line in lines), currency)
    if shipping is not None:
        total = total + shipping.amount
    if request.amount is not None:
        total = total + Money.of(request.amount, currency)
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
