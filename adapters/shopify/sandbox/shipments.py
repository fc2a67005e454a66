"""Shipment rules: fulfillments with tracking, tracking updates, and fulfillment-order cancels.

A fulfillment ships units of one fulfillment order's lines (never more than each has left): the
lines' remaining units drop, the fulfillment order is ``in_progress`` while some remain and
``closed`` once none do (INFERRED from Shopify's fulfillment-order lifecycle guide), the order's
lines count the units fulfilled and the order is ``partial`` or ``fulfilled``. Inputs are
REST-shaped (the GraphQL layer translates its own).
"""

from __future__ import annotations

from typing import Any

from .errors import ShopifyError, not_found, unprocessable
from .fulfillment_orders import FulfillmentOrderRules

__all__ = ["ShipmentRules", "tracking_info"]

_TRACKING_KEYS = ("number", "url", "company", "numbers", "urls")


def _tracking(info: Any) -> tuple[str | None, list[str], list[str]]:
    """Carrier, numbers and links of a ``tracking_info`` (single and list fields alike)."""
    if info is None:
        return None, [], []
    if not isinstance(info, dict) or set(info) - set(_TRACKING_KEYS):
        raise unprocessable("tracking_info", f"takes only {', '.join(_TRACKING_KEYS)}")
    numbers = [str(n) for n in info.get("numbers") or []]
    urls = [str(u) for u in info.get("urls") or []]
    if info.get("number"):
        numbers.insert(0, str(info["number"]))
    if info.get("url"):
        urls.insert(0, str(info["url"]))
    company = info.get("company")
    return (str(company) if company else None), numbers, urls


def tracking_info(fulfillment: dict[str, Any]) -> list[dict[str, Any]]:
    """GraphQL ``trackingInfo`` of a REST-shaped fulfillment: one entry per number (or link)."""
    numbers = list(fulfillment.get("tracking_numbers") or [])
    urls = list(fulfillment.get("tracking_urls") or [])
    if not numbers and fulfillment.get("tracking_number"):
        numbers = [fulfillment["tracking_number"]]
    if not urls and fulfillment.get("tracking_url"):
        urls = [fulfillment["tracking_url"]]
    company = fulfillment.get("tracking_company")
    count = max(len(numbers), len(urls))
    return [
        {
            "company": company,
            "number": numbers[i] if i < len(numbers) else None,
            "url": urls[i] if i < len(urls) else None,
        }
        for i in range(count)
    ]


class ShipmentRules(FulfillmentOrderRules):
    """The store with Shopify's shipment rules."""

    def _units(self, fo: dict[str, Any], rows: Any) -> list[tuple[dict[str, Any], int]]:
        """``(fulfillment-order line, units)`` a fulfillment ships (None: all that remains)."""
        if rows is None:
            return [(x, int(x["fulfillable_quantity"])) for x in fo["line_items"]]
        by_id = {int(x["id"]): x for x in fo["line_items"]}
        chosen: list[tuple[dict[str, Any], int]] = []
        for row in rows:
            item = by_id.get(int(row.get("id") or 0))
            quantity = int(row.get("quantity") or 0)
            if item is None:
                raise unprocessable(
                    "fulfillment_order_line_items",
                    f"fulfillment order line item {row.get('id')} is not on this fulfillment order",
                )
            if quantity < 1 or quantity > int(item["fulfillable_quantity"]):
                raise unprocessable(
                    "fulfillment_order_line_items",
                    f"quantity {quantity} is invalid for line item {item['id']} "
                    f"({item['fulfillable_quantity']} left to fulfill)",
                )
            chosen.append((item, quantity))
        return chosen

    def create_fulfillment(self, body: dict[str, Any]) -> dict[str, Any]:
        """Ship units of one order's fulfillment orders at one location, with tracking."""
        groups = body.get("line_items_by_fulfillment_order") or []
        if not groups:
            raise unprocessable("line_items_by_fulfillment_order", "can't be blank")
        company, numbers, urls = _tracking(body.get("tracking_info"))
        shipped: list[tuple[dict[str, Any], dict[str, Any], int]] = []
        for group in groups:
            fo = self.fulfillment_order(group.get("fulfillment_order_id") or 0)
            self._require_action(fo, "create_fulfillment")
            rows = group.get("fulfillment_order_line_items")
            shipped.extend((fo, item, q) for item, q in self._units(fo, rows) if q > 0)
        fos = {str(fo["id"]): fo for fo, _, _ in shipped}
        if not shipped:
            raise unprocessable("line_items_by_fulfillment_order", "nothing is left to fulfill")
        if len({str(fo["order_id"]) for fo in fos.values()}) > 1:
            raise ShopifyError(422, {"errors": ["Fulfillment orders must belong to one order."]})
        if len({str(fo["assigned_location_id"]) for fo in fos.values()}) > 1:
            raise ShopifyError(422, {"errors": ["Fulfillment orders must share one location."]})
        first = next(iter(fos.values()))
        order = self.order(first["order_id"])
        now = self.now()
        units: dict[int, int] = {}
        for _fo, item, quantity in shipped:
            item["fulfillable_quantity"] = int(item["fulfillable_quantity"]) - quantity
            line_id = int(item["line_item_id"])
            units[line_id] = units.get(line_id, 0) + quantity
        for fo in fos.values():
            left = any(int(x["fulfillable_quantity"]) > 0 for x in fo["line_items"])
            fo["status"] = "in_progress" if left else "closed"
            fo["updated_at"] = now
        fulfillment_id = self.new_id()
        lines = {int(x["id"]): x for x in order["line_items"]}
        for line_id, quantity in units.items():
            line = lines[line_id]
            line["fulfillable_quantity"] = max(int(line["fulfillable_quantity"]) - quantity, 0)
            line["fulfillment_status"] = (
                "fulfilled" if not line["fulfillable_quantity"] else "partial"
            )
        fulfillment = {
            "id": fulfillment_id,
            "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
            "created_at": now,
            "location_id": first["assigned_location_id"],
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "order_id": order["id"],
            "service": "manual",
            "shipment_status": None,
            "status": "success",
            "tracking_company": company,
            "tracking_number": numbers[0] if numbers else None,
            "tracking_numbers": numbers,
            "tracking_url": urls[0] if urls else None,
            "tracking_urls": urls,
            "updated_at": now,
            "line_items": [dict(lines[line_id], quantity=q) for line_id, q in units.items()],
        }
        order["fulfillments"].append(fulfillment)
        shipped_all = all(int(x.get("fulfillable_quantity") or 0) == 0 for x in lines.values())
        order["fulfillment_status"] = "fulfilled" if shipped_all else "partial"
        order["updated_at"] = now
        self.number_fulfillment_lines()
        return fulfillment

    def fulfillment(self, fulfillment_id: int | str) -> dict[str, Any]:
        """A fulfillment by id (404 when absent)."""
        for order in self.orders():
            for found in order.get("fulfillments") or []:
                if str(found["id"]) == str(fulfillment_id):
                    return found  # type: ignore[no-any-return]
        raise not_found()

    def update_tracking(self, fulfillment_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a fulfillment's tracking (a cancelled fulfillment keeps its own)."""
        fulfillment = self.fulfillment(fulfillment_id)
        if fulfillment.get("status") != "success":
            raise ShopifyError(
                422,
                {"errors": [f"Cannot update tracking of a {fulfillment['status']} fulfillment."]},
            )
        company, numbers, urls = _tracking(body.get("tracking_info") or {})
        fulfillment.update(
            {
                "tracking_company": company,
                "tracking_number": numbers[0] if numbers else None,
                "tracking_numbers": numbers,
                "tracking_url": urls[0] if urls else None,
                "tracking_urls": urls,
                "updated_at": self.now(),
            }
        )
        self.order(fulfillment["order_id"])["updated_at"] = fulfillment["updated_at"]
        return fulfillment

    def cancel_fulfillment_order(self, fo_id: int | str) -> dict[str, Any]:
        """Cancel a fulfillment order submitted to a service (or one whose cancellation was
        requested): it closes, and a replacement holds the units still to do (INFERRED: the
        replacement is open and unsubmitted at the same location)."""
        fo = self.fulfillment_order(fo_id)
        self._require_action(fo, "cancel_fulfillment_order")
        left = [
            (int(x["line_item_id"]), int(x["fulfillable_quantity"]))
            for x in fo["line_items"]
            if int(x["fulfillable_quantity"]) > 0
        ]
        replacement = None
        if left:
            order = self.order(fo["order_id"])
            replacement = self.new_fulfillment_order(order, int(fo["assigned_location_id"]), left)
        if fo["request_status"] == "cancellation_requested":
            fo["request_status"] = "cancellation_accepted"
        fo["status"] = "closed"
        for item in fo["line_items"]:
            item["fulfillable_quantity"] = 0
        fo["updated_at"] = self.now()
        return {
            "fulfillment_order": self.fulfillment_order(fo["id"]),
            "replacement_fulfillment_order": self.fulfillment_order(replacement["id"])
            if replacement
            else None,
        }
