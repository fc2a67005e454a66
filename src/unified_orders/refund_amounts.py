"""A platform's refund calculation with the request's line amounts on it.

Next Commerce and Shopify calculate each line at its price; a line refunded for less (its own
``amount``) keeps the units and restock the platform calculated and is paid back for the amount,
its tax scaled down in proportion. The money is spread over the transactions the platform
suggested, in their order; the platform records the difference as a refund discrepancy. Used by
:mod:`unified_orders.operations` after the platform's calculation; no I/O.
"""

from __future__ import annotations

from .errors import Hint, InvalidRequest, Problem, UnsupportedOperation
from .models import Money, RefundCalculation, RefundLine, RefundRequest, TransactionAllocation
from .refundable import scaled_line

__all__ = ["apply_line_amounts", "by_amount", "by_amount_unsupported"]

BY_AMOUNT_HINT = Hint(
    "refund lines at their calculated price (RefundLineRequest without an amount) and shipping "
    "instead; this adapter writes a refund's money from its lines",
    cli="refund lines at their price instead: unified-orders refunds create STORE ORDER --line "
    "LINE_ID:QTY",
)


def by_amount(request: RefundRequest) -> bool:
    """Whether ``request`` pays back an amount of its own (an amount-only refund, or a line for
    less than its price)."""
    return request.amount is not None or any(line.amount is not None for line in request.lines)


def by_amount_unsupported(platform: str) -> UnsupportedOperation:
    """The refusal where an adapter cannot write a refund by amount (``refunds_by_amount``)."""
    return UnsupportedOperation(platform, "refunds by amount", BY_AMOUNT_HINT)


def _spread(
    allocations: list[TransactionAllocation], total: Money
) -> list[TransactionAllocation] | None:
    """``total`` over the platform's own allocations in their order, each up to its amount;
    None when they cannot hold it (no allocations at all: nothing paid, nothing to spread)."""
    if not allocations:
        return []
    left = total
    spread: list[TransactionAllocation] = []
    for allocation in allocations:
        if left.amount <= 0:
            break
        share = allocation.amount if allocation.amount < left else left
        spread.append(allocation.model_copy(update={"amount": share}))
        left = left - share
    return spread if left.amount <= 0 else None


def _too_much(total: Money, calculation: RefundCalculation) -> InvalidRequest:
    paid = Money.sum((a.amount for a in calculation.transactions), total.currency)
    return InvalidRequest(
        [
            Problem(
                "",
                f"the refund total {total} is more than the order's payments can refund ({paid})",
            )
        ],
        operation="refund",
    )


def apply_line_amounts(calculation: RefundCalculation, request: RefundRequest) -> RefundCalculation:
    """A platform's calculation with the request's line amounts on it.

    Each line given an ``amount`` is refunded for it (its tax scaled down in proportion), the
    total is the lines and shipping that result, and the money is spread over the platform's
    own suggested transactions in their order. Raises :class:`InvalidRequest` when a line amount
    is above what the platform calculated for those units, or when the platform's suggested
    transactions (what the payments can still give) cannot hold the refund.
    """
    if not any(line.amount is not None for line in request.lines):
        if _spread(list(calculation.transactions), calculation.total) is None:
            raise _too_much(calculation.total, calculation)
        return calculation
    currency = calculation.total.currency
    unmatched = list(enumerate(request.lines))
    lines: list[RefundLine] = []
    problems: list[Problem] = []
    for calc_line in calculation.lines:
        match = next(
            (
                (index, wanted)
                for index, wanted in unmatched
                if wanted.line_id == calc_line.line_id and wanted.quantity == calc_line.quantity
            ),
            None,
        )
        if match is None or match[1].amount is None:
            if match is not None:
                unmatched.remove(match)
            lines.append(calc_line)
            continue
        unmatched.remove(match)
        index, wanted = match
        amount = Money.of(wanted.amount, currency)
        if amount > calc_line.total:
            problems.append(
                Problem(
                    f"lines[{index}].amount",
                    f"{amount} is more than the {calc_line.total} the platform calculated for "
                    f"{calc_line.quantity} unit(s) of line {calc_line.line_id}; a line amount "
                    "refunds less than the calculated price, never more",
                )
            )
        lines.append(scaled_line(calc_line, amount))
    if problems:
        raise InvalidRequest(problems, operation="refund")
    shipping = calculation.shipping.amount if calculation.shipping else Money.zero(currency)
    total = Money.sum((line.total for line in lines), currency) + shipping
    transactions = _spread(list(calculation.transactions), total)
    if transactions is None:
        raise _too_much(total, calculation)
    tax_of_shipping = calculation.tax - Money.sum((x.tax for x in calculation.lines), currency)
    tax = Money.sum((line.tax for line in lines), currency) + tax_of_shipping
    return calculation.model_copy(
        update={
            "lines": lines,
            "transactions": transactions,
            "subtotal": calculation.subtotal
            - Money.sum((x.subtotal for x in calculation.lines), currency)
            + Money.sum((x.subtotal for x in lines), currency),
            "tax": tax,
            "total": total,
        }
    )
