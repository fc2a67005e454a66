""" "Refund everything that is left" (``RefundRequest(remaining=True)``) as an explicit request.

:func:`everything_left` reads the order and writes down what a person would: every line's
refundable units (the restock type the platform infers; a line with both unfulfilled and
fulfilled units that no one type covers becomes one request line per state), all remaining
shipping, and then the money:

- lines and shipping all refunded already, payments still holding money (an order-level fee, a
  discount refunded short): an amount-only refund of that money;
- payments holding less than the lines and shipping come to (an earlier amount-only refund, a
  partial capture): the shipping in full where they hold more than it, and each line refunded for
  its share of the rest (largest remainder), never more; where they hold less than the shipping,
  the shipping too gets only its share; where a share would round to nothing the request is
  refused;
- otherwise the lines and shipping at their calculated amounts (money the payments hold beyond
  them stays: refund it afterwards with another ``remaining`` request, which is then amount-only).

The result goes through :func:`unified_orders.planning.prepare` like any request, so every rule
(restock by state, locations, capture) applies to it.
"""

from __future__ import annotations

from .adapter import RestockPolicy
from .errors import InvalidRequest, Problem
from .models import (
    LineItem,
    Money,
    Order,
    RefundLineRequest,
    RefundRequest,
    Restock,
    ShippingRefund,
)
from .refundable import (
    LineAvailability,
    allowed_restocks,
    availability,
    infer_restock,
    payments_left,
    restock_capacity,
    shipping_remaining,
    unit_amounts,
)

__all__ = ["everything_left"]


def _refuse(message: str) -> InvalidRequest:
    return InvalidRequest([Problem("remaining", message)], operation="refund")


def _usable(
    restock: Restock, quantity: int, policy: RestockPolicy, line: LineItem, av: LineAvailability
) -> Restock:
    """``restock`` unless it needs a location the line does not have and ``no_restock`` covers
    the units as well (a refund of everything left should not fail for want of a location)."""
    if (
        restock in policy.location_required
        and line.location_id is None
        and quantity <= restock_capacity(Restock.NO_RESTOCK, policy, line, av)
        and Restock.NO_RESTOCK not in policy.location_required
    ):
        return Restock.NO_RESTOCK
    return restock


def _state_restock(allowed: frozenset[Restock], preferred: Restock) -> Restock | None:
    if preferred in allowed:
        return preferred
    return min(allowed, key=lambda r: r.value) if allowed else None


def _line_parts(
    order: Order, line: LineItem, policy: RestockPolicy
) -> list[tuple[int, Restock]] | str:
    """The (quantity, restock) parts that refund every refundable unit of ``line``, or why not."""
    av = availability(order, line)
    whole = infer_restock(av.refundable, policy, line, av)
    if whole is not None:
        return [(av.refundable, _usable(whole, av.refundable, policy, line, av))]
    unfulfilled_ok, fulfilled_ok = allowed_restocks(policy, line)
    parts: list[tuple[int, Restock]] = []
    for quantity, allowed, preferred in (
        (av.unfulfilled, unfulfilled_ok, policy.infer_unfulfilled),
        (av.fulfilled, fulfilled_ok, policy.infer_fulfilled),
    ):
        if quantity <= 0:
            continue
        restock = _state_restock(allowed, preferred)
        if restock is None:
            return f"line {line.id}: no restock type is allowed for some of its units here"
        parts.append((quantity, restock))
    if sum(quantity for quantity, _ in parts) != av.refundable:
        return (
            f"line {line.id}: {av.refundable} units are refundable, but only {av.unfulfilled} "
            f"unfulfilled and {av.fulfilled} fulfilled ones are known; refund it with explicit lines"
        )
    return parts


def everything_left(order: Order, policy: RestockPolicy) -> RefundRequest:
    """The explicit request that refunds everything still refundable on ``order``.

    Raises :class:`InvalidRequest` (field ``remaining``) when nothing is left, or when the money
    the payments hold cannot be spread over what is left without rounding a part to nothing.
    """
    currency = order.currency
    lines: list[RefundLineRequest] = []
    estimates: list[Money] = []
    for line in order.lines:
        if line.refundable_quantity <= 0:
            continue
        parts = _line_parts(order, line, policy)
        if isinstance(parts, str):
            raise _refuse(parts)
        offset = 0
        for quantity, restock in parts:
            lines.append(RefundLineRequest(line_id=line.id, quantity=quantity, restock=restock))
            estimates.append(unit_amounts(order, line, quantity, offset)[2])
            offset += quantity
    shipping_left = shipping_remaining(order)
    held = payments_left(order)
    if not lines and shipping_left.amount <= 0:
        if held.amount > 0:
            return RefundRequest(amount=held.amount)
        raise _refuse(
            f"nothing is left to refund on order {order.id}: every line and the shipping are "
            "refunded and the payments hold no more money"
        )
    shipping = ShippingRefund(full=True) if shipping_left.amount > 0 else None
    goods = Money.sum(estimates, currency) + shipping_left
    if not order.captured_payments or goods <= held:
        return RefundRequest(lines=lines, shipping=shipping)
    if held.amount <= 0:
        raise _refuse(
            f"the lines and shipping left on order {order.id} come to {goods}, but its payments "
            "hold no money to pay back; refund the lines with an amount of your own, or restock "
            "them on the platform"
        )
    if not lines:  # shipping alone, more than the payments hold: what they hold
        return RefundRequest(shipping=ShippingRefund(amount=held.amount))
    # the shipping in full where the payments hold more than it, the lines sharing the rest
    for_lines = held - shipping_left if held > shipping_left else None
    weights = estimates if for_lines is not None else [*estimates, shipping_left]
    shares = (for_lines or held).allocate([estimate.amount for estimate in weights])
    if any(
        share.amount <= 0 < estimate.amount for share, estimate in zip(shares, weights, strict=True)
    ):
        raise _refuse(
            f"the payments of order {order.id} hold only {held} of the {goods} its lines and "
            "shipping left come to, too little to give each of them a share; refund lines "
            "with amounts of your own"
        )
    scaled = [
        line.model_copy(update={"amount": share.amount}) if share < estimate else line
        for line, share, estimate in zip(lines, shares, estimates, strict=False)
    ]
    if for_lines is None and shipping is not None:
        shipping = ShippingRefund(amount=shares[-1].amount)
    return RefundRequest(lines=scaled, shipping=shipping)
