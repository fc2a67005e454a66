"""The sandbox's endpoints, by area: each module a mixin of handler methods.

A handler takes the request (and its path parameters) and answers ``(status, body)``, or raises
:class:`~unified_orders.sandbox.EmulatorError` with a DRF-style body. Handlers read and write the
store through ``self.backend`` (:mod:`..state`, :mod:`..records`) and render with :mod:`..render`.
"""

from __future__ import annotations

from .fulfillment_orders import FulfillmentOrderHandlers
from .fulfillment_service import FulfillmentServiceHandlers
from .fulfillments import FulfillmentHandlers
from .orders import OrderHandlers
from .refunds import RefundHandlers
from .transactions import TransactionHandlers

__all__ = [
    "FulfillmentHandlers",
    "FulfillmentOrderHandlers",
    "FulfillmentServiceHandlers",
    "OrderHandlers",
    "RefundHandlers",
    "TransactionHandlers",
]
