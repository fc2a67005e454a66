"""Deterministic demo data for the Shopify sandbox, shaped like Shopify's REST examples
(``order.json`` and friends), with obviously fake customers."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import ShopifyState

__all__ = ["build_order", "generated_order", "seed_demo"]

PEOPLE = [
    ("Jane", "Doe"),
    ("John", "Doe"),
    ("Alex", "Example"),
    ("Sam", "Sample"),
]

CATALOG = [
    ("Example Hoodie", "EX-HOODIE", "45.00"),
    ("Example Sneakers", "EX-SNEAKERS", "199.00"),
    ("Example Cap", "EX-CAP", "19.99"),
    ("Example Mug", "EX-MUG", "12.50"),
    ("Example Backpack", "EX-BACKPACK", "89.00"),
]


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0"))


def _address(first: str, last: str) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}",
        "address1": "1 Example Street",
        "address2": "",
        "city": "Louisville",
        "zip": "40202",
        "province": "Kentucky",
        "province_code": "KY",
        "country": "United States",
        "country_code": "US",
        "company": None,
        "phone": "+15005550100",
    }


def build_order(
    state: ShopifyState,
    body: dict[str, Any],
    *,
    rate: str | None = None,
    fulfilled: dict[int, int] | None = None,
    location_id: int | None = None,
    fo_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create an order in ``state`` from a ``POST orders.json``-shaped body.

    ``fulfilled`` maps line indexes to units already shipped (a successful fulfillment at
    ``location_id``); the other units get an open fulfillment order there (``fo_state``
    overrides its status/request status/holds). ``rate`` converts presentment to shop money.
    """
    order_id = state.new_id()
    shop_currency = state.shop_currency
    currency = str(body.get("currency") or shop_currency)
    if rate is not None:
        state.data["rates"][str(order_id)] = rate
    now = state.now()
    created = str(body.get("processed_at") or now)
    number = 1001 + len(state.data["orders"])
    order: dict[str, Any] = {
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
        "currency": shop_currency,
        "presentment_currency": currency,
        "financial_status": body.get("financial_status") or "pending",
        "fulfillment_status": None,
        "taxes_included": bool(body.get("taxes_included")),
        "note": body.get("note"),
        "tags": "",
        "test": True,
        "source_name": "sandbox",
        "shipping_address": body.get("shipping_address"),
        "billing_address": body.get("billing_address"),
        "line_items": [],
        "shipping_lines": [],
        "tax_lines": [],
        "refunds": [],
        "fulfillments": [],
    }
    location = location_id or int(state.data["locations"][0]["id"])
    subtotal = tax = discounts = Decimal(0)
    for index, item in enumerate(body["line_items"]):
        line_id = state.new_id()
        quantity = int(item["quantity"])
        price = _d(item["price"])
        shipped = (fulfilled or {}).get(index, 0)
        total_discount = _d(item.get("total_discount"))
        allocations = [
            {
                "amount": state.money(order, _d(a["amount"])),
                "amount_set": state.bag(order, _d(a["amount"])),
                "discount_application_index": 0,
            }
            for a in item.get("discount_allocations") or []
        ]
        tax_lines = [
            {
                "channel_liable": None,
                "price": state.money(order, _d(t["price"])),
                "price_set": state.bag(order, _d(t["price"])),
                "rate": _d(t.get("rate") or "0"),
                "title": t.get("title") or "Tax",
            }
            for t in item.get("tax_lines") or []
        ]
        line_discount = total_discount + sum((_d(a["amount"]) for a in allocations), Decimal(0))
        subtotal += price * quantity - line_discount
        discounts += line_discount
        tax += sum((_d(t["price"]) for t in tax_lines), Decimal(0))
        variant = item.get("variant_id") or state.new_id()
        order["line_items"].append(
            {
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
                "price": state.money(order, price),
                "price_set": state.bag(order, price),
                "product_exists": True,
                "product_id": item.get("product_id"),
                "properties": [],
                "quantity": quantity,
                "requires_shipping": bool(item.get("requires_shipping", True)),
                "sku": item.get("sku"),
                "taxable": bool(tax_lines),
                "title": item.get("title") or "Item",
                "total_discount": state.money(order, total_discount),
                "total_discount_set": state.bag(order, total_discount),
                "variant_id": variant,
                "variant_inventory_management": "shopify",
                "variant_title": None,
                "vendor": None,
                "tax_lines": tax_lines,
                "duties": [],
                "discount_allocations": allocations,
            }
        )
    shipping = Decimal(0)
    for row in body.get("shipping_lines") or []:
        ship_id = state.new_id()
        price = _d(row.get("price"))
        shipping += price
        order["shipping_lines"].append(
            {
                "id": ship_id,
                "carrier_identifier": None,
                "code": row.get("title") or "Standard",
                "discounted_price": state.money(order, price),
                "discounted_price_set": state.bag(order, price),
                "is_removed": False,
                "phone": None,
                "price": state.money(order, price),
                "price_set": state.bag(order, price),
                "requested_fulfillment_service_id": None,
                "source": "shopify",
                "title": row.get("title") or "Standard",
                "tax_lines": [],
                "discount_allocations": [],
            }
        )
    taxes_included = order["taxes_included"]
    total = subtotal + shipping + (Decimal(0) if taxes_included else tax)
    for key, amount in (
        ("subtotal_price", subtotal),
        ("total_line_items_price", subtotal + discounts),
        ("total_tax", tax),
        ("total_price", total),
        ("total_discounts", discounts),
    ):
        order[key] = state.money(order, amount)
        order[f"{key}_set"] = state.bag(order, amount)
    order["total_shipping_price_set"] = state.bag(order, shipping)
    order["total_outstanding"] = state.money(order, Decimal(0))
    if tax:
        order["tax_lines"] = [
            {"price": state.money(order, tax), "title": "Tax", "price_set": state.bag(order, tax)}
        ]
    state.data["orders"][str(order_id)] = order

    txns = state.data["transactions"].setdefault(str(order_id), [])
    parent_of: dict[str, dict[str, Any]] = {}
    for row in body.get("transactions") or []:
        kind = str(row.get("kind") or "sale")
        parent = parent_of.get("authorization") if kind == "capture" else None
        txn = state._transaction(order, kind, row.get("amount") or total, parent)
        txn["gateway"] = row.get("gateway") or "bogus"
        txn["status"] = row.get("status") or "success"
        txns.append(txn)
        parent_of[kind] = txn

    shipped_items = [
        (int(order["line_items"][i]["id"]), q) for i, q in (fulfilled or {}).items() if q
    ]
    if shipped_items:
        fulfillment_id = state.new_id()
        by_id = {int(x["id"]): x for x in order["line_items"]}
        order["fulfillments"].append(
            {
                "id": fulfillment_id,
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                "created_at": now,
                "location_id": location,
                "name": f"{order['name']}.1",
                "order_id": order_id,
                "service": "manual",
                "shipment_status": None,
                "status": "success",
                "tracking_company": "USPS",
                "tracking_number": f"9400100000000000{fulfillment_id % 1000000:06d}",
                "updated_at": now,
                "line_items": [dict(by_id[line_id], quantity=q) for line_id, q in shipped_items],
            }
        )
        closed = state.new_fulfillment_order(order, location, shipped_items)
        closed["status"] = "closed"
        for item in closed["line_items"]:
            item["fulfillable_quantity"] = 0
        all_shipped = sum(q for _, q in shipped_items) == sum(
            int(x["quantity"]) for x in order["line_items"]
        )
        order["fulfillment_status"] = "fulfilled" if all_shipped else "partial"
    open_items = [
        (int(x["id"]), int(x["fulfillable_quantity"]))
        for x in order["line_items"]
        if int(x["fulfillable_quantity"]) > 0
    ]
    if open_items:
        state.new_fulfillment_order(order, location, open_items, **(fo_state or {}))
    return order


def seed_demo(state: ShopifyState) -> None:
    """Locations and five demo orders covering the flows the adapter supports."""
    from .state import EPOCH

    main, downtown, service = state.new_id(), state.new_id(), state.new_id()
    state.data["locations"] = [
        {
            "id": main,
            "name": "Main Warehouse",
            "city": "Louisville",
            "country_code": "US",
            "address1": "1 Warehouse Way",
            "zip": "40202",
            "fulfillment_service": False,
        },
        {
            "id": downtown,
            "name": "Downtown Store",
            "city": "Louisville",
            "country_code": "US",
            "address1": "2 Example Plaza",
            "zip": "40203",
            "fulfillment_service": False,
        },
        {
            "id": service,
            "name": "Example Fulfillment Co.",
            "city": "Berlin",
            "country_code": "DE",
            "address1": None,
            "zip": None,
            "fulfillment_service": True,
        },
    ]

    def when(days: int) -> str:
        return (EPOCH - timedelta(days=days)).isoformat()

    def customer(index: int) -> dict[str, Any]:
        first, last = PEOPLE[index % len(PEOPLE)]
        address = _address(first, last)
        return {
            "email": f"{first.lower()}.{last.lower()}@example.com",
            "shipping_address": address,
            "billing_address": dict(address),
        }

    # #1001: paid; one line shipped, one waiting at the warehouse; shipping charged.
    build_order(
        state,
        {
            **customer(0),
            "processed_at": when(30),
            "currency": "USD",
            "financial_status": "paid",
            "line_items": [
                {
                    "title": "Example Hoodie",
                    "sku": "EX-HOODIE",
                    "quantity": 2,
                    "price": "45.00",
                    "tax_lines": [{"title": "State Tax", "price": "5.40", "rate": "0.06"}],
                },
                {
                    "title": "Example Sneakers",
                    "sku": "EX-SNEAKERS",
                    "quantity": 1,
                    "price": "199.00",
                    "discount_allocations": [{"amount": "10.00"}],
                    "tax_lines": [{"title": "State Tax", "price": "11.34", "rate": "0.06"}],
                },
            ],
            "shipping_lines": [{"title": "Standard", "price": "5.00"}],
            "transactions": [{"kind": "sale", "amount": "300.74", "gateway": "bogus"}],
        },
        fulfilled={0: 2},
        location_id=main,
    )
    # #1002: EUR presentment on a USD shop, VAT included; authorized then captured.
    build_order(
        state,
        {
            **customer(1),
            "processed_at": when(20),
            "currency": "EUR",
            "financial_status": "paid",
            "taxes_included": True,
            "line_items": [
                {
                    "title": "Example Mug",
                    "sku": "EX-MUG",
                    "quantity": 3,
                    "price": "40.00",
                    "tax_lines": [{"title": "VAT", "price": "19.16", "rate": "0.19"}],
                },
            ],
            "shipping_lines": [{"title": "Standard", "price": "4.90"}],
            "transactions": [
                {"kind": "authorization", "amount": "124.90", "gateway": "bogus"},
                {"kind": "capture", "amount": "124.90", "gateway": "bogus"},
            ],
        },
        rate="1.0850",
        location_id=downtown,
    )
    # #1003: a historic refund with legacy_restock; the rest accepted by a fulfillment service.
    order = build_order(
        state,
        {
            **customer(2),
            "processed_at": when(400),
            "currency": "USD",
            "financial_status": "paid",
            "line_items": [
                {"title": "Example Cap", "sku": "EX-CAP", "quantity": 1, "price": "30.00"},
                {
                    "title": "Example Backpack",
                    "sku": "EX-BACKPACK",
                    "quantity": 2,
                    "price": "15.00",
                },
            ],
            "transactions": [{"kind": "sale", "amount": "60.00", "gateway": "bogus"}],
        },
        location_id=service,
        fo_state={"status": "in_progress", "request_status": "accepted"},
    )
    sale = state.data["transactions"][str(order["id"])][0]
    refund = state.create_refund(
        order["id"],
        {
            "note": "it broke during shipping",
            "refund_line_items": [
                {
                    "line_item_id": order["line_items"][0]["id"],
                    "quantity": 1,
                    "restock_type": "no_restock",
                }
            ],
            "transactions": [
                {"parent_id": sale["id"], "amount": "30.00", "kind": "refund", "gateway": "bogus"}
            ],
        },
    )
    refund["restock"] = True
    refund["refund_line_items"][0]["restock_type"] = "legacy_restock"
    refund["refund_line_items"][0]["location_id"] = main
    # #1004: authorized only; waiting to be sent to the fulfillment service.
    build_order(
        state,
        {
            **customer(3),
            "processed_at": when(2),
            "currency": "USD",
            "financial_status": "authorized",
            "line_items": [
                {
                    "title": "Example Backpack",
                    "sku": "EX-BACKPACK",
                    "quantity": 1,
                    "price": "79.00",
                },
            ],
            "transactions": [{"kind": "authorization", "amount": "79.00", "gateway": "bogus"}],
        },
        location_id=service,
    )
    # #1005: paid; a digital gift card (delivered) and a parcel on hold for a bad address.
    build_order(
        state,
        {
            **customer(0),
            "processed_at": when(1),
            "currency": "USD",
            "financial_status": "paid",
            "line_items": [
                {
                    "title": "Example Gift Card",
                    "sku": "EX-GIFT",
                    "quantity": 1,
                    "price": "25.00",
                    "requires_shipping": False,
                    "gift_card": True,
                },
                {"title": "Example Hoodie", "sku": "EX-HOODIE", "quantity": 1, "price": "120.00"},
            ],
            "transactions": [{"kind": "sale", "amount": "145.00", "gateway": "bogus"}],
        },
        fulfilled={0: 1},
        location_id=main,
        fo_state={
            "status": "on_hold",
            "fulfillment_holds": [
                {
                    "id": state.new_id(),
                    "reason": "incorrect_address",
                    "reason_notes": "Apartment number missing.",
                }
            ],
        },
    )


def generated_order(state: ShopifyState, rng: random.Random, index: int) -> dict[str, Any]:
    """One generated paid order (1-3 lines, some shipped); deterministic for ``rng``."""
    from .state import EPOCH

    first, last = PEOPLE[index % len(PEOPLE)]
    address = _address(first, last)
    items: list[dict[str, Any]] = []
    total = Decimal(0)
    for title, sku, price in rng.sample(CATALOG, rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        items.append({"title": title, "sku": sku, "quantity": quantity, "price": price})
        total += Decimal(price) * quantity
    shipping = rng.choice(["0.00", "4.99", "9.99"])
    total += Decimal(shipping)
    locations = [x for x in state.data["locations"] if not x.get("fulfillment_service")]
    location = int(locations[index % len(locations)]["id"]) if locations else None
    body = {
        "email": f"{first.lower()}.{last.lower()}+{index}@example.com",
        "shipping_address": address,
        "billing_address": dict(address),
        "processed_at": (EPOCH + timedelta(minutes=7 * index)).isoformat(),
        "currency": "USD",
        "financial_status": "paid",
        "line_items": items,
        "shipping_lines": [{"title": "Standard", "price": shipping}] if shipping != "0.00" else [],
        "transactions": [{"kind": "sale", "amount": str(total), "gateway": "bogus"}],
    }
    shipped = {0: int(items[0]["quantity"])} if rng.random() < 0.4 else None
    return build_order(state, body, fulfilled=shipped, location_id=location)
