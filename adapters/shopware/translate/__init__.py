"""Pure translation between Shopware 6 Admin API JSON and the canonical models.

Nothing here does I/O. By area:

- :mod:`.values`             money, times, ``CalculatedPrice`` bodies, state names in a response;
- :mod:`.orders`             order, lines (after promotions), payments, deliveries: platform ->
  canonical;
- :mod:`.shop_currency`      every amount also in the shop's own currency (``currencyFactor``);
- :mod:`.refunds`            capture refunds, both ways;
- :mod:`.returns`            Commercial returns: platform -> canonical;
- :mod:`.order_to_platform`  a canonical order as a ``POST /api/order`` body, addresses;
- :mod:`.criteria`           the associations to load and the order listing's search body;
- :mod:`.errors`             JSON:API error arrays as typed errors.

The state machines these read live in :mod:`..states`; ids, JSON numbers and taxes in
:mod:`..platform`.
"""

from __future__ import annotations

from .criteria import (
    ORDER_ASSOCIATIONS,
    RETURN_ASSOCIATIONS,
    changes_criteria,
    ids_criteria,
    order_criteria,
)
from .errors import error_from_response, with_state_name
from .order_to_platform import (
    DELIVERY_STATE_FOR,
    ORDER_STATE_FOR,
    TRANSACTION_STATE_FOR,
    CreateRefs,
    address_to_platform,
    order_to_platform,
    province_key,
)
from .orders import (
    DISCOUNT_LINE_TYPES,
    FINANCIAL_STATUS,
    FULFILLMENT_ORDER_STATUS,
    FULFILLMENT_STATUS,
    NEGATIVE_LINE_TYPES,
    ORDER_STATUS,
    address_from_platform,
    discount_shares,
    fulfillment_order_from_delivery,
    line_from_platform,
    order_from_platform,
    primary_delivery,
    primary_transaction,
    shipping_gross,
)
from .refunds import (
    PARTS_FIELD,
    REFUND_STATUS,
    PositionPart,
    capture_refundable,
    refund_to_platform,
    refunded_quantities,
    refunds_from_platform,
)
from .returns import RETURN_STATUS, return_from_platform
from .shop_currency import ShopCurrency, with_shop_amounts
from .values import (
    EXTERNAL_PREFIX,
    SHIPPED_FIELD,
    Amounts,
    amounts_of,
    calculated_price,
    iso_time,
    money,
    order_amounts,
    rounding_decimals,
    state_name,
    storage_time,
    taxes_object,
)

__all__ = [
    "DELIVERY_STATE_FOR",
    "DISCOUNT_LINE_TYPES",
    "EXTERNAL_PREFIX",
    "FINANCIAL_STATUS",
    "FULFILLMENT_ORDER_STATUS",
    "FULFILLMENT_STATUS",
    "NEGATIVE_LINE_TYPES",
    "ORDER_ASSOCIATIONS",
    "ORDER_STATE_FOR",
    "ORDER_STATUS",
    "PARTS_FIELD",
    "REFUND_STATUS",
    "RETURN_ASSOCIATIONS",
    "RETURN_STATUS",
    "SHIPPED_FIELD",
    "TRANSACTION_STATE_FOR",
    "Amounts",
    "CreateRefs",
    "PositionPart",
    "ShopCurrency",
    "address_from_platform",
    "address_to_platform",
    "amounts_of",
    "calculated_price",
    "capture_refundable",
    "changes_criteria",
    "discount_shares",
    "error_from_response",
    "fulfillment_order_from_delivery",
    "ids_criteria",
    "iso_time",
    "line_from_platform",
    "money",
    "order_amounts",
    "order_criteria",
    "order_from_platform",
    "order_to_platform",
    "primary_delivery",
    "primary_transaction",
    "province_key",
    "refund_to_platform",
    "refunded_quantities",
    "refunds_from_platform",
    "return_from_platform",
    "rounding_decimals",
    "shipping_gross",
    "state_name",
    "storage_time",
    "taxes_object",
    "with_shop_amounts",
    "with_state_name",
]
