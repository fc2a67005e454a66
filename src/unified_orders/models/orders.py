"""Orders, their lines, addresses and payment transactions."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import CanonicalModel
from .enums import (
    FinancialStatus,
    FulfillmentStatus,
    OrderStatus,
    TransactionKind,
    TransactionStatus,
)
from .money import Money
from .refunds import Refund

__all__ = ["Address", "LineItem", "Order", "Transaction"]


class Address(CanonicalModel):
    """A postal address; ``province_code`` and ``country_code`` are ISO 3166 codes where known."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    province_code: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None


class LineItem(CanonicalModel):
    """One order line.

    ``quantity`` is what was ordered; ``current_quantity`` excludes units removed by order edits
    (not refunds); ``refunded_quantity`` counts units refunded so far. ``unit_price`` and
    ``total`` are in the order's presentment currency; ``total`` is after line discounts and,
    where ``taxes_included``, includes tax.
    """

    id: str
    sku: str | None = None
    title: str = ""
    quantity: int
    current_quantity: int
    fulfilled_quantity: int = 0
    refunded_quantity: int = 0
    unit_price: Money
    total: Money
    total_discount: Money | None = None
    total_tax: Money | None = None
    tax_rate: str | None = None
    requires_shipping: bool = True
    is_digital: bool = False
    product_id: str | None = None
    variant_id: str | None = None
    location_id: str | None = None

    @property
    def refundable_quantity(self) -> int:
        """Units still refundable: current quantity minus units already refunded."""
        return max(self.current_quantity - self.refunded_quantity, 0)

    @property
    def unfulfilled_quantity(self) -> int:
        """Units not yet fulfilled (and not removed)."""
        return max(self.current_quantity - self.fulfilled_quantity, 0)


class Transaction(CanonicalModel):
    """A payment transaction; ``refundable`` is what can still be refunded against it."""

    id: str
    kind: TransactionKind
    platform_kind: str | None = None
    status: TransactionStatus
    platform_status: str | None = None
    amount: Money
    parent_id: str | None = None
    gateway: str | None = None
    refundable: Money | None = None
    created_at: datetime | None = None

    @property
    def is_captured_payment(self) -> bool:
        """A successful capture or sale: money that has actually been taken."""
        return self.status is TransactionStatus.SUCCESS and self.kind in (
            TransactionKind.CAPTURE,
            TransactionKind.SALE,
        )


class Order(CanonicalModel):
    """An order, in the presentment (customer) currency, with its shop-currency figures in ``shop``."""

    id: str
    number: str | None = None
    platform: str
    currency: str
    shop_currency: str | None = None
    status: OrderStatus
    platform_status: str | None = None
    financial_status: FinancialStatus = FinancialStatus.UNKNOWN
    platform_financial_status: str | None = None
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.UNKNOWN
    platform_fulfillment_status: str | None = None
    email: str | None = None
    lines: list[LineItem] = Field(default_factory=list)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    shipping: Money
    subtotal: Money
    tax: Money
    total: Money
    discount: Money | None = None
    taxes_included: bool = False
    transactions: list[Transaction] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    canceled_at: datetime | None = None
    cancel_reason: str | None = None
    note: str | None = None

    def line(self, line_id: str) -> LineItem | None:
        """The line with this id, or None."""
        return next((line for line in self.lines if line.id == line_id), None)

    @property
    def shipping_refunded(self) -> Money:
        """Shipping refunded so far, summed over the order's refunds."""
        return Money.sum(
            (r.shipping.amount for r in self.refunds if r.shipping is not None), self.currency
        )

    @property
    def captured_payments(self) -> list[Transaction]:
        """Successful captures and sales: what a refund can be paid back from."""
        return [t for t in self.transactions if t.is_captured_payment]
