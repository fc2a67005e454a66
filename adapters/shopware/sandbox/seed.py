"""Demo data: the shop's reference rows and orders, from ``data/*.json`` and small builders.

``data/reference.json`` lists currencies (the shop's own EUR, with the id ``Defaults::CURRENCY``;
USD; BGN, which ISO 4217 has withdrawn; USDC, which it never had), countries, payment and shipping
methods, the sales channel and the return reasons; the state machines come from :mod:`...states`.
``data/demo_orders.json`` describes the demo orders (obviously fake customers), each built by
:func:`.order_rows.add_order`: the first five, then orders a real shop has on day one (a refund
across two captures, a deposit and a balance, a cart promotion, a foreign currency, a currency ISO
never had). Generated orders (``seed_orders``) mix those in too. Everything is deterministic: ids
derive from names and counters, timestamps from :data:`.order_rows.BASE_TIME`.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ..states import machine_tables
from .order_rows import (
    BASE_TIME,
    LANGUAGE_ID,
    OrderLine,
    OrderSpec,
    add_order,
    currency_id,
    rounding,
)
from .state import Row, ShopwareState, iso, sandbox_id

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

_DATA = Path(__file__).parent / "data"


@cache
def _load(name: str) -> Any:
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


# --- reference data -------------------------------------------------------------------------------
def seed_reference(shop: ShopwareState) -> None:
    """State machines, currencies, countries, methods, the sales channel, return reasons."""
    stamp = iso(BASE_TIME - timedelta(days=30))
    data = copy.deepcopy(_load("reference.json"))
    _seed_machines(shop, stamp)
    for currency in data["currencies"]:
        code = currency["isoCode"]
        decimals = int(currency.get("decimals", 2))
        shop.insert(
            "currency",
            {
                "id": currency_id(code),
                "isoCode": code,
                "factor": Decimal(currency["factor"]),
                "symbol": currency["symbol"],
                "shortName": code,
                "name": currency["name"],
                "itemRounding": rounding(decimals),
                "totalRounding": rounding(decimals),
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
        "currencyId": currency_id(channel["currency"]),
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
    """The demo orders of ``data/demo_orders.json``."""
    for spec in copy.deepcopy(_load("demo_orders.json")):
        spec.pop("about")
        for key in ("lines", "promotions"):
            if key in spec:
                spec[key] = [tuple(item) for item in spec[key]]
        spec["shipping"] = tuple(spec["shipping"])
        add_order(shop, **spec)


def generated_order(k: int) -> OrderSpec:
    """The ``k``-th generated order (``seed_orders``): a mix of tax statuses, payments and states,
    with a cart promotion on every 5th, a deposit and a balance captured on every 7th and the
    withdrawn currency BGN on every 11th, so a synced store holds each kind."""
    lines: list[OrderLine] = [
        (f"Generated item {k}-a", 1 + k % 3, f"{10 + k % 40}.{k % 100:02d}", "19"),
        (f"Generated item {k}-b", 1, f"{5 + k % 7}.50", "7"),
    ]
    paid = bool(k % 4)
    spec: OrderSpec = {
        "tax_status": "gross" if k % 3 != 0 else "net",
        "lines": lines,
        "shipping": ("4.99", "19"),
        "payment": "payment_creditcard",
        "transaction_state": "paid" if paid else "open",
        "capture": paid,
        "delivery_state": "shipped" if k % 2 else "open",
        "order_state": "in_progress" if k % 2 else "open",
    }
    if k % 5 == 0:
        spec["promotions"] = [("Generated promotion", "2.00")]
    if k % 11 == 0:
        spec["currency"] = "BGN"
    if k % 7 == 0 and paid and spec["tax_status"] == "gross":
        # a deposit of 5.00 first, the balance when the goods ship
        total = sum((Decimal(unit) * qty for _, qty, unit, _ in lines), Decimal("4.99"))
        total -= Decimal("2.00") if k % 5 == 0 else Decimal(0)
        spec["captures"] = ["5.00", str(total - Decimal("5.00"))]
    return spec
