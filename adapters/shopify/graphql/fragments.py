"""The fragments of the ``shopify`` GraphQL dialect's documents (:mod:`.documents` registers them).

The connection page sizes are literals in each fragment, so every document's requested cost is
fixed; the ``Listed*`` variants (an order as a listing page reads it) are sized so that
:data:`ORDERS_READ_PAGE` orders fit one query under Shopify's 1,000-point limit.
"""

from __future__ import annotations

__all__ = [
    "ADDRESS",
    "FULFILLMENT",
    "FULFILLMENT_LINE",
    "FULFILLMENT_ORDER",
    "FULFILLMENT_ORDER_LINE",
    "LINE_ITEM",
    "LISTED_FIRST",
    "LISTED_ORDER",
    "MONEY",
    "ORDER",
    "ORDERS_READ_PAGE",
    "ORDER_ADJUSTMENT",
    "ORDER_FIELDS",
    "PAGE_INFO",
    "REFUND",
    "REFUND_LINE",
    "REFUND_SHIPPING_LINE",
    "RETURN",
    "RETURNABLE_LINE",
    "RETURN_LINE",
    "SHIPPING_LINE",
    "TRANSACTION",
    "fulfillment_fragment",
    "fulfillment_order_fragment",
    "refund_fragment",
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
  id status
  location {{ id }}
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

ORDER = f"""
fragment OrderParts on Order {{
  {ORDER_FIELDS}
  shippingLines(first: 5, includeRemovals: true) {{ {PAGE_INFO} nodes {{ ...ShippingLineParts }} }}
  lineItems(first: 25) {{ {PAGE_INFO} nodes {{ ...LineItemParts }} }}
  transactionsCount {{ count precision }}
  transactions(first: 25) {{ ...Transaction }}
  refunds(first: 20) {{ id }}
}}
"""

#: Orders per page of ``OrdersPage``, each read with its nested data in the same query.
ORDERS_READ_PAGE = 3
#: The ``first:`` of the plain lists in an ``OrdersPage`` order (a list this long may be cut).
LISTED_FIRST = {"transactions": 5, "fulfillments": 2, "refunds": 2}

# An order as a listing page reads it: everything the canonical order needs, with page sizes
# small enough that ORDERS_READ_PAGE orders stay under Shopify's single-query limit of 1,000
# requested points (tests/adapters/shopify/test_shopify_graphql_listing.py checks the estimate).
# Sized for a typical order (<= 5 lines, 5 transactions, 1 refund, 2 fulfillments and fulfillment
# orders); a bigger one costs follow-up reads of only the connections that have more.
LISTED_ORDER = f"""
fragment ListedOrderParts on Order {{
  {ORDER_FIELDS}
  shippingLines(first: 2, includeRemovals: true) {{ {PAGE_INFO} nodes {{ ...ShippingLineParts }} }}
  lineItems(first: 5) {{ {PAGE_INFO} nodes {{ ...LineItemParts }} }}
  transactionsCount {{ count precision }}
  transactions(first: {LISTED_FIRST["transactions"]}) {{ ...Transaction }}
  fulfillmentsCount {{ count precision }}
  fulfillments(first: {LISTED_FIRST["fulfillments"]}) {{ ...ListedFulfillmentParts }}
  fulfillmentOrders(first: 2) {{ {PAGE_INFO} nodes {{ ...ListedFulfillmentOrderParts }} }}
  refunds(first: {LISTED_FIRST["refunds"]}) {{ ...ListedRefundParts }}
}}
"""

RETURN_LINE = """
fragment ReturnLineParts on ReturnLineItemType {
  id quantity processedQuantity returnReasonNote customerNote
  ... on ReturnLineItem { fulfillmentLineItem { id lineItem { id } } }
}
"""

RETURN = f"""
fragment ReturnParts on Return {{
  id name status createdAt closedAt requestApprovedAt
  order {{ id }}
  decline {{ reason note }}
  returnLineItems(first: 25) {{ {PAGE_INFO} nodes {{ ...ReturnLineParts }} }}
}}
"""

RETURNABLE_LINE = """
fragment ReturnableLineParts on ReturnableFulfillmentLineItem {
  quantity fulfillmentLineItem { id lineItem { id } }
}
"""
