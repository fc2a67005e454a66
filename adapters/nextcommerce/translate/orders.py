"""Orders: statuses, addresses, lines and the order itself, plus the order write bodies.

Next Commerce gives every amount as an ``*_excl_tax`` / ``*_incl_tax`` pair. Canonical amounts are
the tax-inclusive ones (``Order.taxes_included``), with the tax part beside them, and satisfy the
identities of :class:`~unified_orders.models.Order`: ``subtotal`` is the sum of the line totals,
``shipping`` is ``shipping_incl_tax``, ``total`` (``total_incl_tax``) and ``tax`` (``total_tax``)
are the platform's own, and whatever the lines and shipping do not explain of them is recorded in
``adjustment`` / ``tax_adjustment``. The order ``number`` is the order's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.models import (
    Address,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Order,
    OrderStatus,
)
from unified_orders.models.identities import line_total, order_amounts
from unified_orders.options import SourceMarker

from .fulfillments import fulfillments_from_platform
from .refunds import refund_from_platform, transaction_from_platform
from .values import (
    PLATFORM,
    count_of,
    datetime_of,
    decimal_of,
    id_of,
    key_of,
    money,
    money_of,
    money_string,
    report_twin,
)

__all__ = [
    "FINANCIAL_STATUS",
    "FULFILLMENT_STATUS",
    "ORDER_STATUS",
    "REQUIRED_ADDRESS",
    "address_from_platform",
    "address_to_platform",
    "cancel_body",
    "create_order_body",
    "order_from_platform",
]

# --- status maps ---------------------------------------------------------------------------------
ORDER_STATUS: dict[str, OrderStatus] = {
    "open": OrderStatus.OPEN,
    "archived": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
}

FINANCIAL_STATUS: dict[str, FinancialStatus] = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "expiring": FinancialStatus.AUTHORIZED,  # an authorization about to lapse is still one
    "expired": FinancialStatus.VOIDED,  # INFERRED: a lapsed authorization can no longer be captured
    "paid": FinancialStatus.PAID,
    "voided": FinancialStatus.VOIDED,
    "refunded": FinancialStatus.REFUNDED,
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    # partially_voided has no canonical twin: it maps to unknown, the platform value is kept.
}

FULFILLMENT_STATUS: dict[str, FulfillmentStatus] = {
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "on_hold": FulfillmentStatus.UNFULFILLED,
    "rejected": FulfillmentStatus.UNFULFILLED,
    "processing": FulfillmentStatus.UNFULFILLED,
    "partially_fulfilled": FulfillmentStatus.PARTIALLY_FULFILLED,  # in the filter enum only
    "fulfilled": FulfillmentStatus.FULFILLED,
    "not_required": FulfillmentStatus.FULFILLED,  # nothing to ship (digital only)
    # incomplete (a fulfillment service gave up part-way) maps to unknown.
}


# --- addresses ------------------------------------------------------------------------------------
def address_from_platform(body: Mapping[str, Any] | None) -> Address | None:
    """An Oscar-style address (``line4`` is the city, ``state``, ``postcode``) as canonical."""
    if not body:
        return None
    return Address.trusted(
        first_name=body.get("first_name") or None,
        last_name=body.get("last_name") or None,
        line1=body.get("line1") or None,
        line2=body.get("line2") or None,
        city=body.get("line4") or None,
        province_code=body.get("state") or None,
        postal_code=body.get("postcode") or None,
        country_code=body.get("country") or None,
        phone=body.get("phone_number") or None,
        raw=dict(body),
    )


#: The ``metadata`` key of a migrated order's marker.
MARKER_KEY = "uo_source_marker"

REQUIRED_ADDRESS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "line1": "line1",
    "city": "line4",
    "country_code": "country",
}


def address_to_platform(address: Address, *, path: str = "address") -> dict[str, Any]:
    """A canonical address as the platform's; the spec requires name, line1, city and country.

    The canonical ``company`` has no field on Next Commerce and goes into ``line3``.
    """
    missing = [name for name in REQUIRED_ADDRESS if not getattr(address, name)]
    if missing:
        raise InvalidRequest(
            [
                Problem(f"{path}.{name}", "Next Commerce requires this address field")
                for name in missing
            ],
            operation="address",
        )
    body: dict[str, Any] = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "line1": address.line1,
        "line4": address.city,
        "country": (address.country_code or "").upper(),
    }
    optional = {
        "line2": address.line2,
        "line3": address.company,
        "state": address.province_code,
        "postcode": address.postal_code,
        "phone_number": address.phone,
    }
    body.update({key: value for key, value in optional.items() if value})
    return body


# --- orders ---------------------------------------------------------------------------------------------
def _fulfilled_by_line(body: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fulfillment in body.get("fulfillments") or []:
        if fulfillment.get("status") == "canceled":
            continue
        for item in fulfillment.get("line_items") or []:
            key = str(item.get("order_line_id"))
            quantity = item.get("fulfilled_quantity", item.get("quantity"))
            counts[key] = counts.get(key, 0) + count_of(quantity)
    return counts


def _refunded_by_line(body: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for refund in body.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            key = str(item.get("line_item_id"))
            counts[key] = counts.get(key, 0) + count_of(item.get("quantity"))
    return counts


def _line_from_platform(
    body: Mapping[str, Any], key: str, currency: str, fulfilled: int, refunded: int
) -> LineItem:
    cur = body.get("currency") or currency
    report = body.get("report_values")
    quantity = count_of(body.get("quantity"))
    # INFERRED: price_excl_tax / price_incl_tax are unit prices before the line's discount, and
    # total_discount is the line's discount with tax (the spec says neither).
    unit = money(body.get("price_incl_tax"), cur, report, "price_incl_tax")
    unit_excl = decimal_of(body.get("price_excl_tax"))  # its shop twin is not needed
    discount = money(body.get("total_discount"), cur, report, "total_discount")
    rate = None
    for tax_line in body.get("tax_lines") or []:
        found = tax_line.get("rate")  # every tax line read, as before: a malformed one refuses
        if found is not None and rate is None:
            rate = str(found)
    title = str(body.get("product_title") or "")
    if body.get("variant_title"):
        title = f"{title} - {body['variant_title']}" if title else str(body["variant_title"])
    requires_shipping = bool(body.get("requires_shipping", True))
    # (unit - unit_excl) * quantity without its shop figure: one Money, not three
    total_tax = money_of((unit.amount - unit_excl) * quantity, cur)
    return LineItem.trusted(
        id=key,
        sku=body.get("sku") or None,
        title=title,
        quantity=quantity,
        current_quantity=count_of(body.get("current_quantity", quantity)),
        fulfilled_quantity=fulfilled,
        refunded_quantity=refunded,
        unit_price=unit,
        total=line_total(unit, quantity, discount),
        total_discount=discount,
        total_tax=total_tax,
        tax_rate=rate,
        requires_shipping=requires_shipping,
        # INFERRED: a line that needs no shipping is a digital product (restock rules differ).
        is_digital=not requires_shipping,
        product_id=id_of(body.get("product_id")),
        variant_id=id_of(body.get("variant_id")),
        raw=dict(body),
    )


def order_from_platform(body: Mapping[str, Any]) -> Order:
    """An ``Order`` (``ordersRetrieve`` and every order write) as canonical; id = the number."""
    currency = body.get("currency")
    if not isinstance(currency, str) or not currency.strip():
        # never read a missing currency as the code "NONE"
        raise ValueError(f"order {body.get('number')} has no currency (got {currency!r})")
    report = body.get("report_values") or {}
    fulfilled = _fulfilled_by_line(body)
    refunded = _refunded_by_line(body)
    lines = [
        _line_from_platform(line, key, currency, fulfilled.get(key, 0), refunded.get(key, 0))
        for line in body.get("lines") or []
        for key in (key_of(line, "id"),)
    ]
    total = money(body.get("total_incl_tax"), currency, report, "total_incl_tax")
    shipping = money(body.get("shipping_incl_tax"), currency, report, "shipping_incl_tax")
    # the tax-exclusive figures only enter differences: their amounts and shop twins suffice
    total_excl_spelled = body.get("total_excl_tax")
    total_excl = decimal_of(total_excl_spelled)
    total_excl_shop = report_twin(
        total_excl, currency, report, "total_excl_tax", total_excl_spelled
    )
    shipping_excl_spelled = body.get("shipping_excl_tax")
    shipping_excl = decimal_of(shipping_excl_spelled)
    shipping_excl_shop = report_twin(
        shipping_excl, currency, report, "shipping_excl_tax", shipping_excl_spelled
    )
    tax = money_of(
        decimal_of(body.get("total_tax")),
        currency,
        shop=total.shop - total_excl_shop
        if total.shop is not None and total_excl_shop is not None
        else None,
    )
    shipping_tax = money_of(
        decimal_of(body.get("shipping_tax"))
        if body.get("shipping_tax") not in (None, "")
        else shipping.amount - shipping_excl,
        currency,
        shop=shipping.shop - shipping_excl_shop
        if shipping.shop is not None and shipping_excl_shop is not None
        else None,
    )
    amounts = order_amounts(
        lines,
        currency,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=tax,
        total=total,
        taxes_included=True,
    )
    status = str(body.get("status") or "")
    payment = str(body.get("payment_status") or "")
    fulfillment = str(body.get("fulfillment_status") or "")
    user = body.get("user") or {}
    number = key_of(body, "number")
    return Order.trusted(
        id=number,
        number=number,
        platform=PLATFORM,
        currency=currency,
        shop_currency=report.get("currency"),
        status=ORDER_STATUS.get(status, OrderStatus.UNKNOWN),
        platform_status=status or None,
        financial_status=FINANCIAL_STATUS.get(payment, FinancialStatus.UNKNOWN),
        platform_financial_status=payment or None,
        fulfillment_status=FULFILLMENT_STATUS.get(fulfillment, FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=fulfillment or None,
        email=user.get("email"),
        lines=lines,
        shipping_address=address_from_platform(body.get("shipping_address")),
        billing_address=address_from_platform(body.get("billing_address")),
        **amounts.fields(),
        transactions=[
            transaction_from_platform(t, currency) for t in body.get("transactions") or []
        ],
        refunds=[refund_from_platform(r, currency) for r in body.get("refunds") or []],
        fulfillments=fulfillments_from_platform(body),
        created_at=datetime_of(body.get("date_placed") or body.get("created_at")),
        updated_at=datetime_of(body.get("updated_at")),
        raw=dict(body),
    )


def create_order_body(order: Order, marker: SourceMarker | None = None) -> dict[str, Any]:
    """``CreateOrder`` for a canonical order (migration): paid externally, no receipt e-mail; a
    migration ``marker`` goes into ``metadata`` (``uo_source_marker``) and ``tags``.

    Next Commerce lines name the *variant* product id (an integer of this store's catalogue), so
    each line needs ``variant_id`` or ``product_id`` holding one.
    """
    problems: list[Problem] = []
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(order.lines):
        ref = line.variant_id or line.product_id
        if ref is None or not str(ref).isdigit():
            problems.append(
                Problem(
                    f"lines[{index}].variant_id",
                    "Next Commerce needs the integer variant product id of this store's catalogue "
                    f"(got {ref!r}); map products before importing",
                )
            )
            continue
        if line.current_quantity < 1:
            continue
        lines.append(
            {
                "product_id": int(ref),
                "quantity": line.current_quantity,
                "price": money_string(line.unit_price.amount),
            }
        )
    if order.currency and order.lines and not lines and not problems:
        problems.append(Problem("lines", "every line has quantity 0; nothing to import"))
    if problems:
        raise InvalidRequest(problems, operation="orders.create")
    body: dict[str, Any] = {
        "lines": lines,
        "currency": order.currency,
        "shipping_price": money_string(order.shipping.amount),
        "payment_method": "external",
        "payment_details": {"external_payment_method": f"import:{order.platform}"},
        "send_receipt": False,
    }
    status = {OrderStatus.CLOSED: "archived", OrderStatus.CANCELED: "canceled"}.get(
        order.status, "open"
    )
    body["status"] = status
    if order.created_at is not None:
        body["date_placed"] = order.created_at.isoformat()
    if order.shipping_address is not None:
        body["shipping_address"] = address_to_platform(
            order.shipping_address, path="shipping_address"
        )
    if order.billing_address is not None:
        body["billing_address"] = address_to_platform(order.billing_address, path="billing_address")
    elif order.shipping_address is not None:
        body["billing_same_as_shipping_address"] = True
    user: dict[str, Any] = {}
    if order.email:
        user["email"] = order.email
    source = order.shipping_address or order.billing_address
    if source is not None:
        if source.first_name:
            user["first_name"] = source.first_name
        if source.last_name:
            user["last_name"] = source.last_name
    if user:
        body["user"] = user
    if marker is not None:
        body["metadata"] = {MARKER_KEY: marker.value, "uo_source": marker.source}
        body["tags"] = ["uo-migrated", marker.value]
    return body


def cancel_body(reason: str, refund: bool, notify: bool) -> dict[str, Any]:
    """``CancelOrder``: the platform's notification default is on, ours is off."""
    return {"cancel_reason": reason, "full_refund": refund, "send_cancel_notification": notify}
