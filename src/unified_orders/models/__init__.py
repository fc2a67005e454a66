"""Canonical models shared by every adapter."""

from .base import CanonicalModel
from .enums import (
    FinancialStatus,
    FulfillmentOrderStatus,
    FulfillmentStatus,
    HoldReason,
    OrderStatus,
    RefundStatus,
    Restock,
    ReturnStatus,
    TransactionKind,
    TransactionStatus,
)
from .fulfillment import FulfillmentHold, FulfillmentOrder, FulfillmentOrderLine, Location
from .money import Money, minor_unit
from .orders import Address, LineItem, Order, Transaction
from .refunds import (
    Refund,
    RefundAdjustment,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    RefundShipping,
    RefundTransaction,
    ShippingRefund,
    TransactionAllocation,
)
from .returns import Return, ReturnLine, ReturnLineRequest, ReturnRequest

__all__ = [
    "Address",
    "CanonicalModel",
    "FinancialStatus",
    "FulfillmentHold",
    "FulfillmentOrder",
    "FulfillmentOrderLine",
    "FulfillmentOrderStatus",
    "FulfillmentStatus",
    "HoldReason",
    "LineItem",
    "Location",
    "Money",
    "Order",
    "OrderStatus",
    "Refund",
    "RefundAdjustment",
    "RefundCalculation",
    "RefundLine",
    "RefundLineRequest",
    "RefundRequest",
    "RefundShipping",
    "RefundStatus",
    "RefundTransaction",
    "Restock",
    "Return",
    "ReturnLine",
    "ReturnLineRequest",
    "ReturnRequest",
    "ReturnStatus",
    "ShippingRefund",
    "Transaction",
    "TransactionAllocation",
    "TransactionKind",
    "TransactionStatus",
    "minor_unit",
]
