"""Finding the orders a migration created, by the marker they carry.

A migrated order carries the migration's marker in ``customFields.unified_orders_marker`` (beside
``unified_orders_source``, the source platform and id). One ``search/order`` with an ``equals``
filter on that custom field finds it (Shopware's DAL filters on ``customFields.<name>``); ids only,
then each hit read in full and kept when its custom field holds the marker.
"""

from __future__ import annotations

from collections.abc import Mapping

from unified_orders.adapter import Op
from unified_orders.models import Order
from unified_orders.options import SourceMarker

from .base import ShopwareBase
from .translate.order_to_platform import MARKER_FIELD

__all__ = ["ShopwareMigration", "marker_of"]

#: A marker is one order's: more hits than this is read as "cannot tell", never as a match.
_LIMIT = 10


def marker_of(order: Order) -> str | None:
    """The migration marker a Shopware order carries in its custom fields, if any."""
    raw = order.raw if isinstance(order.raw, Mapping) else {}
    fields = raw.get("customFields")
    value = fields.get(MARKER_FIELD) if isinstance(fields, Mapping) else None
    return str(value) if value else None


class ShopwareMigration(ShopwareBase):
    """``find_orders_by_marker`` for Shopware 6."""

    def find_orders_by_marker(self, marker: SourceMarker) -> Op[list[Order]]:
        """``search/order`` filtered on the marker's custom field; each hit read in full."""
        criteria = {
            "limit": _LIMIT,
            "includes": {"order": ["id"]},
            "filter": [
                {"type": "equals", "field": f"customFields.{MARKER_FIELD}", "value": marker.value}
            ],
        }
        hits = yield from self._search("order", criteria)
        found: list[Order] = []
        for hit in hits:
            if hit.get("id"):
                order = yield from self.get_order(str(hit["id"]))
                if marker_of(order) == marker.value:
                    found.append(order)
        return found
