"""Demo data: the store's catalogue and demo orders from ``data/*.json``, plus generated orders.

``data/store.json`` holds the id counters, locations (the third a 3PL that does not accept
returns), products (one digital) and payment gateways. Refunds through gateway 3 fail: it shows
that transaction status decides a refund's success. ``data/demo_orders.json`` describes the five
demo orders (fake customers at example.com), each built in the same order: customer, order,
transactions (``"amount": "total"`` pays the order's total), shipments, fulfillment order,
refunds. :func:`seed_orders` adds any number of generated orders, deterministically.

Orders real stores hold but the demo data does not, added on request only (the demo orders and
their ids stay as they are): ``data/currency_orders.json`` a BGN order (a withdrawn currency) and a
KWD order (three decimals in ISO 4217, two on the platform); ``data/unreadable_order.json`` an
order whose retrieve cannot be read (:data:`UNREADABLE_KINDS`).
"""

from __future__ import annotations

import functools
import json
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .records import (
    add_shipment,
    add_transaction,
    closed_fulfillment_order,
    new_order,
    open_fulfillment_order,
    refund_transaction,
)
from .state import BASE_TIME, Json, NextCommerceBackend, d

__all__ = [
    "UNREADABLE_KINDS",
    "empty_state",
    "seed_currency_orders",
    "seed_demo",
    "seed_orders",
    "seed_unreadable_order",
]

#: How an unreadable order fails its retrieve: ``malformed`` answers 200 with ``currency: null``
#: (a payload no translator can read), ``error`` answers 500.
UNREADABLE_KINDS = ("malformed", "error")

_DATA = Path(__file__).parent / "data"
_CUSTOMER_NAMES = [
    ("Jane", "Doe"),
    ("John", "Doe"),
    ("Alex", "Example"),
    ("Sam", "Sample"),
    ("Robin", "Test"),
]


@functools.cache
def _text(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


def _load(name: str) -> Any:
    """A fresh copy of a data file (callers may change it)."""
    return json.loads(_text(name))


def empty_state() -> Json:
    """A store with its catalogue and no orders."""
    store = _load("store.json")
    return {
        "tick": 0,
        "counters": store["counters"],
        "locations": store["locations"],
        "products": store["products"],
        "gateways": store["gateways"],
        "orders": {},
        "fulfillment_orders": {},
    }


def _customer(backend: NextCommerceBackend, index: int) -> tuple[Json, Json, Json]:
    """User, shipping and billing address of demo customer ``index``."""
    first, last = _CUSTOMER_NAMES[index % len(_CUSTOMER_NAMES)]
    user = {
        "id": backend.next_id("user"),
        "email": f"{first.lower()}.{last.lower()}{index}@example.com",
        "first_name": first,
        "last_name": last,
    }
    shipping = {
        "id": backend.next_id("address"),
        "first_name": first,
        "last_name": last,
        "line1": f"{100 + index} Example Street",
        "line2": "",
        "line4": "Springfield",
        "state": "IL",
        "postcode": "62701",
        "country": "US",
        "phone_number": "+15555550100",
    }
    billing = {**shipping, "id": backend.next_id("address")}
    shipping["notes"] = ""
    return user, shipping, billing


# --- the demo orders ----------------------------------------------------------------------------------
def seed_demo(backend: NextCommerceBackend) -> None:
    """Add the demo orders of ``data/demo_orders.json``."""
    for spec in _load("demo_orders.json"):
        _demo_order(backend, spec)


def seed_currency_orders(backend: NextCommerceBackend) -> list[str]:
    """Add the BGN and KWD orders of ``data/currency_orders.json`` (once); their numbers."""
    specs = _load("currency_orders.json")
    for spec in specs:
        if spec["number"] not in backend.data["orders"]:
            _demo_order(backend, spec)
    return [str(spec["number"]) for spec in specs]


def seed_unreadable_order(backend: NextCommerceBackend, kind: str = "malformed") -> str:
    """Add the order of ``data/unreadable_order.json`` (once), whose retrieve fails as ``kind``
    says; its number."""
    if kind not in UNREADABLE_KINDS:
        raise ValueError(f"kind must be one of {UNREADABLE_KINDS}, not {kind!r}")
    spec = _load("unreadable_order.json")
    order = backend.data["orders"].get(spec["number"]) or _demo_order(backend, spec)
    order["unreadable"] = kind
    return str(spec["number"])


def _demo_order(backend: NextCommerceBackend, spec: Json) -> Json:
    products = backend.data["products"]
    user, shipping, billing = _customer(backend, spec["customer"])
    report = spec.get("report")
    order = new_order(
        backend,
        number=spec["number"],
        currency=spec["currency"],
        placed=spec["placed"],
        user=user,
        shipping_address=shipping,
        billing_address=billing,
        lines=[
            (products[line["product"]], line["quantity"], d(line["price"]), d(line["tax_rate"]))
            for line in spec["lines"]
        ],
        shipping_excl=d(spec["shipping"]["price"]),
        shipping_rate=d(spec["shipping"]["tax_rate"]),
        report=(report["currency"], d(report["rate"])) if report else None,
    )
    transactions: list[Json] = []
    for txn in spec.get("transactions", []):
        amount = txn["amount"]
        transactions.append(
            add_transaction(
                backend,
                order,
                txn["type"],
                backend.totals(order)["total_incl"] if amount == "total" else d(amount),
                gateway=txn["gateway"],
                method=txn["method"],
                parent=transactions[txn["parent"]]["id"] if "parent" in txn else None,
            )
        )
    for shipment in spec.get("shipments", []):
        add_shipment(backend, order, shipment["lines"], tracking=shipment.get("tracking", ""))
    _demo_fulfillment_order(backend, order, spec["fulfillment_order"])
    for refund in spec.get("refunds", []):
        _demo_refund(backend, order, transactions, refund)
    return order


def _demo_fulfillment_order(backend: NextCommerceBackend, order: Json, spec: Json) -> None:
    if spec.get("closed"):
        closed_fulfillment_order(backend, order, location_id=spec["location"])
        return
    fo = open_fulfillment_order(
        backend,
        order,
        location_id=spec["location"],
        status=spec.get("status", "open"),
        request_status=spec.get("request_status", "pending"),
    )
    hold = spec.get("hold")
    if hold and fo is not None:
        fo["status"] = "on_hold"
        fo["holds"].append({**hold, "created_at": backend.now()})


def _demo_refund(
    backend: NextCommerceBackend, order: Json, transactions: list[Json], spec: Json
) -> None:
    ids = [
        refund_transaction(backend, order, transactions[txn["parent"]], d(txn["amount"]))["id"]
        for txn in spec["transactions"]
    ]
    order["refunds"].append(
        {
            "id": backend.next_id("refund"),
            "created_at": backend.now(),
            "note": spec["note"],
            "lines": [
                {
                    "id": backend.next_id("refund_line"),
                    "line_item_id": order["lines"][line["line"]]["id"],
                    "location_id": line["location_id"],
                    "quantity": line["quantity"],
                    "restock_type": line["restock_type"],
                    "amount_excl_tax": line["amount_excl_tax"],
                    "amount_incl_tax": line["amount_incl_tax"],
                }
                for line in spec["lines"]
            ],
            "adjustments": [
                {"id": backend.next_id("adjustment"), **adjustment}
                for adjustment in spec["adjustments"]
            ],
            "transaction_ids": ids,
        }
    )


# --- generated orders ---------------------------------------------------------------------------------
def seed_orders(backend: NextCommerceBackend, n: int, *, seed: int = 0) -> list[str]:
    """Add ``n`` generated orders, deterministically (same state + seed -> same orders).

    Each is paid by one card sale; about half are shipped in full, the rest have an open
    fulfillment order. Returns the new order numbers.
    """
    counters, orders = backend.data["counters"], backend.data["orders"]
    rng = random.Random(f"{seed}:{counters['order']}:{len(orders)}")
    products = list(backend.data["products"].values())
    numbers = []
    for index in range(n):
        number = str(backend.next_id("order"))
        while number in orders:
            number = str(backend.next_id("order"))
        user, ship, bill = _customer(backend, index)
        chosen = rng.sample(products, rng.randint(1, min(3, len(products))))
        day = BASE_TIME - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
        order = new_order(
            backend,
            number=number,
            currency="USD",
            placed=day.isoformat().replace("+00:00", "Z"),
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[
                (
                    product,
                    rng.randint(1, 3),
                    d(product["price"]),
                    Decimal("0.10") if product["requires_shipping"] else Decimal(0),
                )
                for product in chosen
            ],
            shipping_excl=d(rng.choice(["0.00", "4.99", "9.99"])),
            shipping_rate=Decimal("0.10"),
        )
        add_transaction(
            backend,
            order,
            "debit",
            backend.totals(order)["total_incl"],
            gateway=1,
            method="card_token",
        )
        digital = [i for i, line in enumerate(order["lines"]) if not line["requires_shipping"]]
        if digital:
            add_shipment(backend, order, digital)
        if rng.random() < 0.5:
            physical = [i for i, line in enumerate(order["lines"]) if line["requires_shipping"]]
            if physical:
                add_shipment(backend, order, physical, tracking=f"94001{number.zfill(17)}")
                closed_fulfillment_order(backend, order, location_id=1)
        else:
            open_fulfillment_order(backend, order, location_id=1)
        numbers.append(number)
    return numbers
