"""A shipment's parcels in the sandbox: stored ``TrackingInfo`` entries and their response fields.

A stored fulfillment keeps ``tracking``: the ``TrackingInfo`` entries it was created with. Seeded
ones carry a single ``tracking_code`` / ``carrier`` instead (with a made-up link). The response
fields follow the adapter's reading (INFERRED, see ``translate/fulfillments.py``): the singular
fields are the first parcel, the plural ones every parcel, comma-separated.
"""

from __future__ import annotations

from typing import Any

from ..translate.fulfillments import CARRIERS
from .state import Json

__all__ = ["tracking_errors", "tracking_fields"]


def _parcels(fulfillment: Json) -> list[Json]:
    if "tracking" in fulfillment:
        return list(fulfillment["tracking"])
    code = fulfillment.get("tracking_code") or ""
    if not code:
        return []
    return [
        {
            "carrier": fulfillment.get("carrier") or "other",
            "tracking_code": code,
            "tracking_link": f"https://tracking.example.com/{code}",
        }
    ]


def tracking_fields(fulfillment: Json) -> Json:
    """``tracking_code``/``_codes``, ``tracking_link``/``_links``, ``tracking_carrier``/``_carriers``
    and ``delivery_status`` of a stored fulfillment."""
    parcels = _parcels(fulfillment)
    codes = [p.get("tracking_code") or "" for p in parcels]
    links = [p.get("tracking_link") or "" for p in parcels]
    carriers = [
        (p.get("carrier_other_name") or "other") if p.get("carrier") == "other" else p["carrier"]
        for p in parcels
    ]
    return {
        "delivery_status": "tracking_added" if any(codes) or any(links) else "",
        "tracking_code": codes[0] if codes else "",
        "tracking_codes": ", ".join(codes),
        "tracking_link": links[0] if links else "",
        "tracking_links": ", ".join(links),
        "tracking_carrier": carriers[0] if carriers else "",
        "tracking_carriers": ", ".join(carriers),
    }


def tracking_errors(items: Any) -> list[Json] | None:
    """DRF-style errors of a ``tracking_info`` list (None when it is valid)."""
    if items is None:
        return None
    if not isinstance(items, list):
        return [{"non_field_errors": ['Expected a list of items but got type "dict".']}]
    errors: list[Json] = []
    for item in items:
        error: Json = {}
        if not isinstance(item, dict):
            errors.append({"non_field_errors": ["Invalid data. Expected a dictionary."]})
            continue
        carrier = item.get("carrier")
        if carrier is None:
            error["carrier"] = ["This field is required."]
        elif carrier not in CARRIERS:
            error["carrier"] = [f'"{carrier}" is not a valid choice.']
        link = item.get("tracking_link")
        if link and not str(link).startswith(("http://", "https://")):
            error["tracking_link"] = ["Enter a valid URL."]
        errors.append(error)
    return errors if any(errors) else None
