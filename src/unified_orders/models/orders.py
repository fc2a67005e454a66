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
from .fulfillment import Fulfillment
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
    (not refunds); ``refunded_quantity`` counts units refunded so far. Amounts are in the order's
    presentment currency, on the order's tax basis (``Order.taxes_included``): ``unit_price`` is
    the price of one unit before discounts, ``total_discount`` every discount taken off the line
    (its share of order-level discounts too), and
    ``total = unit_price * quantity - total_discount`` (units later refunded or removed included).
    ``total_tax`` is the line's tax: inside ``total`` when taxes are included, on top otherwise.
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
    """An order, in the presentment (customer) currency, with its shop-currency figures in ``shop``.

    Every amount is on one tax basis, ``taxes_included``: when True, ``subtotal``, ``shipping``,
    ``discount`` and the lines' amounts include tax; when False they exclude it and the tax comes
    on top. The amounts are the order as charged (after edits): refunds never change them (what
    was paid back is in ``refunds``). The identities (:mod:`unified_orders.models.identities`
    checks them; every adapter's translation satisfies them):

    - ``subtotal = sum(line.total)``: the goods after every discount, before shipping;
    - ``discount = sum(line.total_discount)``: already inside ``subtotal``, never taken off again;
    - ``total = subtotal + shipping + adjustment`` when taxes are included, and
      ``total = subtotal + shipping + tax + adjustment`` when they are not;
    - ``tax = sum(line.total_tax) + shipping_tax + tax_adjustment``: all the tax, goods and
      shipping (``tax`` is inside ``total`` when taxes are included).

    ``shipping`` is what shipping was charged after shipping discounts; ``shipping_tax`` its tax.
    ``total`` and ``tax`` are always the platform's own figures. ``adjustment`` is the part of
    ``total`` that goods, shipping and tax do not explain (tips, duties, cash rounding, a credit,
    or a discrepancy in the platform's own figures), ``tax_adjustment`` the part of ``tax`` the
    lines and shipping do not (tax rounded per order rather than per line). Both are None when
    there is no difference: a difference is recorded, never hidden.
    """

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
    shipping_tax: Money | None = None
    adjustment: Money | None = None
    tax_adjustment: Money | None = None
    transactions: list[Transaction] = Field(default_factory=list)
    refunds: list[Refund] = Field(default_factory=list)
    fulfillments: list[Fulfillment] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    canceled_at: datetime | None = None
    cancel_reason: str | None = None
    note: str | None = None

    def line(self, line_id: str) -> LineItem | None:
        """The line with this id, or None."""
        return next((line for line in self.lines if line.id == line_id), None)

    @property
    def shipping_with_tax(self) -> Money:
        """Shipping as the customer paid it, tax included: what shipping refunds are measured
        against (they are tax-inclusive)."""
        if self.taxes_included or self.shipping_tax is None:
            return self.shipping
        return self.shipping + self.shipping_tax

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
