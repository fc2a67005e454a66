"""Orders, canonical -> platform: the ``POST /api/order`` body of a migration, and addresses.

Ids derive from the source platform and id (:func:`~..platform.stable_id`), so a resent create
reuses them and the shop refuses the duplicate. States are set directly, which Shopware allows on
create; the shop's own ids (sales channel, currency, states, countries) come in :class:`CreateRefs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.models import (
    Address,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Order,
    OrderStatus,
)
from unified_orders.options import SourceMarker

from ..platform import dec, stable_id
from ..states import DELIVERY_MACHINE, ORDER_MACHINE, TRANSACTION_MACHINE
from .values import calculated_price, iso_time, taxes_object

__all__ = [
    "DELIVERY_STATE_FOR",
    "ORDER_STATE_FOR",
    "TRANSACTION_STATE_FOR",
    "CreateRefs",
    "address_to_platform",
    "order_to_platform",
    "province_key",
]

ORDER_STATE_FOR = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "completed",
    OrderStatus.CANCELED: "cancelled",
}
TRANSACTION_STATE_FOR = {
    FinancialStatus.PENDING: "open",
    FinancialStatus.AUTHORIZED: "authorized",
    FinancialStatus.PARTIALLY_PAID: "paid_partially",
    FinancialStatus.PAID: "paid",
    FinancialStatus.PARTIALLY_REFUNDED: "refunded_partially",
    FinancialStatus.REFUNDED: "refunded",
    FinancialStatus.VOIDED: "cancelled",
}
DELIVERY_STATE_FOR = {
    FulfillmentStatus.UNFULFILLED: "open",
    FulfillmentStatus.PARTIALLY_FULFILLED: "shipped_partially",
    FulfillmentStatus.FULFILLED: "shipped",
    FulfillmentStatus.PARTIALLY_RETURNED: "returned_partially",
    FulfillmentStatus.RETURNED: "returned",
    FulfillmentStatus.CANCELED: "cancelled",
}


class CreateRefs:
    """Ids a new order needs that live in the shop (sales channel, methods, states, countries)."""

    def __init__(
        self,
        *,
        sales_channel: Mapping[str, Any],
        currency_id: str,
        currency_factor: Any = None,
        states: Mapping[str, Mapping[str, str]],
        countries: Mapping[str, str],
        country_states: Mapping[str, str],
        primary_fields: bool,
    ) -> None:
        self.sales_channel = sales_channel
        self.currency_id = currency_id
        factor = dec(currency_factor) if currency_factor is not None else Decimal(1)
        self.currency_factor = factor if factor.is_finite() and factor > 0 else Decimal(1)
        """The currency's ``factor`` now: the order's ``currencyFactor`` (shop currency = 1)."""
        self.states = states
        self.countries = countries
        self.country_states = country_states
        self.primary_fields = primary_fields


def address_to_platform(
    address: Address,
    *,
    address_id: str,
    order_id: str,
    country_id: str,
    country_state_id: str | None,
) -> dict[str, Any]:
    """An ``order_address`` body (create or full update)."""
    body: dict[str, Any] = {
        "id": address_id,
        "orderId": order_id,
        "countryId": country_id,
        "firstName": address.first_name or "",
        "lastName": address.last_name or "",
        "street": address.line1 or "",
        "city": address.city or "",
    }
    optional = {
        "zipcode": address.postal_code,
        "company": address.company,
        "phoneNumber": address.phone,
        "additionalAddressLine1": address.line2,
        "countryStateId": country_state_id,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def province_key(country: str | None, province: str | None) -> str | None:
    """``country_state.shortCode`` for an ISO 3166-2 subdivision (``DE`` + ``BE`` -> ``DE-BE``)."""
    if not country or not province:
        return None
    return province if "-" in province else f"{country}-{province}"


#: The custom field holding a migrated order's marker.
MARKER_FIELD = "unified_orders_marker"


def order_to_platform(
    order: Order, refs: CreateRefs, marker: SourceMarker | None = None
) -> dict[str, Any]:
    """A ``POST /api/order`` body for a canonical order (migration); a migration ``marker`` is
    the ``customFields.unified_orders_marker`` a search finds it by.

    Ids derive from the source platform and id, so a resent create reuses them. States are set
    directly, which Shopware allows on create. The primary delivery and transaction are set
    where the shop has the fields (6.7.1+), since Shopware leaves them empty on API writes.
    No capture is invented: captures belong to the payment extension.
    """
    order_id = stable_id("order", order.platform, order.id)
    when = iso_time(order.created_at or datetime.now(UTC))
    tax_status = _tax_status(order)
    order_taxes: list[dict[str, Any]] = []
    line_bodies: list[dict[str, Any]] = []
    for index, line in enumerate(order.lines):
        taxes = _line_taxes(line, order) if tax_status != "tax-free" else []
        order_taxes.extend(taxes)
        line_bodies.append(_line_body(order, order_id, index, line, taxes))
    shipping_taxes = _shipping_taxes(order) if tax_status != "tax-free" else []
    order_taxes.extend(shipping_taxes)
    billing_source = order.billing_address or order.shipping_address
    if billing_source is None:
        raise ValueError("order_to_platform needs a billing or shipping address")
    addresses = [_address_body(order, order_id, refs, "billing", billing_source)]
    if order.shipping_address is not None and order.shipping_address != billing_source:
        addresses.append(_address_body(order, order_id, refs, "shipping", order.shipping_address))
    channel = refs.sales_channel
    delivery = _delivery_body(
        order, order_id, refs, addresses[-1]["id"], line_bodies, when, shipping_taxes
    )
    transaction = _transaction_body(order, order_id, refs, order_taxes)
    total = order.total.amount
    tax = order.tax.amount
    result: dict[str, Any] = {
        "id": order_id,
        "orderNumber": order.number or order.id,
        "billingAddressId": addresses[0]["id"],
        "currencyId": refs.currency_id,
        "languageId": channel["languageId"],
        "salesChannelId": channel["id"],
        "orderDateTime": when,
        "currencyFactor": refs.currency_factor,
        "stateId": refs.states[ORDER_MACHINE][ORDER_STATE_FOR.get(order.status, "open")],
        "itemRounding": _rounding(order),
        "totalRounding": _rounding(order),
        "price": {
            "netPrice": total - tax if tax_status != "tax-free" else total,
            "totalPrice": total,
            "positionPrice": order.subtotal.amount,
            "rawTotal": total,
            "taxStatus": tax_status,
            "calculatedTaxes": taxes_object(order_taxes),
            "taxRules": {},
        },
        "shippingCosts": calculated_price(
            order.shipping.amount, order.shipping.amount, 1, shipping_taxes
        ),
        "orderCustomer": {
            "id": stable_id("customer", order.platform, order.id),
            "orderId": order_id,
            "email": order.email or "",
            "firstName": billing_source.first_name or "",
            "lastName": billing_source.last_name or "",
        },
        "addresses": addresses,
        "lineItems": line_bodies,
        "deliveries": [delivery],
        "transactions": [transaction],
        "customFields": {"unified_orders_source": {"platform": order.platform, "id": order.id}},
    }
    if marker is not None:
        result["customFields"][MARKER_FIELD] = marker.value
    if order.note:
        result["customerComment"] = order.note
    if refs.primary_fields:
        result["primaryOrderDeliveryId"] = delivery["id"]
        result["primaryOrderTransactionId"] = transaction["id"]
    return result


def _tax_status(order: Order) -> str:
    if order.taxes_included:
        return "gross"
    return "net" if order.tax.amount else "tax-free"


def _line_taxes(line: LineItem, order: Order) -> list[dict[str, Any]]:
    tax = line.total_tax.amount if line.total_tax is not None else Decimal(0)
    if not tax:
        return []
    rate: Decimal
    if line.tax_rate is not None:
        rate = (dec(line.tax_rate) * 100).normalize()
    else:
        base = line.total.amount - tax if order.taxes_included else line.total.amount
        rate = (
            (tax / base * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if base
            else Decimal(0)
        )
    return [{"tax": tax, "taxRate": rate, "price": line.total.amount}]


def _shipping_taxes(order: Order) -> list[dict[str, Any]]:
    """The shipping's tax (``Order.shipping_tax``) as one calculated tax (one rate on shipping is
    assumed): the rate of a line that gives exactly this tax, else the rate the amounts give."""
    tax = order.shipping_tax.amount if order.shipping_tax is not None else Decimal(0)
    if not tax:
        return []
    base = order.shipping_with_tax.amount - tax
    quantum = order.shipping.quantum
    for line in order.lines:
        if line.tax_rate is None:
            continue
        rate = dec(line.tax_rate)
        if (base * rate).quantize(quantum, rounding=ROUND_HALF_UP) == tax:
            return [
                {"tax": tax, "taxRate": (rate * 100).normalize(), "price": order.shipping.amount}
            ]
    derived = (tax / base * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if base else Decimal(0)
    return [{"tax": tax, "taxRate": derived, "price": order.shipping.amount}]


def _rounding(order: Order) -> dict[str, Any]:
    # The currency's minor unit; for a code no table knows, the decimals its amounts carry.
    digits = order.total.minor_unit
    return {"decimals": digits, "interval": Decimal(1).scaleb(-digits), "roundForNet": True}


def _line_body(
    order: Order, order_id: str, index: int, line: LineItem, taxes: list[dict[str, Any]]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": stable_id("line", order.platform, order.id, line.id),
        "orderId": order_id,
        "identifier": line.sku or line.id,
        "quantity": line.quantity,
        "label": line.title or line.sku or line.id,
        "type": "custom",
        "good": line.requires_shipping,
        "stackable": True,
        "removable": True,
        "position": index + 1,
        "price": calculated_price(line.unit_price.amount, line.total.amount, line.quantity, taxes),
        "states": ["is-download"] if line.is_digital else ["is-physical"],
        "children": [],
    }
    if line.sku:
        body["payload"] = {"productNumber": line.sku}
    return body


def _address_body(
    order: Order, order_id: str, refs: CreateRefs, kind: str, source: Address
) -> dict[str, Any]:
    key = province_key(source.country_code, source.province_code)
    return address_to_platform(
        source,
        address_id=stable_id("address", order.platform, order.id, kind),
        order_id=order_id,
        country_id=refs.countries[source.country_code or ""],
        country_state_id=refs.country_states.get(key) if key else None,
    )


def _delivery_body(
    order: Order,
    order_id: str,
    refs: CreateRefs,
    shipping_address_id: str,
    line_bodies: list[dict[str, Any]],
    when: str,
    shipping_taxes: list[dict[str, Any]],
) -> dict[str, Any]:
    delivery_id = stable_id("delivery", order.platform, order.id)
    shipping = order.shipping.amount
    positions = [
        {
            "id": stable_id("position", order.platform, order.id, line.id),
            "orderDeliveryId": delivery_id,
            "orderLineItemId": body["id"],
            "quantity": line.quantity,
            "unitPrice": line.unit_price.amount,
            "totalPrice": line.total.amount,
            "price": body["price"],
        }
        for line, body in zip(order.lines, line_bodies, strict=True)
        if line.requires_shipping
    ]
    state = DELIVERY_STATE_FOR.get(order.fulfillment_status, "open")
    return {
        "id": delivery_id,
        "orderId": order_id,
        "shippingOrderAddressId": shipping_address_id,
        "shippingMethodId": refs.sales_channel["shippingMethodId"],
        "stateId": refs.states[DELIVERY_MACHINE][state],
        "shippingDateEarliest": when,
        "shippingDateLatest": when,
        "shippingCosts": calculated_price(shipping, shipping, 1, shipping_taxes),
        "positions": positions,
    }


def _transaction_body(
    order: Order, order_id: str, refs: CreateRefs, order_taxes: list[dict[str, Any]]
) -> dict[str, Any]:
    total = order.total.amount
    state = TRANSACTION_STATE_FOR.get(order.financial_status, "open")
    return {
        "id": stable_id("transaction", order.platform, order.id),
        "orderId": order_id,
        "paymentMethodId": refs.sales_channel["paymentMethodId"],
        "amount": calculated_price(total, total, 1, order_taxes),
        "stateId": refs.states[TRANSACTION_MACHINE][state],
    }
