"""What both Shopify dialects share about shipments: their statuses, and the tracking Shopify
keeps per shipment (one carrier; several numbers, each with its link or none)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unified_orders.errors import UnsupportedOperation
from unified_orders.models import FulfillmentShipmentStatus, Tracking

from .vocabulary import PLATFORM

__all__ = ["SHIPMENT_STATUS", "shipment_status", "tracking_fields", "tracking_read"]

#: Shopify's fulfillment statuses (REST spelling; GraphQL's lower-cased) -> canonical.
SHIPMENT_STATUS = {
    "pending": FulfillmentShipmentStatus.PENDING,
    "open": FulfillmentShipmentStatus.OPEN,
    "success": FulfillmentShipmentStatus.SUCCESS,
    "cancelled": FulfillmentShipmentStatus.CANCELED,
    "error": FulfillmentShipmentStatus.ERROR,
    "failure": FulfillmentShipmentStatus.FAILURE,
}


def shipment_status(value: Any) -> FulfillmentShipmentStatus:
    """The canonical status of a Shopify fulfillment status (either spelling)."""
    return SHIPMENT_STATUS.get(str(value or "").lower(), FulfillmentShipmentStatus.UNKNOWN)


def tracking_fields(tracking: Sequence[Tracking]) -> dict[str, Any]:
    """The tracking as Shopify's fields: ``company`` with ``number``/``url`` for one parcel,
    ``numbers``/``urls`` for several (empty for none). Shopify keeps one carrier per shipment and
    links parallel to numbers, so parcels of several carriers, or several parcels where some lack
    a number or a link others have, are refused, saying so."""
    if not tracking:
        return {}
    companies = {t.company for t in tracking if t.company}
    if len(companies) > 1:
        raise UnsupportedOperation(
            PLATFORM,
            "parcels of several carriers on one shipment",
            "Shopify keeps one carrier per shipment: ship each carrier's parcels as a shipment "
            "of its own",
        )
    fields: dict[str, Any] = {"company": companies.pop()} if companies else {}
    if len(tracking) == 1:
        only = tracking[0]
        fields.update({k: v for k, v in (("number", only.number), ("url", only.url)) if v})
        return fields
    links = [t.url for t in tracking if t.url]
    if any(t.number is None for t in tracking) or 0 < len(links) < len(tracking):
        raise UnsupportedOperation(
            PLATFORM,
            "several parcels where some lack a tracking number or a link the others have",
            "Shopify keeps links parallel to numbers: give every parcel a number, and a link "
            "for all of them or none",
        )
    fields["numbers"] = [t.number for t in tracking]
    if links:
        fields["urls"] = links
    return fields


def tracking_read(company: Any, numbers: Sequence[Any], urls: Sequence[Any]) -> list[Tracking]:
    """Tracking from Shopify's carrier and parallel numbers and links (a link alone where a
    shipment has links but no numbers)."""
    carrier = str(company) if company else None
    found = [
        Tracking.trusted(
            company=carrier,
            number=str(number),
            url=str(urls[index]) if index < len(urls) and urls[index] else None,
        )
        for index, number in enumerate(numbers)
        if number
    ]
    if not found:
        found = [Tracking.trusted(company=carrier, url=str(url)) for url in urls if url]
    return found
