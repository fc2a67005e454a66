"""The rows one sandbox order is made of, built the way a Shopware cart calculates them.

:func:`add_order` writes an order with every row a real order has: billing address, customer,
lines, promotions (negative ``promotion`` line items with their ``payload.composition`` and their
share of each tax rate), one delivery with positions, one payment and its captures (one of the
whole amount, or several: a deposit and a balance), in any currency of the shop with the
``currencyFactor`` and ``itemRounding`` of that currency. Deterministic: ids derive from the
order's number, timestamps from :data:`BASE_TIME`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NotRequired, TypedDict

from ..platform import DEFAULT_CURRENCY, LIVE_VERSION
from ..states import CAPTURE_MACHINE, DELIVERY_MACHINE, ORDER_MACHINE, TRANSACTION_MACHINE
from .state import Row, ShopwareState, iso, sandbox_id

__all__ = [
    "BASE_TIME",
    "LANGUAGE_ID",
    "OrderLine",
    "OrderSpec",
    "add_order",
    "currency_id",
    "rounding",
]

BASE_TIME = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
"""The demo orders' clock: the n-th order is created ``7 n`` hours after it."""
LANGUAGE_ID = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"
"""Shopware's system default language (``Defaults::LANGUAGE_SYSTEM``)."""
SYSTEM_CURRENCY = "EUR"
"""The sandbox shop's own currency: its row has the id ``Defaults::CURRENCY``."""

OrderLine = tuple[str, int, str, str | None]
"""(label, quantity, unit price, tax rate in percent or None)."""


class OrderSpec(TypedDict):
    """The keywords of :func:`add_order`: what a demo order is made of.

    ``captures`` are the amounts of the payment's captures, oldest first (a deposit and a
    balance); without it ``capture`` says whether one capture holds the whole amount.
    ``promotions`` are cart promotions (label, amount off, gross or net as the order is).
    """

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
    captures: NotRequired[list[str]]
    promotions: NotRequired[list[tuple[str, str]]]


def currency_id(code: str) -> str:
    """The id of a sandbox currency (the shop's own one is ``Defaults::CURRENCY``)."""
    return DEFAULT_CURRENCY if code == SYSTEM_CURRENCY else sandbox_id("currency", code)


def rounding(decimals: int = 2) -> dict[str, Any]:
    """A ``CashRoundingConfig`` rounding to ``decimals``."""
    return {"decimals": decimals, "interval": Decimal(1).scaleb(-decimals), "roundForNet": True}


class _Cart:
    """Amounts rounded as the order's currency rounds them (its ``itemRounding.decimals``)."""

    def __init__(self, decimals: int, tax_status: str) -> None:
        self.quantum = Decimal(1).scaleb(-decimals)
        self.tax_status = tax_status

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def tax(self, amount: Decimal, rate: Decimal) -> Decimal:
        if self.tax_status == "gross":
            return self.round(amount - amount / (1 + rate / 100))
        return self.round(amount * rate / 100)

    def price(self, unit: Decimal, total: Decimal, quantity: int, rate_text: str | None) -> Row:
        """A ``CalculatedPrice`` with its tax, as a shop of this tax status calculates it."""
        taxes: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        if rate_text is not None and self.tax_status != "tax-free":
            rate = Decimal(rate_text)
            taxes[rate_text] = {"tax": self.tax(total, rate), "taxRate": rate, "price": total}
            rules[rate_text] = {"taxRate": rate, "percentage": Decimal(100)}
        return {
            "unitPrice": unit,
            "totalPrice": total,
            "quantity": quantity,
            "calculatedTaxes": taxes,
            "taxRules": rules,
        }

    def split(self, amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
        """``amount`` in proportion to ``weights``, to the unit; the last part takes the rest."""
        total = sum(weights, Decimal(0))
        parts = [self.round(amount * w / total) if total else Decimal(0) for w in weights]
        if parts:
            parts[-1] = amount - sum(parts[:-1], Decimal(0))
        return parts


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
    captures: list[str] | None = None,
    promotions: list[tuple[str, str]] | None = None,
) -> str:
    """Add one order with its lines, promotions, address, customer, delivery, payment and
    captures; returns its id."""
    shop.state["orders"] += 1
    n = int(shop.state["orders"])
    order_id = sandbox_id("order", n)
    created = iso(BASE_TIME + timedelta(hours=7 * n))
    currency_row = shop.table("currency")[currency_id(currency)]
    item_rounding = copy.deepcopy(currency_row["itemRounding"])
    cart = _Cart(int(item_rounding["decimals"]), tax_status)
    goods = [_line_row(cart, n, order_id, i, line, created) for i, line in enumerate(lines)]
    promotion_rows = [
        _promotion_row(cart, n, order_id, len(goods) + i, spec, goods, created)
        for i, spec in enumerate(promotions or [])
    ]
    ship_amount = Decimal(shipping[0])
    ship_price = cart.price(ship_amount, ship_amount, 1, shipping[1])
    line_rows = [*goods, *promotion_rows]
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
        shop, n, order_id, address_id, delivery_state, ship_price, goods, created
    )
    amounts = [Decimal(a) for a in captures] if captures is not None else [total] * capture
    transaction_id = _insert_payment(
        shop, n, order_id, payment, transaction_state, amounts, total, cart_taxes, created
    )
    order_row: Row = {
        "id": order_id,
        "orderNumber": str(10000 + n),
        "billingAddressId": address_id,
        "billingAddressVersionId": LIVE_VERSION,
        "currencyId": currency_row["id"],
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
        "currencyFactor": currency_row["factor"],
        "stateId": shop.state_id(ORDER_MACHINE, order_state),
        "itemRounding": item_rounding,
        "totalRounding": copy.deepcopy(currency_row["totalRounding"]),
        "createdAt": created,
    }
    if shop.version == "6.7":
        order_row["primaryOrderDeliveryId"] = delivery_id
        order_row["primaryOrderTransactionId"] = transaction_id
    shop.insert("order", order_row)
    return order_id


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


def _line_row(cart: _Cart, n: int, order_id: str, index: int, line: OrderLine, created: str) -> Row:
    label, quantity, unit_text, rate_text = line
    unit = Decimal(unit_text)
    total = cart.round(unit * quantity)
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
        "price": cart.price(unit, total, quantity, rate_text),
        "unitPrice": unit,
        "totalPrice": total,
        "payload": {"productNumber": f"SW{n:03d}{index:02d}"},
        "states": ["is-physical"],
        "children": [],
        "createdAt": created,
    }


def _promotion_row(
    cart: _Cart,
    n: int,
    order_id: str,
    index: int,
    spec: tuple[str, str],
    goods: list[Row],
    created: str,
) -> Row:
    """A cart promotion: a negative ``promotion`` line item. Its price is split over the tax
    rates of the goods in proportion to their totals (as Shopware's percentage tax rules do), and
    ``payload.composition`` names each discounted line (by its cart id, the ``identifier``)."""
    label, off_text = spec
    off = Decimal(off_text)
    shares = cart.split(off, [row["totalPrice"] for row in goods])
    by_rate: dict[str | None, Decimal] = {}
    for row, share in zip(goods, shares, strict=True):
        rates = list(row["price"]["calculatedTaxes"])
        key = rates[0] if len(rates) == 1 else None
        by_rate[key] = by_rate.get(key, Decimal(0)) + share
    taxes: dict[str, Any] = {}
    rules: dict[str, Any] = {}
    for rate_text, amount in by_rate.items():
        if rate_text is None or cart.tax_status == "tax-free":
            continue
        rate = Decimal(rate_text)
        taxes[rate_text] = {"tax": -cart.tax(amount, rate), "taxRate": rate, "price": -amount}
        share = (amount / off * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rules[rate_text] = {"taxRate": rate, "percentage": share}
    code = f"PROMO{n:03d}{index:02d}"
    return {
        "id": sandbox_id("line", n, index),
        "orderId": order_id,
        "identifier": sandbox_id("promotion", n, index),
        "referencedId": code,
        "promotionId": sandbox_id("promotion", label),
        "quantity": 1,
        "label": label,
        "type": "promotion",
        "good": False,
        "removable": True,
        "stackable": False,
        "position": index + 1,
        "price": {
            "unitPrice": -off,
            "totalPrice": -off,
            "quantity": 1,
            "calculatedTaxes": taxes,
            "taxRules": rules,
        },
        "unitPrice": -off,
        "totalPrice": -off,
        "payload": {
            "code": code,
            "discountType": "absolute",
            "composition": [
                {"id": row["identifier"], "quantity": row["quantity"], "discount": share}
                for row, share in zip(goods, shares, strict=True)
            ],
        },
        "states": [],
        "children": [],
        "createdAt": created,
    }


def _address_row(
    n: int, order_id: str, country: str, province: str | None, company: str | None, created: str
) -> Row:
    cities = {"DE": ("10115", "Berlin"), "BG": ("1000", "Sofia")}
    zipcode, city = cities.get(country, ("10001", "New York"))
    return {
        "id": sandbox_id("address", n),
        "orderId": order_id,
        "countryId": sandbox_id("country", country),
        **({"countryStateId": sandbox_id("country-state", province)} if province else {}),
        "firstName": "Jane",
        "lastName": "Doe",
        "street": f"{n} Example Street",
        "zipcode": zipcode,
        "city": city,
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
    """The order's one delivery, a position per goods line; returns its id."""
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
    captures: list[Decimal],
    total: Decimal,
    cart_taxes: dict[str, Any],
    created: str,
) -> str:
    """The order's payment and its completed captures (the first keeps the demo's id)."""
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
    start = datetime.fromisoformat(created)
    for index, captured in enumerate(captures):
        whole = captured == total
        shop.insert(
            "order_transaction_capture",
            {
                "id": sandbox_id("capture", n) if index == 0 else sandbox_id("capture", n, index),
                "orderTransactionId": transaction_id,
                "orderTransactionVersionId": LIVE_VERSION,
                "stateId": shop.state_id(CAPTURE_MACHINE, "completed"),
                "externalReference": f"demo-psp-capture-{n}" + (f"-{index}" if index else ""),
                "amount": copy.deepcopy(amount)
                if whole
                else {
                    "unitPrice": captured,
                    "totalPrice": captured,
                    "quantity": 1,
                    "calculatedTaxes": {},
                    "taxRules": {},
                },
                "createdAt": iso(start + timedelta(minutes=index)),
            },
        )
    return transaction_id
