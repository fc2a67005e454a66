"""Shipments (``FulfillmentResponse``) as canonical fulfillments, and the ``CreateFulfillment`` body.

A shipment names no fulfillment order (correlate through ``order_line_id``); each
``TrackingInfo`` is one parcel (``carrier`` from a closed enum, ``other`` with
``carrier_other_name`` for the rest). The response repeats tracking as flat strings:
``tracking_code``/``_link``/``_carrier`` for the first parcel and ``tracking_codes``/``_links``/
``_carriers`` for all. INFERRED: the plural fields list every parcel, comma-separated, in the
order they were sent (the spec types them as plain strings and documents no format).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.models import (
    Fulfillment,
    FulfillmentLine,
    FulfillmentOrder,
    FulfillmentShipmentStatus,
    Tracking,
)

from .values import count_of, datetime_of, id_of, key_of

__all__ = [
    "CARRIERS",
    "INTENT_PREFIX",
    "KEY_PREFIX",
    "carrier_of",
    "fulfillment_body",
    "fulfillment_from_platform",
    "fulfillments_from_platform",
    "tracking_from_platform",
]

#: ``TrackingInfo.carrier`` (2024-04-01); any other company is ``other`` + ``carrier_other_name``.
CARRIERS = frozenset(
    {
        "4px",
        "amazon",
        "asendia",
        "australia_post",
        "china_post",
        "deutsche_de",
        "dhl",
        "dhl_ecommerce",
        "fedex",
        "firstmile",
        "gofo_express",
        "hermesworld_uk",
        "myhermes",
        "ontrac",
        "other",
        "royal_mail",
        "speedx",
        "swiss_post",
        "ulala",
        "uniuni",
        "ups",
        "usps",
        "yunexpress",
    }
)

#: Order ``metadata`` key prefix: ``uo_shipment_<shipment id>`` holds the idempotency key of the
#: shipment (written after the shipment is made; INFERRED: flat string values are kept as sent).
KEY_PREFIX = "uo_shipment_"
#: Order ``metadata`` key prefix: ``uo_shipment_intent_<key>`` marks a shipment started with that
#: idempotency key (``<fulfillment order id>;<ids of the order's shipments before>``).
INTENT_PREFIX = "uo_shipment_intent_"

_STATUS = {
    "success": FulfillmentShipmentStatus.SUCCESS,
    "canceled": FulfillmentShipmentStatus.CANCELED,
}


def carrier_of(company: str | None) -> tuple[str, str | None]:
    """``(carrier, carrier_other_name)`` for a company: the enum value it spells ("UPS",
    "Royal Mail", "dhl-ecommerce"), else ``other`` naming it."""
    if not company or not company.strip():
        return "other", None
    slug = re.sub(r"[^a-z0-9]+", "_", company.strip().lower()).strip("_")
    if slug in CARRIERS and slug != "other":
        return slug, None
    return "other", company.strip()


def _tracking_problems(tracking: Sequence[Tracking]) -> list[Problem]:
    problems = []
    for index, item in enumerate(tracking):
        if item.url and not item.url.lower().startswith(("http://", "https://")):
            problems.append(
                Problem(
                    f"tracking[{index}].url",
                    f"Next Commerce takes tracking links as http(s) URLs; {item.url!r} is not one",
                )
            )
    return problems


def fulfillment_body(
    lines: Mapping[str, int] | None, tracking: Sequence[Tracking], notify: bool
) -> dict[str, Any]:
    """``CreateFulfillment``: the lines (by fulfillment-order line id; left out for everything
    left), one ``TrackingInfo`` per parcel, and ``notify`` always sent (the platform defaults to
    true)."""
    problems = _tracking_problems(tracking)
    if problems:
        raise InvalidRequest(problems, operation="fulfillments.create")
    body: dict[str, Any] = {"notify": notify}
    if lines is not None:
        body["fulfillment_order_line_items"] = [
            {"id": int(line_id), "quantity": quantity} for line_id, quantity in lines.items()
        ]
    if tracking:
        infos = []
        for item in tracking:
            carrier, other_name = carrier_of(item.company)
            info: dict[str, Any] = {"carrier": carrier}
            if other_name:
                info["carrier_other_name"] = other_name
            if item.number:
                info["tracking_code"] = item.number
            if item.url:
                info["tracking_link"] = item.url
            infos.append(info)
        body["tracking_info"] = infos
    return body


def _split(value: Any) -> list[str]:
    if not value:
        return []
    if type(value) is str:
        if "," not in value:
            return [value.strip()]  # the usual single parcel
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [part.strip() for part in str(value).split(",")]


def tracking_from_platform(body: Mapping[str, Any]) -> list[Tracking]:
    """Every parcel's tracking, from the plural fields (or the singular ones when those are empty)."""
    codes = _split(body.get("tracking_codes")) or _split(body.get("tracking_code"))
    links = _split(body.get("tracking_links")) or _split(body.get("tracking_link"))
    if not codes and not links:
        return []
    carriers = _split(body.get("tracking_carriers")) or _split(body.get("tracking_carrier"))
    out = []
    for index in range(max(len(codes), len(links))):
        code = codes[index] if index < len(codes) else ""
        link = links[index] if index < len(links) else ""
        carrier = carriers[index] if index < len(carriers) else ""
        if not code and not link:
            continue
        out.append(
            Tracking.trusted(
                company=carrier if carrier and carrier != "other" else None,
                number=code or None,
                url=link or None,
            )
        )
    return out


def fulfillment_from_platform(
    body: Mapping[str, Any], fulfillment_order: FulfillmentOrder | None = None
) -> Fulfillment:
    """A ``FulfillmentResponse`` as canonical. The platform names no fulfillment order; when the
    shipment was made from ``fulfillment_order`` its id and line ids are filled in from it."""
    return _shipment(body, dict(body), fulfillment_order, None)


def _shipment(
    body: Mapping[str, Any],
    raw: dict[str, Any],
    fulfillment_order: FulfillmentOrder | None,
    idempotency_key: str | None,
) -> Fulfillment:
    status = str(body.get("status") or "")
    fo_lines = (
        {line.line_id: line.id for line in fulfillment_order.lines} if fulfillment_order else {}
    )
    lines = []
    for item in body.get("line_items") or []:
        line_id = key_of(item, "order_line_id")
        quantity = item["quantity"] if "quantity" in item else item.get("fulfilled_quantity")
        lines.append(
            FulfillmentLine.trusted(
                line_id=line_id, quantity=count_of(quantity), fo_line_id=fo_lines.get(line_id)
            )
        )
    fields: dict[str, Any] = {}
    if idempotency_key is not None:
        fields["idempotency_key"] = idempotency_key  # set only where the order keeps one
    return Fulfillment.trusted(
        id=key_of(body, "id"),
        order_id=key_of(body, "order_number"),
        fulfillment_order_id=fulfillment_order.id if fulfillment_order else None,
        status=_STATUS.get(status, FulfillmentShipmentStatus.UNKNOWN),
        platform_status=status or None,
        lines=lines,
        tracking=tracking_from_platform(body),
        location_id=id_of(body.get("location_id")),
        created_at=datetime_of(body.get("created_at")),
        raw=raw,
        **fields,
    )


def fulfillments_from_platform(order: Mapping[str, Any]) -> list[Fulfillment]:
    """An order's ``fulfillments[]`` (canceled ones included, with their status), each with the
    idempotency key the order's ``metadata`` keeps for it. An entry with no ``id`` (the spec
    requires one) is no shipment anyone can name; its units still count in the lines'
    ``fulfilled_quantity``."""
    number = order.get("number")
    metadata = order.get("metadata")
    keys = metadata if type(metadata) is dict or isinstance(metadata, Mapping) else {}
    out = []
    for item in order.get("fulfillments") or []:
        if not (type(item) is dict or isinstance(item, Mapping)) or item.get("id") in (None, ""):
            continue
        # a fresh dict: the shipment's raw payload, with the order it belongs to
        body = {**item, "order_number": item.get("order_number") or number}
        key = keys.get(f"{KEY_PREFIX}{item['id']}") if keys else None
        out.append(_shipment(body, body, None, key if isinstance(key, str) and key else None))
    return out
