"""The fragments of the ``shopify`` GraphQL dialect's documents (:mod:`.documents` registers them).

The connection page sizes are literals in each fragment, so every document's requested cost is
fixed. An order read (``orders.get``, a listing page) asks for the order with every nested
collection in one query, sized by an :class:`OrderShape`: :data:`ORDER_READ` for one order,
:data:`LISTED` (the ``Listed*`` fragments) so that :data:`ORDERS_READ_PAGE` orders fit one query
under Shopify's 1,000-point limit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ADDRESS",
    "FULFILLMENT",
    "FULFILLMENT_LINE",
    "FULFILLMENT_ORDER",
    "FULFILLMENT_ORDER_LINE",
    "LINE_ITEM",
    "LISTED",
    "LISTED_FIRST",
    "MONEY",
    "ORDERS_READ_PAGE",
    "ORDER_ADJUSTMENT",
    "ORDER_FIELDS",
    "ORDER_READ",
    "PAGE_INFO",
    "REFUND",
    "REFUND_LINE",
    "REFUND_SHIPPING_LINE",
    "RETURN",
    "RETURNABLE_LINE",
    "RETURN_LINE",
    "SHIPPING_LINE",
    "TRANSACTION",
    "OrderShape",
    "fulfillment_fragment",
    "fulfillment_order_fragment",
    "order_fragments",
    "refund_fragment",
    "return_fragment",
]

PAGE_INFO = "pageInfo { hasNextPage endCursor }"

MONEY = """
fragment Money on MoneyBag {
  shopMoney { amount currencyCode }
  presentmentMoney { amount currencyCode }
}
"""

ADDRESS = """
fragment Address on MailingAddress {
  firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone
}
"""

TRANSACTION = """
fragment Transaction on OrderTransaction {
  id kind status gateway createdAt
  amountSet { ...Money }
  parentTransaction { id }
}
"""

LINE_ITEM = """
fragment LineItemParts on LineItem {
  id name title sku quantity currentQuantity requiresShipping isGiftCard
  originalUnitPriceSet { ...Money }
  discountAllocations { allocatedAmountSet { ...Money } }
  taxLines { rate priceSet { ...Money } }
  product { id }
  variant { id }
}
"""

SHIPPING_LINE = """
fragment ShippingLineParts on ShippingLine {
  id title isRemoved
  originalPriceSet { ...Money }
  discountedPriceSet { ...Money }
  taxLines { priceSet { ...Money } }
}
"""

FULFILLMENT_ORDER_LINE = """
fragment FulfillmentOrderLineParts on FulfillmentOrderLineItem {
  id totalQuantity remainingQuantity lineItem { id }
}
"""


def fulfillment_order_fragment(name: str, lines: int) -> str:
    """A fulfillment order fragment named ``name`` reading ``lines`` lines at first."""
    return f"""
fragment {name} on FulfillmentOrder {{
  id orderId status requestStatus createdAt
  assignedLocation {{ name location {{ id }} }}
  fulfillmentHolds {{ id reason reasonNotes }}
  supportedActions {{ action }}
  lineItems(first: {lines}) {{ {PAGE_INFO} nodes {{ ...FulfillmentOrderLineParts }} }}
}}
"""


FULFILLMENT_ORDER = fulfillment_order_fragment("FulfillmentOrderParts", 25)

FULFILLMENT_LINE = """
fragment FulfillmentLineParts on FulfillmentLineItem { id quantity lineItem { id } }
"""


def fulfillment_fragment(name: str, lines: int) -> str:
    """A fulfillment fragment named ``name`` reading ``lines`` lines at first."""
    return f"""
fragment {name} on Fulfillment {{
  id status createdAt
  location {{ id }}
  trackingInfo {{ company number url }}
  fulfillmentLineItems(first: {lines}) {{ {PAGE_INFO} nodes {{ ...FulfillmentLineParts }} }}
}}
"""


FULFILLMENT = fulfillment_fragment("FulfillmentParts", 25)

REFUND_LINE = """
fragment RefundLineParts on RefundLineItem {
  id quantity restockType
  location { id }
  lineItem { id }
  subtotalSet { ...Money }
  totalTaxSet { ...Money }
}
"""

REFUND_SHIPPING_LINE = """
fragment RefundShippingLineParts on RefundShippingLine {
  subtotalAmountSet { ...Money } taxAmountSet { ...Money }
}
"""

ORDER_ADJUSTMENT = """
fragment OrderAdjustmentParts on OrderAdjustment {
  id reason amountSet { ...Money } taxAmountSet { ...Money }
}
"""


def refund_fragment(
    name: str, lines: int, shipping: int, adjustments: int, transactions: int
) -> str:
    """A refund fragment named ``name`` with the ``first:`` of each of its connections."""
    return f"""
fragment {name} on Refund {{
  id note createdAt
  refundLineItems(first: {lines}) {{ {PAGE_INFO} nodes {{ ...RefundLineParts }} }}
  refundShippingLines(first: {shipping}) {{ {PAGE_INFO} nodes {{ ...RefundShippingLineParts }} }}
  orderAdjustments(first: {adjustments}) {{ {PAGE_INFO} nodes {{ ...OrderAdjustmentParts }} }}
  transactions(first: {transactions}) {{ {PAGE_INFO} nodes {{ ...Transaction }} }}
  return {{ id }}
}}
"""


REFUND = refund_fragment("RefundParts", 25, 2, 5, 5)

ORDER_FIELDS = """
  id name email note createdAt updatedAt cancelledAt cancelReason closedAt taxesIncluded
  currencyCode presentmentCurrencyCode displayFinancialStatus displayFulfillmentStatus
  shippingAddress { ...Address }
  billingAddress { ...Address }
  subtotalPriceSet { ...Money }
  totalTaxSet { ...Money }
  totalPriceSet { ...Money }
  totalDiscountsSet { ...Money }
"""


@dataclass(frozen=True)
class OrderShape:
    """How much of each nested collection one read of an order asks for at once (``first:``);
    what does not fit is read by follow-ups. ``prefix`` names its fragments
    (``{prefix}OrderParts``, ``{prefix}RefundParts``, ...); ``returns`` 0 leaves the returns
    out."""

    prefix: str
    shipping_lines: int
    lines: int
    transactions: int
    fulfillments: int
    fulfillment_lines: int
    fulfillment_orders: int
    fulfillment_order_lines: int
    refunds: int
    refund_lines: int
    refund_shipping_lines: int
    refund_adjustments: int
    refund_transactions: int
    returns: int
    return_lines: int

    @property
    def plain_firsts(self) -> dict[str, int]:
        """The ``first:`` of the plain lists (a list this long may have been cut)."""
        return {
            "transactions": self.transactions,
            "fulfillments": self.fulfillments,
            "refunds": self.refunds,
        }

    @property
    def order_fragment(self) -> str:
        """The name of the order fragment."""
        return f"{self.prefix}OrderParts"


def order_fragments(shape: OrderShape) -> tuple[str, ...]:
    """Every fragment an order read of ``shape`` needs, the order fragment first: the order with
    its lines, transactions, fulfillments, fulfillment orders, refunds and returns."""
    p = shape.prefix
    returns = (
        f"returns(first: {shape.returns}) {{ {PAGE_INFO} nodes {{ ...{p}ReturnParts }} }}"
        if shape.returns
        else ""
    )
    order = f"""
fragment {p}OrderParts on Order {{
  {ORDER_FIELDS}
  shippingLines(first: {shape.shipping_lines}, includeRemovals: true) {{
    {PAGE_INFO} nodes {{ ...ShippingLineParts }}
  }}
  lineItems(first: {shape.lines}) {{ {PAGE_INFO} nodes {{ ...LineItemParts }} }}
  transactionsCount {{ count precision }}
  transactions(first: {shape.transactions}) {{ ...Transaction }}
  fulfillmentsCount {{ count precision }}
  fulfillments(first: {shape.fulfillments}) {{ ...{p}FulfillmentParts }}
  fulfillmentOrders(first: {shape.fulfillment_orders}) {{
    {PAGE_INFO} nodes {{ ...{p}FulfillmentOrderParts }}
  }}
  refunds(first: {shape.refunds}) {{ ...{p}RefundParts }}
  {returns}
}}
"""
    return (
        order,
        LINE_ITEM,
        SHIPPING_LINE,
        fulfillment_fragment(f"{p}FulfillmentParts", shape.fulfillment_lines),
        FULFILLMENT_LINE,
        fulfillment_order_fragment(f"{p}FulfillmentOrderParts", shape.fulfillment_order_lines),
        FULFILLMENT_ORDER_LINE,
        refund_fragment(
            f"{p}RefundParts",
            shape.refund_lines,
            shape.refund_shipping_lines,
            shape.refund_adjustments,
            shape.refund_transactions,
        ),
        REFUND_LINE,
        REFUND_SHIPPING_LINE,
        ORDER_ADJUSTMENT,
        *((return_fragment(f"{p}ReturnParts", shape.return_lines), RETURN_LINE) if returns else ()),
        TRANSACTION,
        ADDRESS,
        MONEY,
    )


#: ``orders.get``: one order with every nested collection in one query, sized for a larger than
#: typical order (20 lines, 10 transactions, 4 refunds, 5 fulfillments and fulfillment orders)
#: under Shopify's single-query limit of 1,000 requested points. Its returns are not asked:
#: INFERRED that ``Order.returns`` needs the ``read_returns`` access scope, which ``orders.get``
#: never needed (a listing asks them: a sync needed that scope for ``returns.list`` anyway).
ORDER_READ = OrderShape(
    prefix="Read",
    shipping_lines=5,
    lines=20,
    transactions=10,
    fulfillments=5,
    fulfillment_lines=10,
    fulfillment_orders=5,
    fulfillment_order_lines=10,
    refunds=4,
    refund_lines=5,
    refund_shipping_lines=1,
    refund_adjustments=2,
    refund_transactions=3,
    returns=0,
    return_lines=0,
)

#: Orders per page of ``OrdersPage``, each read with its nested data in the same query.
ORDERS_READ_PAGE = 3

# An order as a listing page reads it: everything the canonical order needs, with its returns
# and fulfillment orders, with page sizes small enough that ORDERS_READ_PAGE orders stay under
# Shopify's single-query limit of 1,000 requested points
# (tests/adapters/shopify/test_shopify_graphql_listing.py checks the estimate). Sized for a
# typical order (<= 5 lines, 5 transactions, 2 refunds, 2 fulfillments and fulfillment orders,
# 1 return of 3 lines); a bigger one costs follow-up reads of only the connections that have more.
LISTED = OrderShape(
    prefix="Listed",
    shipping_lines=2,
    lines=5,
    transactions=5,
    fulfillments=2,
    fulfillment_lines=3,
    fulfillment_orders=2,
    fulfillment_order_lines=5,
    refunds=2,
    refund_lines=5,
    refund_shipping_lines=1,
    refund_adjustments=2,
    refund_transactions=2,
    returns=1,
    return_lines=3,
)
#: The ``first:`` of the plain lists in an ``OrdersPage`` order (a list this long may be cut).
LISTED_FIRST = LISTED.plain_firsts

RETURN_LINE = """
fragment ReturnLineParts on ReturnLineItemType {
  id quantity processedQuantity returnReasonNote customerNote
  ... on ReturnLineItem { fulfillmentLineItem { id lineItem { id } } }
}
"""


def return_fragment(name: str, lines: int) -> str:
    """A return fragment named ``name`` reading ``lines`` return lines at first."""
    return f"""
fragment {name} on Return {{
  id name status createdAt closedAt requestApprovedAt
  order {{ id }}
  decline {{ reason note }}
  returnLineItems(first: {lines}) {{ {PAGE_INFO} nodes {{ ...ReturnLineParts }} }}
}}
"""


RETURN = return_fragment("ReturnParts", 25)

RETURNABLE_LINE = """
fragment ReturnableLineParts on ReturnableFulfillmentLineItem {
  quantity fulfillmentLineItem { id lineItem { id } }
}
"""
