"""Order rules: creating an order (from a ``POST orders.json`` body), updating, cancelling.

:meth:`OrderRules.build_order` is how every order comes to be, created through the API or seeded:
line items, shipping lines, totals, the opening transactions and, for seeded orders, what has
already shipped and the state of the fulfillment order holding the rest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from unified_orders.countries import subdivision_codes

from ..rules import LIVE_FULFILLMENT_ORDER_STATUSES
from .errors import ShopifyError, unprocessable
from .refunds import REFUND_KINDS, RefundRules
from .store import to_decimal

__all__ = ["OrderRules", "merged_address"]

#: Countries whose provinces Shopify knows, and their codes (INFERRED from Shopify's address
#: forms: the US has its armed-forces codes, and its Minor Outlying Islands are a country, UM).
ZONES: dict[str, frozenset[str]] = {
    "US": (subdivision_codes("US") - {"UM"}) | {"AA", "AE", "AP"},
    "CA": subdivision_codes("CA"),
}


def merged_address(current: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """An address update: the fields given (a null clears one) over the current ones. A new
    country or province code drops the old name beside it (Shopify derives names from codes);
    a province Shopify does not know for the country is refused (INFERRED wording)."""
    merged = dict(current or {})
    merged.update(given)
    if "country_code" in given and given["country_code"] != (current or {}).get("country_code"):
        merged["country"] = given.get("country")
    if "province_code" in given and given["province_code"] != (current or {}).get("province_code"):
        merged["province"] = given.get("province")
    country = str(merged.get("country_code") or "").upper()
    province = merged.get("province_code")
    if province and country in ZONES and str(province).upper() not in ZONES[country]:
        raise unprocessable(
            "shipping_address", f"province {province} is not a province of {country}"
        )
    return merged


class OrderRules(RefundRules):
    """The store with Shopify's order rules."""

    # --- the API's order writes -----------------------------------------------------------------
    def update_order(self, order_id: int | str, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``PUT orders/{id}.json`` changes (shipping address fields merge)."""
        order = self.order(order_id)
        allowed = {"shipping_address", "email", "note", "tags", "phone", "id"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise unprocessable(unknown[0], "cannot be changed on an existing order")
        if "id" in changes and str(changes["id"]) != str(order["id"]):
            raise unprocessable("id", "does not match the order in the URL")
        if order.get("cancelled_at") and "shipping_address" in changes:
            raise unprocessable("shipping_address", "cannot be changed on a canceled order")
        address = changes.get("shipping_address")
        if address is not None:
            if not isinstance(address, dict):
                raise unprocessable("shipping_address", "must be an address object")
            order["shipping_address"] = merged_address(order.get("shipping_address"), address)
        for key in ("email", "note", "tags", "phone"):
            if key in changes:
                order[key] = changes[key]
        order["updated_at"] = self.now()
        return order

    def create_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders.json``: build an order from line items, prices and transactions."""
        items = body.get("line_items")
        if not items:
            raise unprocessable("line_items", "must have at least one line item")
        for item in items:
            if int(item.get("quantity") or 0) < 1:
                raise unprocessable("line_items", "quantity must be at least 1")
            if item.get("price") is None:
                raise unprocessable("line_items", "price can't be blank")
        order = self.build_order(body)
        self.number_fulfillment_lines()
        return order

    def cancel_order(self, order_id: int | str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST orders/{id}/cancel.json``: optional refund block, then cancel."""
        order = self.order(order_id)
        if "restock" in body or "restock" in (body.get("refund") or {}):
            raise ShopifyError(
                422,
                {
                    "error": "restock is no longer supported. Please use restock_type on "
                    "refund_line_items."
                },
            )
        if order.get("cancelled_at"):
            raise ShopifyError(422, {"error": "Order has already been cancelled"})
        reason = body.get("reason", "other")
        if reason not in ("customer", "inventory", "fraud", "declined", "other"):
            raise unprocessable("reason", "is not included in the list")
        # INFERRED: Shopify refuses to cancel an order with successful fulfillments.
        if any(f.get("status") == "success" for f in order.get("fulfillments") or []):
            raise ShopifyError(
                422, {"errors": {"base": ["Cannot cancel an order that has been fulfilled."]}}
            )
        if body.get("refund"):
            self.create_refund(order_id, body["refund"])
        now = self.now()
        order["cancelled_at"] = now
        order["cancel_reason"] = reason
        order["updated_at"] = now
        for line in order["line_items"]:
            line["fulfillable_quantity"] = 0
        for fo in self.data["fulfillment_orders"].values():
            live = fo["status"] in LIVE_FULFILLMENT_ORDER_STATUSES
            if str(fo["order_id"]) == str(order["id"]) and live:
                fo["status"] = "cancelled"
                fo["updated_at"] = now
        txns = self.data["transactions"].setdefault(str(order["id"]), [])
        captured = [t for t in txns if t["kind"] in REFUND_KINDS and t["status"] == "success"]
        auths = [t for t in txns if t["kind"] == "authorization" and t["status"] == "success"]
        if not captured and auths:
            for auth in auths:
                txns.append(self.new_transaction(order, "void", auth["amount"], auth))
            order["financial_status"] = "voided"
        return order

    # --- building an order ----------------------------------------------------------------------
    def build_order(
        self,
        body: dict[str, Any],
        *,
        rate: str | None = None,
        fulfilled: dict[int, int] | None = None,
        location_id: int | None = None,
        fo_state: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create an order from a ``POST orders.json``-shaped body.

        ``fulfilled`` maps line indexes to units already shipped (a successful fulfillment at
        ``location_id``); the other units get an open fulfillment order there (``fo_state``
        overrides its status/request status/holds). ``rate`` converts presentment to shop money.
        """
        order_id = self.new_id()
        if rate is not None:
            self.data["rates"][str(order_id)] = rate
        now = self.now()
        order = self._order_record(order_id, body, now)
        location = location_id or int(self.data["locations"][0]["id"])
        subtotal, tax, discounts = self._add_line_items(order, body["line_items"], fulfilled)
        shipping = self._add_shipping_lines(order, body.get("shipping_lines") or [])
        tax += sum(
            (to_decimal(t["price"]) for s in order["shipping_lines"] for t in s["tax_lines"]),
            Decimal(0),
        )
        total = self._set_totals(order, subtotal, tax, discounts, shipping)
        self.data["orders"][str(order_id)] = order
        self._add_opening_transactions(order, body.get("transactions") or [], total)
        shipped = [
            (int(order["line_items"][i]["id"]), q) for i, q in (fulfilled or {}).items() if q
        ]
        if shipped:
            self._add_shipped_fulfillment(order, shipped, location, now)
        open_items = [
            (int(x["id"]), int(x["fulfillable_quantity"]))
            for x in order["line_items"]
            if int(x["fulfillable_quantity"]) > 0
        ]
        if open_items:
            self.new_fulfillment_order(order, location, open_items, **(fo_state or {}))
        return order

    def _order_record(self, order_id: int, body: dict[str, Any], now: str) -> dict[str, Any]:
        """The order itself, before its lines, shipping and totals."""
        created = str(body.get("processed_at") or now)
        number = 1001 + len(self.data["orders"])
        return {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": str(body.get("name") or f"#{number}"),
            "order_number": number,
            "email": body.get("email"),
            "contact_email": body.get("email"),
            "created_at": created,
            "updated_at": now,
            "processed_at": created,
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "currency": self.shop_currency,
            "presentment_currency": str(body.get("currency") or self.shop_currency),
            "financial_status": body.get("financial_status") or "pending",
            "fulfillment_status": None,
            "taxes_included": bool(body.get("taxes_included")),
            "note": body.get("note"),
            "tags": str(body.get("tags") or ""),
            "test": True,
            "source_name": "sandbox",
            "source_identifier": body.get("source_identifier"),
            "shipping_address": body.get("shipping_address"),
            "billing_address": body.get("billing_address"),
            "line_items": [],
            "shipping_lines": [],
            "tax_lines": [],
            "refunds": [],
            "fulfillments": [],
        }

    def _add_line_items(
        self, order: dict[str, Any], items: list[dict[str, Any]], fulfilled: dict[int, int] | None
    ) -> tuple[Decimal, Decimal, Decimal]:
        """Add the line items; their subtotal (after discounts), tax and discounts."""
        subtotal = tax = discounts = Decimal(0)
        for index, item in enumerate(items):
            line = self._line_item(order, item, (fulfilled or {}).get(index, 0))
            line_discount = to_decimal(item.get("total_discount")) + sum(
                (to_decimal(a["amount"]) for a in line["discount_allocations"]), Decimal(0)
            )
            subtotal += to_decimal(item["price"]) * int(item["quantity"]) - line_discount
            discounts += line_discount
            tax += sum((to_decimal(t["price"]) for t in line["tax_lines"]), Decimal(0))
            order["line_items"].append(line)
        return subtotal, tax, discounts

    def _line_item(
        self, order: dict[str, Any], item: dict[str, Any], shipped: int
    ) -> dict[str, Any]:
        """One line item of ``order`` from its input; ``shipped`` units already fulfilled."""
        line_id = self.new_id()
        quantity = int(item["quantity"])
        price = to_decimal(item["price"])
        total_discount = to_decimal(item.get("total_discount"))
        allocations = [
            {
                "amount": self.money(order, to_decimal(a["amount"])),
                "amount_set": self.bag(order, to_decimal(a["amount"])),
                "discount_application_index": 0,
            }
            for a in item.get("discount_allocations") or []
        ]
        tax_lines = [
            {
                "channel_liable": None,
                "price": self.money(order, to_decimal(t["price"])),
                "price_set": self.bag(order, to_decimal(t["price"])),
                "rate": to_decimal(t.get("rate") or "0"),
                "title": t.get("title") or "Tax",
            }
            for t in item.get("tax_lines") or []
        ]
        variant = item.get("variant_id") or self.new_id()
        return {
            "id": line_id,
            "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
            "current_quantity": quantity,
            "fulfillable_quantity": quantity - shipped,
            "fulfillment_service": "manual",
            "fulfillment_status": ("fulfilled" if shipped == quantity else "partial")
            if shipped
            else None,
            "gift_card": bool(item.get("gift_card")),
            "grams": 200,
            "name": item.get("title") or "Item",
            "price": self.money(order, price),
            "price_set": self.bag(order, price),
            "product_exists": True,
            "product_id": item.get("product_id"),
            "properties": [],
            "quantity": quantity,
            "requires_shipping": bool(item.get("requires_shipping", True)),
            "sku": item.get("sku"),
            "taxable": bool(tax_lines),
            "title": item.get("title") or "Item",
            "total_discount": self.money(order, total_discount),
            "total_discount_set": self.bag(order, total_discount),
            "variant_id": variant,
            "variant_inventory_management": "shopify",
            "variant_title": None,
            "vendor": None,
            "tax_lines": tax_lines,
            "duties": [],
            "discount_allocations": allocations,
        }

    def _add_shipping_lines(self, order: dict[str, Any], rows: list[dict[str, Any]]) -> Decimal:
        """Add the shipping lines; what they charge."""
        shipping = Decimal(0)
        for row in rows:
            ship_id = self.new_id()
            price = to_decimal(row.get("price"))
            shipping += price
            order["shipping_lines"].append(
                {
                    "id": ship_id,
                    "carrier_identifier": None,
                    "code": row.get("title") or "Standard",
                    "discounted_price": self.money(order, price),
                    "discounted_price_set": self.bag(order, price),
                    "is_removed": False,
                    "phone": None,
                    "price": self.money(order, price),
                    "price_set": self.bag(order, price),
                    "requested_fulfillment_service_id": None,
                    "source": "shopify",
                    "title": row.get("title") or "Standard",
                    "tax_lines": [
                        {
                            "channel_liable": None,
                            "price": self.money(order, to_decimal(t["price"])),
                            "price_set": self.bag(order, to_decimal(t["price"])),
                            "rate": to_decimal(t.get("rate") or "0"),
                            "title": t.get("title") or "Tax",
                        }
                        for t in row.get("tax_lines") or []
                    ],
                    "discount_allocations": [],
                }
            )
        return shipping

    def _set_totals(
        self,
        order: dict[str, Any],
        subtotal: Decimal,
        tax: Decimal,
        discounts: Decimal,
        shipping: Decimal,
    ) -> Decimal:
        """Write the order's totals (tax on top unless included); the total price."""
        total = subtotal + shipping + (Decimal(0) if order["taxes_included"] else tax)
        for key, amount in (
            ("subtotal_price", subtotal),
            ("total_line_items_price", subtotal + discounts),
            ("total_tax", tax),
            ("total_price", total),
            ("total_discounts", discounts),
        ):
            order[key] = self.money(order, amount)
            order[f"{key}_set"] = self.bag(order, amount)
        order["total_shipping_price_set"] = self.bag(order, shipping)
        order["total_outstanding"] = self.money(order, Decimal(0))
        if tax:
            order["tax_lines"] = [
                {"price": self.money(order, tax), "title": "Tax", "price_set": self.bag(order, tax)}
            ]
        return total

    def _add_opening_transactions(
        self, order: dict[str, Any], rows: list[dict[str, Any]], total: Decimal
    ) -> None:
        """Record the input transactions (a capture's parent is the authorization before it)."""
        txns = self.data["transactions"].setdefault(str(order["id"]), [])
        parent_of: dict[str, dict[str, Any]] = {}
        for row in rows:
            kind = str(row.get("kind") or "sale")
            parent = parent_of.get("authorization") if kind == "capture" else None
            txn = self.new_transaction(order, kind, row.get("amount") or total, parent)
            txn["gateway"] = row.get("gateway") or "bogus"
            txn["status"] = row.get("status") or "success"
            txns.append(txn)
            parent_of[kind] = txn

    def _add_shipped_fulfillment(
        self, order: dict[str, Any], shipped: list[tuple[int, int]], location: int, now: str
    ) -> None:
        """A successful fulfillment of ``(line id, units)`` and its closed fulfillment order."""
        fulfillment_id = self.new_id()
        by_id = {int(x["id"]): x for x in order["line_items"]}
        order["fulfillments"].append(
            {
                "id": fulfillment_id,
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                "created_at": now,
                "location_id": location,
                "name": f"{order['name']}.1",
                "order_id": order["id"],
                "service": "manual",
                "shipment_status": None,
                "status": "success",
                "tracking_company": "USPS",
                "tracking_number": f"9400100000000000{fulfillment_id % 1000000:06d}",
                "updated_at": now,
                "line_items": [dict(by_id[line_id], quantity=q) for line_id, q in shipped],
            }
        )
        closed = self.new_fulfillment_order(order, location, shipped)
        closed["status"] = "closed"
        for item in closed["line_items"]:
            item["fulfillable_quantity"] = 0
        all_shipped = sum(q for _, q in shipped) == sum(
            int(x["quantity"]) for x in order["line_items"]
        )
        order["fulfillment_status"] = "fulfilled" if all_shipped else "partial"
