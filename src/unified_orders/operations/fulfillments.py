"""Fulfillment-order operations: list, hold, release, request, move, ship, track, cancel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..adapter import (
    Adapter,
    Capability,
    FulfillmentOptions,
    IdKind,
    Op,
)
from ..errors import InvalidRequest, Problem
from ..finding import (
    OrderRef,
    by_order_id,
    canonical,
)
from ..models import (
    Fulfillment,
    FulfillmentOrder,
    HoldReason,
    Location,
    Tracking,
)
from .gate import require


def _lines(adapter: Adapter, lines: Mapping[str, int] | None) -> Mapping[str, int] | None:
    """Fulfillment-order lines by canonical id; a line given twice (in two spellings) is refused."""
    if lines is None:
        return None
    problems = [
        Problem(f"lines[{key}]", "quantity must be at least 1")
        for key, qty in lines.items()
        if qty < 1
    ]
    if not lines:
        problems.append(Problem("lines", "give at least one line, or None for all lines"))
    checked: dict[str, int] = {}
    for key, qty in lines.items():
        line_id = canonical(adapter, IdKind.FULFILLMENT_ORDER_LINE, str(key), f"lines[{key}]")
        if line_id in checked:
            problems.append(Problem(f"lines[{key}]", f"line {line_id} is given twice"))
        checked[line_id] = qty
    if problems:
        raise InvalidRequest(problems)
    return checked


def _fo(adapter: Adapter, fo_id: object) -> str:
    return canonical(adapter, IdKind.FULFILLMENT_ORDER, fo_id, "fulfillment_order_id")


def list_fulfillment_orders(adapter: Adapter, ref: OrderRef) -> Op[list[FulfillmentOrder]]:
    require(adapter, Capability.FULFILLMENTS_LIST)
    return (yield from by_order_id(adapter, ref, adapter.list_fulfillment_orders))


def hold(
    adapter: Adapter, fo_id: str, reason: HoldReason, note: str | None
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_HOLD)
    try:
        reason = HoldReason(reason)
    except ValueError:
        choices = ", ".join(r.value for r in HoldReason)
        raise InvalidRequest([Problem("reason", f"{reason!r} is not one of {choices}")]) from None
    return (yield from adapter.hold_fulfillment_order(_fo(adapter, fo_id), reason, note))


def release_hold(adapter: Adapter, fo_id: str) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_RELEASE_HOLD)
    return (yield from adapter.release_fulfillment_hold(_fo(adapter, fo_id)))


def request_fulfillment(
    adapter: Adapter,
    fo_id: str,
    lines: Mapping[str, int] | None,
    message: str | None,
    notify: bool,
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_REQUEST_FULFILLMENT)
    fulfillment_order_id = _fo(adapter, fo_id)
    checked = _lines(adapter, lines)
    return (yield from adapter.request_fulfillment(fulfillment_order_id, checked, message, notify))


def request_cancellation(adapter: Adapter, fo_id: str, message: str | None) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_REQUEST_CANCELLATION)
    return (yield from adapter.request_fulfillment_cancellation(_fo(adapter, fo_id), message))


def available_locations(adapter: Adapter, fo_id: str) -> Op[list[Location]]:
    require(adapter, Capability.FULFILLMENTS_AVAILABLE_LOCATIONS)
    return (yield from adapter.available_locations(_fo(adapter, fo_id)))


def move(
    adapter: Adapter, fo_id: str, location_id: str, lines: Mapping[str, int] | None
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_MOVE)
    fulfillment_order_id = _fo(adapter, fo_id)
    location = canonical(adapter, IdKind.LOCATION, location_id, "location_id")
    checked = _lines(adapter, lines)
    return (yield from adapter.move_fulfillment_order(fulfillment_order_id, location, checked))


def create_fulfillment(
    adapter: Adapter,
    fo_id: str,
    lines: Mapping[str, int] | None,
    tracking: Sequence[Tracking],
    options: FulfillmentOptions,
) -> Op[Fulfillment]:
    require(adapter, Capability.FULFILLMENTS_CREATE)
    fo_id = _fo(adapter, fo_id)
    checked = _lines(adapter, lines)
    return (yield from adapter.create_fulfillment(fo_id, checked, tracking, options))


def update_tracking(
    adapter: Adapter, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
) -> Op[Fulfillment]:
    require(adapter, Capability.FULFILLMENTS_UPDATE_TRACKING)
    return (yield from adapter.update_tracking(fulfillment_id, tracking, notify))


def cancel_fulfillment_order(adapter: Adapter, fo_id: str) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_CANCEL)
    return (yield from adapter.cancel_fulfillment_order(_fo(adapter, fo_id)))
