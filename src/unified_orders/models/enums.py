"""Canonical status enums: closed sets, each with ``unknown`` for values a platform adds later."""

from __future__ import annotations

from enum import StrEnum
from typing import cast

__all__ = [
    "FinancialStatus",
    "FulfillmentOrderStatus",
    "FulfillmentShipmentStatus",
    "FulfillmentStatus",
    "HoldReason",
    "OrderStatus",
    "RefundStatus",
    "Restock",
    "ReturnLineStatus",
    "ReturnStatus",
    "TransactionKind",
    "TransactionStatus",
]


class _ClosedSet(StrEnum):
    """A StrEnum whose unrecognised values become ``unknown`` when read with ``parse``."""

    @classmethod
    def parse(cls, value: object) -> _ClosedSet:
        """The member for ``value``, or ``unknown``; the caller keeps the platform's own string."""
        key = str(value).lower() if value is not None else "unknown"
        member = cls._value2member_map_.get(key)  # what cls(key) finds, without its machinery
        if member is None:
            try:
                member = cls(key)
            except ValueError:
                member = cls("unknown")
        return cast(_ClosedSet, member)


class OrderStatus(_ClosedSet):
    """Lifecycle of the order itself."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class FinancialStatus(_ClosedSet):
    """Where the order's money stands."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    UNKNOWN = "unknown"


class FulfillmentStatus(_ClosedSet):
    """How much of the order has shipped."""

    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class TransactionKind(_ClosedSet):
    """What a payment transaction did."""

    AUTHORIZATION = "authorization"
    CAPTURE = "capture"
    SALE = "sale"
    REFUND = "refund"
    VOID = "void"
    UNKNOWN = "unknown"


class TransactionStatus(_ClosedSet):
    """Whether a payment transaction went through."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    UNKNOWN = "unknown"


class RefundStatus(_ClosedSet):
    """Outcome of a refund, derived from its transactions where the platform has no refund status."""

    PENDING = "pending"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"
    UNKNOWN = "unknown"


class Restock(StrEnum):
    """What happens to stock for a refunded line."""

    NO_RESTOCK = "no_restock"
    CANCEL = "cancel"
    RETURN = "return"


class ReturnStatus(_ClosedSet):
    """Lifecycle of a return."""

    REQUESTED = "requested"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class ReturnLineStatus(_ClosedSet):
    """Where the units of one return line are (Shopware's return line states; Shopify's
    processed quantities read as ``processed``)."""

    REQUESTED = "requested"
    OPEN = "open"
    SHIPPED = "shipped"
    RETURNED = "returned"
    PROCESSED = "processed"
    DECLINED = "declined"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class FulfillmentOrderStatus(_ClosedSet):
    """Lifecycle of a fulfillment order (a group of lines shipped from one location)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SCHEDULED = "scheduled"
    ON_HOLD = "on_hold"
    INCOMPLETE = "incomplete"
    CLOSED = "closed"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


class FulfillmentShipmentStatus(_ClosedSet):
    """The state of a shipment (a :class:`~unified_orders.models.Fulfillment`)."""

    PENDING = "pending"
    OPEN = "open"
    SUCCESS = "success"
    CANCELED = "canceled"
    FAILURE = "failure"
    ERROR = "error"
    UNKNOWN = "unknown"


class HoldReason(StrEnum):
    """Why a fulfillment order is held; each adapter maps these to the platform's own reasons."""

    AWAITING_PAYMENT = "awaiting_payment"
    HIGH_RISK_OF_FRAUD = "high_risk_of_fraud"
    INCORRECT_ADDRESS = "incorrect_address"
    INVENTORY_OUT_OF_STOCK = "inventory_out_of_stock"
    UNKNOWN_DELIVERY_DATE = "unknown_delivery_date"
    AWAITING_RETURN_ITEMS = "awaiting_return_items"
    OTHER = "other"
