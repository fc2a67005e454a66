"""Shipments: what a shipment may carry, what it ships, and finding one after a lost answer.

A shipment (:class:`~.models.Fulfillment`) ships units of one fulfillment order's lines, never
more than it has left, with its tracking. Where the platform keeps the shipment's idempotency key
(``Adapter.stores_shipment_keys``) a re-read finds ours by key; elsewhere a new shipment of
exactly these units with exactly this tracking may be ours or someone else's, so it is a
candidate, never adopted (:class:`~.errors.AmbiguousWrite`), as keyless refunds are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .adapter import Adapter, Op
from .errors import InvalidRequest, Problem, UnsupportedOperation
from .models import (
    Fulfillment,
    FulfillmentOrder,
    FulfillmentOrderStatus,
    Order,
    Tracking,
)
from .writes import Reconciled, carrying_key

__all__ = [
    "check_tracking",
    "find_cancellation",
    "find_shipment",
    "shipments_with_key",
    "units_to_ship",
]

#: Fulfillment orders that will ship nothing more.
_DONE = (FulfillmentOrderStatus.CLOSED, FulfillmentOrderStatus.CANCELED)


def _text(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def check_tracking(
    adapter: Adapter, tracking: Sequence[Tracking], *, at_least_one: bool
) -> list[Tracking]:
    """The tracking with blanks trimmed away; each needs a number or a link (every problem at
    once), and more than the platform keeps per shipment is refused, both before any request."""
    problems: list[Problem] = []
    checked: list[Tracking] = []
    for index, item in enumerate(tracking):
        if not isinstance(item, Tracking):
            problems.append(
                Problem(f"tracking[{index}]", "give a uo.Tracking(company, number, url)")
            )
            continue
        clean = Tracking(
            company=_text(item.company), number=_text(item.number), url=_text(item.url)
        )
        if clean.number is None and clean.url is None:
            problems.append(
                Problem(f"tracking[{index}]", "give a tracking number or a tracking url")
            )
        checked.append(clean)
    if at_least_one and not tracking:
        problems.append(Problem("tracking", "give at least one tracking number or url"))
    if problems:
        raise InvalidRequest(problems)
    limit = adapter.tracking_numbers_per_shipment
    if limit is not None and len(checked) > limit:
        raise UnsupportedOperation(
            adapter.platform,
            f"{len(checked)} tracking numbers on one shipment",
            f"{adapter.platform} keeps {limit} per shipment; ship the parcels as separate "
            "shipments, one tracking each",
        )
    return checked


def units_to_ship(fo: FulfillmentOrder, lines: Mapping[str, int] | None) -> dict[str, int]:
    """Units per fulfillment-order line that a shipment of ``lines`` ships (None: all that is
    left). A line not on the fulfillment order, or more units than it has left, is refused
    (every problem at once): a shipment is never widened, nor silently cut."""
    left = {line.id: line.fulfillable_quantity for line in fo.lines}
    if fo.status in _DONE:
        raise InvalidRequest(
            [Problem("fulfillment_order_id", f"fulfillment order {fo.id} is {fo.status.value}")]
        )
    if lines is None:
        units = {line_id: qty for line_id, qty in left.items() if qty > 0}
        if not units:
            raise InvalidRequest(
                [Problem("lines", f"fulfillment order {fo.id} has nothing left to ship")]
            )
        return units
    problems: list[Problem] = []
    for line_id, qty in lines.items():
        if line_id not in left:
            problems.append(
                Problem(f"lines[{line_id}]", f"not a line of fulfillment order {fo.id}")
            )
        elif qty > left[line_id]:
            problems.append(
                Problem(
                    f"lines[{line_id}]",
                    f"{qty} unit(s) asked, {left[line_id]} left to ship on this line",
                )
            )
    if problems:
        raise InvalidRequest(problems)
    return dict(lines)


def shipments_with_key(fulfillments: Sequence[Fulfillment], key: str) -> list[Fulfillment]:
    """The shipments that carry idempotency key ``key``."""
    return [f for f in fulfillments if f.idempotency_key == key]


def _order_units(fo: FulfillmentOrder, units: Mapping[str, int]) -> list[tuple[str, int]]:
    """Fulfillment-order line units as sorted ``(order line id, units)``."""
    line_of = {line.id: line.line_id for line in fo.lines}
    shipped: dict[str, int] = {}
    for fo_line, qty in units.items():
        order_line = line_of.get(fo_line, fo_line)
        shipped[order_line] = shipped.get(order_line, 0) + qty
    return sorted(shipped.items())


def _shipped(fulfillment: Fulfillment) -> list[tuple[str, int]]:
    shipped: dict[str, int] = {}
    for line in fulfillment.lines:
        shipped[line.line_id] = shipped.get(line.line_id, 0) + line.quantity
    return sorted(shipped.items())


def _numbers(tracking: Sequence[Tracking]) -> list[str]:
    return sorted(t.number or t.url or "" for t in tracking)


def find_shipment(
    adapter: Adapter,
    before: Order,
    fo: FulfillmentOrder,
    units: Mapping[str, int],
    tracking: Sequence[Tracking],
    key: str,
) -> Op[Reconciled[Fulfillment]]:
    """Re-read the order: the shipment carrying our key is ours. Where the platform keeps no key,
    a new shipment of exactly these units with this tracking is a candidate, never adopted."""
    after = yield from adapter.get_order(before.id)
    by_key = carrying_key(shipments_with_key(after.fulfillments, key), after, "shipments")
    if by_key is not None:
        return by_key
    if adapter.stores_shipment_keys:
        return Reconciled(latest=after)
    known = {f.id for f in before.fulfillments}
    wanted, numbers = _order_units(fo, units), _numbers(tracking)
    alike = [
        f
        for f in after.fulfillments
        if f.id not in known and _shipped(f) == wanted and _numbers(f.tracking) == numbers
    ]
    if alike:
        return Reconciled(
            undecidable=(
                f"{len(alike)} new shipment(s) of these units with this tracking appeared, but "
                f"{adapter.platform} keeps no key on a shipment, so they may be someone else's; "
                "none was adopted"
            ),
            latest=after,
            candidates=tuple(f.id for f in alike),
        )
    return Reconciled(latest=after)


def find_cancellation(adapter: Adapter, fo: FulfillmentOrder) -> Op[Reconciled[FulfillmentOrder]]:
    """Re-read the fulfillment order: closed or canceled now (it was not before) means the
    cancel took effect."""
    after = yield from adapter.get_fulfillment_order(fo.id)
    if after.status in _DONE and fo.status not in _DONE:
        return Reconciled(found=after, latest=after)
    return Reconciled(latest=after)
