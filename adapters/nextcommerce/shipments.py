"""Shipping on Next Commerce: ship a fulfillment order with tracking, cancel a fulfillment order.

- ``fulfillmentsCreate`` (``POST fulfillment-orders/{id}/fulfillments/``) ships some or all of
  a fulfillment order's remaining units: partial lines are sent as they are asked
  (``fulfillment_order_line_items``), never widened. Every ``Tracking`` is one ``TrackingInfo``,
  so a shipment takes several parcels.
- ``fulfillmentOrdersCancel`` (``POST fulfillment-orders/{id}/cancel/``) cancels it; the answer's
  ``new_fulfillment_order`` (INFERRED: the units still to ship, as on Shopify) is in
  ``replaced_by``.
- There is no endpoint that changes a shipment's tracking (2024-04-01 has only reads and
  tracking *events* on ``orders/{number}/fulfillments/{id}/``): ``update_tracking`` is refused,
  and cancelling then shipping again is not offered in its place (it would be a new shipment).

Exactly-once: ``CreateFulfillment`` has no field the platform keeps and shows back that could
carry the idempotency key (lines, ``notify``, tracking only), so the key lives in the order's
``metadata``: before shipping, an intent (``uo_shipment_intent_<key>``: the fulfillment order and
the shipments made so far); once shipped, ``uo_shipment_<id>`` = key. A same-key retry finds the
shipment it made, or, after an intent whose outcome is unknown, refuses a look-alike made since
(:class:`AmbiguousWrite`) instead of shipping twice. A shipment whose answer was lost carries no
key yet: the core's re-read never adopts a look-alike (``stores_shipment_keys`` stays false).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from unified_orders.adapter import (
    Adapter,
    Capability,
    FulfillmentOptions,
    Op,
    Request,
    Response,
)
from unified_orders.errors import (
    AmbiguousWrite,
    Hint,
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
    UnifiedOrdersError,
)
from unified_orders.models import Fulfillment, FulfillmentOrder, Tracking

from . import translate
from .translate.fulfillments import (
    INTENT_PREFIX,
    KEY_PREFIX,
    fulfillment_body,
    fulfillment_from_platform,
    fulfillments_from_platform,
)

__all__ = [
    "CANCELABLE",
    "NO_SHIPPING",
    "SHIPPABLE",
    "SHIPPING_HINTS",
    "ShipmentsMixin",
]

log = logging.getLogger("unified_orders.nextcommerce")

#: Fulfillment-order statuses a shipment can be made from (open, or with its service).
SHIPPABLE = frozenset({"open", "processing"})
#: Statuses ``fulfillmentOrdersCancel`` is sent for (INFERRED: one a fulfillment service holds,
#: ``processing``, needs an accepted cancellation request first, as a move does).
CANCELABLE = frozenset({"open", "on_hold"})

_NO_TRACKING_UPDATE = (
    "Next Commerce has no endpoint that changes a shipment's tracking (Admin API 2024-04-01 "
    "reads shipments and adds tracking events only). Give the tracking when shipping "
    "({ship}); a shipment takes several parcels. Cancelling and shipping again is not the same "
    "thing and is not done for you"
)
SHIPPING_HINTS: dict[Capability, str] = {
    Capability.FULFILLMENTS_UPDATE_TRACKING: Hint(
        _NO_TRACKING_UPDATE.format(ship="store.fulfillments.create(fo_id, tracking=[...])"),
        cli=_NO_TRACKING_UPDATE.format(
            ship="unified-orders fulfillments ship STORE FO --tracking-number ..."
        ),
    ),
}
#: Shipping capabilities Next Commerce lacks (their hints are in :data:`SHIPPING_HINTS`).
NO_SHIPPING = frozenset(SHIPPING_HINTS)


def _integer(value: str, path: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(
            [Problem(path, f"Next Commerce {what} ids are integers; {value!r} is not one")]
        ) from None


class ShipmentsMixin(Adapter):
    """``create_fulfillment`` and ``cancel_fulfillment_order`` for the Next Commerce adapter."""

    #: Each tracking is one ``TrackingInfo``: a shipment carries any number of parcels.
    tracking_numbers_per_shipment: ClassVar[int | None] = None

    def check_tracking_support(self, tracking: Sequence[Tracking], operation: str) -> None:
        """Refuse, without I/O, tracking Next Commerce cannot take (a link that is no URL)."""
        fulfillment_body(None, tracking, notify=False)

    def _fulfillment_order(self, fo_id: int) -> Op[FulfillmentOrder]:
        response = yield Request("GET", f"fulfillment-orders/{fo_id}/")
        return translate.readable(
            response,
            translate.fulfillment_order_from_platform,
            f"fulfillment order {fo_id}",
            write=False,
        )

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrdersRetrieve``."""
        fo_id = _integer(fulfillment_order_id, "fulfillment_order_id", "fulfillment order")
        return (yield from self._fulfillment_order(fo_id))

    def _transition(self, fo_id: int | str, action: str, json: Any = None) -> Op[Response]:
        """POST a fulfillment-order action; a refusal without field errors is IllegalTransition."""
        try:
            response = yield Request("POST", f"fulfillment-orders/{fo_id}/{action}/", json=json)
        except PlatformError as error:
            if error.status in (400, 409, 422) and all(not p.path for p in error.problems):
                raise IllegalTransition(
                    f"fulfillment order {fo_id}: {action} refused: {error.message}",
                    status=error.status,
                    platform=self.platform,
                    problems=error.problems,
                    details=error.details,
                ) from error
            raise
        return response

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[Tracking],
        options: FulfillmentOptions,
    ) -> Op[Fulfillment]:
        """``fulfillmentsCreate`` for exactly the lines asked (all that is left when None).

        The fulfillment order is read first: lines it does not have or quantities above what is
        left are refused before anything is shipped.
        """
        fo_id = _integer(fulfillment_order_id, "fulfillment_order_id", "fulfillment order")
        if lines is not None:
            lines = {
                str(_integer(key, f"lines[{key}]", "fulfillment-order line")): quantity
                for key, quantity in lines.items()
            }
        body = fulfillment_body(lines, tracking, options.notify)
        current = yield from self._fulfillment_order(fo_id)
        status = current.platform_status or ""
        if status not in SHIPPABLE:
            raise IllegalTransition(
                f"fulfillment order {fo_id} is {status or 'in an unknown state'}; Next Commerce "
                "ships only open or processing fulfillment orders",
                state=current.platform_status,
                platform=self.platform,
            )
        left = {line.id: line.fulfillable_quantity for line in current.lines}
        problems = []
        for line_id, quantity in (lines or {}).items():
            if line_id not in left:
                problems.append(
                    Problem(f"lines[{line_id}]", f"fulfillment order {fo_id} has no such line")
                )
            elif quantity > left[line_id]:
                problems.append(
                    Problem(
                        f"lines[{line_id}]",
                        f"only {left[line_id]} unit(s) left to ship, asked for {quantity}",
                    )
                )
        if lines is None and not any(left.values()):
            problems.append(Problem("lines", f"fulfillment order {fo_id} has nothing left to ship"))
        if problems:
            raise InvalidRequest(problems, operation="fulfillments.create")
        key = options.idempotency_key
        if key is not None:
            done = yield from self._announce(current, key)
            if done is not None:
                return done
        response = yield from self._transition(fo_id, "fulfillments", body)
        shipment = translate.readable(
            response,
            lambda answer: fulfillment_from_platform(answer, current),
            f"the shipment of fulfillment order {fo_id}",
            write=True,
        )
        if key is not None:
            yield from self._keep_key(shipment, key)
        return shipment.model_copy(update={"idempotency_key": key})

    def _order_body(self, number: str) -> Op[dict[str, Any]]:
        response = yield Request("GET", f"orders/{number}/")
        body = response.body
        if not isinstance(body, Mapping):
            raise PlatformError(
                f"order {number}: the answer is not an order", platform=self.platform
            )
        return dict(body)

    def _announce(self, fo: FulfillmentOrder, key: str) -> Op[Fulfillment | None]:
        """Before shipping with ``key``: the shipment it already made, if the order's metadata
        says so; else the intent recorded in the metadata (``uo_shipment_intent_<key>``: the
        fulfillment order and the shipments the order had before), so a retry with this key from
        anywhere can tell a shipment made since from none. A retry that finds the intent and a
        shipment of this fulfillment order's lines made since cannot prove it ours:
        :class:`AmbiguousWrite`, never a second shipment."""
        order = yield from self._order_body(fo.order_id)
        metadata = order.get("metadata")
        kept: dict[str, Any] = dict(metadata) if isinstance(metadata, Mapping) else {}
        shipments = fulfillments_from_platform(order)
        done = [f for f in shipments if f.idempotency_key == key]
        if done:
            return done[0]
        intent = kept.get(f"{INTENT_PREFIX}{key}")
        if isinstance(intent, str):
            before = set(intent.partition(";")[2].split(",")) - {""}
            ours = {line.line_id for line in fo.lines}
            alike = [
                f.id
                for f in shipments
                if f.id not in before and any(x.line_id in ours for x in f.lines)
            ]
            if alike:
                raise AmbiguousWrite(
                    f"fulfillments.create: a shipment with idempotency_key={key!r} was started "
                    f"earlier and shipment(s) {', '.join(alike)} of these lines were made since; "
                    "Next Commerce keeps no key on a shipment, so they may be someone else's and "
                    "none was adopted. Check the order before shipping again.",
                    operation="fulfillments.create",
                    idempotency_key=key,
                    candidates=alike,
                )
            return None  # started, never made: ship now
        kept[f"{INTENT_PREFIX}{key}"] = f"{fo.id};{','.join(f.id for f in shipments)}"
        yield Request("PATCH", f"orders/{fo.order_id}/", json={"metadata": kept}, retry_safe=True)
        return None

    def _keep_key(self, shipment: Fulfillment, key: str) -> Op[None]:
        """Write the shipment's key into its order's ``metadata`` (``uo_shipment_<id>``, the
        intent removed), so a same-key retry finds the shipment. The shipment is made whatever
        happens here: a failure is logged, never raised (raising would make a made shipment look
        lost); the intent left behind makes a same-key retry an :class:`AmbiguousWrite`, never a
        second shipment."""
        try:
            order = yield from self._order_body(shipment.order_id)
            metadata = order.get("metadata")
            kept = dict(metadata) if isinstance(metadata, Mapping) else {}
            kept.pop(f"{INTENT_PREFIX}{key}", None)
            kept[f"{KEY_PREFIX}{shipment.id}"] = key
            yield Request(
                "PATCH",
                f"orders/{shipment.order_id}/",
                json={"metadata": kept},
                retry_safe=True,
            )
        except UnifiedOrdersError as error:
            log.warning(
                "shipment %s of order %s was made, but its idempotency key could not be kept "
                "in the order's metadata (%s): a retry with key %r will be refused as ambiguous",
                shipment.id,
                shipment.order_id,
                error,
                key,
            )

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrdersCancel``; the replacement the platform opens is in ``replaced_by``."""
        fo_id = _integer(fulfillment_order_id, "fulfillment_order_id", "fulfillment order")
        current = yield from self._fulfillment_order(fo_id)
        status = current.platform_status or ""
        if status not in CANCELABLE:
            with_service = status == "processing"
            raise IllegalTransition(
                f"fulfillment order {fo_id} is {status or 'in an unknown state'}; Next Commerce "
                "cancels open or held fulfillment orders."
                + (
                    " Its fulfillment service has it: send a cancellation request first "
                    "(store.fulfillments.request_cancellation) and cancel once it is accepted."
                    if with_service
                    else ""
                ),
                state=current.platform_status,
                possible=["request_cancellation"] if with_service else [],
                platform=self.platform,
            )
        response = yield from self._transition(fo_id, "cancel", None)
        return translate.readable(
            response,
            lambda answer: translate.split_response(str(fo_id), answer, ["new_fulfillment_order"]),
            f"the cancel of fulfillment order {fo_id}",
            write=True,
        )
