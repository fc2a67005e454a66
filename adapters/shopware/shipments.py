"""Shipping on Shopware: a delivery shipped with tracking codes, its codes replaced, its cancel.

A fulfillment order here is a delivery (``order_delivery``); a shipment moves it to ``shipped``
(everything left) or ``shipped_partially`` (some units) and adds its tracking numbers to the
delivery's ``trackingCodes``. Core keeps no units per position, so the units shipped so far live
in ``customFields[SHIPPED_FIELD]`` (as ``fulfillments.request_fulfillment`` keeps them) and each
shipment's record, with its idempotency key, in ``customFields[SHIPMENTS_FIELD]``. In the
administration a partial shipment shows only as the state "Shipped (partially)"; the units are
ours (:mod:`.translate.fulfillments`).

Tracking: ``trackingCodes`` are plain strings. A carrier name or a tracking link per code cannot
be kept (the shipping method has the carrier and its tracking-link template), so a
:class:`Tracking` with ``company`` or ``url`` is refused, never half-stored.

Exactly-once: a state transition has no id to derive from the key, so the key rides in the
delivery's shipment records, written (``PATCH order-delivery``, absolute values, safe to repeat)
before the transition; a shipment counts as made once the delivery records its key *and* is in
the state it leads to. The same key again returns it without writing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from unified_orders.adapter import FulfillmentOptions, Op, Request
from unified_orders.errors import (
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    UnsupportedOperation,
)
from unified_orders.models import Fulfillment, FulfillmentOrder, Tracking
from unified_orders.writes import unsettled

from . import states
from . import translate as t
from .details import DetailsMixin
from .platform import PLATFORM
from .translate.fulfillments import (
    SHIPMENTS_FIELD,
    SHIPPED_STATES,
    applied,
    fulfillment_from_delivery,
    shipment_record,
    shipments_of,
)

__all__ = ["TRACKING_HINT", "ShipmentsMixin"]

TRACKING_HINT = (
    "Shopware keeps tracking numbers only (order_delivery.trackingCodes, a list of strings): "
    "the carrier and the tracking link come from the delivery's shipping method (its tracking "
    "URL template). Give numbers only; set the carrier's link on the shipping method in the "
    "administration"
)


def _codes(tracking: Sequence[Tracking], operation: str, platform: str) -> list[str]:
    """The tracking numbers; a company or link (which Shopware cannot keep) is refused."""
    dropped = [
        f"tracking[{i}].{name}"
        for i, item in enumerate(tracking)
        for name, value in (("company", item.company), ("url", item.url))
        if value
    ]
    if dropped:
        raise UnsupportedOperation(
            platform,
            f"{operation} with a tracking company or url ({', '.join(dropped)})",
            TRACKING_HINT,
        )
    missing = [
        Problem(f"tracking[{i}].number", "a tracking number is needed")
        for i, item in enumerate(tracking)
        if not item.number
    ]
    if missing:
        raise InvalidRequest(missing, operation=operation)
    codes: list[str] = []
    for item in tracking:
        if item.number and item.number not in codes:
            codes.append(item.number)
    return codes


class ShipmentsMixin(DetailsMixin):
    """``create_fulfillment``, ``update_tracking`` and ``cancel_fulfillment_order`` on deliveries."""

    #: ``trackingCodes`` is a list: a shipment carries any number of tracking numbers.
    tracking_numbers_per_shipment: ClassVar[int | None] = None
    #: A shipment's key is kept in the delivery's shipment records and read back.
    stores_shipment_keys: ClassVar[bool] = True

    def check_tracking_support(self, tracking: Sequence[Tracking], operation: str) -> None:
        """Refuse, without I/O, tracking Shopware cannot keep (a company or link per code)."""
        _codes(tracking, operation, self.platform)

    def _delivery(self, delivery_id: str) -> Op[tuple[dict[str, Any], dict[str, Any]]]:
        """The order holding delivery ``delivery_id``, and the delivery."""
        hits = yield from self._search(
            "order",
            {
                "filter": [{"type": "equals", "field": "deliveries.id", "value": delivery_id}],
                "associations": t.ORDER_ASSOCIATIONS,
                "limit": 1,
            },
        )
        for delivery in (hits[0].get("deliveries") or []) if hits else []:
            if delivery.get("id") == delivery_id:
                return hits[0], dict(delivery)
        raise NotFound(f"delivery {delivery_id} not found", status=404, platform=self.platform)

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """A delivery as a fulfillment order (one ``search/order`` by delivery id)."""
        delivery_id = self._check_id(fulfillment_order_id, "fulfillment_order_id")
        order, _ = yield from self._delivery(delivery_id)
        listing = yield from self._fulfillment_orders(order)
        return next(fo for fo in listing if fo.id == delivery_id)

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[Tracking],
        options: FulfillmentOptions,
    ) -> Op[Fulfillment]:
        """Ship a delivery's positions (all that is left when None) with tracking numbers.

        First the record (``PATCH order-delivery``: the codes, this shipment keyed by its
        idempotency key, and, for a partial shipment, the units shipped per position), then the
        transition to ``shipped`` or ``shipped_partially``. A partially shipped delivery that ships
        more but not all has no transition (Shopware has none): the record is the shipment. The
        units are not written for a shipment to ``shipped`` (that state means every unit), so a
        record whose transition is lost never shows units as shipped.
        """
        codes = _codes(tracking, "fulfillments.create", self.platform)
        delivery_id = self._check_id(fulfillment_order_id, "fulfillment_order_id")
        key = options.idempotency_key
        order, delivery = yield from self._delivery(delivery_id)
        order_id = str(order["id"])
        if key is not None and applied(delivery, key):
            return _shipped(delivery, order_id, key)  # the same key again: no second shipment
        fields = dict(delivery.get("customFields") or {})
        all_codes = list(delivery.get("trackingCodes") or [])
        record = shipments_of(delivery).get(key) if key is not None else None
        if record is not None:
            # recorded, its transition lost: the same shipment again, as recorded
            target = str(record.get("state"))
            all_codes += [c for c in record.get("trackingCodes") or [] if c not in all_codes]
        else:
            asked, target, shipped = _plan(delivery, order, lines)
            all_codes += [code for code in codes if code not in all_codes]
            if target == "shipped_partially":
                fields[t.SHIPPED_FIELD] = shipped
            if key is not None:
                at = datetime.now(UTC).isoformat()
                fields[SHIPMENTS_FIELD] = {
                    **shipments_of(delivery),
                    key: shipment_record(asked, codes, target, at),
                }
        yield Request(
            "PATCH",
            f"order-delivery/{delivery_id}",
            json={"trackingCodes": all_codes, "customFields": fields},
            retry_safe=True,
        )
        current = t.state_name(delivery) or "open"
        if current != target:
            try:
                yield from self.transition(
                    "order_delivery", delivery_id, target, current=current, notify=options.notify
                )
            except PlatformError as error:  # the key is on the delivery: a re-read settles it
                raise unsettled(error, f"delivery {delivery_id}'s {target}") from error
        state = {**(delivery.get("stateMachineState") or {}), "technicalName": target}
        after = {
            **delivery,
            "trackingCodes": all_codes,
            "customFields": fields,
            "stateMachineState": state,
        }
        return _shipped(after, order_id, key)

    def update_tracking(
        self, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
    ) -> Op[Fulfillment]:
        """Replace a shipped delivery's ``trackingCodes`` (a PATCH: no mail is sent for it)."""
        codes = _codes(tracking, "fulfillments.update_tracking", self.platform)
        if notify:
            raise UnsupportedOperation(
                self.platform,
                "fulfillments.update_tracking",
                "Shopware sends no mail when a delivery's tracking codes change (mails belong "
                "to state transitions); update without notify",
            )
        delivery_id = self._check_id(fulfillment_id, "fulfillment_id")
        order, delivery = yield from self._delivery(delivery_id)
        state = t.state_name(delivery) or ""
        if state not in SHIPPED_STATES:
            raise IllegalTransition(
                f"delivery {delivery_id} is {state or 'in an unknown state'}: nothing was shipped, "
                "so there is no shipment to track; ship it (fulfillments.create) with the tracking",
                state=state or None,
                platform=self.platform,
            )
        yield Request(
            "PATCH",
            f"order-delivery/{delivery_id}",
            json={"trackingCodes": codes},
            retry_safe=True,
        )
        return _shipped({**delivery, "trackingCodes": codes}, str(order["id"]), None)

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """The delivery's ``cancel`` transition, while nothing of it was shipped.

        The delivery machine also cancels shipped and partially shipped deliveries, but that
        would read as "nothing shipped" afterwards: refused, saying why.
        """
        delivery_id = self._check_id(fulfillment_order_id, "fulfillment_order_id")
        order, delivery = yield from self._delivery(delivery_id)
        state = t.state_name(delivery) or ""
        if state == "open":
            yield from self.transition("order_delivery", delivery_id, "cancelled", current=state)
        elif state != "cancelled":
            raise IllegalTransition(
                f"delivery {delivery_id} is {state or 'in an unknown state'}; Shopware would "
                "cancel the whole delivery, shipped units included, and its shipment would be "
                "lost. Only an open delivery (nothing shipped yet) is canceled here",
                state=state or None,
                platform=self.platform,
            )
        listing = yield from self.list_fulfillment_orders(str(order["id"]))
        return next(fo for fo in listing if fo.id == delivery_id)


def _shipped(delivery: Mapping[str, Any], order_id: str, key: str | None) -> Fulfillment:
    found = fulfillment_from_delivery(delivery, order_id, key)
    if found is None:  # pragma: no cover - a shipped state is set before this is called
        raise InvalidRequest([Problem("fulfillment_order_id", "the delivery is not shipped")])
    return found


def _plan(
    delivery: Mapping[str, Any], order: Mapping[str, Any], lines: Mapping[str, int] | None
) -> tuple[dict[str, int], str, dict[str, int]]:
    """``(units asked per position, target state, units shipped per position afterwards)``;
    unknown positions, too many units, or a delivery with nothing left to ship are refused."""
    before = t.fulfillment_order_from_delivery(delivery, order, [])
    state = before.platform_status or ""
    if state not in ("open", "shipped_partially"):
        raise IllegalTransition(
            f"delivery {before.id} is {state or 'in an unknown state'}; only an open or "
            "partially shipped delivery can ship",
            state=state or None,
            platform=PLATFORM,
        )
    left = {line.id: line.fulfillable_quantity for line in before.lines}
    if lines is None:
        asked = {line_id: units for line_id, units in left.items() if units > 0}
        if not asked and before.lines:
            raise InvalidRequest(
                [Problem("lines", f"delivery {before.id} has nothing left to ship")],
                operation="fulfillments.create",
            )
    else:
        asked = dict(lines)
    problems = []
    for key, quantity in asked.items():
        if key not in left:
            problems.append(
                Problem(f"lines[{key}]", f"delivery {before.id} has no position {key!r}")
            )
        elif quantity > left[key]:
            problems.append(
                Problem(
                    f"lines[{key}]", f"only {left[key]} unit(s) left to ship, asked for {quantity}"
                )
            )
    if problems:
        raise InvalidRequest(problems, operation="fulfillments.create")
    shipped = {
        line.id: line.quantity - line.fulfillable_quantity + asked.get(line.id, 0)
        for line in before.lines
    }
    complete = all(shipped[line.id] >= line.quantity for line in before.lines)
    return asked, states.shipping_state(complete), shipped
