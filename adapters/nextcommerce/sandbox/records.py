"""New records in the sandbox store: orders, transactions, fulfillments and fulfillment orders.

Shared by the handlers (an API write) and the seed (demo orders). Each builder takes ids and
timestamps from the backend in a fixed order, so the same calls always build the same store.
"""

from __future__ import annotations

from decimal import Decimal

from ..rules import money_string
from .state import Json, NextCommerceBackend

__all__ = [
    "add_shipment",
    "add_transaction",
    "closed_fulfillment_order",
    "new_fulfillment_order",
    "new_order",
    "open_fulfillment_order",
    "refund_transaction",
]

#: A line to build: catalogue product, quantity, unit price excl. tax, tax rate.
LineSpec = tuple[Json, int, Decimal, Decimal]


def new_order(
    backend: NextCommerceBackend,
    *,
    number: str,
    currency: str,
    placed: str,
    user: Json,
    shipping_address: Json | None,
    billing_address: Json | None,
    lines: list[LineSpec],
    shipping_excl: Decimal,
    shipping_rate: Decimal,
    source: str = "checkout",
    report: tuple[str, Decimal] | None = None,
) -> Json:
    """An open order with these lines, stored under ``number``.

    ``report`` is the reporting currency and its rate (default: the order's currency at 1).
    """
    counters = backend.data["counters"]
    if number.isdigit() and int(number) > counters["order"]:
        counters["order"] = int(number)
    now = backend.now()
    order: Json = {
        "number": number,
        "status": "open",
        "currency": currency,
        "report_currency": report[0] if report else currency,
        "report_rate": str(report[1]) if report else "1",
        "date_placed": placed,
        "created_at": now,
        "updated_at": now,
        "user": user,
        "shipping_address": shipping_address,
        "billing_address": billing_address,
        "shipping_method": "Standard Shipping",
        "shipping_code": "standard",
        "shipping_excl_tax": money_string(shipping_excl),
        "shipping_tax_rate": str(shipping_rate),
        "source": source,
        "fulfillment_status_override": None,
        "tags": [],
        "metadata": {},
        "cancel_reason": None,
        "lines": [],
        "fulfillments": [],
        "transactions": [],
        "refunds": [],
    }
    for product, quantity, price, rate in lines:
        order["lines"].append(
            {
                "id": backend.next_id("line"),
                "product_id": product["id"],
                "variant_id": product["variant_id"],
                "sku": product["sku"],
                "title": product["title"],
                "variant_title": product["variant_title"],
                "price_excl_tax": money_string(price),
                "tax_rate": str(rate),
                "unit_cost": product["cost"],
                "quantity": quantity,
                "current_quantity": quantity,
                "requires_shipping": product["requires_shipping"],
                "created_at": now,
            }
        )
    backend.data["orders"][number] = order
    return order


def add_transaction(
    backend: NextCommerceBackend,
    order: Json,
    kind: str,
    amount: Decimal,
    *,
    gateway: int,
    method: str,
    parent: int | None = None,
    status: str = "succeeded",
) -> Json:
    """A payment transaction (``debit``, ``authorize``, ``refund``, ``void``) on the order."""
    txn = {
        "id": backend.next_id("txn"),
        "type": kind,
        "status": status,
        "amount": money_string(amount),
        "parent_id": parent,
        "gateway_id": gateway,
        "payment_method": method,
        "date_created": backend.now(),
    }
    order["transactions"].append(txn)
    return txn


def refund_transaction(
    backend: NextCommerceBackend, order: Json, parent: Json, amount: Decimal
) -> Json:
    """Give ``amount`` back from a payment: a refund of a capture, a void of an authorization.

    Refunds through a gateway that declines them fail (the transaction says so).
    """
    gateway = backend.data["gateways"][str(parent["gateway_id"])]
    kind = "void" if parent["type"] == "authorize" else "refund"
    status = "failed" if gateway["decline_refunds"] and kind == "refund" else "succeeded"
    return add_transaction(
        backend,
        order,
        kind,
        amount,
        gateway=parent["gateway_id"],
        method=parent["payment_method"],
        parent=parent["id"],
        status=status,
    )


def add_shipment(
    backend: NextCommerceBackend,
    order: Json,
    line_indexes: list[int],
    location_id: int = 1,
    tracking: str = "",
) -> None:
    """A successful fulfillment shipping the whole of the lines at ``line_indexes``."""
    now = backend.now()
    order["fulfillments"].append(
        {
            "id": backend.next_id("fulfillment"),
            "location_id": location_id,
            "created_at": now,
            "status": "success",
            "tracking_code": tracking,
            "carrier": "usps" if tracking else "",
            "lines": [
                {
                    "id": backend.next_id("fulfillment_line"),
                    "order_line_id": order["lines"][i]["id"],
                    "quantity": order["lines"][i]["current_quantity"],
                }
                for i in line_indexes
            ],
        }
    )


def new_fulfillment_order(
    backend: NextCommerceBackend,
    order_number: str,
    location_id: int,
    lines: list[tuple[int, int, int]],
    *,
    status: str = "open",
    request_status: str = "pending",
) -> Json:
    """A fulfillment order for ``lines`` (order line id, quantity, fulfillable), stored."""
    now = backend.now()
    fo: Json = {
        "id": backend.next_id("fo"),
        "order_number": order_number,
        "location_id": location_id,
        "status": status,
        "request_status": request_status,
        "created_at": now,
        "updated_at": now,
        "lines": [
            {
                "id": backend.next_id("fo_line"),
                "order_line_id": line_id,
                "quantity": quantity,
                "fulfillable": fulfillable,
            }
            for line_id, quantity, fulfillable in lines
        ],
        "holds": [],
        "merchant_requests": [],
    }
    backend.data["fulfillment_orders"][str(fo["id"])] = fo
    return fo


def open_fulfillment_order(
    backend: NextCommerceBackend,
    order: Json,
    location_id: int,
    status: str = "open",
    request_status: str = "pending",
) -> Json | None:
    """One fulfillment order for the order's unfulfilled shippable units (None: nothing to ship)."""
    items = [
        (line, backend.unfulfilled(order, line))
        for line in order["lines"]
        if line["requires_shipping"] and backend.unfulfilled(order, line) > 0
    ]
    if not items:
        return None
    return new_fulfillment_order(
        backend,
        order["number"],
        location_id,
        [(line["id"], quantity, quantity) for line, quantity in items],
        status=status,
        request_status=request_status,
    )


def closed_fulfillment_order(backend: NextCommerceBackend, order: Json, location_id: int) -> Json:
    """A closed fulfillment order for lines already shipped (a fulfilled order's history)."""
    return new_fulfillment_order(
        backend,
        order["number"],
        location_id,
        [
            (line["id"], line["current_quantity"], 0)
            for line in order["lines"]
            if line["requires_shipping"]
        ],
        status="closed",
        request_status="closed",
    )
