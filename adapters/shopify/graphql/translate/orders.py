"""GraphQL orders, their lines, transactions and addresses -> canonical.

An order is read from the ``Order`` node, all its lines, its fulfillments and fulfillment orders
(``OrderFulfillments``) and its full refunds (``RefundGet``); ``raw`` is the node with those
filled in. Amounts follow the same rules as REST's (``rest/translate/orders.py``): on the order's
tax basis, ``subtotal`` the sum of the line totals, ``total`` and ``tax`` Shopify's own, any
difference in ``adjustment`` / ``tax_adjustment``. Enum values read in REST's spelling (``platform_*`` fields say ``partial``, ``paid``,
``cancelled``), so an order reads the same through either dialect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from unified_orders.models import (
    Address,
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
from ...vocabulary import FULFILLMENT_STATUS, PLATFORM, blank, money_of, parse_time
from .fulfillments import fulfillment_from_graphql
from .refunds import refund_from_graphql
from .values import legacy, lower, money, nodes, presentment_money, unpaged

__all__ = ["address_from_graphql", "order_from_graphql", "transaction_from_graphql"]

#: REST ``fulfillment_status`` for GraphQL ``displayFulfillmentStatus`` (the others lower-cased).
_FULFILLMENT_STATUS: dict[str, str | None] = {
    "UNFULFILLED": None,
    "PARTIALLY_FULFILLED": "partial",
    "FULFILLED": "fulfilled",
    "RESTOCKED": "restocked",
}

_LIVE = frozenset(LIVE_FULFILLMENT_ORDER_STATUSES)

#: The order's collections, which ``raw`` holds after its own fields (returns: not at all).
_COLLECTIONS = (
    "lineItems",
    "shippingLines",
    "transactions",
    "fulfillments",
    "fulfillmentOrders",
    "refunds",
    "returns",
)


#: Address fields (in field order) and the ``MailingAddress`` fields they read.
_ADDRESS_FIELDS = (
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("company", "company"),
    ("line1", "address1"),
    ("line2", "address2"),
    ("city", "city"),
    ("province_code", "provinceCode"),
    ("postal_code", "zip"),
    ("country_code", "countryCodeV2"),
    ("phone", "phone"),
)


def address_from_graphql(node: Mapping[str, Any] | None) -> Address | None:
    """A canonical Address from a GraphQL ``MailingAddress`` (each text as :func:`blank` reads
    it; a non-blank string is kept without the call)."""
    return mapping.address(node, _ADDRESS_FIELDS)


def transaction_from_graphql(node: Mapping[str, Any], currency: str) -> Transaction:
    """A canonical Transaction from a GraphQL ``OrderTransaction`` (its presentment amount)."""
    kind = str(lower(node.get("kind")) or "")
    status = str(lower(node.get("status")) or "")
    parent = node.get("parentTransaction")
    return Transaction.trusted(
        id=str(legacy(node["id"])),
        kind=TransactionKind.parse(kind),
        platform_kind=kind or None,
        status=TransactionStatus.parse(status),
        platform_status=status or None,
        amount=presentment_money(node.get("amountSet"), currency),
        parent_id=legacy(parent.get("id")) or None if parent else None,
        gateway=node.get("gateway"),
        created_at=parse_time(node.get("createdAt")),
        raw=dict(node),
    )


#: (currency, shop currency) -> a line's zero discount: Money is frozen, so one is shared.
_ZERO_DISCOUNTS: dict[tuple[str, str | None], Money] = {}


def _zero_discount(unit_price: Money) -> Money:
    """Zero in ``unit_price``'s currencies (the shop twin too, where it has one)."""
    shop = unit_price.shop
    key = (unit_price.currency, shop.currency if shop is not None else None)
    found = _ZERO_DISCOUNTS.get(key)
    if found is None:
        found = Money.of(
            Money.zero(unit_price.currency).amount,
            unit_price.currency,
            shop=Money.zero(shop.currency) if shop is not None else None,
        )
        if len(_ZERO_DISCOUNTS) < 1024:
            _ZERO_DISCOUNTS[key] = found
    return found


def _line(
    node: Mapping[str, Any],
    line_id: str,
    shopify_current: int,
    currency: str,
    refunded: int,
    fulfilled: int,
    location: str | None,
) -> LineItem:
    get = node.get
    quantity = int(get("quantity") or 0)
    price_bag = get("originalUnitPriceSet")
    if price_bag:
        unit_price = money(price_bag, currency)
        # GraphQL has no line discount beside the discount allocations: zero, in the price's
        # currencies, before the allocations are added.
        discount = _zero_discount(unit_price)
    else:
        unit_price = discount = money_of(None, currency)
    allocations = get("discountAllocations")
    if allocations:
        discount = total_of(
            [discount, *(money(a.get("allocatedAmountSet"), currency) for a in allocations)],
            currency,
        )
    tax_lines = get("taxLines")
    if tax_lines:
        # Money.sum: from a zero without a shop twin
        tax = total_of(
            [Money.zero(currency), *(money(t.get("priceSet"), currency) for t in tax_lines)],
            currency,
        )
        rates = [t.get("rate") for t in tax_lines if t.get("rate") is not None]
    else:
        tax, rates = Money.zero(currency), []
    requires_shipping = bool(get("requiresShipping", True))
    product, variant = get("product"), get("variant")
    return mapping.line_item(
        line_id=line_id,
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
        gift_card=bool(get("isGiftCard")),
        product_id=legacy(product.get("id")) or None if product else None,
        variant_id=legacy(variant.get("id")) or None if variant else None,
        location_id=location,
        raw=dict(node),
    )


def _refunded_quantities(refunds: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    refunded: dict[str, int] = {}
    for refund in refunds:
        for row in nodes(refund.get("refundLineItems")):
            key = str(legacy((row.get("lineItem") or {}).get("id")))
            refunded[key] = refunded.get(key, 0) + int(row.get("quantity") or 0)
    return refunded


def _fulfilled(
    fulfillments: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, int], dict[str, str]]:
    """Units fulfilled per line and the location each line shipped from first: successful
    fulfillments only (failed/cancelled ones ship nothing)."""
    fulfilled: dict[str, int] = {}
    shipped_from: dict[str, str] = {}
    for fulfillment in fulfillments:
        if lower(fulfillment.get("status")) != "success":
            continue
        location = legacy((fulfillment.get("location") or {}).get("id"))
        for row in nodes(fulfillment.get("fulfillmentLineItems")):
            key = str(legacy((row.get("lineItem") or {}).get("id")))
            fulfilled[key] = fulfilled.get(key, 0) + int(row.get("quantity") or 0)
            if location is not None:
                shipped_from.setdefault(key, location)
    return fulfilled, shipped_from


def _assigned_locations(fulfillment_orders: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Order line id -> assigned location of the open fulfillment order that holds it."""
    found: dict[str, str] = {}
    for fo in fulfillment_orders:
        location = legacy(((fo.get("assignedLocation") or {}).get("location") or {}).get("id"))
        if lower(fo.get("status")) not in _LIVE or location is None:
            continue
        for item in nodes(fo.get("lineItems")):
            found.setdefault(str(legacy((item.get("lineItem") or {}).get("id"))), location)
    return found


def _shipping(node: Mapping[str, Any], currency: str) -> tuple[Money, Money]:
    """Shipping charged and its tax: each kept shipping line's (discounted) price, which includes
    tax exactly when the order's prices do (``taxesIncluded``), and its tax lines."""
    prices: list[Money] = []
    taxes: list[Money] = []
    for row in nodes(node.get("shippingLines")):
        if row.get("isRemoved"):
            continue
        prices.append(money(row.get("discountedPriceSet") or row.get("originalPriceSet"), currency))
        for tax_line in row.get("taxLines") or []:
            taxes.append(money(tax_line.get("priceSet"), currency))
    return total_of(prices, currency), total_of(taxes, currency)


def order_from_graphql(
    node: Mapping[str, Any],
    *,
    lines: Sequence[Mapping[str, Any]],
    fulfillments: Sequence[Mapping[str, Any]],
    fulfillment_orders: Sequence[Mapping[str, Any]],
    refunds: Sequence[Mapping[str, Any]],
    transactions: Sequence[Mapping[str, Any]] | None = None,
) -> Order:
    """A canonical Order from GraphQL: the ``Order`` node (its shipping lines complete), every
    line, every transaction (else the node's), the fulfillments and fulfillment orders
    (``OrderFulfillments``, each with every line) and the full refunds (``RefundGet``).

    ``LineItem.location_id`` is where stock for the line lives: the assigned location of the open
    fulfillment order holding its unfulfilled units, else the location of its successful
    fulfillment. Fulfillment orders give line locations only where REST would read them too (some
    units neither fulfilled nor refunded), so both dialects agree.
    """
    order_id = legacy(node["id"]) or ""
    shop_currency = str(node.get("currencyCode") or "USD")
    currency = str(node.get("presentmentCurrencyCode") or shop_currency)
    taxes_included = bool(node.get("taxesIncluded"))
    refunded = _refunded_quantities(refunds)
    fulfilled, shipped_from = _fulfilled(fulfillments)
    keys = [str(legacy(line["id"])) for line in lines]
    currents = []
    for line in lines:
        current: Any = line.get("currentQuantity")  # non-null in the schema
        currents.append(int(current))
    unplaced = any(
        mapping.has_unplaced_units(current, fulfilled.get(key, 0), refunded.get(key, 0))
        for key, current in zip(keys, currents, strict=True)
    )
    assigned = _assigned_locations(fulfillment_orders) if unplaced else {}
    status, platform_status = mapping.order_status(node.get("cancelledAt"), node.get("closedAt"))
    financial = lower(node.get("displayFinancialStatus"))
    display = node.get("displayFulfillmentStatus")
    fulfillment = _FULFILLMENT_STATUS.get(str(display), lower(display))
    payments = list(transactions) if transactions is not None else nodes(node.get("transactions"))
    # ``raw`` keeps the order, not how it was read: its own fields in the order read, then its
    # collections in one fixed order, every connection as its nodes, and no returns (each is its
    # own record, with its own raw). So a paged read, a listing without ``read_returns`` and the
    # bulk file (children after their order) store the same raw for an unchanged order, and a
    # sync does not rewrite it for having read it another way.
    raw = unpaged(node)
    for key in _COLLECTIONS:
        raw.pop(key, None)
    raw["lineItems"] = {"nodes": list(lines)}
    shipping_lines = node.get("shippingLines")
    if shipping_lines is not None:
        raw["shippingLines"] = {"nodes": nodes(shipping_lines)}
    raw["transactions"] = payments
    raw["fulfillments"] = [unpaged(f) for f in fulfillments]
    raw["fulfillmentOrders"] = {"nodes": [unpaged(fo) for fo in fulfillment_orders]}
    raw["refunds"] = [unpaged(r) for r in refunds]
    lines_read = [
        _line(
            line,
            key,
            current,
            currency,
            refunded.get(key, 0),
            fulfilled.get(key, 0),
            assigned.get(key) or shipped_from.get(key),
        )
        for key, current, line in zip(keys, currents, lines, strict=True)
    ]
    shipping, shipping_tax = _shipping(node, currency)
    amounts = order_amounts(
        lines_read,
        currency,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=money(node.get("totalTaxSet"), currency),
        total=money(node.get("totalPriceSet"), currency),
        taxes_included=taxes_included,
    )
    shipping_address = address_from_graphql(node.get("shippingAddress"))
    billing_address = address_from_graphql(node.get("billingAddress"))
    payments_read = [transaction_from_graphql(t, currency) for t in payments]
    refunds_read = [
        refund_from_graphql(r, order_id, currency, taxes_included=taxes_included) for r in refunds
    ]
    shipments = [fulfillment_from_graphql(f, order_id) for f in fulfillments]
    # every field, in field order (``raw`` first): ``trusted`` then takes the keywords as they are
    return Order.trusted(
        raw=raw,
        id=order_id,
        number=node.get("name"),
        platform=PLATFORM,
        currency=currency,
        shop_currency=shop_currency,
        status=status,
        platform_status=platform_status,
        financial_status=FinancialStatus.parse(financial),
        platform_financial_status=financial,
        fulfillment_status=FULFILLMENT_STATUS.get(fulfillment, FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=fulfillment,
        email=blank(node.get("email") or None),
        lines=lines_read,
        shipping_address=shipping_address,
        billing_address=billing_address,
        **amounts.fields(),
        transactions=payments_read,
        refunds=refunds_read,
        fulfillments=shipments,
        created_at=parse_time(node.get("createdAt")),
        updated_at=parse_time(node.get("updatedAt")),
        canceled_at=parse_time(node.get("cancelledAt")),
        cancel_reason=lower(node.get("cancelReason")),
        note=node.get("note"),
    )
