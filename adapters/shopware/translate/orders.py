"""Orders, platform -> canonical: an ``order`` loaded with the adapter's associations.

Tax status: with ``gross`` a ``totalPrice`` includes tax; with ``net`` it does not and the tax is
added on top; with ``tax-free`` there is no tax. The canonical order keeps line totals and shipping
as Shopware gives them (gross or net, never mixed) and says which with ``taxes_included``, so the
core planner computes refund amounts correctly for each tax status. The order amounts satisfy the
identities of :class:`~unified_orders.models.Order`: ``subtotal`` is the sum of the goods lines'
totals, ``shipping`` is ``shippingCosts.totalPrice`` with its taxes as ``shipping_tax``, ``total``
(``price.totalPrice``) and ``tax`` (``totalPrice - netPrice``) are Shopware's own; a ``credit`` line
or a cash rounding of the total (``totalRounding``) is recorded in ``adjustment``, tax rounded per
order rather than per line in ``tax_adjustment``. Payments are the order transactions (``authorization``, or
``sale`` when paid without a capture) and their captures; deliveries read as fulfillment orders.

Promotions are negative ``promotion`` (and ``discount``) line items. They are spread over the
goods lines (:func:`discount_shares`), so each line's ``total`` is what the customer paid for it
after the order's promotions: that is what a refund of the line pays back.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from unified_orders.models import (
    Address,
    FinancialStatus,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfillmentOrderStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    OrderStatus,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from unified_orders.models.identities import order_amounts as balanced_amounts

from ..platform import PLATFORM, dec, parse_time, tax_entries, tax_sum, tax_total
from ..states import PAID_STATES, PENDING_PAYMENT_STATES
from .fulfillments import fulfillments_from_order
from .refunds import capture_refundable, refund_rows, refunded_quantities, refunds_from_platform
from .shop_currency import ShopCurrency, with_shop_amounts
from .values import SHIPPED_FIELD, Amounts, amounts_of, order_amounts, state_name

__all__ = [
    "DISCOUNT_LINE_TYPES",
    "FINANCIAL_STATUS",
    "FULFILLMENT_ORDER_STATUS",
    "FULFILLMENT_STATUS",
    "NEGATIVE_LINE_TYPES",
    "ORDER_STATUS",
    "address_from_platform",
    "discount_shares",
    "fulfillment_order_from_delivery",
    "line_from_platform",
    "order_from_platform",
    "primary_delivery",
    "primary_transaction",
    "shipping_gross",
]

ORDER_STATUS = {
    "open": OrderStatus.OPEN,
    "in_progress": OrderStatus.OPEN,
    "completed": OrderStatus.CLOSED,
    "cancelled": OrderStatus.CANCELED,
}
FINANCIAL_STATUS = {
    "open": FinancialStatus.PENDING,
    "in_progress": FinancialStatus.PENDING,
    "unconfirmed": FinancialStatus.PENDING,
    "reminded": FinancialStatus.PENDING,
    "failed": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "paid_partially": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "refunded_partially": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "cancelled": FinancialStatus.VOIDED,
    # chargeback has no canonical equivalent: unknown, with the platform value kept beside it.
}
FULFILLMENT_STATUS = {
    "open": FulfillmentStatus.UNFULFILLED,
    "shipped_partially": FulfillmentStatus.PARTIALLY_FULFILLED,
    "shipped": FulfillmentStatus.FULFILLED,
    "returned_partially": FulfillmentStatus.PARTIALLY_RETURNED,
    "returned": FulfillmentStatus.RETURNED,
    "cancelled": FulfillmentStatus.CANCELED,
}
FULFILLMENT_ORDER_STATUS = {
    "open": FulfillmentOrderStatus.OPEN,
    "shipped_partially": FulfillmentOrderStatus.IN_PROGRESS,
    "shipped": FulfillmentOrderStatus.CLOSED,
    "returned_partially": FulfillmentOrderStatus.CLOSED,
    "returned": FulfillmentOrderStatus.CLOSED,
    "cancelled": FulfillmentOrderStatus.CANCELED,
}
_CAPTURE_STATUS = {
    "pending": TransactionStatus.PENDING,
    "completed": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
}
NEGATIVE_LINE_TYPES = {"promotion", "discount", "credit"}
DISCOUNT_LINE_TYPES = {"promotion", "discount"}
"""Negative line types that lower what the customer paid for the goods: spread over the lines.
A ``credit`` (added to an order later, for a credit note) is not: it is no part of the price."""


def primary_transaction(order: Mapping[str, Any]) -> dict[str, Any] | None:
    """``primaryOrderTransaction`` (6.7.1+), else the newest transaction by ``createdAt``."""
    found = _primary_transaction(order)
    return dict(found) if found is not None else None


def _primary_transaction(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """:func:`primary_transaction` itself, not a copy (for reading)."""
    transactions: list[Mapping[str, Any]] = list(order.get("transactions") or [])
    wanted = order.get("primaryOrderTransactionId")
    if wanted:
        for txn in transactions:
            if txn.get("id") == wanted:
                return txn
    if not transactions:
        return None
    return max(transactions, key=lambda txn: (str(txn.get("createdAt") or ""), str(txn["id"])))


def primary_delivery(order: Mapping[str, Any]) -> dict[str, Any] | None:
    """``primaryOrderDelivery`` (6.7.1+), else the delivery with the highest shipping costs."""
    found = _primary_delivery(order)
    return dict(found) if found is not None else None


def _primary_delivery(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """:func:`primary_delivery` itself, not a copy (for reading)."""
    deliveries: list[Mapping[str, Any]] = list(order.get("deliveries") or [])
    wanted = order.get("primaryOrderDeliveryId")
    if wanted:
        for delivery in deliveries:
            if delivery.get("id") == wanted:
                return delivery
    if not deliveries:
        return None
    return max(
        deliveries,
        key=lambda d: (dec((d.get("shippingCosts") or {}).get("totalPrice")), str(d["id"])),
    )


def address_from_platform(address: Mapping[str, Any] | None) -> Address | None:
    """A canonical address from an ``order_address`` (with ``country``/``countryState`` loaded)."""
    if not address:
        return None
    country = address.get("country") or {}
    state = address.get("countryState") or {}
    province = state.get("shortCode")
    if isinstance(province, str) and "-" in province:
        province = province.split("-", 1)[1]
    first, second = address.get("additionalAddressLine1"), address.get("additionalAddressLine2")
    line2 = None
    if first or second:  # most addresses have neither
        line2 = " ".join([part for part in (first, second) if part]) or None
    return Address.trusted(
        first_name=address.get("firstName"),
        last_name=address.get("lastName"),
        company=address.get("company"),
        line1=address.get("street"),
        line2=line2,
        city=address.get("city"),
        province_code=province,
        postal_code=address.get("zipcode"),
        country_code=country.get("iso"),
        phone=address.get("phoneNumber"),
        raw=dict(address),
    )


def _shipped_quantities(
    order: Mapping[str, Any], primary: Mapping[str, Any] | None
) -> dict[str, int]:
    """Units shipped per line id, from the deliveries' states and positions (``primary``: the
    order's :func:`primary_delivery`)."""
    shipped: dict[str, int] = {}
    top = [li for li in order.get("lineItems") or [] if not li.get("parentId")]
    for delivery in order.get("deliveries") or []:
        state = state_name(delivery)
        positions = list(delivery.get("positions") or [])
        if state in ("shipped", "returned", "returned_partially"):
            if positions:
                for pos in positions:
                    key = str(pos["orderLineItemId"])
                    shipped[key] = shipped.get(key, 0) + int(pos.get("quantity") or 0)
            elif primary is not None and delivery.get("id") == primary.get("id"):
                for line in top:
                    shipped[str(line["id"])] = int(line.get("quantity") or 0)
        elif state == "shipped_partially":
            tracked = (delivery.get("customFields") or {}).get(SHIPPED_FIELD) or {}
            by_position = {str(p["id"]): str(p["orderLineItemId"]) for p in positions}
            for key, quantity in tracked.items():
                line_id = by_position.get(str(key), str(key))
                shipped[line_id] = shipped.get(line_id, 0) + int(quantity)
    return shipped


def _transactions(order: Mapping[str, Any], cur: Amounts) -> list[Transaction]:
    """Payments: a capture is a ``capture``; an order_transaction is its parent ``authorization``.

    An order_transaction in a paid state with no capture is a ``sale``: money was taken by the
    payment extension without recording a capture. A refund allocated to it is refused at write
    time with the reason (the core never creates captures).
    """
    result: list[Transaction] = []
    for txn in order.get("transactions") or []:
        state = state_name(txn) or "open"
        captures = list(txn.get("captures") or [])
        gateway = (txn.get("paymentMethod") or {}).get("technicalName") or txn.get(
            "paymentMethodId"
        )
        gateway_name = str(gateway) if gateway else None
        amount = cur((txn.get("amount") or {}).get("totalPrice"))
        if state in PAID_STATES or state == "authorized":
            status = TransactionStatus.SUCCESS
        elif state in PENDING_PAYMENT_STATES:
            status = TransactionStatus.PENDING
        else:
            status = TransactionStatus.FAILURE
        if captures or state not in PAID_STATES:
            kind = TransactionKind.AUTHORIZATION
            refundable = None
        else:
            kind = TransactionKind.SALE
            refundable = cur.zero() if state == "refunded" else amount
        txn_id = str(txn["id"])
        result.append(
            Transaction.trusted(
                id=txn_id,
                kind=kind,
                platform_kind="order_transaction",
                status=status,
                platform_status=state,
                amount=amount,
                gateway=gateway_name,
                refundable=refundable,
                created_at=parse_time(txn.get("createdAt")),
                raw=dict(txn),
            )
        )
        for capture in captures:
            result.append(_capture(capture, txn_id, gateway_name, cur))
    return result


def _capture(
    capture: Mapping[str, Any], parent: str, gateway: str | None, cur: Amounts
) -> Transaction:
    """An ``order_transaction_capture`` as a ``capture`` of the transaction ``parent``."""
    state = state_name(capture) or "pending"
    capture_id = str(capture["id"])
    amount = cur((capture.get("amount") or {}).get("totalPrice"))
    return Transaction.trusted(
        id=capture_id,
        kind=TransactionKind.CAPTURE,
        platform_kind="order_transaction_capture",
        status=_CAPTURE_STATUS.get(state, TransactionStatus.UNKNOWN),
        platform_status=state,
        amount=amount,
        parent_id=parent,
        gateway=gateway,
        refundable=capture_refundable(capture, cur, amount),
        created_at=parse_time(capture.get("createdAt")),
        raw=dict(capture),
    )


def _rate_of(taxes: list[Mapping[str, Any]]) -> str | None:
    if len(taxes) != 1:
        return None
    rate = taxes[0]["taxRate"]
    if type(rate) is int and -1000 < rate < 1000:
        return _whole_rate(rate)
    return str((dec(rate) / 100).normalize())


@lru_cache(maxsize=64)
def _whole_rate(percent: int) -> str:
    """A whole percentage as a rate (19 -> ``0.19``): exact in any usable Decimal context."""
    return str((Decimal(percent) / 100).normalize())


def _is_digital(line: Mapping[str, Any]) -> bool:
    states = line.get("states") or []
    payload = line.get("payload") or {}
    return "is-download" in states or payload.get("product_type") == "digital"


def line_from_platform(
    line: Mapping[str, Any],
    currency: str | Amounts,
    shipped: int,
    refunded: int,
    discount: tuple[Money, Money] | None = None,
) -> LineItem:
    """A canonical line from an ``order_line_item``; ``discount`` is its share (amount, tax) of
    the order's promotions, taken off its total and tax."""
    cur = amounts_of(currency)
    price = line.get("price") or {}
    quantity = int(line.get("quantity") or 0)
    digital = _is_digital(line)
    payload = line.get("payload") or {}
    total = cur(price.get("totalPrice", line.get("totalPrice")))
    taxes = tax_entries(price)
    tax = cur(tax_sum(taxes))  # tax_total, the taxes read once
    off = None
    if discount is not None and discount[0].amount:
        off = discount[0]
        total, tax = total - discount[0], tax - discount[1]
    return LineItem.trusted(
        id=str(line["id"]),
        sku=payload.get("productNumber"),
        title=str(line.get("label") or ""),
        quantity=quantity,
        current_quantity=quantity,
        fulfilled_quantity=min(shipped, quantity),
        refunded_quantity=refunded,
        unit_price=cur(price.get("unitPrice", line.get("unitPrice"))),
        total=total,
        total_discount=off,
        total_tax=tax,
        tax_rate=_rate_of(taxes),
        requires_shipping=bool(line.get("good", True)) and not digital,
        is_digital=digital,
        product_id=line.get("productId"),
        raw=dict(line),
    )


def shipping_gross(order: Mapping[str, Any]) -> Decimal:
    """Shipping including tax: ``shippingCosts.totalPrice`` plus its taxes on a net order."""
    costs = order.get("shippingCosts") or {}
    total = dec(costs.get("totalPrice"))
    if _tax_status(order) == "net":
        total += tax_total(costs)
    return total


def _tax_status(order: Mapping[str, Any]) -> str:
    return str((order.get("price") or {}).get("taxStatus") or order.get("taxStatus") or "gross")


def _composition_weights(
    promotion: Mapping[str, Any], goods: list[Mapping[str, Any]]
) -> list[Decimal] | None:
    """The discount per goods line a promotion's ``payload.composition`` names, if it names any.

    INFERRED: Shopware's promotion calculator writes ``composition`` entries ``{id, quantity,
    discount}`` whose ``id`` is the cart line id, which an order keeps as the line's
    ``identifier``; the spec types ``payload`` as a plain object.
    """
    composition = (promotion.get("payload") or {}).get("composition")
    if not isinstance(composition, list):
        return None
    by_key: dict[str, Decimal] = {}
    for entry in composition:
        if isinstance(entry, Mapping) and entry.get("id") is not None:
            key = str(entry["id"])
            by_key[key] = by_key.get(key, Decimal(0)) + abs(dec(entry.get("discount")))
    weights = [
        by_key.get(str(line.get("identifier")), by_key.get(str(line["id"]), Decimal(0)))
        for line in goods
    ]
    return weights if any(weights) else None


def discount_shares(items: list[Mapping[str, Any]], cur: Amounts) -> dict[str, tuple[Money, Money]]:
    """Each goods line's share (amount, tax) of the order's promotions.

    A promotion is spread over the lines its ``payload.composition`` names, else over every goods
    line in proportion to its total (largest remainder, so the shares sum to the promotion to the
    cent); its tax is spread the same way. A line never takes more than its own total.
    """
    goods = [li for li in items if li.get("type") not in NEGATIVE_LINE_TYPES]
    shares = {str(li["id"]): (cur.zero(), cur.zero()) for li in goods}
    totals = [cur((li.get("price") or {}).get("totalPrice", li.get("totalPrice"))) for li in goods]
    left = list(totals)
    for promotion in items:
        if promotion.get("type") not in DISCOUNT_LINE_TYPES:
            continue
        price = promotion.get("price") or {}
        off = -cur(price.get("totalPrice", promotion.get("totalPrice")))
        off_tax = -cur(tax_total(price))
        room = cur.sum(x for x in left if x.amount > 0)
        if off.amount <= 0 or room.amount <= 0:
            continue
        off = off if off <= room else room
        weights = _composition_weights(promotion, goods) or [
            max(x.amount, Decimal(0)) for x in left
        ]
        parts = off.allocate(weights)
        taxes = off_tax.allocate(weights) if off_tax.amount > 0 else [cur.zero()] * len(goods)
        for index, line in enumerate(goods):
            key = str(line["id"])
            amount, tax = shares[key]
            shares[key] = (amount + parts[index], tax + taxes[index])
            left[index] = left[index] - parts[index]
    return shares


def order_from_platform(order: Mapping[str, Any], shop: ShopCurrency | None = None) -> Order:
    """A canonical order from a ``search/order`` hit loaded with the adapter's associations;
    with ``shop`` (the shop's own currency), its amounts also in that currency
    (:func:`~.shop_currency.with_shop_amounts`)."""
    cur = order_amounts(order)
    currency = cur.currency
    price = order.get("price") or {}
    tax_status = _tax_status(order)
    delivery = _primary_delivery(order)
    shipped = _shipped_quantities(order, delivery)
    rows = refund_rows(order)  # read once, for the refunded units and the refunds
    refunded = refunded_quantities(order, rows)
    top = [
        item
        for item in sorted(
            order.get("lineItems") or [], key=lambda li: int(li.get("position") or 0)
        )
        if not item.get("parentId")
    ]
    kinds = [item.get("type") for item in top]
    # without a promotion every share is zero, which a line reads as no share
    shares = discount_shares(top, cur) if not DISCOUNT_LINE_TYPES.isdisjoint(kinds) else {}
    lines: list[LineItem] = []
    for item, kind in zip(top, kinds, strict=True):
        if kind in NEGATIVE_LINE_TYPES:
            continue
        key = str(item["id"])
        lines.append(
            line_from_platform(
                item, cur, shipped.get(key, 0), refunded.get(key, 0), shares.get(key)
            )
        )
    state = state_name(order)
    transaction = _primary_transaction(order)
    txn_state = state_name(transaction)
    delivery_state = state_name(delivery)
    total = cur(price.get("totalPrice", order.get("amountTotal")))
    net = cur(price.get("netPrice", order.get("amountNet")))
    costs = order.get("shippingCosts") or {}
    taxed = tax_status != "tax-free"
    shipping = cur(costs.get("totalPrice"))
    shipping_taxes = tax_entries(costs) if taxed else []  # none: the shared zero
    amounts = balanced_amounts(
        lines,
        currency,
        shipping=shipping,
        shipping_tax=cur(tax_sum(shipping_taxes)) if shipping_taxes else cur.zero(),
        tax=total - net if taxed else cur.zero(),
        total=total,
        taxes_included=tax_status == "gross",
    )
    fields = amounts.fields()
    if amounts.discount is not None and not amounts.discount.amount:
        fields["discount"] = None  # no promotion: no discount figure
    if shop is not None and shop.code == currency:
        fields["shop_currency"] = shop.code  # nothing to convert: what with_shop_amounts sets
    customer = order.get("orderCustomer") or {}
    created_text = order.get("orderDateTime") or order.get("createdAt")
    updated_text = order.get("updatedAt") or order.get("createdAt")
    translated = Order.trusted(
        id=str(order["id"]),
        number=order.get("orderNumber"),
        platform=PLATFORM,
        currency=currency,
        status=ORDER_STATUS.get(state or "", OrderStatus.UNKNOWN),
        platform_status=state,
        financial_status=FINANCIAL_STATUS.get(txn_state or "", FinancialStatus.UNKNOWN),
        platform_financial_status=txn_state,
        fulfillment_status=FULFILLMENT_STATUS.get(delivery_state or "", FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=delivery_state,
        email=customer.get("email"),
        lines=lines,
        shipping_address=address_from_platform((delivery or {}).get("shippingOrderAddress")),
        billing_address=address_from_platform(order.get("billingAddress")),
        **fields,
        transactions=_transactions(order, cur),
        refunds=refunds_from_platform(order, cur, rows),
        fulfillments=fulfillments_from_order(order),
        created_at=(created_at := parse_time(created_text)),
        # often the same text (never updated, ordered when created): one immutable datetime
        updated_at=created_at if updated_text == created_text else parse_time(updated_text),
        note=order.get("customerComment"),
        raw=dict(order),
    )
    if shop is None or shop.code == currency:
        return translated
    return with_shop_amounts(translated, order, shop)


# --- deliveries as fulfillment orders ------------------------------------------------------------
def fulfillment_order_from_delivery(
    delivery: Mapping[str, Any], order: Mapping[str, Any], actions: list[str]
) -> FulfillmentOrder:
    """A delivery as a fulfillment order; its positions are the lines."""
    state = state_name(delivery) or "open"
    tracked = (delivery.get("customFields") or {}).get(SHIPPED_FIELD) or {}
    lines = []
    for position in delivery.get("positions") or []:
        quantity = int(position.get("quantity") or 0)
        if state == "open":
            left = quantity
        elif state == "shipped_partially":
            left = max(quantity - int(tracked.get(str(position["id"]), 0)), 0)
        else:
            left = 0
        lines.append(
            FulfillmentOrderLine.trusted(
                id=str(position["id"]),
                line_id=str(position["orderLineItemId"]),
                quantity=quantity,
                fulfillable_quantity=left,
                raw=dict(position),
            )
        )
    return FulfillmentOrder.trusted(
        id=str(delivery["id"]),
        order_id=str(order["id"]),
        status=FULFILLMENT_ORDER_STATUS.get(state, FulfillmentOrderStatus.UNKNOWN),
        platform_status=state,
        lines=lines,
        supported_actions=actions,
        created_at=parse_time(delivery.get("createdAt")),
        raw=dict(delivery),
    )
