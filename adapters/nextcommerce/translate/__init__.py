"""Next Commerce (Admin API 2024-04-01) <-> canonical models, both ways. Pure functions, no I/O.

- :mod:`.values`       money strings and their report twins, ids, counts, timestamps;
- :mod:`.orders`       order, line, address and status mappings; order create/cancel bodies;
- :mod:`.refunds`      transactions, refunds, the refund calculation and the refund body;
- :mod:`.fulfillment`  fulfillment orders, holds, split/move responses, locations;
- :mod:`.listing`      order-list pages and the exact time filtering of their items;
- :mod:`.errors`       DRF-style error bodies as typed errors; unreadable answers as typed errors.

Conventions of the platform this package deals with:

- Money is a JSON string with at most two decimals; every amount comes as an ``*_excl_tax`` /
  ``*_incl_tax`` pair. Canonical amounts here are tax-inclusive (``Order.taxes_included`` is True)
  with the tax part beside them; the excl-tax figures stay in ``raw``.
- ``report_values`` repeats amounts in the store's reporting currency; they become ``Money.shop``.
- The order ``number`` is the order's only identifier; lines, transactions, refunds and
  fulfillment orders have integer ids, which become strings.
- Status enums are open: values the spec does not list (``partially_fulfilled``) or that are new map
  to ``unknown`` with the platform's own string kept beside them.
"""

from __future__ import annotations

from .errors import UNREADABLE, error_from_response, problems_from_body, readable
from .fulfillment import (
    FULFILLMENT_ORDER_STATUS,
    HOLD_REASON_FROM_PLATFORM,
    HOLD_REASON_TO_PLATFORM,
    OPEN_STATUSES,
    fulfillment_order_from_platform,
    fulfillment_orders_from_platform,
    hold_body,
    locations_from_platform,
    open_fulfillment_orders,
    split_response,
)
from .listing import changed_order_numbers, in_window, listing_page, updated_order_numbers
from .orders import (
    FINANCIAL_STATUS,
    FULFILLMENT_STATUS,
    ORDER_STATUS,
    address_from_platform,
    address_to_platform,
    cancel_body,
    create_order_body,
    order_from_platform,
)
from .refunds import (
    TRANSACTION_STATUS,
    calculate_request,
    calculation_from_platform,
    refund_body,
    refund_from_platform,
    shipping_excl_tax,
    transaction_from_platform,
)
from .values import PLATFORM, money

__all__ = [
    "FINANCIAL_STATUS",
    "FULFILLMENT_ORDER_STATUS",
    "FULFILLMENT_STATUS",
    "HOLD_REASON_FROM_PLATFORM",
    "HOLD_REASON_TO_PLATFORM",
    "OPEN_STATUSES",
    "ORDER_STATUS",
    "PLATFORM",
    "TRANSACTION_STATUS",
    "UNREADABLE",
    "address_from_platform",
    "address_to_platform",
    "calculate_request",
    "calculation_from_platform",
    "cancel_body",
    "changed_order_numbers",
    "create_order_body",
    "error_from_response",
    "fulfillment_order_from_platform",
    "fulfillment_orders_from_platform",
    "hold_body",
    "in_window",
    "listing_page",
    "locations_from_platform",
    "money",
    "open_fulfillment_orders",
    "order_from_platform",
    "problems_from_body",
    "readable",
    "refund_body",
    "refund_from_platform",
    "shipping_excl_tax",
    "split_response",
    "transaction_from_platform",
    "updated_order_numbers",
]
