"""Reading answers: a REST answer's object (:func:`rest_body`), what the REST dialect needs for
the documents it sends to ``graphql.json`` (webhook subscriptions, the shipment-key ledger, the
fulfillment-order change feed), and the ``THROTTLED`` wait both dialects honour."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Response
from unified_orders.errors import PlatformError, ResponseLost

from .vocabulary import PLATFORM

__all__ = ["graphql_data", "rest_body", "throttled_wait"]


def rest_body(response: Response, key: str) -> Any:
    """What a REST answer's body holds under ``key``; a body without it is a read error."""
    body = response.body
    if not isinstance(body, Mapping) or key not in body:
        raise PlatformError(
            f"unexpected response from {response.url or 'shopify'}: no {key!r} in the body",
            status=response.status,
            platform=PLATFORM,
            details=body,
        )
    return body[key]


def graphql_data(name: str, response: Response, *, write: bool) -> Mapping[str, Any]:
    """The ``data`` of the answer to document ``name``: top-level ``errors`` are a typed error (a
    lost response for a mutation Shopify failed on internally: it may have taken effect); no
    data is a read error for a query and a lost response for a mutation."""
    body = response.body
    data = body.get("data") if isinstance(body, Mapping) else None
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if errors:
        internal = isinstance(errors, list) and any(
            isinstance(e, Mapping)
            and (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
            for e in errors
        )
        if write and internal:
            raise ResponseLost(f"{name}: an internal error; it may have taken effect")
        raise PlatformError(
            f"{name}: {errors}", status=response.status, platform=PLATFORM, code="graphql_errors"
        )
    if not isinstance(data, Mapping):
        if write:
            raise ResponseLost(f"{name}: no data; it may have taken effect", response=response)
        raise PlatformError(
            f"{name}: no data in the answer", status=response.status, platform=PLATFORM
        )
    return data


def throttled_wait(body: Any, restore_rate: float) -> float | None:
    """How long to wait before sending again a document Shopify answered ``THROTTLED`` (it did
    not run it): until its requested cost is restored, per ``extensions.cost``, at its
    ``restoreRate`` (``restore_rate`` when the answer gives none). None: not throttled."""
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not any(
        isinstance(e, Mapping) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    ):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost.get("requestedQueryCost") or 0)
        have = float(status.get("currentlyAvailable") or 0)
        restore = float(status.get("restoreRate") or 0) or restore_rate
    except (TypeError, ValueError):
        return 1.0
    return max((needed - have) / restore, 0.0) if restore > 0 else 1.0
