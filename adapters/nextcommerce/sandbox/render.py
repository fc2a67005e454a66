"""The sandbox's answers: stored records rendered as the 2024-04-01 response schemas.

Amounts are derived from the stored prices and tax rates (see :mod:`.state`); ``report_values``
repeat them in the order's reporting currency. Deviations of the real API that the sandbox
reproduces (a ``partially_fulfilled`` status, for one) are documented where they are decided.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from ..rules import money_string, supported_actions
from .state import Json, NextCommerceBackend, d
from .tracking import tracking_fields

__all__ = [
    "render_fulfillment",
    "render_fulfillment_order",
    "render_list_item",
    "render_order",
    "render_refund",
    "render_transaction",
]


def _report(order: Json, amount: Decimal) -> str:
    """An amount in the order's reporting currency."""
    return money_string(amount * d(order["report_rate"]))


def render_transaction(backend: NextCommerceBackend, order: Json, txn: Json) -> Json:
    """A ``Transaction``."""
    gateway = backend.data["gateways"][str(txn["gateway_id"])]
    return {
        "id": txn["id"],
        "type": txn["type"],
        "status": txn["status"],
        "amount": txn["amount"],
        "currency": order["currency"],
        "parent_id": txn.get("parent_id"),
        "date_created": txn["date_created"],
        "response_code": 100 if txn["status"] == "succeeded" else 200,
        "auth_code": "SANDBOX" if txn["status"] == "succeeded" else None,
        "external_id": None,
        "is_disputed": False,
        "is_external": gateway["type"] == "external",
        "is_test": True,
        "network_transaction_id": None,
        "payment_method": txn["payment_method"],
        "statement_descriptor": None,
        "payment_details": {
            "gateway": {"id": gateway["id"], "name": gateway["name"], "type": gateway["type"]},
            "bankcard_first_six": "424242" if txn["payment_method"] == "card_token" else None,
            "bankcard_last_four": "4242" if txn["payment_method"] == "card_token" else None,
            "card_token": "",
            "is_3ds": False,
            "optimized_3ds": False,
            "paypal_vault_id": "",
            "sca_flow": "",
        },
        "report_values": {
            "amount": _report(order, d(txn["amount"])),
            "currency": order["report_currency"],
        },
    }


def _tax_breakdown(order: Json, amount: Decimal, rate: Any, title: str) -> Json:
    return {
        "amount": money_string(amount),
        "currency": order["currency"],
        "rate": d(rate),
        "report_values": {
            "amount": _report(order, amount),
            "currency": order["report_currency"],
        },
        "source": "store",
        "tax_id": 1,
        "tax_title": title,
    }


def _render_line(backend: NextCommerceBackend, order: Json, line: Json) -> Json:
    excl, incl = backend.line_prices(line)
    unfulfilled = backend.unfulfilled(order, line)
    product = backend.data["products"].get(str(line["product_id"]), {})
    tax = (incl - excl) * line["current_quantity"]
    total_cost = d(line["unit_cost"]) * line["current_quantity"]

    def rv(amount: Decimal) -> str:
        return _report(order, amount)

    return {
        "id": line["id"],
        "product_id": line["variant_id"],
        "variant_id": line["variant_id"],
        "sku": line["sku"],
        "product_title": line["title"],
        "variant_title": line["variant_title"],
        "product_image": f"https://cdn.example.com/products/{product.get('id', line['product_id'])}.png",
        "product_url": f"https://sandbox.29next.store/products/{product.get('id', line['product_id'])}/",
        "currency": order["currency"],
        "price_excl_tax": money_string(excl),
        "price_incl_tax": money_string(incl),
        "original_price_excl_tax": money_string(excl),
        "original_price_incl_tax": money_string(incl),
        "original_total_discount": "0.00",
        "total_discount": "0.00",
        "unit_cost": money_string(d(line["unit_cost"])),
        "total_cost": money_string(total_cost),
        "quantity": line["quantity"],
        "current_quantity": line["current_quantity"],
        "fulfillable_quantity": unfulfilled,
        "editable_quantity": unfulfilled,
        "requires_shipping": line["requires_shipping"],
        "is_upsell": False,
        "is_gift_card": False,
        "metadata": {},
        "tax_lines": [_tax_breakdown(order, tax, line["tax_rate"], "Sales Tax")] if tax > 0 else [],
        "report_values": {
            "currency": order["report_currency"],
            "price_excl_tax": rv(excl),
            "price_incl_tax": rv(incl),
            "original_price_excl_tax": rv(excl),
            "original_price_incl_tax": rv(incl),
            "original_total_discount": "0.00",
            "total_discount": "0.00",
            "total_cost": rv(total_cost),
            "unit_cost": rv(d(line["unit_cost"])),
        },
        "created_at": line["created_at"],
        "updated_at": line["created_at"],
    }


def render_fulfillment(backend: NextCommerceBackend, order: Json, fulfillment: Json) -> Json:
    """A ``Fulfillment``, with each line's returnable and returned units."""
    location = backend.data["locations"][str(fulfillment["location_id"])]
    returned_left = {
        line["id"]: backend.refunded(order, line["id"], "return") for line in order["lines"]
    }
    refunded_left = {
        line["id"]: backend.refunded(order, line["id"])
        - backend.refunded(order, line["id"], "cancel")
        for line in order["lines"]
    }
    items = []
    for item in fulfillment["lines"]:
        line = next(x for x in order["lines"] if x["id"] == item["order_line_id"])
        excl, incl = backend.line_prices(line)
        returned = min(returned_left[line["id"]], item["quantity"])
        returned_left[line["id"]] -= returned
        refunded = min(refunded_left[line["id"]], item["quantity"])
        refunded_left[line["id"]] -= refunded
        items.append(
            {
                "id": item["id"],
                "order_line_id": line["id"],
                "quantity": item["quantity"],
                "fulfilled_quantity": str(item["quantity"]),
                "returnable_quantity": str(item["quantity"] - refunded),
                "returned_quantity": str(returned),
                "fulfillment_service": "manual",
                "sku": line["sku"],
                "product_id": line["variant_id"],
                "product_title": line["title"],
                "product_image": f"https://cdn.example.com/products/{line['product_id']}.png",
                "requires_shipping": line["requires_shipping"],
                "price_excl_tax": money_string(excl),
                "price_incl_tax": money_string(incl),
                "total_discount": "0.00",
                "currency": order["currency"],
                "tax_lines": [],
            }
        )
    return {
        "id": fulfillment["id"],
        "order_number": order["number"],
        "location_id": fulfillment["location_id"],
        "created_at": fulfillment["created_at"],
        "status": fulfillment["status"],
        "last_event_date": None,
        "shipping_method": order["shipping_method"],
        "requires_shipping": any(i["requires_shipping"] for i in items),
        "origin_address": location["address"],
        **tracking_fields(fulfillment),
        "line_items": items,
    }


def render_refund(backend: NextCommerceBackend, order: Json, refund: Json) -> Json:
    """A ``Refund``: its lines, adjustments and transactions, totals from the succeeded ones."""
    rc = order["report_currency"]
    txns = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]
    total = sum((d(t["amount"]) for t in txns if t["status"] == "succeeded"), Decimal(0))
    ret_excl = sum(
        (d(x["amount_excl_tax"]) for x in refund["lines"] + refund["adjustments"]), Decimal(0)
    )
    ret_incl = sum(
        (d(x["amount_incl_tax"]) for x in refund["lines"] + refund["adjustments"]), Decimal(0)
    )

    def pair(item: Json) -> Json:
        return {
            "amount_excl_tax": _report(order, d(item["amount_excl_tax"])),
            "amount_incl_tax": _report(order, d(item["amount_incl_tax"])),
            "currency": rc,
        }

    return {
        "id": refund["id"],
        "order_number": order["number"],
        "created_at": refund["created_at"],
        "note": refund.get("note"),
        "user_id": 1,
        "refund_line_items": [
            {
                "id": item["id"],
                "line_item_id": item["line_item_id"],
                "location_id": item["location_id"],
                "quantity": item["quantity"],
                "restock_type": item["restock_type"],
                "amount_excl_tax": item["amount_excl_tax"],
                "amount_incl_tax": item["amount_incl_tax"],
                "report_values": pair(item),
            }
            for item in refund["lines"]
        ],
        "adjustments": [
            {
                "id": item["id"],
                "type": item["type"],
                "amount_excl_tax": item["amount_excl_tax"],
                "amount_incl_tax": item["amount_incl_tax"],
                "report_values": pair(item),
            }
            for item in refund["adjustments"]
        ],
        "transactions": [render_transaction(backend, order, t) for t in txns],
        "total_refund_amount": money_string(total),
        "total_return_excl_tax": money_string(ret_excl),
        "total_return_incl_tax": money_string(ret_incl),
        "report_values": {
            "currency": rc,
            "total_refund_amount": _report(order, total),
            "total_return_excl_tax": _report(order, ret_excl),
            "total_return_incl_tax": _report(order, ret_incl),
        },
    }


def _summary(backend: NextCommerceBackend, order: Json) -> Json:
    """The fields ``OrderList`` and ``Order`` share."""
    t = backend.totals(order)
    captured = sum((d(x["amount"]) for x in backend.captured(order)), Decimal(0))
    tax = t["total_incl"] - t["total_excl"]
    return {
        "number": order["number"],
        "status": order["status"],
        "payment_status": backend.payment_status(order),
        "fulfillment_status": backend.fulfillment_status(order),
        "currency": order["currency"],
        "is_test": True,
        "source": order["source"],
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
        "date_placed": order["date_placed"],
        "display_taxes": "exclusive",
        "order_status_url": f"https://sandbox.29next.store/orders/{order['number']}/status/",
        "shipping_code": order["shipping_code"],
        "shipping_method": order["shipping_method"],
        "shipping_excl_tax": money_string(t["ship_excl"]),
        "shipping_incl_tax": money_string(t["ship_incl"]),
        "shipping_tax": money_string(t["ship_incl"] - t["ship_excl"]),
        "original_shipping_excl_tax": money_string(t["ship_excl"]),
        "original_shipping_incl_tax": money_string(t["ship_incl"]),
        "total_excl_tax": money_string(t["total_excl"]),
        "total_incl_tax": money_string(t["total_incl"]),
        "total_tax": money_string(tax),
        "original_total_excl_tax": money_string(t["total_excl"]),
        "original_total_incl_tax": money_string(t["total_incl"]),
        "total_discount": "0.00",
        "original_total_discount": "0.00",
        "total_outstanding": money_string(max(t["total_incl"] - captured, Decimal(0))),
        "total_cost": money_string(t["cost"]),
        "metadata": order.get("metadata") or {},
        "user": dict(order["user"]),
    }


def render_list_item(backend: NextCommerceBackend, order: Json) -> Json:
    """An ``OrderList`` item (no lines)."""
    return _summary(backend, order)


def render_order(backend: NextCommerceBackend, order: Json) -> Json:
    """An ``Order``, in full."""
    t = backend.totals(order)

    def rv(amount: Decimal) -> str:
        return _report(order, amount)

    tax = t["total_incl"] - t["total_excl"]
    ship_tax = t["ship_incl"] - t["ship_excl"]
    body = _summary(backend, order)
    body.update(
        {
            "lines": [_render_line(backend, order, line) for line in order["lines"]],
            "shipping_address": copy.deepcopy(order.get("shipping_address")),
            "billing_address": copy.deepcopy(order.get("billing_address")),
            "attribution": {
                "agent": {
                    "id": 1,
                    "email": "agent@example.com",
                    "first_name": "Sandbox",
                    "last_name": "Agent",
                },
                "funnel": None,
                "affiliate": None,
                "metadata": {},
            },
            "fulfillments": [render_fulfillment(backend, order, f) for f in order["fulfillments"]],
            "refunds": [render_refund(backend, order, r) for r in order["refunds"]],
            "transactions": [render_transaction(backend, order, x) for x in order["transactions"]],
            "offer_discounts": [],
            "voucher_discounts": [],
            "subscriptions": [],
            "subscription_lifecycle": "",
            "supports_post_purchase_upsells": False,
            "tags": list(order.get("tags") or []),
            "shipping_tax_lines": [
                _tax_breakdown(order, ship_tax, order["shipping_tax_rate"], "Shipping Tax")
            ]
            if ship_tax > 0
            else [],
            "tax_lines": (
                [
                    {
                        "id": 1,
                        "amount": money_string(tax),
                        "currency": order["currency"],
                        "rate": d(order["lines"][0]["tax_rate"]) if order["lines"] else Decimal(0),
                        "source": "store",
                        "tax_title": "Sales Tax",
                        "report_values": {
                            "amount": rv(tax),
                            "currency": order["report_currency"],
                        },
                    }
                ]
                if tax > 0
                else []
            ),
            "report_values": {
                "currency": order["report_currency"],
                "shipping_excl_tax": rv(t["ship_excl"]),
                "shipping_incl_tax": rv(t["ship_incl"]),
                "original_shipping_excl_tax": rv(t["ship_excl"]),
                "original_shipping_incl_tax": rv(t["ship_incl"]),
                "total_excl_tax": rv(t["total_excl"]),
                "total_incl_tax": rv(t["total_incl"]),
                "original_total_excl_tax": rv(t["total_excl"]),
                "original_total_incl_tax": rv(t["total_incl"]),
                "total_discount": "0.00",
                "original_total_discount": "0.00",
                "total_cost": rv(t["cost"]),
            },
        }
    )
    return body


def render_fulfillment_order(backend: NextCommerceBackend, fo: Json) -> Json:
    """A ``FulfillmentOrder``, with its location, lines, holds and supported actions."""
    order = backend.order(fo["order_number"])
    location = backend.data["locations"][str(fo["location_id"])]
    items = []
    for item in fo["lines"]:
        line = next(x for x in order["lines"] if x["id"] == item["order_line_id"])
        excl, incl = backend.line_prices(line)
        items.append(
            {
                "id": item["id"],
                "fulfillment_order_id": fo["id"],
                "order_line_id": line["id"],
                "quantity": item["quantity"],
                "fulfillable_quantity": str(item["fulfillable"]),
                "product_id": str(line["variant_id"]),
                "sku": line["sku"],
                "product_title": line["title"],
                "product_image": f"https://cdn.example.com/products/{line['product_id']}.png",
                "stockrecord_id": 20000 + int(line["variant_id"]),
                "price_excl_tax": money_string(excl),
                "price_incl_tax": money_string(incl),
                "total_discount": "0.00",
                "currency": order["currency"],
                "tax_lines": [],
            }
        )
    shipping = order.get("shipping_address")
    return {
        "id": fo["id"],
        "order_number": fo["order_number"],
        "status": fo["status"],
        "request_status": fo["request_status"],
        "created_at": fo["created_at"],
        "updated_at": fo["updated_at"],
        "assigned_location": copy.deepcopy(location),
        "shipping_address": copy.deepcopy(shipping),
        "shipping_method": {"code": order["shipping_code"], "name": order["shipping_method"]},
        "line_items": items,
        "fulfillment_holds": [dict(h) for h in fo["holds"]],
        "merchant_requests": [dict(m) for m in fo["merchant_requests"]],
        "supported_actions": supported_actions(fo["status"], fo["request_status"]),
    }
