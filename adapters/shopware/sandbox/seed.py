"""Demo data: the shop's reference rows and orders, from ``data/*.json`` and small builders.

``data/reference.json`` lists currencies, countries, payment and shipping methods, the sales
channel and the return reasons; the state machines come from :mod:`...states`.
``data/demo_orders.json`` describes the five demo orders (obviously fake customers), each built
by :func:`add_order` with every row a real order has: address, customer, lines, a delivery with
positions, a payment and (when paid by card) its capture. Everything is deterministic: ids derive
from names and counters, timestamps from :data:`BASE_TIME`.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from ..platform import LIVE_VERSION
from ..states import (
    CAPTURE_MACHINE,
    DELIVERY_MACHINE,
    ORDER_MACHINE,
    TRANSACTION_MACHINE,
    machine_tables,
)
from .state import CENT, Row, ShopwareState, iso, round_cents, sandbox_id

__all__ = [
    "BASE_TIME",
    "LANGUAGE_ID",
    "OrderLine",
    "OrderSpec",
    "add_order",
    "generated_order",
    "seed_demo",
    "seed_reference",
]

BASE_TIME = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
"""The demo orders' clock: the n-th order is created ``7 n`` hours after it."""
LANGUAGE_ID = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"
"""Shopware's system default language (``Defaults::LANGUAGE_SYSTEM``)."""
_DATA = Path(__file__).parent / "data"

OrderLine = tuple[str, int, str, str | None]
"""(label, quantity, unit price, tax rate in percent or None)."""


class OrderSpec(TypedDict):
    """The keywords of :func:`add_order`: what a demo order is made of."""

    tax_status: str
    lines: list[OrderLine]
    shipping: tuple[str, str | None]
    payment: str
    transaction_state: str
    capture: bool
    delivery_state: str
    order_state: str
    currency: NotRequired[str]
    country: NotRequired[str]
    province: NotRequired[str | None]
    company: NotRequired[str | None]


@cache
def _load(name: str) -> Any:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


def _rounding() -> dict[str, Any]:
    return {"decimals": 2, "interval": CENT, "roundForNet": True}


# --- reference data -------------------------------------------------------------------------------
def seed_reference(shop: ShopwareState) -> None:
    """State machines, currencies, countries, methods, the sales channel, return reasons."""
    stamp = iso(BASE_TIME - timedelta(days=30))
    data = copy.deepcopy(_load("reference.json"))
    _seed_machines(shop, stamp)
    for currency in data["currencies"]:
        code = currency["isoCode"]
        shop.insert(
            "currency",
            {
                "id": sandbox_id("currency", code),
                "isoCode": code,
                "factor": Decimal(currency["factor"]),
                "symbol": currency["symbol"],
                "shortName": code,
                "name": currency["name"],
                "itemRounding": _rounding(),
                "totalRounding": _rounding(),
                "createdAt": stamp,
            },
        )
    for country in data["countries"]:
        _seed_country(shop, country, stamp)
    for method in data["payment_methods"]:
        shop.insert(
            "payment_method",
            {
                "id": sandbox_id("payment", method["technicalName"]),
                **method,
                "active": True,
                "createdAt": stamp,
            },
        )
    for method in data["shipping_methods"]:
        shop.insert(
            "shipping_method",
            {
                "id": sandbox_id("shipping", method["key"]),
                "technicalName": method["technicalName"],
                "name": method["name"],
                "deliveryTimeId": sandbox_id("delivery-time", method["deliveryTime"]),
                "active": True,
                "createdAt": stamp,
            },
        )
    shop.insert("sales_channel", _sales_channel(data["sales_channel"], stamp))
    for key in data["return_reasons"]:
        shop.insert(
            "order_return_line_item_reason",
            {
                "id": sandbox_id("reason", key),
                "reasonKey": key,
                "content": key.replace("_", " "),
                "createdAt": stamp,
            },
        )


def _seed_machines(shop: ShopwareState, stamp: str) -> None:
    # 6.7's tables name every state either version has.
    for machine, (_, states, _) in machine_tables("6.7").items():
        machine_id = sandbox_id("machine", machine)
        shop.insert(
            "state_machine",
            {"id": machine_id, "technicalName": machine, "name": machine, "createdAt": stamp},
        )
        for name in states:
            shop.insert(
                "state_machine_state",
                {
                    "id": shop.state_id(machine, name),
                    "technicalName": name,
                    "name": name.replace("_", " ").title(),
                    "stateMachineId": machine_id,
                    "createdAt": stamp,
                },
            )


def _seed_country(shop: ShopwareState, country: dict[str, Any], stamp: str) -> None:
    country_id = sandbox_id("country", country["iso"])
    shop.insert(
        "country",
        {
            "id": country_id,
            "iso": country["iso"],
            "iso3": country["iso3"],
            "name": country["name"],
            "active": True,
            "addressFormat": {},
            "createdAt": stamp,
        },
    )
    for code, name in country["subdivisions"]:
        shop.insert(
            "country_state",
            {
                "id": sandbox_id("country-state", code),
                "countryId": country_id,
                "shortCode": code,
                "name": name,
                "active": True,
                "createdAt": stamp,
            },
        )


def _sales_channel(channel: dict[str, Any], stamp: str) -> Row:
    key = channel["key"]
    return {
        "id": sandbox_id("sales-channel", key),
        "typeId": sandbox_id("sales-channel-type", key),
        "languageId": LANGUAGE_ID,
        "customerGroupId": sandbox_id("customer-group", "default"),
        "currencyId": sandbox_id("currency", channel["currency"]),
        "paymentMethodId": sandbox_id("payment", channel["payment"]),
        "shippingMethodId": sandbox_id("shipping", channel["shipping"]),
        "countryId": sandbox_id("country", channel["country"]),
        "navigationCategoryId": sandbox_id("category", "home"),
        "accessKey": channel["accessKey"],
        "name": channel["name"],
        "homeEnabled": True,
        "active": True,
        "createdAt": stamp,
    }


# --- orders -----------------------------------------------------------------------------------------
def seed_demo(shop: ShopwareState) -> None:
    """The five demo orders of ``data/demo_orders.json``."""
    for spec in copy.deepcopy(_load("demo_orders.json")):
        spec.pop("about")
        add_order(shop, **spec)


def generated_order(k: int) -> OrderSpec:
    """The ``k``-th generated order (``seed_orders``): a mix of tax statuses, payments, states."""
    return {
        "tax_status": "gross" if k % 3 != 0 else "net",
        "lines": [
            (f"Generated item {k}-a", 1 + k % 3, f"{10 + k % 40}.{k % 100:02d}", "19"),
            (f"Generated item {k}-b", 1, f"{5 + k % 7}.50", "7"),
        ],
        "shipping": ("4.99", "19"),
        "payment": "payment_creditcard",
        "transaction_state": "paid" if k % 4 else "open",
        "capture": bool(k % 4),
        "delivery_state": "shipped" if k % 2 else "open",
        "order_state": "in_progress" if k % 2 else "open",
    }


def add_order(
    shop: ShopwareState,
    *,
    tax_status: str,
    lines: list[OrderLine],
    shipping: tuple[str, str | None],
    payment: str,
    transaction_state: str,
    capture: bool,
    delivery_state: str,
    order_state: str,
    currency: str = "EUR",
    country: str = "DE",
    province: str | None = "DE-BE",
    company: str | None = None,
) -> str:
    """Add one order with its lines, address, customer, delivery and payment; returns its id."""
    shop.state["orders"] += 1
    n = int(shop.state["orders"])
    order_id = sandbox_id("order", n)
    created = iso(BASE_TIME + timedelta(hours=7 * n))
    line_rows = [
        _line_row(n, order_id, index, line, tax_status, created) for index, line in enumerate(lines)
    ]
    ship_amount = Decimal(shipping[0])
    ship_price = _price(ship_amount, ship_amount, 1, shipping[1], tax_status)
    taxes = _taxes_by_rate([*(row["price"] for row in line_rows), ship_price])
    position = sum((row["totalPrice"] for row in line_rows), Decimal(0))
    total, net = _cart_totals(tax_status, position + ship_amount, sum(taxes.values(), Decimal(0)))
    cart_taxes = {
        rate: {"tax": amount, "taxRate": Decimal(rate), "price": total}
        for rate, amount in taxes.items()
    }
    address_id = sandbox_id("address", n)
    shop.insert("order_address", _address_row(n, order_id, country, province, company, created))
    shop.insert("order_customer", _customer_row(n, order_id, created))
    for row in line_rows:
        shop.insert("order_line_item", row)
    delivery_id = _insert_delivery(
        shop, n, order_id, address_id, delivery_state, ship_price, line_rows, created
    )
    transaction_id = _insert_payment(
        shop, n, order_id, payment, transaction_state, capture, total, cart_taxes, created
    )
    order_row: Row = {
        "id": order_id,
        "orderNumber": str(10000 + n),
        "billingAddressId": address_id,
        "billingAddressVersionId": LIVE_VERSION,
        "currencyId": sandbox_id("currency", currency),
        "languageId": LANGUAGE_ID,
        "salesChannelId": sandbox_id("sales-channel", "storefront"),
        "orderDateTime": created,
        "price": {
            "netPrice": net,
            "totalPrice": total,
            "calculatedTaxes": cart_taxes,
            "taxRules": {},
            "positionPrice": position,
            "rawTotal": total,
            "taxStatus": tax_status,
        },
        "amountTotal": total,
        "amountNet": net,
        "positionPrice": position,
        "taxStatus": tax_status,
        "shippingCosts": ship_price,
        "shippingTotal": ship_amount,
        "currencyFactor": Decimal(1),
        "stateId": shop.state_id(ORDER_MACHINE, order_state),
        "itemRounding": _rounding(),
        "totalRounding": _rounding(),
        "createdAt": created,
    }
    if shop.version == "6.7":
        order_row["primaryOrderDeliveryId"] = delivery_id
        order_row["primaryOrderTransactionId"] = transaction_id
    shop.insert("order", order_row)
    return order_id


def _price(
    unit: Decimal, total: Decimal, quantity: int, rate_text: str | None, tax_status: str
) -> Row:
    """A ``CalculatedPrice`` with its tax, as a shop of ``tax_status`` calculates it."""
    taxes: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    if rate_text is not None and tax_status != "tax-free":
        rate = Decimal(rate_text)
        if tax_status == "gross":
            tax = round_cents(total - total / (1 + rate / 100))
        else:
            tax = round_cents(total * rate / 100)
        taxes[rate_text] = {"tax": tax, "taxRate": rate, "price": total}
        rules[rate_text] = {"taxRate": rate, "percentage": Decimal(100)}
    return {
        "unitPrice": unit,
        "totalPrice": total,
        "quantity": quantity,
        "calculatedTaxes": taxes,
        "taxRules": rules,
    }


def _taxes_by_rate(prices: list[Row]) -> dict[str, Decimal]:
    taxes: dict[str, Decimal] = {}
    for item in (tax for p in prices for tax in p["calculatedTaxes"].values()):
        key = str(item["taxRate"])
        taxes[key] = taxes.get(key, Decimal(0)) + item["tax"]
    return taxes


def _cart_totals(tax_status: str, goods: Decimal, tax: Decimal) -> tuple[Decimal, Decimal]:
    """(total, net) of a cart whose lines and shipping sum to ``goods``."""
    if tax_status == "gross":
        return goods, goods - tax
    if tax_status == "net":
        return goods + tax, goods
    return goods, goods


def _line_row(
    n: int, order_id: str, index: int, line: OrderLine, tax_status: str, created: str
) -> Row:
    label, quantity, unit_text, rate_text = line
    unit = Decimal(unit_text)
    total = round_cents(unit * quantity)
    return {
        "id": sandbox_id("line", n, index),
        "orderId": order_id,
        "identifier": sandbox_id("product", label),
        "referencedId": sandbox_id("product", label),
        "productId": sandbox_id("product", label),
        "quantity": quantity,
        "label": label,
        "type": "product",
        "good": True,
        "removable": True,
        "stackable": True,
        "position": index + 1,
        "price": _price(unit, total, quantity, rate_text, tax_status),
        "unitPrice": unit,
        "totalPrice": total,
        "payload": {"productNumber": f"SW{n:03d}{index:02d}"},
        "states": ["is-physical"],
        "children": [],
        "createdAt": created,
    }


def _address_row(
    n: int, order_id: str, country: str, province: str | None, company: str | None, created: str
) -> Row:
    return {
        "id": sandbox_id("address", n),
        "orderId": order_id,
        "countryId": sandbox_id("country", country),
        **({"countryStateId": sandbox_id("country-state", province)} if province else {}),
        "firstName": "Jane",
        "lastName": "Doe",
        "street": f"{n} Example Street",
        "zipcode": "10115" if country == "DE" else "10001",
        "city": "Berlin" if country == "DE" else "New York",
        **({"company": company} if company else {}),
        "createdAt": created,
    }


def _customer_row(n: int, order_id: str, created: str) -> Row:
    return {
        "id": sandbox_id("customer", n),
        "orderId": order_id,
        "email": f"jane.doe+{n}@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "customerNumber": f"{20000 + n}",
        "createdAt": created,
    }


def _insert_delivery(
    shop: ShopwareState,
    n: int,
    order_id: str,
    address_id: str,
    state: str,
    ship_price: Row,
    line_rows: list[Row],
    created: str,
) -> str:
    """The order's one delivery, a position per line; returns its id."""
    delivery_id = sandbox_id("delivery", n)
    shop.insert(
        "order_delivery",
        {
            "id": delivery_id,
            "orderId": order_id,
            "shippingOrderAddressId": address_id,
            "shippingMethodId": sandbox_id("shipping", "standard"),
            "stateId": shop.state_id(DELIVERY_MACHINE, state),
            "trackingCodes": [],
            "shippingDateEarliest": created,
            "shippingDateLatest": created,
            "shippingCosts": ship_price,
            "createdAt": created,
        },
    )
    for index, row in enumerate(line_rows):
        shop.insert(
            "order_delivery_position",
            {
                "id": sandbox_id("position", n, index),
                "orderDeliveryId": delivery_id,
                "orderLineItemId": row["id"],
                "quantity": row["quantity"],
                "unitPrice": row["unitPrice"],
                "totalPrice": row["totalPrice"],
                "price": row["price"],
                "createdAt": created,
            },
        )
    return delivery_id


def _insert_payment(
    shop: ShopwareState,
    n: int,
    order_id: str,
    payment: str,
    state: str,
    capture: bool,
    total: Decimal,
    cart_taxes: dict[str, Any],
    created: str,
) -> str:
    """The order's payment (and, when ``capture``, the completed capture of all of it)."""
    transaction_id = sandbox_id("transaction", n)
    amount = {
        "unitPrice": total,
        "totalPrice": total,
        "quantity": 1,
        "calculatedTaxes": copy.deepcopy(cart_taxes),
        "taxRules": {},
    }
    shop.insert(
        "order_transaction",
        {
            "id": transaction_id,
            "orderId": order_id,
            "paymentMethodId": sandbox_id("payment", payment),
            "amount": amount,
            "stateId": shop.state_id(TRANSACTION_MACHINE, state),
            "createdAt": created,
        },
    )
    if capture:
        shop.insert(
            "order_transaction_capture",
            {
                "id": sandbox_id("capture", n),
                "orderTransactionId": transaction_id,
                "orderTransactionVersionId": LIVE_VERSION,
                "stateId": shop.state_id(CAPTURE_MACHINE, "completed"),
                "externalReference": f"demo-psp-capture-{n}",
                "amount": copy.deepcopy(amount),
                "createdAt": created,
            },
        )
    return transaction_id
