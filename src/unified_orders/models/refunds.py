"""Refund requests, calculations and refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator, model_validator

from .base import CanonicalModel
from .enums import RefundStatus, Restock, TransactionKind, TransactionStatus
from .money import Money, to_decimal

__all__ = [
    "Refund",
    "RefundAdjustment",
    "RefundCalculation",
    "RefundLine",
    "RefundLineRequest",
    "RefundRequest",
    "RefundShipping",
    "RefundTransaction",
    "ShippingRefund",
    "TransactionAllocation",
]


class RefundLineRequest(CanonicalModel):
    """Refund ``quantity`` units of one order line; ``restock`` is inferred when left out."""

    line_id: str
    quantity: int
    restock: Restock | None = None
    location_id: str | None = None

    @field_validator("line_id", "location_id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ShippingRefund(CanonicalModel):
    """Refund all remaining shipping (``full``) or a given ``amount`` of it, tax included."""

    full: bool = False
    amount: Decimal | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: Any) -> Decimal | None:
        return None if value is None else to_decimal(value, what="shipping refund amount")

    @model_validator(mode="after")
    def _one_of(self) -> ShippingRefund:
        if self.full and self.amount is not None:
            raise ValueError("give either full=True or an amount for the shipping refund, not both")
        if not self.full and self.amount is None:
            raise ValueError("a shipping refund needs full=True or an amount")
        return self


class RefundRequest(CanonicalModel):
    """What to refund: lines and/or shipping. ``currency`` defaults to the order's."""

    lines: list[RefundLineRequest] = Field(default_factory=list)
    shipping: ShippingRefund | None = None
    currency: str | None = None


class RefundLine(CanonicalModel):
    """A refunded (or to-be-refunded) line with its amounts."""

    line_id: str
    quantity: int
    restock: Restock
    location_id: str | None = None
    subtotal: Money
    tax: Money
    total: Money


class RefundShipping(CanonicalModel):
    """Shipping refunded (or to be refunded): ``amount`` incl. tax, its ``tax`` part, and the
    most that could have been refunded."""

    amount: Money
    tax: Money | None = None
    maximum_refundable: Money | None = None


class TransactionAllocation(CanonicalModel):
    """The part of a refund paid back through one captured/sale transaction."""

    transaction_id: str
    amount: Money
    maximum_refundable: Money | None = None
    gateway: str | None = None


class RefundCalculation(CanonicalModel):
    """A refund preview: the request it answers, line and shipping amounts, and allocations.

    ``subtotal`` is the lines before tax, ``tax`` the lines' tax, ``total`` everything refunded
    (lines with tax, plus shipping); the ``transactions`` allocations sum to ``total``.
    """

    order_id: str
    request: RefundRequest
    lines: list[RefundLine] = Field(default_factory=list)
    shipping: RefundShipping | None = None
    transactions: list[TransactionAllocation] = Field(default_factory=list)
    subtotal: Money
    tax: Money
    total: Money


class RefundTransaction(CanonicalModel):
    """A refund transaction on the platform."""

    id: str
    kind: TransactionKind = TransactionKind.REFUND
    status: TransactionStatus
    platform_status: str | None = None
    amount: Money
    parent_id: str | None = None
    gateway: str | None = None
    created_at: datetime | None = None


class RefundAdjustment(CanonicalModel):
    """An order-level adjustment recorded with a refund (shipping refund, refund discrepancy)."""

    kind: str
    amount: Money
    tax: Money | None = None
    reason: str | None = None


class Refund(CanonicalModel):
    """A refund that exists on the platform."""

    id: str
    order_id: str
    status: RefundStatus = RefundStatus.UNKNOWN
    lines: list[RefundLine] = Field(default_factory=list)
    shipping: RefundShipping | None = None
    transactions: list[RefundTransaction] = Field(default_factory=list)
    adjustments: list[RefundAdjustment] = Field(default_factory=list)
    total: Money
    note: str | None = None
    created_at: datetime | None = None
    idempotency_key: str | None = None
