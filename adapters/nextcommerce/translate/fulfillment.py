"""Fulfillment orders: statuses, holds, split and move responses, locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import OPEN_FULFILLMENT_ORDER_STATUSES, ReadFailure
from unified_orders.errors import PlatformError
from unified_orders.models import (
    FulfillmentHold,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfillmentOrderStatus,
    HoldReason,
    Location,
)
from unified_orders.pagination import READ_ERRORS

from .values import PLATFORM, count_of, datetime_of, id_of, key_of

__all__ = [
    "FULFILLMENT_ORDER_STATUS",
    "HOLD_REASON_FROM_PLATFORM",
    "HOLD_REASON_TO_PLATFORM",
    "OPEN_STATUSES",
    "fulfillment_order_from_platform",
    "fulfillment_orders_from_platform",
    "hold_body",
    "locations_from_platform",
    "open_fulfillment_orders",
    "split_response",
]

FULFILLMENT_ORDER_STATUS: dict[str, FulfillmentOrderStatus] = {
    "open": FulfillmentOrderStatus.OPEN,
    "processing": FulfillmentOrderStatus.IN_PROGRESS,
    "on_hold": FulfillmentOrderStatus.ON_HOLD,
    "incomplete": FulfillmentOrderStatus.INCOMPLETE,
    "closed": FulfillmentOrderStatus.CLOSED,
    "canceled": FulfillmentOrderStatus.CANCELED,
    "not_required": FulfillmentOrderStatus.CLOSED,  # nothing to ship from it
}

HOLD_REASON_TO_PLATFORM: dict[HoldReason, str] = {
    HoldReason.INCORRECT_ADDRESS: "address_incorrect",
    HoldReason.INVENTORY_OUT_OF_STOCK: "out_of_stock",
    HoldReason.HIGH_RISK_OF_FRAUD: "high_risk",
    HoldReason.AWAITING_PAYMENT: "awaiting_payment",
    HoldReason.OTHER: "other",
    HoldReason.UNKNOWN_DELIVERY_DATE: "other",
    HoldReason.AWAITING_RETURN_ITEMS: "other",
}

HOLD_REASON_FROM_PLATFORM: dict[str, HoldReason] = {
    "address_incorrect": HoldReason.INCORRECT_ADDRESS,
    "out_of_stock": HoldReason.INVENTORY_OUT_OF_STOCK,
    "high_risk": HoldReason.HIGH_RISK_OF_FRAUD,
    "awaiting_payment": HoldReason.AWAITING_PAYMENT,
    "other": HoldReason.OTHER,
}


def _hold_from_platform(body: Mapping[str, Any]) -> FulfillmentHold:
    reason = str(body.get("reason") or "")
    return FulfillmentHold.trusted(
        reason=HOLD_REASON_FROM_PLATFORM.get(reason, HoldReason.OTHER),
        platform_reason=reason or None,
        note=body.get("reason_message") or None,
        raw=dict(body),
    )


def fulfillment_order_from_platform(
    body: Mapping[str, Any], replaced_by: list[str] | None = None
) -> FulfillmentOrder:
    """A ``FulfillmentOrder`` as canonical (quantities typed as strings by the spec are coerced)."""
    status = str(body.get("status") or "")
    location = body.get("assigned_location") or {}
    lines = [
        FulfillmentOrderLine.trusted(
            id=key_of(item, "id"),
            line_id=key_of(item, "order_line_id"),
            quantity=count_of(item.get("quantity", item.get("fulfillable_quantity"))),
            fulfillable_quantity=count_of(item.get("fulfillable_quantity")),
            raw=dict(item),
        )
        for item in body.get("line_items") or []
    ]
    return FulfillmentOrder.trusted(
        id=key_of(body, "id"),
        order_id=str(body.get("order_number")),
        status=FULFILLMENT_ORDER_STATUS.get(status, FulfillmentOrderStatus.UNKNOWN),
        platform_status=status or None,
        request_status=body.get("request_status"),
        location_id=id_of(location.get("id")),
        lines=lines,
        holds=[_hold_from_platform(h) for h in body.get("fulfillment_holds") or []],
        supported_actions=[str(a) for a in body.get("supported_actions") or []],
        replaced_by=replaced_by or [],
        created_at=datetime_of(body.get("created_at")),
        raw=dict(body),
    )


def fulfillment_orders_from_platform(body: Any) -> list[FulfillmentOrder]:
    """``ordersFulfillmentOrdersRetrieve``: declared as one object, documented as a list; or a page."""
    if isinstance(body, Mapping) and isinstance(body.get("results"), list):
        items: list[Any] = body["results"]
    elif isinstance(body, Mapping):
        items = [body] if body.get("id") is not None else []
    elif isinstance(body, list):
        items = body
    else:
        items = []
    return [fulfillment_order_from_platform(item) for item in items]


#: The platform statuses of the fulfillment orders that may still change (the canonical
#: ``OPEN_FULFILLMENT_ORDER_STATUSES``), as ``fulfillmentOrdersList`` filters them (``status[]``).
OPEN_STATUSES: tuple[str, ...] = tuple(
    status
    for status, canonical in FULFILLMENT_ORDER_STATUS.items()
    if canonical in OPEN_FULFILLMENT_ORDER_STATUSES
)


def open_fulfillment_orders(results: list[Any]) -> tuple[list[FulfillmentOrder], list[ReadFailure]]:
    """The fulfillment orders of a ``fulfillmentOrdersList`` page; one that cannot be read is a
    failure named by its ``order_number`` (its order is then read again in full). One that names
    no order is a PlatformError: nothing could say which order it belongs to."""
    fos: list[FulfillmentOrder] = []
    failures: list[ReadFailure] = []
    for index, item in enumerate(results):
        number = item.get("order_number") if isinstance(item, Mapping) else None
        if number in (None, ""):
            raise PlatformError(
                f"fulfillment order results[{index}] names no order_number, so its order "
                "cannot be told",
                platform=PLATFORM,
                code="unreadable_response",
            )
        try:
            fos.append(fulfillment_order_from_platform(item))
        except READ_ERRORS as error:
            failures.append(ReadFailure(str(number), f"{type(error).__name__}: {error}"))
    return fos, failures


def split_response(original_id: str, body: Mapping[str, Any], keys: list[str]) -> FulfillmentOrder:
    """The original fulfillment order of a split/move response, with the new ones' ids.

    ``keys`` are the response members that may hold fulfillment orders other than the original
    (``moved_fulfillment_order``, ``requested_…``/``unrequested_…``); ids differing from the
    original's are the fulfillment orders the operation created.
    """
    created: list[str] = []
    for key in keys:
        item = body.get(key)
        if isinstance(item, Mapping) and item.get("id") is not None:
            new_id = key_of(item, "id")
            if new_id != original_id and new_id not in created:
                created.append(new_id)
    original = body.get("original_fulfillment_order")
    if not isinstance(original, Mapping):
        raise PlatformError(
            "the response names no original_fulfillment_order", platform=PLATFORM, details=body
        )
    fo = fulfillment_order_from_platform(original, created)
    return fo.model_copy(update={"raw": dict(body)})


def hold_body(reason: HoldReason, note: str | None) -> dict[str, Any]:
    """``HoldFulfillment``; canonical reasons without a twin become ``other``, named in the message."""
    platform_reason = HOLD_REASON_TO_PLATFORM[reason]
    message = note
    if platform_reason == "other" and reason is not HoldReason.OTHER:
        message = f"{reason.value}: {note}" if note else reason.value
    body: dict[str, Any] = {"reason": platform_reason}
    if message:
        body["reason_message"] = message
    return body


def locations_from_platform(body: Any) -> list[Location]:
    """``availableLocationsRetrieve`` in either documented shape.

    The guide shows ``{"available_locations": [{"id", "name", "fulfillment_order_line_ids"}]}``;
    the spec declares ``available_locations`` an object, read here as ``{location id: name or
    {name, ...}}`` (or one location object with an ``id``).
    """
    payload = body.get("available_locations") if isinstance(body, Mapping) else body
    out: list[Location] = []
    if isinstance(payload, list):
        for item in payload:
            if isinstance(item, Mapping) and item.get("id") is not None:
                out.append(
                    Location.trusted(id=key_of(item, "id"), name=item.get("name"), raw=dict(item))
                )
    elif isinstance(payload, Mapping):
        if payload.get("id") is not None and not isinstance(payload.get("id"), Mapping):
            out.append(
                Location.trusted(
                    id=key_of(payload, "id"), name=payload.get("name"), raw=dict(payload)
                )
            )
        else:
            for key, value in payload.items():
                if isinstance(value, Mapping):
                    location_id = value.get("id", key)
                    out.append(
                        Location.trusted(
                            id=str(location_id), name=value.get("name"), raw=dict(value)
                        )
                    )
                else:
                    out.append(
                        Location.trusted(id=str(key), name=str(value) if value else None, raw=value)
                    )
    return out
