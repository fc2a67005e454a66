"""Every GraphQL document the ``shopify`` GraphQL dialect can send, in one registry.

``DOCUMENTS`` maps an operation name to its full text (fragments appended), and is the only place
:mod:`.graphql` takes documents from, so tests/contract/test_shopify_graphql_documents.py can
validate every one against the shipped 2026-04 schema (and refuse deprecated fields and arguments).

Nothing is read partially. Every connection asks for ``pageInfo { hasNextPage endCursor }`` and
has a page document (``*Page``: ``$id`` of the object holding the connection, ``$after``) that
reads the rest, one page at a time, only while ``hasNextPage``. The schema's three plain lists on
``Order`` (``transactions``, ``fulfillments``, ``refunds``: ``first`` only truncates them) are
asked with a small ``first`` and their counts (``transactionsCount``, ``fulfillmentsCount``; no
count exists for refunds, so a full first page counts as "maybe more"), and read again without
``first`` (the whole list, per the schema) only when that page may have been cut short.

``OrderGet`` reads one order with every nested collection (its fulfillment orders too) in one
query, ``OrdersPage`` a page of orders the same way, returns included (smaller nested pages,
:data:`.fragments.ORDERS_READ_PAGE` orders, under Shopify's 1,000-point single-query limit), and
``OrderDeletions`` the ``events`` feed of deleted orders; ``FulfillmentOrderChanges`` the
fulfillment orders changed since a time (:mod:`.changes`).

Page sizes are literals, so each document's requested cost is fixed: :func:`requested_cost`
estimates it once for pacing (``Request.cost``) with Shopify's published rules (:mod:`.costs`).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from .. import access_scopes
from .. import fulfillment_order_changes as fo_changes
from .costs import estimate_cost
from .fragments import (
    FULFILLMENT,
    FULFILLMENT_LINE,
    FULFILLMENT_ORDER,
    FULFILLMENT_ORDER_LINE,
    LINE_ITEM,
    LISTED,
    LISTED_FIRST,
    MONEY,
    ORDER_ADJUSTMENT,
    ORDER_READ,
    ORDERS_READ_PAGE,
    PAGE_INFO,
    REFUND,
    REFUND_LINE,
    REFUND_SHIPPING_LINE,
    RETURN,
    RETURN_LINE,
    RETURNABLE_LINE,
    SHIPPING_LINE,
    TRANSACTION,
    order_fragments,
)

__all__ = [
    "DOCUMENTS",
    "FIRST_PAGES",
    "LISTED_FIRST",
    "ORDERS_READ_PAGE",
    "ORDER_LINES_PAGE",
    "PAGES",
    "document",
    "estimate_cost",
    "requested_cost",
]

#: Order lines read per request (a follow-up query pages through longer orders).
ORDER_LINES_PAGE = 25
#: The ``first:`` of the plain lists in ``OrderGet`` (a list this long may have been cut).
FIRST_PAGES = ORDER_READ.plain_firsts

USER_ERRORS = "userErrors { field message }"
CODED_ERRORS = "userErrors { field message code }"


def _doc(body: str, *fragments: str) -> str:
    return body.strip() + "\n" + "".join(fragments)


def _page(name: str, root: str, field: str, size: int, *fragments: str) -> str:
    """A page document: ``root(id: $id) { field(first: size, after: $after) }`` with the page's
    ``pageInfo`` and ``nodes`` spread with the first fragment (``field`` may carry arguments)."""
    head, _, arguments = field.partition("(")
    more = f", {arguments.rstrip(')')}" if arguments else ""
    node = fragments[0].split()[1]
    return _doc(
        f"""
        query {name}($id: ID!, $after: String) {{
          {root}(id: $id) {{
            {head}(first: {size}, after: $after{more}) {{ {PAGE_INFO} nodes {{ ...{node} }} }}
          }}
        }}
        """,
        *fragments,
    )


def _returning(name: str, argument: str, kind: str) -> str:
    """A return mutation taking one argument, answering the return and coded ``userErrors``."""
    field = name[0].lower() + name[1:]
    return _doc(
        f"""
        mutation {name}(${argument}: {kind}!) {{
          {field}({argument}: ${argument}) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
        RETURN_LINE,
    )


_FO_FRAGMENTS = (FULFILLMENT_ORDER, FULFILLMENT_ORDER_LINE)
_REFUND_FRAGMENTS = (
    REFUND,
    REFUND_LINE,
    REFUND_SHIPPING_LINE,
    ORDER_ADJUSTMENT,
    TRANSACTION,
    MONEY,
)
_RETURN_FRAGMENTS = (RETURN, RETURN_LINE)
#: A return's reverse fulfillment orders: the lines its units are disposed of through.
REVERSE_LINE = """
fragment ReverseLineParts on ReverseFulfillmentOrderLineItem {
  id totalQuantity fulfillmentLineItem { id }
}
"""
REVERSE_ORDER = f"""
fragment ReverseOrderParts on ReverseFulfillmentOrder {{
  id lineItems(first: 50) {{ {PAGE_INFO} nodes {{ ...ReverseLineParts }} }}
}}
"""

DOCUMENTS: dict[str, str] = {
    # --- orders -------------------------------------------------------------------------------
    # One order with every nested collection (fulfillment orders included): one query;
    # follow-ups only where a connection has more.
    "OrderGet": _doc(
        f"query OrderGet($id: ID!) {{ order(id: $id) {{ ...{ORDER_READ.order_fragment} }} }}",
        *order_fragments(ORDER_READ),
    ),
    # Plain lists: no ``first``, so the whole list (asked only when the first read may be cut).
    "OrderTransactions": _doc(
        "query OrderTransactions($id: ID!) { order(id: $id) { id transactions { ...Transaction } } }",
        TRANSACTION,
        MONEY,
    ),
    "OrderFulfillmentList": _doc(
        """
        query OrderFulfillmentList($id: ID!) {
          order(id: $id) { id fulfillments { ...FulfillmentParts } }
        }
        """,
        FULFILLMENT,
        FULFILLMENT_LINE,
    ),
    # A page of orders with their nested data: one query (follow-ups only where more follow).
    "OrdersPage": _doc(
        f"""
        query OrdersPage($query: String, $after: String) {{
          orders(first: {ORDERS_READ_PAGE}, after: $after, query: $query, sortKey: ID) {{
            {PAGE_INFO}
            nodes {{ ...{LISTED.order_fragment} }}
          }}
        }}
        """,
        *order_fragments(LISTED),
    ),
    # The same page for an app that may not read returns (no ``read_returns`` access scope).
    "OrdersPageWithoutReturns": _doc(
        f"""
        query OrdersPageWithoutReturns($query: String, $after: String) {{
          orders(first: {ORDERS_READ_PAGE}, after: $after, query: $query, sortKey: ID) {{
            {PAGE_INFO}
            nodes {{ ...{LISTED.order_fragment} }}
          }}
        }}
        """,
        *order_fragments(replace(LISTED, returns=0, return_lines=0)),
    ),
    # The change feed: orders deleted since a time (``events`` of subject type ORDER).
    "OrderDeletions": _doc(
        f"""
        query OrderDeletions($query: String!, $after: String) {{
          events(first: 100, after: $after, query: $query, sortKey: CREATED_AT) {{
            {PAGE_INFO}
            nodes {{ id createdAt action ... on BasicEvent {{ subjectId subjectType }} }}
          }}
        }}
        """
    ),
    # The change feed: orders whose fulfillment orders changed since a time (closed ones too).
    fo_changes.DOCUMENT: fo_changes.TEXT,
    # The app's access scopes: what its fulfillment-order reads leave out.
    access_scopes.DOCUMENT: access_scopes.TEXT,
    # Every refund of an order in full (a plain list: no ``first`` reads it whole).
    "OrderRefunds": _doc(
        """
        query OrderRefunds($id: ID!) {
          order(id: $id) { id presentmentCurrencyCode taxesIncluded refunds { ...RefundParts } }
        }
        """,
        *_REFUND_FRAGMENTS,
    ),
    "OrderCreate": _doc(
        f"""
        mutation OrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {{
          orderCreate(order: $order, options: $options) {{
            order {{ id }}
            {CODED_ERRORS}
          }}
        }}
        """
    ),
    "OrderCancel": _doc(
        """
        mutation OrderCancel(
          $orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!,
          $refundMethod: OrderCancelRefundMethodInput, $notifyCustomer: Boolean
        ) {
          orderCancel(
            orderId: $orderId, reason: $reason, restock: $restock,
            refundMethod: $refundMethod, notifyCustomer: $notifyCustomer
          ) {
            job { id done }
            orderCancelUserErrors { field message code }
          }
        }
        """
    ),
    "JobPoll": _doc("query JobPoll($id: ID!) { job(id: $id) { id done } }"),
    "OrderUpdateShippingAddress": _doc(
        f"""
        mutation OrderUpdateShippingAddress($input: OrderInput!) {{
          orderUpdate(input: $input) {{
            order {{ id }}
            {USER_ERRORS}
          }}
        }}
        """
    ),
    # --- refunds ------------------------------------------------------------------------------
    "SuggestedRefund": _doc(
        """
        query SuggestedRefund(
          $id: ID!, $refundLineItems: [RefundLineItemInput!], $shippingAmount: Money,
          $refundShipping: Boolean
        ) {
          order(id: $id) {
            id
            suggestedRefund(
              refundLineItems: $refundLineItems, shippingAmount: $shippingAmount,
              refundShipping: $refundShipping
            ) {
              amountSet { ...Money }
              subtotalSet { ...Money }
              totalTaxSet { ...Money }
              shipping {
                amountSet { ...Money }
                taxSet { ...Money }
                maximumRefundableSet { ...Money }
              }
              refundLineItems {
                quantity restockType
                location { id }
                lineItem { id }
                subtotalSet { ...Money }
                totalTaxSet { ...Money }
              }
              suggestedTransactions {
                kind gateway
                amountSet { ...Money }
                maximumRefundableSet { ...Money }
                parentTransaction { id }
              }
            }
          }
        }
        """,
        MONEY,
    ),
    # The key is a variable so every attempt of one write carries the same key.
    "RefundCreate": _doc(
        f"""
        mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {{
          refundCreate(input: $input) @idempotent(key: $idempotencyKey) {{
            refund {{ ...RefundParts }}
            {USER_ERRORS}
          }}
        }}
        """,
        *_REFUND_FRAGMENTS,
    ),
    # --- returns ------------------------------------------------------------------------------
    "ReturnableFulfillments": _doc(
        f"""
        query ReturnableFulfillments($orderId: ID!, $after: String) {{
          returnableFulfillments(orderId: $orderId, first: 10, after: $after) {{
            {PAGE_INFO}
            nodes {{
              id
              fulfillment {{ id }}
              returnableFulfillmentLineItems(first: 25) {{
                {PAGE_INFO}
                nodes {{ ...ReturnableLineParts }}
              }}
            }}
          }}
        }}
        """,
        RETURNABLE_LINE,
    ),
    "ReturnGet": _doc(
        "query ReturnGet($id: ID!) { return(id: $id) { ...ReturnParts } }", *_RETURN_FRAGMENTS
    ),
    "OrderReturns": _doc(
        f"""
        query OrderReturns($id: ID!, $after: String) {{
          order(id: $id) {{
            id
            returns(first: 10, after: $after) {{ {PAGE_INFO} nodes {{ ...ReturnParts }} }}
          }}
        }}
        """,
        *_RETURN_FRAGMENTS,
    ),
    "ReturnCreate": _returning("ReturnCreate", "returnInput", "ReturnInput"),
    "ReturnRequest": _returning("ReturnRequest", "input", "ReturnRequestInput"),
    "ReturnApproveRequest": _returning(
        "ReturnApproveRequest", "input", "ReturnApproveRequestInput"
    ),
    "ReturnDeclineRequest": _returning(
        "ReturnDeclineRequest", "input", "ReturnDeclineRequestInput"
    ),
    "ReturnClose": _returning("ReturnClose", "id", "ID"),
    "ReturnCancel": _returning("ReturnCancel", "id", "ID"),
    "ReturnReopen": _returning("ReturnReopen", "id", "ID"),
    "ReturnProcess": _returning("ReturnProcess", "input", "ReturnProcessInput"),
    # The reverse fulfillment order lines a return's units are disposed of through.
    "ReturnReverseLines": _doc(
        f"""
        query ReturnReverseLines($id: ID!) {{
          return(id: $id) {{
            id
            reverseFulfillmentOrders(first: 10) {{ {PAGE_INFO} nodes {{ ...ReverseOrderParts }} }}
          }}
        }}
        """,
        REVERSE_ORDER,
        REVERSE_LINE,
    ),
    "RefundGet": _doc(
        """
        query RefundGet($id: ID!) {
          refund(id: $id) { ...RefundParts order { id presentmentCurrencyCode taxesIncluded } }
        }
        """,
        *_REFUND_FRAGMENTS,
    ),
    # --- fulfillment orders -------------------------------------------------------------------
    "FulfillmentOrders": _doc(
        f"""
        query FulfillmentOrders($id: ID!, $after: String) {{
          order(id: $id) {{
            id
            fulfillmentOrders(first: 10, after: $after) {{
              {PAGE_INFO}
              nodes {{ ...FulfillmentOrderParts }}
            }}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    "FulfillmentOrderGet": _doc(
        "query FulfillmentOrderGet($id: ID!) { fulfillmentOrder(id: $id) { ...FulfillmentOrderParts } }",
        *_FO_FRAGMENTS,
    ),
    "FulfillmentOrderHold": _doc(
        f"""
        mutation FulfillmentOrderHold($id: ID!, $fulfillmentHold: FulfillmentOrderHoldInput!) {{
          fulfillmentOrderHold(id: $id, fulfillmentHold: $fulfillmentHold) {{
            fulfillmentHold {{ id }}
            fulfillmentOrder {{ ...FulfillmentOrderParts }}
            remainingFulfillmentOrder {{ id }}
            {CODED_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    "FulfillmentOrderReleaseHold": _doc(
        f"""
        mutation FulfillmentOrderReleaseHold($id: ID!, $holdIds: [ID!]) {{
          fulfillmentOrderReleaseHold(id: $id, holdIds: $holdIds) {{
            fulfillmentOrder {{ ...FulfillmentOrderParts }}
            {CODED_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    "FulfillmentOrderSubmitFulfillmentRequest": _doc(
        f"""
        mutation FulfillmentOrderSubmitFulfillmentRequest(
          $id: ID!, $message: String, $notifyCustomer: Boolean,
          $fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
        ) {{
          fulfillmentOrderSubmitFulfillmentRequest(
            id: $id, message: $message, notifyCustomer: $notifyCustomer,
            fulfillmentOrderLineItems: $fulfillmentOrderLineItems
          ) {{
            submittedFulfillmentOrder {{ ...FulfillmentOrderParts }}
            unsubmittedFulfillmentOrder {{ id }}
            {USER_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    "FulfillmentOrderSubmitCancellationRequest": _doc(
        f"""
        mutation FulfillmentOrderSubmitCancellationRequest($id: ID!, $message: String) {{
          fulfillmentOrderSubmitCancellationRequest(id: $id, message: $message) {{
            fulfillmentOrder {{ ...FulfillmentOrderParts }}
            {USER_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    "LocationsForMove": _doc(
        f"""
        query LocationsForMove($id: ID!, $after: String) {{
          fulfillmentOrder(id: $id) {{
            id
            locationsForMove(first: 50, after: $after) {{
              {PAGE_INFO}
              nodes {{ movable message location {{ id name }} }}
            }}
          }}
        }}
        """
    ),
    "FulfillmentOrderMove": _doc(
        f"""
        mutation FulfillmentOrderMove(
          $id: ID!, $newLocationId: ID!, $fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
        ) {{
          fulfillmentOrderMove(
            id: $id, newLocationId: $newLocationId,
            fulfillmentOrderLineItems: $fulfillmentOrderLineItems
          ) {{
            movedFulfillmentOrder {{ ...FulfillmentOrderParts }}
            remainingFulfillmentOrder {{ id }}
            {CODED_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
    # --- shipments: fulfillmentCreate takes no @idempotent (it does not document idempotency) ---
    "FulfillmentCreate": _doc(
        f"""
        mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {{
          fulfillmentCreate(fulfillment: $fulfillment) {{
            fulfillment {{ ...FulfillmentParts }}
            {USER_ERRORS}
          }}
        }}
        """,
        FULFILLMENT,
        FULFILLMENT_LINE,
    ),
    "FulfillmentTrackingInfoUpdate": _doc(
        f"""
        mutation FulfillmentTrackingInfoUpdate(
          $fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!,
          $notifyCustomer: Boolean
        ) {{
          fulfillmentTrackingInfoUpdate(
            fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput,
            notifyCustomer: $notifyCustomer
          ) {{
            fulfillment {{ ...FulfillmentParts order {{ id }} }}
            {USER_ERRORS}
          }}
        }}
        """,
        FULFILLMENT,
        FULFILLMENT_LINE,
    ),
    "FulfillmentOrderCancel": _doc(
        f"""
        mutation FulfillmentOrderCancel($id: ID!) {{
          fulfillmentOrderCancel(id: $id) {{
            fulfillmentOrder {{ ...FulfillmentOrderParts }}
            replacementFulfillmentOrder {{ id }}
            {CODED_ERRORS}
          }}
        }}
        """,
        *_FO_FRAGMENTS,
    ),
}


#: The page documents: name -> (root field by id, its connection, page size, node fragments).
PAGES: dict[str, tuple[str, str, int, tuple[str, ...]]] = {
    "ReturnReverseOrdersPage": (
        "return",
        "reverseFulfillmentOrders",
        10,
        (REVERSE_ORDER, REVERSE_LINE),
    ),
    "ReverseOrderLinesPage": ("reverseFulfillmentOrder", "lineItems", 50, (REVERSE_LINE,)),
    "OrderLineItemsPage": ("order", "lineItems", 25, (LINE_ITEM, MONEY)),
    "OrderShippingLinesPage": (
        "order",
        "shippingLines(includeRemovals: true)",
        25,
        (SHIPPING_LINE, MONEY),
    ),
    "FulfillmentLineItemsPage": ("fulfillment", "fulfillmentLineItems", 100, (FULFILLMENT_LINE,)),
    "FulfillmentOrderLineItemsPage": (
        "fulfillmentOrder",
        "lineItems",
        100,
        (FULFILLMENT_ORDER_LINE,),
    ),
    "RefundLineItemsPage": ("refund", "refundLineItems", 50, (REFUND_LINE, MONEY)),
    "RefundShippingLinesPage": ("refund", "refundShippingLines", 25, (REFUND_SHIPPING_LINE, MONEY)),
    "RefundAdjustmentsPage": ("refund", "orderAdjustments", 25, (ORDER_ADJUSTMENT, MONEY)),
    "RefundTransactionsPage": ("refund", "transactions", 25, (TRANSACTION, MONEY)),
    "ReturnLineItemsPage": ("return", "returnLineItems", 100, (RETURN_LINE,)),
    "ReturnableFulfillmentLineItemsPage": (
        "returnableFulfillment",
        "returnableFulfillmentLineItems",
        100,
        (RETURNABLE_LINE,),
    ),
}
DOCUMENTS.update(
    {
        name: _page(name, root, field, size, *parts)
        for name, (root, field, size, parts) in PAGES.items()
    }
)


def document(name: str) -> str:
    """The text of a registered document (KeyError for an unknown name)."""
    return DOCUMENTS[name]


@cache
def requested_cost(name: str) -> int:
    """The estimated requested cost of a registered document."""
    return estimate_cost(DOCUMENTS[name])
