"""Order endpoints: list (cursor pages), create (migration), read, partial update, cancel."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from unified_orders.countries import address_problems
from unified_orders.sandbox import EmulatorError, SandboxRequest

from ...rules import FO_OPEN_STATUSES, REQUIRED_ADDRESS_FIELDS
from ..records import add_transaction, new_order, open_fulfillment_order, refund_transaction
from ..render import render_list_item, render_order
from ..state import Json, NextCommerceBackend, as_int, bad_request, d, detail, not_a_dict
from .paging import cursor_page

__all__ = ["OrderHandlers"]

_ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "line1",
    "line2",
    "line3",
    "line4",
    "state",
    "postcode",
    "country",
    "phone_number",
    "notes",
)
#: ``fulfillment_status`` values a PATCH may set (an override of the derived status).
_FULFILLMENT_STATUSES = (
    "not_required",
    "unfulfilled",
    "on_hold",
    "rejected",
    "processing",
    "fulfilled",
    "incomplete",
)


class OrderHandlers:
    """``orders/`` and ``orders/{number}/`` (and its ``cancel/``)."""

    backend: NextCommerceBackend
    page_size: int

    def list_orders(self, request: SandboxRequest) -> tuple[int, Any]:
        """``ordersList``: filtered by placed date, status and number; ``o{offset}`` cursors."""
        statuses = request.query.get("status") or request.query.get("status[]")
        orders = self.backend.filtered_orders(
            request.arg("date_placed_from"),
            request.arg("date_placed_to"),
            statuses,
            request.arg("order_number"),
        )
        tags = request.query.get("tags") or request.query.get("tags[]")
        if tags:  # INFERRED: an order matches when it has any of the tags asked for
            orders = [o for o in orders if set(tags) & set(o.get("tags") or [])]
        render = lambda order: render_list_item(self.backend, order)  # noqa: E731
        page = cursor_page(request, orders, render, path="orders/", prefix="o", size=self.page_size)
        return 200, page

    def get_order(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersRetrieve``; an order seeded unreadable answers a malformed payload or a 500."""
        order = self.backend.order(number)
        unreadable = order.get("unreadable")
        if unreadable == "error":
            raise EmulatorError(500, {"detail": "A server error occurred."})
        body = render_order(self.backend, order)
        if unreadable == "malformed":
            body["currency"] = None
        return 200, body

    def create_order(self, request: SandboxRequest) -> tuple[int, Any]:
        """``ordersCreate``: catalogue lines, addresses, an external payment, one open FO."""
        backend, body = self.backend, request.body
        if not isinstance(body, Mapping):
            raise bad_request(not_a_dict())
        lines = _check_lines(backend, body.get("lines"))
        status = body.get("status") or "open"
        if status not in ("open", "archived", "canceled"):
            raise bad_request({"status": [f'"{status}" is not a valid choice.']})
        shipping = _check_address(backend, body.get("shipping_address"), "shipping_address")
        billing = _check_address(backend, body.get("billing_address"), "billing_address")
        if (
            billing is None
            and body.get("billing_same_as_shipping_address")
            and shipping is not None
        ):
            billing = {**shipping, "id": backend.next_id("address")}
            billing.pop("notes", None)
        user_in = body.get("user") or {}
        user = {
            "id": backend.next_id("user"),
            "email": user_in.get("email"),
            "first_name": user_in.get("first_name", ""),
            "last_name": user_in.get("last_name", ""),
        }
        now = backend.now()
        number = str(backend.next_id("order"))
        while number in backend.data["orders"]:
            number = str(backend.next_id("order"))
        # INFERRED: imported prices and shipping are taken as given, without tax on top.
        order = new_order(
            backend,
            number=number,
            currency=str(body.get("currency") or "USD"),
            placed=str(body.get("date_placed") or now),
            user=user,
            shipping_address=shipping,
            billing_address=billing,
            lines=[(p, qty, price, Decimal(0)) for p, qty, price in lines],
            shipping_excl=d(body.get("shipping_price") or "0"),
            shipping_rate=Decimal(0),
            source="admin_api",
        )
        order["status"] = status
        order["tags"] = [str(t) for t in body.get("tags") or []]
        order["metadata"] = body.get("metadata") or {}
        total = backend.totals(order)["total_incl"]
        if body.get("payment_method") == "external" and total > 0:
            add_transaction(backend, order, "debit", total, gateway=4, method="external")
        open_fulfillment_order(backend, order, location_id=1)
        return 201, render_order(backend, order)

    def update_order(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersPartialUpdate``: addresses, tags, metadata, status, fulfillment status."""
        backend, body = self.backend, request.body
        order = backend.order(number)
        if not isinstance(body, Mapping):
            raise bad_request(not_a_dict())
        # Read-only fields are ignored, as DRF does.
        if "shipping_address" in body:
            order["shipping_address"] = _check_address(
                backend, body["shipping_address"], "shipping_address"
            )
        if "billing_address" in body:
            order["billing_address"] = _check_address(
                backend, body["billing_address"], "billing_address"
            )
        if "tags" in body:
            order["tags"] = [str(t) for t in body["tags"] or []]
        if "metadata" in body:
            order["metadata"] = body["metadata"]
        if "status" in body:
            order["status"] = str(body["status"])[:100]
        if "fulfillment_status" in body:
            if body["fulfillment_status"] not in _FULFILLMENT_STATUSES:
                raise bad_request(
                    {
                        "fulfillment_status": [
                            f'"{body["fulfillment_status"]}" is not a valid choice.'
                        ]
                    }
                )
            order["fulfillment_status_override"] = body["fulfillment_status"]
        order["updated_at"] = backend.now()
        return 200, render_order(backend, order)

    def cancel_order(self, request: SandboxRequest, number: str) -> tuple[int, Any]:
        """``ordersCancelCreate``: FOs canceled, authorizations voided, optionally refunded."""
        backend, body = self.backend, request.body
        order = backend.order(number)
        if not isinstance(body, Mapping) or not body.get("cancel_reason"):
            raise bad_request({"cancel_reason": ["This field is required."]})
        if order["status"] == "canceled":
            raise detail("Order is already canceled.")
        now = backend.now()
        order["status"] = "canceled"
        order["cancel_reason"] = str(body["cancel_reason"])
        for fo in backend.fulfillment_orders_of(number):
            if fo["status"] in FO_OPEN_STATUSES:
                fo["status"] = "canceled"
                fo["updated_at"] = now
            elif fo["status"] == "processing":
                # INFERRED: the fulfillment service is asked to cancel what it already accepted.
                fo["request_status"] = "cancel_requested"
                fo["updated_at"] = now
        # INFERRED: canceling voids open authorizations.
        for txn in list(order["transactions"]):
            if txn["type"] == "authorize":
                left = backend.refundable_of(order, txn)
                if left > 0:
                    add_transaction(
                        backend,
                        order,
                        "void",
                        left,
                        gateway=txn["gateway_id"],
                        method=txn["payment_method"],
                        parent=txn["id"],
                    )
        if body.get("full_refund"):
            _refund_in_full(backend, order, f"Order canceled: {body['cancel_reason']}", now)
        order["updated_at"] = now
        return 200, render_order(backend, order)


def _check_lines(backend: NextCommerceBackend, lines_in: Any) -> list[tuple[Json, int, Decimal]]:
    """Catalogue product, quantity and unit price of each line to create; DRF errors per line."""
    if not lines_in:
        raise bad_request({"lines": ["This field is required."]})
    errors: list[Json] = []
    lines: list[tuple[Json, int, Decimal]] = []
    for item in lines_in:
        error: Json = {}
        product = backend.product_by_variant(item.get("product_id"))
        if product is None:
            error["product_id"] = [
                f'Invalid pk "{item.get("product_id")}" - object does not exist.'
            ]
        quantity = as_int(item.get("quantity"))
        if quantity is None or quantity < 1:
            error["quantity"] = ["Ensure this value is greater than or equal to 1."]
        price = None
        if item.get("price") is not None:
            try:
                price = Decimal(str(item["price"]))
            except InvalidOperation:
                error["price"] = ["A valid number is required."]
        errors.append(error)
        if not error and product is not None and quantity is not None:
            lines.append((product, quantity, price if price is not None else d(product["price"])))
    if any(errors):
        raise bad_request({"lines": errors})
    return lines


def _check_address(backend: NextCommerceBackend, value: Any, field: str) -> Json | None:
    """An address as stored (with a new id); DRF errors for missing required fields."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise bad_request({field: not_a_dict()})
    missing = {
        key: ["This field is required."] for key in REQUIRED_ADDRESS_FIELDS if not value.get(key)
    }
    if missing:
        raise bad_request({field: missing})
    if address_problems(str(value["country"]), None):
        # INFERRED: the country is a choice field of ISO 3166-1 alpha-2 codes (DRF wording)
        raise bad_request({field: {"country": [f'"{value["country"]}" is not a valid choice.']}})
    address: Json = {key: str(value[key]) for key in _ADDRESS_FIELDS if value.get(key) is not None}
    address["id"] = backend.next_id("address")
    return address


def _refund_in_full(backend: NextCommerceBackend, order: Json, note: str, now: str) -> None:
    """Refund what every capture can still give back, as one refund without lines."""
    ids = []
    for txn in backend.captured(order):
        left = backend.refundable_of(order, txn)
        if left > 0:
            ids.append(refund_transaction(backend, order, txn, left)["id"])
    if ids:
        order["refunds"].append(
            {
                "id": backend.next_id("refund"),
                "created_at": now,
                "note": note,
                "lines": [],
                "adjustments": [],
                "transaction_ids": ids,
            }
        )
