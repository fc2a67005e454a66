"""Shopify REST Admin API JSON <-> canonical models: pure functions, no I/O.

Reading turns REST payloads (parsed with floats as Decimal) into canonical models, keeping the
payload in ``raw``; the canonical rules both dialects share are in :mod:`...mapping`. By area:

- :mod:`.values`              ``*_set`` money bags and addresses, both ways;
- :mod:`.orders`              orders, lines and transactions;
- :mod:`.refunds`             refunds and refund calculations;
- :mod:`.fulfillment_orders`  fulfillment orders and the locations one can move to;
- :mod:`.bodies`              request bodies from canonical input (``*_body``);
- :mod:`.errors`              ``{"errors": ...}`` bodies as typed errors.
"""

from __future__ import annotations

from .bodies import (
    CANCEL_REASONS,
    cancel_body,
    fo_lines_body,
    hold_body,
    line_items_body,
    order_body,
    refund_body,
    refund_request_body,
)
from .errors import error_from_rest
from .fulfillment_orders import fulfillment_order_from_rest, locations_from_rest
from .orders import (
    assigned_locations,
    needs_assigned_locations,
    order_from_rest,
    transaction_from_rest,
)
from .refunds import calculation_from_rest, refund_from_rest, suggested_total
from .values import address_body, address_from_rest, money_from_set

__all__ = [
    "CANCEL_REASONS",
    "address_body",
    "address_from_rest",
    "assigned_locations",
    "calculation_from_rest",
    "cancel_body",
    "error_from_rest",
    "fo_lines_body",
    "fulfillment_order_from_rest",
    "hold_body",
    "line_items_body",
    "locations_from_rest",
    "money_from_set",
    "needs_assigned_locations",
    "order_body",
    "order_from_rest",
    "refund_body",
    "refund_from_rest",
    "refund_request_body",
    "suggested_total",
    "transaction_from_rest",
]
