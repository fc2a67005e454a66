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
    OrderElsewhere,
    OrderRef,
    by_order_id,
    canonical,
)
from ..keys import check_key
from ..models import (
    Fulfillment,
    FulfillmentOrder,
    HoldReason,
    Location,
    Tracking,
)
from ..shipments import (
    check_tracking,
    find_cancellation,
    find_shipment,
    units_to_ship,
)
from ..writes import Reconciled, exactly_once, new_idempotency_key
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


def check_shipment(
    adapter: Adapter,
    fo_id: str,
    lines: Mapping[str, int] | None,
    tracking: Sequence[Tracking],
    options: FulfillmentOptions,
) -> tuple[str, Mapping[str, int] | None, list[Tracking]]:
    """A shipment's input checked without I/O: the fulfillment order and line ids in canonical
    spelling, the tracking trimmed, the key's form."""
    require(adapter, Capability.FULFILLMENTS_CREATE)
    check_key(options.idempotency_key)
    problems: list[Problem] = []
    fulfillment_order_id = ""
    checked: Mapping[str, int] | None = None
    tracks: list[Tracking] = []
    try:
        fulfillment_order_id = _fo(adapter, fo_id)
    except InvalidRequest as refused:
        problems.extend(refused.problems)
    try:
        checked = _lines(adapter, lines)
    except InvalidRequest as refused:
        problems.extend(refused.problems)
    try:
        tracks = check_tracking(adapter, tracking, at_least_one=False)
    except InvalidRequest as refused:
        problems.extend(refused.problems)
    if problems:  # every problem at once
        raise InvalidRequest(problems)
    adapter.check_tracking_support(tracks, "fulfillments.create")
    return fulfillment_order_id, checked, tracks


def fulfillment_order_owner(adapter: Adapter, fo_id: str) -> Op[str]:
    """The id of the order a fulfillment order belongs to (one read), to lock it."""
    fo = yield from adapter.get_fulfillment_order(_fo(adapter, fo_id))
    return fo.order_id


def create_fulfillment(
    adapter: Adapter,
    fo_id: str,
    lines: Mapping[str, int] | None,
    tracking: Sequence[Tracking],
    options: FulfillmentOptions,
    locked: str | None = None,
) -> Op[Fulfillment]:
    """Ship exactly the units asked (all that is left for None), exactly once: bad input is
    refused before any request, units above what is left after one read of the fulfillment
    order, and a lost answer is settled by re-reading the order (:func:`.find_shipment`)."""
    fulfillment_order_id, checked, tracks = check_shipment(adapter, fo_id, lines, tracking, options)
    key = options.idempotency_key or new_idempotency_key()
    options = FulfillmentOptions(notify=options.notify, idempotency_key=key)
    fo = yield from adapter.get_fulfillment_order(fulfillment_order_id)
    if locked is not None and fo.order_id != locked:
        raise OrderElsewhere((yield from adapter.get_order(fo.order_id)))
    order = yield from adapter.get_order(fo.order_id)
    done = yield from adapter.shipment_by_key(order, key)
    if done is not None:
        return done  # the same key again: the shipment it made, not a second one
    units = units_to_ship(fo, checked)
    shipment = yield from exactly_once(
        lambda: adapter.create_fulfillment(fulfillment_order_id, checked, tracks, options),
        lambda: find_shipment(adapter, order, fo, units, tracks, key),
        operation="fulfillments.create",
        idempotency_key=key,
        settle=adapter.settings.settle,
    )
    return shipment.model_copy(update={"idempotency_key": key})


def check_tracking_update(
    adapter: Adapter, fulfillment_id: object, tracking: Sequence[Tracking]
) -> tuple[str, list[Tracking]]:
    """A tracking update's input checked without I/O."""
    require(adapter, Capability.FULFILLMENTS_UPDATE_TRACKING)
    if not isinstance(fulfillment_id, str) or not fulfillment_id.strip():
        raise InvalidRequest([Problem("fulfillment_id", "give the shipment's id")])
    tracks = check_tracking(adapter, tracking, at_least_one=True)
    adapter.check_tracking_support(tracks, "fulfillments.update_tracking")
    return fulfillment_id.strip(), tracks


def update_tracking(
    adapter: Adapter, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
) -> Op[Fulfillment]:
    """Replace a shipment's tracking. Replacing is idempotent (sent twice, the shipment ends the
    same), so a lost answer is sent once more; never more."""
    shipment_id, tracks = check_tracking_update(adapter, fulfillment_id, tracking)

    def not_found() -> Op[Reconciled[Fulfillment]]:
        return Reconciled()
        yield  # pragma: no cover - makes this a generator

    return (
        yield from exactly_once(
            lambda: adapter.update_tracking(shipment_id, tracks, notify),
            not_found,
            operation="fulfillments.update_tracking",
            idempotency_key=new_idempotency_key(),
        )
    )


def cancel_fulfillment_order(
    adapter: Adapter, fo_id: str, locked: str | None = None
) -> Op[FulfillmentOrder]:
    """Cancel a fulfillment order once: a lost answer is settled by re-reading it (closed or
    canceled now means the cancel took effect)."""
    require(adapter, Capability.FULFILLMENTS_CANCEL)
    fulfillment_order_id = _fo(adapter, fo_id)
    fo = yield from adapter.get_fulfillment_order(fulfillment_order_id)
    if locked is not None and fo.order_id != locked:
        raise OrderElsewhere((yield from adapter.get_order(fo.order_id)))
    return (
        yield from exactly_once(
            lambda: adapter.cancel_fulfillment_order(fulfillment_order_id),
            lambda: find_cancellation(adapter, fo),
            operation="fulfillments.cancel",
            idempotency_key=new_idempotency_key(),
            settle=adapter.settings.settle,
        )
    )
