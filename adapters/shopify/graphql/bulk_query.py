"""The documents of Shopify Bulk Operations, and the two queries a bulk read runs.

A bulk query may hold at most five connections (the root included), nested at most two deep
(2026-04 schema, ``bulkOperationRunQuery``), and no connection inside a plain list (INFERRED from
the bulk guide and connector reports: the schema does not state it). Its connections take no
``first`` and no ``pageInfo``: Shopify reads each to the end and writes every node as its own
JSONL line with ``__parentId``. So :data:`BULK_ORDERS` carries, per order, the order's own fields
(the same :data:`~.fragments.ORDER_FIELDS` the paged reads ask for), its transactions (a plain
list), the ids of its refunds and fulfillments, and four connections below the root: line items,
shipping lines, fulfillment orders and their line items. :data:`BULK_RETURNS`, a second job, carries
each order's returns and their lines. What neither can carry (refunds' and fulfillments' lines are
connections inside plain lists) is read the paged way afterwards, for the orders that have any
(:mod:`.bulk_rebuild`).
"""

from __future__ import annotations

import json

from .fragments import (
    ADDRESS,
    FULFILLMENT_ORDER_LINE,
    LINE_ITEM,
    MONEY,
    ORDER_FIELDS,
    RETURN_LINE,
    SHIPPING_LINE,
    TRANSACTION,
)

__all__ = [
    "BULK_DOCUMENTS",
    "BULK_FULFILLMENT_ORDER",
    "BULK_ORDERS",
    "BULK_RETURN",
    "BULK_RETURNS",
    "bulk_orders_query",
    "bulk_returns_query",
]

#: A fulfillment order's own fields (its lines come as lines of the file).
BULK_FULFILLMENT_ORDER = """
fragment BulkFulfillmentOrderParts on FulfillmentOrder {
  id orderId status requestStatus createdAt
  assignedLocation { name location { id } }
  fulfillmentHolds { id reason reasonNotes }
  supportedActions { action }
}
"""

#: The selection of one exported order; ``%(search)s`` is the ``orders(query:)`` literal.
BULK_ORDERS = f"""
{{
  orders(query: %(search)s) {{
    edges {{
      node {{
        {ORDER_FIELDS}
        transactionsCount {{ count precision }}
        transactions {{ ...Transaction }}
        fulfillmentsCount {{ count precision }}
        fulfillments {{ id }}
        refunds {{ id }}
        lineItems {{ edges {{ node {{ ...LineItemParts }} }} }}
        shippingLines(includeRemovals: true) {{ edges {{ node {{ ...ShippingLineParts }} }} }}
        fulfillmentOrders {{
          edges {{
            node {{
              ...BulkFulfillmentOrderParts
              lineItems {{ edges {{ node {{ ...FulfillmentOrderLineParts }} }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}
{MONEY}{ADDRESS}{TRANSACTION}{LINE_ITEM}{SHIPPING_LINE}{FULFILLMENT_ORDER_LINE}{BULK_FULFILLMENT_ORDER}"""


#: A return's own fields (its lines come as lines of the file).
BULK_RETURN = """
fragment BulkReturnParts on Return {
  id name status createdAt closedAt requestApprovedAt
  order { id }
  decline { reason note }
}
"""

#: The second job of a bulk read: every order's returns with their lines (three connections),
#: run beside :data:`BULK_ORDERS` with the same search (Shopify runs up to five bulk queries at
#: once from API 2026-01; before, the second waits for the first).
BULK_RETURNS = f"""
{{
  orders(query: %(search)s) {{
    edges {{
      node {{
        id
        returns {{
          edges {{
            node {{
              ...BulkReturnParts
              returnLineItems {{ edges {{ node {{ ...ReturnLineParts }} }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}
{BULK_RETURN}{RETURN_LINE}"""


def _with_search(text: str, search: str | None) -> str:
    if not search:
        return text.replace("(query: %(search)s)", "")
    # A JSON string is a valid GraphQL string literal (same escapes for quotes and backslashes).
    return text.replace("%(search)s", json.dumps(search))


def bulk_orders_query(search: str | None) -> str:
    """The bulk query exporting the orders of the ``orders(query:)`` search ``search``."""
    return _with_search(BULK_ORDERS, search)


def bulk_returns_query(search: str | None) -> str:
    """The bulk query exporting the returns of the orders of the search ``search``."""
    return _with_search(BULK_RETURNS, search)


_OPERATION = """
fragment BulkOperationParts on BulkOperation {
  id status errorCode objectCount rootObjectCount url
}
"""

#: The documents a bulk export sends, by operation name.
BULK_DOCUMENTS: dict[str, str] = {
    "BulkOrdersRun": """
mutation BulkOrdersRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { ...BulkOperationParts }
    userErrors { field message code }
  }
}
"""
    + _OPERATION,
    "BulkOperationGet": """
query BulkOperationGet($id: ID!) {
  bulkOperation(id: $id) { ...BulkOperationParts }
}
"""
    + _OPERATION,
    "BulkOperationCancel": """
mutation BulkOperationCancel($id: ID!) {
  bulkOperationCancel(id: $id) {
    bulkOperation { ...BulkOperationParts }
    userErrors { field message }
  }
}
"""
    + _OPERATION,
    "OrdersCount": """
query OrdersCount($query: String) {
  ordersCount(query: $query, limit: null) { count precision }
}
""",
}
