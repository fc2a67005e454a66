"""REST orders, their lines and transactions -> canonical.

Money is the presentment amount of a ``*_set`` bag, with the shop amount in ``Money.shop``.
Amounts are on the order's tax basis (``taxes_included``) and satisfy the identities of
:class:`~unified_orders.models.Order`: ``subtotal`` is the sum of the line totals (after their
discount allocations), ``shipping`` the kept shipping lines' discounted prices (their tax is
``shipping_tax``), ``total`` and ``tax`` Shopify's own; tips, duties or a discrepancy in
Shopify's figures are recorded in ``adjustment`` / ``tax_adjustment``.
``LineItem.location_id`` is where stock for the line lives: the assigned location of the open
fulfillment order holding its unfulfilled units, else the location of its successful fulfillment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from unified_orders.models import (
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from unified_orders.models.identities import order_amounts, total_of

from ... import mapping
from ...rules import LIVE_FULFILLMENT_ORDER_STATUSES
from ...vocabulary import (
    FULFILLMENT_STATUS,
    PLATFORM,
    blank,
    money_of,
    parse_time,
    platform_id,
)
from .fulfillments import fulfillment_from_rest
from .refunds import refund_from_rest
from .values import address_from_rest, money_from_set

__all__ = [
    "assigned_locations",
    "needs_assigned_locations",
    "order_from_rest",
    "transaction_from_rest",
]


def transaction_from_rest(data: Mapping[str, Any], currency: str) -> Transaction:
    """A canonical Transaction from a REST transaction."""
    kind = str(data.get("kind") or "")
    status = str(data.get("status") or "")
    return Transaction.trusted(
        id=str(data["id"]),
        kind=TransactionKind.parse(kind),
        platform_kind=kind or None,
        status=TransactionStatus.parse(status),
        platform_status=status or None,
        amount=money_of(data.get("amount"), str(data.get("currency") or currency)),
        parent_id=platform_id(data.get("parent_id")),
        gateway=data.get("gateway"),
        created_at=parse_time(data.get("created_at")),
        raw=dict(data),
    )


def _sum_fulfilled(order: Mapping[str, Any]) -> dict[str, int]:
    """Units fulfilled per line: successful fulfillments only (failed/cancelled ones ship nothing)."""
    fulfilled: dict[str, int] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") != "success":
            continue
        for item in fulfillment.get("line_items") or []:
            key = str(item["id"])
            fulfilled[key] = fulfilled.get(key, 0) + int(item.get("quantity") or 0)
    return fulfilled


def _fulfillment_locations(order: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") != "success" or fulfillment.get("location_id") is None:
            continue
        for item in fulfillment.get("line_items") or []:
            found.setdefault(str(item["id"]), str(fulfillment["location_id"]))
    return found


def _refunded_quantities(order: Mapping[str, Any]) -> dict[str, int]:
    refunded: dict[str, int] = {}
    for refund in order.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            key = str(item["line_item_id"])
            refunded[key] = refunded.get(key, 0) + int(item.get("quantity") or 0)
    return refunded


def assigned_locations(fulfillment_orders: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Order line id -> assigned location of the open fulfillment order that holds it."""
    found: dict[str, str] = {}
    for fo in fulfillment_orders:
        if (
            fo.get("status") not in LIVE_FULFILLMENT_ORDER_STATUSES
            or fo.get("assigned_location_id") is None
        ):
            continue
        for item in fo.get("line_items") or []:
            found.setdefault(str(item["line_item_id"]), str(fo["assigned_location_id"]))
    return found


def needs_assigned_locations(order: Mapping[str, Any]) -> bool:
    """Whether some line has units neither fulfilled nor refunded (their location is on an FO)."""
    fulfilled = _sum_fulfilled(order)
    refunded = _refunded_quantities(order)
    for line in order.get("line_items") or []:
        key = str(line["id"])
        current = int(line.get("current_quantity", line.get("quantity") or 0))
        if mapping.has_unplaced_units(current, fulfilled.get(key, 0), refunded.get(key, 0)):
            return True
    return False


def _line(
    data: Mapping[str, Any],
    currency: str,
    refunded: int,
    fulfilled: int,
    location: str | None,
) -> LineItem:
    get = data.get
    quantity = int(get("quantity") or 0)
    shopify_current = int(get("current_quantity", quantity))
    price_set = get("price_set")
    unit_price = (
        money_from_set(price_set, currency) if price_set else money_of(get("price"), currency)
    )
    discount_set = get("total_discount_set")
    discount = (
        money_from_set(discount_set, currency)
        if discount_set
        else money_of(get("total_discount"), currency)
    )
    allocations = get("discount_allocations")
    if allocations:
        discount = total_of(
            [discount, *(money_from_set(a.get("amount_set"), currency) for a in allocations)],
            currency,
        )
    tax_lines = get("tax_lines")
    if tax_lines:
        # Money.sum: from a zero without a shop twin
        tax = total_of(
            [
                Money.zero(currency),
                *(money_from_set(t.get("price_set"), currency) for t in tax_lines),
            ],
            currency,
        )
        rates = [t.get("rate") for t in tax_lines if t.get("rate") is not None]
    else:
        tax, rates = Money.zero(currency), []
    requires_shipping = bool(get("requires_shipping", True))
    return mapping.line_item(
        line_id=str(data["id"]),
        sku=blank(get("sku")),
        title=str(get("name") or get("title") or ""),
        quantity=quantity,
        shopify_current=shopify_current,
        refunded=refunded,
        fulfilled=fulfilled,
        unit_price=unit_price,
        discount=discount,
        tax=tax,
        rates=rates,
        requires_shipping=requires_shipping,
        gift_card=bool(get("gift_card")),
        product_id=platform_id(get("product_id")),
        variant_id=platform_id(get("variant_id")),
        location_id=location,
        raw=dict(data),
    )


def _shipping(order: Mapping[str, Any], currency: str) -> tuple[Money, Money]:
    """Shipping charged and its tax: each kept shipping line's (discounted) price, which includes
    tax exactly when the order's prices do (``taxes_included``), and its tax lines."""
    prices: list[Money] = []
    taxes: list[Money] = []
    for row in order.get("shipping_lines") or []:
        if row.get("is_removed"):
            continue
        prices.append(
            money_from_set(row.get("discounted_price_set") or row.get("price_set"), currency)
        )
        for tax_line in row.get("tax_lines") or []:
            taxes.append(money_from_set(tax_line.get("price_set"), currency))
    return total_of(prices, currency), total_of(taxes, currency)


def order_from_rest(
    data: Mapping[str, Any],
    *,
    transactions: Iterable[Mapping[str, Any]] = (),
    fulfillment_orders: Iterable[Mapping[str, Any]] = (),
) -> Order:
    """A canonical Order from a REST order, its transactions and its fulfillment orders.

    The planner uses ``LineItem.location_id`` for restocks that need a location.
    """
    order = data.get("order", data)
    shop_currency = str(order.get("currency") or "USD")
    currency = str(order.get("presentment_currency") or shop_currency)
    refunded = _refunded_quantities(order)
    fulfilled = _sum_fulfilled(order)
    assigned = assigned_locations(fulfillment_orders)
    shipped_from = _fulfillment_locations(order)
    lines = []
    for x in order.get("line_items") or []:
        key = str(x["id"])
        lines.append(
            _line(
                x,
                currency,
                refunded.get(key, 0),
                fulfilled.get(key, 0),
                assigned.get(key) or shipped_from.get(key),
            )
        )
    taxes_included = bool(order.get("taxes_included"))
    shipping, shipping_tax = _shipping(order, currency)
    amounts = order_amounts(
        lines,
        currency,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=money_from_set(order.get("total_tax_set"), currency),
        total=money_from_set(order.get("total_price_set"), currency),
        taxes_included=taxes_included,
    )
    status, platform_status = mapping.order_status(
        order.get("cancelled_at"), order.get("closed_at")
    )
    financial = order.get("financial_status")
    fulfillment = order.get("fulfillment_status")
    # the values in the order they were always read, then every field in field order (``raw``
    # first): ``trusted`` then takes the keywords as they are
    order_id = str(order["id"])
    financial_status = FinancialStatus.parse(financial)
    email = blank(order.get("email") or order.get("contact_email"))
    shipping_address = address_from_rest(order.get("shipping_address"))
    billing_address = address_from_rest(order.get("billing_address"))
    payments = [transaction_from_rest(t, currency) for t in transactions]
    refunds = [
        refund_from_rest(r, currency, taxes_included=taxes_included)
        for r in order.get("refunds") or []
    ]
    shipments = [fulfillment_from_rest(f) for f in order.get("fulfillments") or []]
    return Order.trusted(
        raw=dict(order),
        id=order_id,
        number=order.get("name"),
        platform=PLATFORM,
        currency=currency,
        shop_currency=shop_currency,
        status=status,
        platform_status=platform_status,
        financial_status=financial_status,
        platform_financial_status=financial,
        fulfillment_status=FULFILLMENT_STATUS.get(fulfillment, FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=fulfillment,
        email=email,
        lines=lines,
        shipping_address=shipping_address,
        billing_address=billing_address,
        **amounts.fields(),
        transactions=payments,
        refunds=refunds,
        fulfillments=shipments,
        created_at=parse_time(order.get("created_at")),
        updated_at=parse_time(order.get("updated_at")),
        canceled_at=parse_time(order.get("cancelled_at")),
        cancel_reason=order.get("cancel_reason"),
        note=order.get("note"),
    )
