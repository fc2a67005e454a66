"""Shopify GraphQL Admin API JSON <-> canonical models: pure functions, no I/O.

GraphQL nodes are read straight into canonical models through the same canonical rules as REST
(:mod:`...mapping`), so an order read through either dialect gives equal canonical models; ``raw``
keeps the GraphQL payload. By area:

- :mod:`.values`              GIDs, enum words, connections, ``MoneyBag`` amounts;
- :mod:`.orders`              orders, lines, transactions, addresses;
- :mod:`.refunds`             refunds and ``suggestedRefund`` calculations;
- :mod:`.fulfillment_orders`  fulfillment orders and the locations one can move to;
- :mod:`.returns`             returns, and return line inputs;
- :mod:`.inputs`              variables from canonical input (refunds, migrated orders, holds);
- :mod:`.errors`              ``userErrors`` and top-level ``errors`` as typed errors.
"""

from __future__ import annotations

from .errors import denied_returns, graphql_errors_error, user_errors_error
from .fulfillment_orders import fulfillment_order_from_graphql, locations_from_graphql
from .inputs import (
    CANCEL_REASONS,
    address_input,
    hold_reason,
    money_input,
    order_create_variables,
    refund_input,
    refund_line_request,
    suggested_refund_variables,
)
from .orders import address_from_graphql, order_from_graphql, transaction_from_graphql
from .refunds import calculation_from_graphql, refund_from_graphql, suggested_total
from .returns import RETURN_STATUS, return_from_graphql, return_line_inputs
from .values import gid, legacy

__all__ = [
    "CANCEL_REASONS",
    "RETURN_STATUS",
    "address_from_graphql",
    "address_input",
    "calculation_from_graphql",
    "denied_returns",
    "fulfillment_order_from_graphql",
    "gid",
    "graphql_errors_error",
    "hold_reason",
    "legacy",
    "locations_from_graphql",
    "money_input",
    "order_create_variables",
    "order_from_graphql",
    "refund_from_graphql",
    "refund_input",
    "refund_line_request",
    "return_from_graphql",
    "return_line_inputs",
    "suggested_refund_variables",
    "suggested_total",
    "transaction_from_graphql",
    "user_errors_error",
]
