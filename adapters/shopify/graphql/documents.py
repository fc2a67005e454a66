"""Every GraphQL document the ``shopify`` GraphQL dialect can send, in one registry.

``DOCUMENTS`` maps an operation name to its full text (fragments appended), and is the only place
:mod:`.graphql` takes documents from, so tests/contract/test_shopify_graphql_documents.py can
validate every one against the shipped 2026-04 schema (and refuse deprecated fields and arguments).

Page sizes are literals, so each document's requested cost is fixed: :func:`requested_cost`
estimates it once for pacing (``Request.cost``) with the rules Shopify publishes: scalars and enums
cost 0, objects 1, a connection or list asked for with ``first: n`` costs ``2 + n`` times its
node, a mutation field 10. INFERRED: Shopify's own figure (``extensions.cost.requestedQueryCost``)
may differ; the bucket is synced from ``throttleStatus`` after every response anyway.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

__all__ = ["DOCUMENTS", "ORDERS_PAGE", "ORDER_LINES_PAGE", "document", "requested_cost"]

#: Order lines read per request (a follow-up query pages through longer orders).
ORDER_LINES_PAGE = 25
#: Orders per page of ``orders.list`` (each is then read with ``OrderGet``).
ORDERS_PAGE = 50

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

FULFILLMENT_ORDER = """
fragment FulfillmentOrderParts on FulfillmentOrder {
  id orderId status requestStatus createdAt
  assignedLocation { name location { id } }
  fulfillmentHolds { id reason reasonNotes }
  supportedActions { action }
  lineItems(first: 25) {
    pageInfo { hasNextPage }
    nodes { id totalQuantity remainingQuantity lineItem { id } }
  }
}
"""

REFUND = """
fragment RefundParts on Refund {
  id note createdAt
  refundLineItems(first: 25) {
    pageInfo { hasNextPage }
    nodes {
      id quantity restockType
      location { id }
      lineItem { id }
      subtotalSet { ...Money }
      totalTaxSet { ...Money }
    }
  }
  refundShippingLines(first: 2) {
    nodes { subtotalAmountSet { ...Money } taxAmountSet { ...Money } }
  }
  orderAdjustments(first: 5) {
    nodes { id reason amountSet { ...Money } taxAmountSet { ...Money } }
  }
  transactions(first: 5) { nodes { ...Transaction } }
  return { id }
}
"""

ORDER = """
fragment OrderParts on Order {
  id name email note createdAt updatedAt cancelledAt cancelReason closedAt taxesIncluded
  currencyCode presentmentCurrencyCode displayFinancialStatus displayFulfillmentStatus
  shippingAddress { ...Address }
  billingAddress { ...Address }
  subtotalPriceSet { ...Money }
  totalTaxSet { ...Money }
  totalPriceSet { ...Money }
  totalDiscountsSet { ...Money }
  shippingLines(first: 5, includeRemovals: true) {
    nodes {
      id title isRemoved
      originalPriceSet { ...Money }
      discountedPriceSet { ...Money }
      taxLines { priceSet { ...Money } }
    }
  }
  lineItems(first: 25) {
    pageInfo { hasNextPage endCursor }
    nodes { ...LineItemParts }
  }
  transactions(first: 25) { ...Transaction }
  refunds(first: 20) { id }
}
"""

RETURN = """
fragment ReturnParts on Return {
  id name status createdAt closedAt requestApprovedAt
  order { id }
  decline { reason note }
  returnLineItems(first: 25) {
    nodes {
      id quantity processedQuantity returnReasonNote customerNote
      ... on ReturnLineItem { fulfillmentLineItem { id lineItem { id } } }
    }
  }
}
"""

USER_ERRORS = "userErrors { field message }"
CODED_ERRORS = "userErrors { field message code }"


def _doc(body: str, *fragments: str) -> str:
    return body.strip() + "\n" + "".join(fragments)


_ORDER_FRAGMENTS = (ORDER, LINE_ITEM, TRANSACTION, ADDRESS, MONEY)
_FO_FRAGMENTS = (FULFILLMENT_ORDER,)

DOCUMENTS: dict[str, str] = {
    # --- orders -------------------------------------------------------------------------------
    "OrderGet": _doc(
        "query OrderGet($id: ID!) { order(id: $id) { ...OrderParts } }", *_ORDER_FRAGMENTS
    ),
    "OrderLineItemsPage": _doc(
        """
        query OrderLineItemsPage($id: ID!, $after: String) {
          order(id: $id) {
            lineItems(first: 25, after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes { ...LineItemParts }
            }
          }
        }
        """,
        LINE_ITEM,
        MONEY,
    ),
    "OrderFulfillments": _doc(
        """
        query OrderFulfillments($id: ID!) {
          order(id: $id) {
            id
            fulfillments(first: 10) {
              id status
              location { id }
              fulfillmentLineItems(first: 25) {
                pageInfo { hasNextPage }
                nodes { id quantity lineItem { id } }
              }
            }
            fulfillmentOrders(first: 5) {
              pageInfo { hasNextPage }
              nodes { ...FulfillmentOrderParts }
            }
          }
        }
        """,
        *_FO_FRAGMENTS,
    ),
    "OrderRefundIds": _doc(
        """
        query OrderRefundIds($id: ID!) {
          order(id: $id) { id presentmentCurrencyCode taxesIncluded refunds(first: 20) { id } }
        }
        """
    ),
    "RefundGet": _doc(
        "query RefundGet($id: ID!) { refund(id: $id) { ...RefundParts } }",
        REFUND,
        TRANSACTION,
        MONEY,
    ),
    "OrdersPage": _doc(
        """
        query OrdersPage($query: String, $after: String) {
          orders(first: 50, after: $after, query: $query, sortKey: ID) {
            pageInfo { hasNextPage endCursor }
            nodes { id }
          }
        }
        """
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
        REFUND,
        TRANSACTION,
        MONEY,
    ),
    # --- returns ------------------------------------------------------------------------------
    "ReturnableFulfillments": _doc(
        """
        query ReturnableFulfillments($orderId: ID!) {
          returnableFulfillments(orderId: $orderId, first: 10) {
            nodes {
              id
              fulfillment { id }
              returnableFulfillmentLineItems(first: 25) {
                nodes { quantity fulfillmentLineItem { id lineItem { id } } }
              }
            }
          }
        }
        """
    ),
    "ReturnGet": _doc("query ReturnGet($id: ID!) { return(id: $id) { ...ReturnParts } }", RETURN),
    "OrderReturns": _doc(
        """
        query OrderReturns($id: ID!) {
          order(id: $id) { id returns(first: 10) { nodes { ...ReturnParts } } }
        }
        """,
        RETURN,
    ),
    "ReturnCreate": _doc(
        f"""
        mutation ReturnCreate($returnInput: ReturnInput!) {{
          returnCreate(returnInput: $returnInput) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnRequest": _doc(
        f"""
        mutation ReturnRequest($input: ReturnRequestInput!) {{
          returnRequest(input: $input) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnApproveRequest": _doc(
        f"""
        mutation ReturnApproveRequest($input: ReturnApproveRequestInput!) {{
          returnApproveRequest(input: $input) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnDeclineRequest": _doc(
        f"""
        mutation ReturnDeclineRequest($input: ReturnDeclineRequestInput!) {{
          returnDeclineRequest(input: $input) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnClose": _doc(
        f"""
        mutation ReturnClose($id: ID!) {{
          returnClose(id: $id) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnCancel": _doc(
        f"""
        mutation ReturnCancel($id: ID!) {{
          returnCancel(id: $id) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnReopen": _doc(
        f"""
        mutation ReturnReopen($id: ID!) {{
          returnReopen(id: $id) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    "ReturnProcess": _doc(
        f"""
        mutation ReturnProcess($input: ReturnProcessInput!) {{
          returnProcess(input: $input) {{ return {{ ...ReturnParts }} {CODED_ERRORS} }}
        }}
        """,
        RETURN,
    ),
    # --- fulfillment orders -------------------------------------------------------------------
    "FulfillmentOrders": _doc(
        """
        query FulfillmentOrders($id: ID!) {
          order(id: $id) {
            id
            fulfillmentOrders(first: 10) {
              pageInfo { hasNextPage }
              nodes { ...FulfillmentOrderParts }
            }
          }
        }
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
        """
        query LocationsForMove($id: ID!) {
          fulfillmentOrder(id: $id) {
            id
            locationsForMove(first: 50) {
              nodes { movable message location { id name } }
            }
          }
        }
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
}


def document(name: str) -> str:
    """The text of a registered document (KeyError for an unknown name)."""
    return DOCUMENTS[name]


def _first(field: FieldNode) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last") and isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
    return None


def _cost(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None:
                continue  # scalars and enums are free
            inner = _cost(selection.selection_set, fragments)
            if selection.name.value in ("nodes", "edges", "node", "pageInfo"):
                total += inner if selection.name.value != "pageInfo" else 0
                continue
            first = _first(selection)
            total += 2 + first * max(inner, 1) if first is not None else 1 + inner
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            total += _cost(fragments[selection.name.value].selection_set, fragments)
    return total


def estimate_cost(text: str) -> int:
    """The estimated requested cost of a GraphQL document (see the module docstring)."""
    parsed = parse(text)
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    total = 0
    for definition in parsed.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation is OperationType.MUTATION:
            for selection in definition.selection_set.selections:
                total += 10 + (
                    _cost(selection.selection_set, fragments)
                    if isinstance(selection, FieldNode)
                    else 0
                )
        else:
            total += _cost(definition.selection_set, fragments)
    return max(total, 1)


@cache
def requested_cost(name: str) -> int:
    """The estimated requested cost of a registered document."""
    return estimate_cost(DOCUMENTS[name])
