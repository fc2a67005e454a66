"""Finding the orders a migration created, by the marker they carry.

A migrated order carries the migration's marker in its ``metadata`` (``uo_source_marker``) and
as a tag (beside ``uo-migrated``). ``ordersList`` has no metadata filter but filters by
``tags[]``: one listing with ``tags=<marker>`` finds the candidates, and each is read in full and
kept only when its metadata holds the marker (the proof that it is the order we created).
INFERRED: the ``tags`` filter matches orders having the tag (the spec names the parameter only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Adapter, Op, Request
from unified_orders.errors import PlatformError
from unified_orders.models import Order
from unified_orders.options import SourceMarker
from unified_orders.pagination import query_value

from .translate.orders import MARKER_KEY

__all__ = ["NextCommerceMigration", "marker_of"]

#: The most candidate pages a lookup reads (a marker is one order's; more is a platform error).
_MAX_PAGES = 5


def marker_of(order: Order) -> str | None:
    """The migration marker a Next Commerce order carries in its metadata, if any."""
    raw = order.raw if isinstance(order.raw, Mapping) else {}
    metadata = raw.get("metadata")
    value = metadata.get(MARKER_KEY) if isinstance(metadata, Mapping) else None
    return str(value) if value else None


class NextCommerceMigration(Adapter):
    """``find_orders_by_marker`` for Next Commerce."""

    def find_orders_by_marker(self, marker: SourceMarker) -> Op[list[Order]]:
        """``ordersList`` with ``tags=<marker>``; each candidate read, kept when its metadata
        holds the marker."""
        params: dict[str, Any] = {"tags": [marker.value]}
        numbers: list[str] = []
        for _ in range(_MAX_PAGES):
            response = yield Request("GET", "orders/", params=params)
            body = response.body
            if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
                raise PlatformError(
                    "orders/ answered without 'results'",
                    status=response.status,
                    platform=self.platform,
                    details=body,
                )
            numbers += [
                str(row["number"])
                for row in body["results"]
                if isinstance(row, Mapping) and row.get("number") is not None
            ]
            following = body.get("next")
            if not following:
                break
            params = {"tags": [marker.value], "cursor": _cursor(str(following))}
        found: list[Order] = []
        for number in numbers:
            order = yield from self.get_order(number)
            if marker_of(order) == marker.value:
                found.append(order)
        return found


def _cursor(link: str) -> str:
    return query_value(link, "cursor") or link
