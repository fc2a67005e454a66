"""The canonical operations, sans-I/O: capability gate, validation, then the adapter's exchanges.

``Store`` and ``AsyncStore`` are thin: each method runs one of these generators with a sync or an
async driver. Checks that need no platform state run before the first request. One module per
namespace (orders, refunds, returns, fulfillments); the gate is shared.
"""

from ..finding import OrderElsewhere, OrderRef, find_order, lock_id
from .fulfillments import (
    available_locations,
    cancel_fulfillment_order,
    create_fulfillment,
    hold,
    list_fulfillment_orders,
    move,
    release_hold,
    request_cancellation,
    request_fulfillment,
    update_tracking,
)
from .gate import require
from .orders import (
    cancel_order,
    create_order,
    get_order,
    list_orders_page,
    update_shipping_address,
)
from .refunds import calculate_refund, create_refund, get_refund, list_refunds
from .returns import (
    add_return_items,
    calculate_return,
    change_return,
    create_return,
    get_return,
    list_returns,
    process_return,
)

__all__ = [
    "OrderElsewhere",
    "OrderRef",
    "add_return_items",
    "available_locations",
    "calculate_refund",
    "calculate_return",
    "cancel_fulfillment_order",
    "cancel_order",
    "change_return",
    "create_fulfillment",
    "create_order",
    "create_refund",
    "create_return",
    "find_order",
    "get_order",
    "get_refund",
    "get_return",
    "hold",
    "list_fulfillment_orders",
    "list_orders_page",
    "list_refunds",
    "list_returns",
    "lock_id",
    "move",
    "process_return",
    "release_hold",
    "request_cancellation",
    "request_fulfillment",
    "require",
    "update_shipping_address",
    "update_tracking",
]
