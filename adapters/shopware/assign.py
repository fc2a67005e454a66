"""Which capture pays back which part of a refund: lines (and parts of lines) onto captures.

A Shopware refund is one ``order_transaction_capture_refund`` per capture, and each position
belongs to one capture refund. The core planner says how much each capture pays back
(:class:`~unified_orders.models.TransactionAllocation`); this module puts the refunded lines onto
those amounts so that every capture refund holds exactly its amount:

1. whole lines where they fit (captures 70 + 30 with lines 30 and 70: each line on the capture of
   its size), found by a bounded search;
2. else lines split across captures where one capture cannot hold a line (a 100.00 line paid as
   a 60.00 deposit and a 40.00 balance: 60.00 on one capture refund, 40.00 on the other). The
   first part carries the line's units; the others carry only money, since a position's
   ``quantity`` is optional and its ``amount`` is the money.

What is left on a capture after its lines is shipping, up to the refund's shipping, and beyond it
an amount refunded with no line (an amount-only refund): :func:`beyond_lines`. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from unified_orders.models import Money, RefundCalculation, RefundLine, TransactionAllocation

from .translate import PositionPart

__all__ = ["MAX_SEARCH_LINES", "MAX_SEARCH_STEPS", "CaptureShare", "assign", "beyond_lines"]

MAX_SEARCH_STEPS = 20_000
"""How many placements the whole-line search tries before it splits lines instead."""
MAX_SEARCH_LINES = 64
"""Above this many refunded lines the search is skipped: lines are split where they must be."""

CaptureShare = tuple[TransactionAllocation, list[PositionPart]]
"""One capture's allocation and the line parts its capture refund carries."""


def assign(calculation: RefundCalculation) -> list[CaptureShare]:
    """The line parts each allocated capture pays back (whole lines where possible)."""
    allocations = list(calculation.transactions)
    rooms = [a.amount for a in allocations]
    packed = (
        _whole_lines(calculation.lines, rooms)
        if len(calculation.lines) <= MAX_SEARCH_LINES
        else None
    )
    if packed is not None:
        parts: list[list[PositionPart]] = [
            [_whole(calculation.lines[i]) for i in indexes] for indexes in packed
        ]
    else:
        parts = _split(calculation.lines, rooms)
    return list(zip(allocations, parts, strict=True))


def beyond_lines(shares: Sequence[CaptureShare], shipping: Money) -> list[tuple[Money, Money]]:
    """What each capture refund pays beyond its lines, as (shipping, amount with no line): the
    refund's ``shipping`` placed on the captures in order, the rest an amount-only part."""
    left = shipping
    result: list[tuple[Money, Money]] = []
    for allocation, parts in shares:
        extra = allocation.amount - Money.sum((p.total for p in parts), allocation.amount.currency)
        if extra.amount < 0:
            extra = Money.zero(extra.currency)
        ship = extra if extra <= left else left
        left = left - ship
        result.append((ship, extra - ship))
    return result


def _whole(line: RefundLine) -> PositionPart:
    return PositionPart(line.line_id, line.quantity, line.total, line.tax)


def _whole_lines(lines: Sequence[RefundLine], rooms: Sequence[Money]) -> list[list[int]] | None:
    """Line indexes per capture with every line whole and no capture over its amount; None when
    no such packing exists (or the bounded search found none)."""
    order = sorted(range(len(lines)), key=lambda i: (-lines[i].total.amount, i))
    left = [room.amount for room in rooms]
    chosen: list[list[int]] = [[] for _ in rooms]
    steps = 0

    def place(position: int) -> bool:
        nonlocal steps
        if position == len(order):
            return True
        index = order[position]
        amount = lines[index].total.amount
        tried = set()
        for bin_index, room in enumerate(left):
            if room < amount or room in tried:
                continue  # a capture with the same room left as one tried gives the same outcome
            tried.add(room)
            steps += 1
            if steps > MAX_SEARCH_STEPS:
                return False
            left[bin_index] = room - amount
            chosen[bin_index].append(index)
            if place(position + 1):
                return True
            chosen[bin_index].pop()
            left[bin_index] = room
        return False

    if not place(0):
        return None
    return [sorted(indexes) for indexes in chosen]


def _split(lines: Sequence[RefundLine], rooms: Sequence[Money]) -> list[list[PositionPart]]:
    """Lines in order, each filling the captures in order, split where a capture is full."""
    left = list(rooms)
    parts: list[list[PositionPart]] = [[] for _ in rooms]
    current = 0
    for line in lines:
        remaining = line.total
        shares: list[tuple[int, Money]] = []
        while remaining.amount > 0:
            if current >= len(left):
                raise ValueError("the allocations do not cover the refunded lines")
            if left[current].amount <= 0:
                current += 1
                continue
            take = remaining if remaining <= left[current] else left[current]
            shares.append((current, take))
            left[current] = left[current] - take
            remaining = remaining - take
        if not shares:  # a line refunded at 0.00 rides on the first capture still open
            shares.append((min(current, len(left) - 1), line.total))
        taxes = line.tax.allocate([s.amount for _, s in shares]) if len(shares) > 1 else [line.tax]
        for number, ((bin_index, share), tax) in enumerate(zip(shares, taxes, strict=True)):
            units = line.quantity if number == 0 else None
            parts[bin_index].append(PositionPart(line.line_id, units, share, tax))
    return parts
