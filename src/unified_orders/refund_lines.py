"""Checking a refund request's lines against the order: units, restock types, locations, amounts.

:func:`check_lines` reports every problem (into the list it is given) and returns the lines with
their restock types and locations filled in. A line given twice (once per restock type: its
unfulfilled units canceled, its fulfilled ones returned) is checked part by part, each part against
what the others left. Used by :func:`unified_orders.planning.prepare`; no I/O.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from .adapter import RestockPolicy
from .errors import Problem
from .models import Money, Order, RefundLineRequest, RefundRequest, Restock
from .models.currencies import known_minor_unit
from .refundable import (
    LineAvailability,
    allowed_restocks,
    availability,
    infer_restock,
    places,
    restock_capacity,
    unit_amounts,
)

__all__ = ["check_amount", "check_lines"]


def check_amount(
    path: str,
    amount: Decimal,
    order: Order,
    problems: list[Problem],
    *,
    at_most: Money,
    too_much: str,
) -> None:
    """An amount refunded: positive, in the currency's minor unit, at most ``at_most`` (else
    ``too_much`` says why)."""
    allowed = known_minor_unit(order.currency)
    if amount <= 0:
        problems.append(Problem(path, "must be greater than zero"))
    elif allowed is not None and places(amount) > allowed:
        problems.append(Problem(path, f"{amount} has more decimals than {order.currency} allows"))
    elif amount > at_most.amount:
        problems.append(Problem(path, too_much))


def _check_line(
    index: int,
    wanted: RefundLineRequest,
    order: Order,
    policy: RestockPolicy,
    problems: list[Problem],
    av: LineAvailability | None = None,
    offset: int = 0,
) -> RefundLineRequest | None:
    """One request line checked against ``av`` (the line's availability, less what earlier
    parts of the request took); ``offset`` units of the line go to those earlier parts."""
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
    av = av or availability(order, line)
    if wanted.quantity > av.refundable:
        earlier = " after the request's other part of it" if offset else ""
        problems.append(
            Problem(
                f"{path}.quantity",
                f"only {av.refundable} of line {line.id} can be refunded{earlier} (ordered "
                f"{line.quantity}, removed {line.quantity - line.current_quantity}, refunded "
                f"{line.refunded_quantity}); asked for {wanted.quantity}",
            )
        )
        return None
    if wanted.amount is not None:
        full = unit_amounts(order, line, wanted.quantity, offset)[2]
        check_amount(
            f"{path}.amount",
            wanted.amount,
            order,
            problems,
            at_most=full,
            too_much=f"{wanted.amount} {order.currency} is more than the {full} that "
            f"{wanted.quantity} unit(s) of line {line.id} come to; a line amount refunds less "
            "than the calculated price, never more",
        )
    restock = wanted.restock
    if restock is None:
        restock = infer_restock(wanted.quantity, policy, line, av)
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
    elif wanted.quantity > restock_capacity(restock, policy, line, av):
        unfulfilled_ok, fulfilled_ok = allowed_restocks(policy, line)
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
            r.value for r in Restock if restock_capacity(r, policy, line, av) >= wanted.quantity
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


def _taken(
    av: LineAvailability, part: RefundLineRequest, policy: RestockPolicy, digital: bool
) -> LineAvailability:
    """``av`` less the units ``part`` takes: from the state only its restock type allows, else
    unfulfilled units first."""
    unfulfilled_ok = part.restock in policy.unfulfilled
    fulfilled_ok = part.restock in (policy.fulfilled_digital if digital else policy.fulfilled)
    from_unfulfilled = min(part.quantity, av.unfulfilled) if unfulfilled_ok else 0
    if fulfilled_ok and not unfulfilled_ok:
        from_unfulfilled = 0
    from_fulfilled = min(part.quantity - from_unfulfilled, av.fulfilled)
    return LineAvailability(
        av.refundable - part.quantity,
        av.unfulfilled - from_unfulfilled,
        av.fulfilled - from_fulfilled,
    )


def check_lines(
    order: Order, request: RefundRequest, policy: RestockPolicy, problems: list[Problem]
) -> list[RefundLineRequest]:
    """Every request line checked; a line given twice (once per restock type) is checked part
    by part, parts tied to one fulfillment state first, each against what the others left."""
    counts = Counter(line.line_id for line in request.lines)
    checked: dict[int, RefundLineRequest] = {}
    by_line: dict[str, list[int]] = {}
    for index, wanted in enumerate(request.lines):
        by_line.setdefault(wanted.line_id, []).append(index)
    for line_id, indexes in by_line.items():
        parts = [request.lines[i] for i in indexes]
        restocks = [part.restock for part in parts]
        if len(indexes) > 1 and (None in restocks or len(set(restocks)) < len(restocks)):
            for index in indexes:
                problems.append(
                    Problem(
                        f"lines[{index}].line_id",
                        f"line {line_id!r} appears {counts[line_id]} times; give each line once, "
                        "or once per restock type with the restock type given (its unfulfilled "
                        "and its fulfilled units)",
                    )
                )
            continue
        line = order.line(line_id)
        if line is None or len(indexes) == 1:
            result = _check_line(indexes[0], parts[0], order, policy, problems)
            if result is not None:
                checked[indexes[0]] = result
            continue
        unfulfilled_ok, fulfilled_ok = allowed_restocks(policy, line)
        av = availability(order, line)
        for index in sorted(
            indexes,
            key=lambda i: (
                (request.lines[i].restock in unfulfilled_ok)
                and (request.lines[i].restock in fulfilled_ok)
            ),
        ):
            part = request.lines[index]
            offset = sum(request.lines[i].quantity for i in indexes if i < index)
            result = _check_line(index, part, order, policy, problems, av, offset)
            if result is None:
                break
            checked[index] = result
            av = _taken(av, result, policy, line.is_digital)
    return [checked[index] for index in sorted(checked)]
