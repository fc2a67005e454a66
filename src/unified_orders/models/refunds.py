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
    """Refund ``quantity`` units of one order line; ``restock`` is inferred when left out.

    ``amount`` (tax included, in the order's currency) refunds less than the units' calculated
    price: the units are refunded (and restocked) all the same, the money paid back is ``amount``.
    A line may appear twice in one request only with two different explicit restock types (its
    unfulfilled and its fulfilled units).
    """

    line_id: str
    quantity: int
    restock: Restock | None = None
    location_id: str | None = None
    amount: Decimal | None = None

    @field_validator("line_id", "location_id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: Any) -> Decimal | None:
        return None if value is None else to_decimal(value, what="line refund amount")


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
    """What to refund. ``currency`` defaults to the order's. Three kinds:

    - ``lines`` and/or ``shipping``: units of lines (each at its calculated price, or at the
      line's own ``amount``) and shipping;
    - ``amount`` alone: an amount-only (goodwill) refund, tax included, paid back through the
      order's payments with no line or shipping attached;
    - ``remaining=True`` alone: everything still refundable (see :meth:`everything_left`).

    Planning (:func:`unified_orders.planning.prepare`) refuses other combinations with
    :class:`~unified_orders.errors.InvalidRequest` before any request.
    """

    lines: list[RefundLineRequest] = Field(default_factory=list)
    shipping: ShippingRefund | None = None
    currency: str | None = None
    amount: Decimal | None = None
    remaining: bool = False

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: Any) -> Decimal | None:
        return None if value is None else to_decimal(value, what="refund amount")

    @classmethod
    def everything_left(cls) -> RefundRequest:
        """Refund everything still refundable: every line's refundable units (restock inferred,
        one request line per fulfillment state where a line has both), all remaining shipping,
        and, once lines and shipping are refunded, the money the payments still hold."""
        return cls(remaining=True)


class RefundLine(CanonicalModel):
    """A refunded (or to-be-refunded) line with its amounts: ``subtotal`` before tax, whatever the
    order's tax basis, and ``total = subtotal + tax``."""

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

    ``subtotal`` is the lines before tax (``sum(line.subtotal)``), ``tax`` the lines' tax
    (``sum(line.tax)``); shipping, tax included, is beside them. ``total`` is everything paid back:
    ``subtotal + tax + shipping.amount + request.amount`` (an amount-only part), except where a
    platform caps its calculation at what the payments can still refund (Shopify: the total is
    then what they pay back). The ``transactions`` allocations sum to ``total``
    (:mod:`.identities` checks it all).
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
    """An order-level adjustment recorded with a refund (shipping refund, refund discrepancy).

    ``kind`` is the platform's word (``shipping_refund``, ``refund_shipping``,
    ``refund_discrepancy``). A ``refund_discrepancy`` is read on every platform with one sign:
    ``amount`` is what the refund paid back beyond its lines and shipping, positive for an
    amount-only (goodwill) refund, negative where lines were refunded for less than their
    calculated amount. Shipping adjustments keep the platform's own sign.
    """

    kind: str
    amount: Money
    tax: Money | None = None
    reason: str | None = None


class Refund(CanonicalModel):
    """A refund that exists on the platform. ``total`` is what its successful transactions paid
    back; where all succeeded it is also its lines, shipping and non-shipping adjustments (a
    ``refund_discrepancy``) added up, unless the platform left a difference unrecorded
    (:mod:`.identities` checks it)."""

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
    #: The return this refund paid for, where the platform links them (Shopify, Shopware).
    return_id: str | None = None
