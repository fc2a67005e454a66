"""The canonical mapping both Shopify dialects apply, once: pure functions, no I/O.

Each dialect reads its own JSON (``rest/translate``, ``graphql/translate``) and hands the values
to the builders here, so an order read through either dialect gives equal canonical models.

Reading (see the README, "Shopify"):

- Canonical ``LineItem.current_quantity`` excludes units removed by edits but not refunded ones;
  Shopify's own ``current_quantity`` subtracts refunded units too, so refunded units are added back.
- A refund's status follows its refund transactions; its total is what the successful ones paid.
- A refund's note may end with our key marker (``[uo:KEY]``, :mod:`unified_orders.keys`): it is
  read into ``Refund.idempotency_key`` and stripped from ``Refund.note``.
- A refund calculation's total is what its allocations pay back (Shopify caps suggestions at what
  the payments can still refund); with nothing suggested (nothing paid), the lines and shipping.
- A ``refund_discrepancy`` order adjustment is recorded by Shopify as the calculated amount less
  the money paid back (positive when paying less: Shopify's own example refunds 199.64 of items
  for 110.00 and records 89.64); canonical discrepancies are the other way round (money paid
  back beyond the lines and shipping), so :func:`discrepancy` negates both amounts.

Writing: :func:`refund_rows` (which lines a refund sends; a location wherever stock moves),
:func:`pays_less_than_suggested` (when a discrepancy reason is owed) and :func:`migrated_order`
(what a migrated order carries); each dialect spells them in its own JSON. Amount-only refunds
and lines refunded for less than their price need nothing more: the transactions carry the money
and Shopify records the difference as a ``refund_discrepancy`` adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.keys import split_note
from unified_orders.models import (
    Address,
    LineItem,
    Money,
    Order,
    OrderStatus,
    Refund,
    RefundAdjustment,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    RefundShipping,
    RefundStatus,
    RefundTransaction,
    Restock,
    TransactionAllocation,
    TransactionStatus,
)
from unified_orders.models.identities import line_total

from .rules import RESTOCKING
from .vocabulary import blank, numeric_id

__all__ = [
    "MigratedLine",
    "MigratedOrder",
    "MigratedPayment",
    "RefundRow",
    "address",
    "calculated_shipping",
    "calculation",
    "discrepancy",
    "has_unplaced_units",
    "line_item",
    "migrated_order",
    "order_status",
    "pays_less_than_suggested",
    "refund",
    "refund_line",
    "refund_rows",
    "refund_shipping",
    "refund_status",
    "request_line_from",
]


# --- orders ------------------------------------------------------------------------------------
def address(data: Mapping[str, Any] | None, fields: Sequence[tuple[str, str]]) -> Address | None:
    """A canonical Address from either dialect's address object, ``fields`` naming the
    platform key of each Address field in field order (each text as :func:`blank` reads it; a
    non-blank string is kept without the call)."""
    if not data:
        return None
    get = data.get
    # ``raw`` first: every field passed in field order spares ``trusted`` the defaults
    values: dict[str, Any] = {"raw": None}
    for name, key in fields:
        value = get(key)
        if value is not None and (type(value) is not str or not value.strip()):
            value = blank(value)
        values[name] = value
    values["raw"] = dict(data)
    return Address.trusted(**values)


def order_status(cancelled_at: Any, closed_at: Any) -> tuple[OrderStatus, str]:
    """The canonical status of an order and its Shopify word (``cancelled``/``closed``/``open``)."""
    if cancelled_at:
        return OrderStatus.CANCELED, "cancelled"
    if closed_at:
        return OrderStatus.CLOSED, "closed"
    return OrderStatus.OPEN, "open"


def has_unplaced_units(current_quantity: int, fulfilled: int, refunded: int) -> bool:
    """Whether a line has units neither fulfilled nor refunded (their location is on an open
    fulfillment order, so the order's fulfillment orders must be read)."""
    return current_quantity - max(fulfilled - refunded, 0) > 0


def line_item(
    *,
    line_id: str,
    sku: str | None,
    title: str,
    quantity: int,
    shopify_current: int,
    refunded: int,
    fulfilled: int,
    unit_price: Money,
    discount: Money,
    tax: Money,
    rates: list[Any],
    requires_shipping: bool,
    gift_card: bool,
    product_id: str | None,
    variant_id: str | None,
    location_id: str | None,
    raw: Any,
) -> LineItem:
    """A canonical line from what a dialect read (``shopify_current`` is Shopify's
    ``current_quantity``; ``rates`` the tax lines' rates that are set)."""
    # every field, in field order (``raw`` first): ``trusted`` then takes the keywords as they are
    return LineItem.trusted(
        raw=raw,
        id=line_id,
        sku=sku,
        title=title,
        quantity=quantity,
        # Shopify's current_quantity also subtracts refunded units; the canonical one does not.
        current_quantity=min(quantity, shopify_current + refunded),
        fulfilled_quantity=fulfilled,
        refunded_quantity=refunded,
        unit_price=unit_price,
        total=line_total(unit_price, quantity, discount),
        total_discount=discount,
        total_tax=tax,
        tax_rate=str(rates[0]) if len(rates) == 1 else None,
        requires_shipping=requires_shipping,
        is_digital=not requires_shipping or gift_card,
        product_id=product_id,
        variant_id=variant_id,
        location_id=location_id,
    )


# --- refunds -----------------------------------------------------------------------------------
def refund_line(
    *,
    line_id: str,
    quantity: int,
    restock: Restock,
    location_id: str | None,
    subtotal: Money,
    tax: Money,
    taxes_included: bool,
    raw: Any,
) -> RefundLine:
    """A refunded (or calculated) line from Shopify's ``subtotal`` and tax: the canonical
    ``subtotal`` is before tax and ``total = subtotal + tax``, whatever the shop's tax basis."""
    # INFERRED: Shopify's refund line ``subtotal`` includes tax exactly when the shop's prices do.
    return RefundLine.trusted(
        line_id=line_id,
        quantity=quantity,
        restock=restock,
        location_id=location_id,
        subtotal=subtotal - tax if taxes_included else subtotal,
        tax=tax,
        total=subtotal if taxes_included else subtotal + tax,
        raw=raw,
    )


def discrepancy(amount: Money) -> Money:
    """A ``refund_discrepancy`` amount (or tax) as canonical: Shopify's sign turned round, so it
    is money paid back beyond the lines and shipping (zero stays unsigned)."""

    def turned(value: Decimal) -> Decimal:
        return -value if value else value

    shop = amount.shop
    return Money.of(
        turned(amount.amount),
        amount.currency,
        shop=Money.of(turned(shop.amount), shop.currency) if shop is not None else None,
    )


def refund_status(transactions: list[RefundTransaction]) -> RefundStatus:
    """A refund's status from its refund transactions."""
    if not transactions:
        return RefundStatus.SUCCESS  # nothing to pay back (a restock-only refund)
    states = {t.status for t in transactions}
    if states == {TransactionStatus.SUCCESS}:
        return RefundStatus.SUCCESS
    if TransactionStatus.PENDING in states:
        return RefundStatus.PENDING
    if TransactionStatus.SUCCESS in states:
        return RefundStatus.PARTIAL
    if states <= {TransactionStatus.FAILURE, TransactionStatus.ERROR}:
        return RefundStatus.FAILURE
    return RefundStatus.UNKNOWN


def refund_shipping(
    row_subtotals: list[Money], adjustments: list[RefundAdjustment], currency: str
) -> RefundShipping | None:
    """Shipping refunded: the refund shipping lines' subtotals plus the tax of ``shipping_refund``
    adjustments; refunds from before refund shipping lines existed only have the adjustment
    (amounts negative, as Shopify records them)."""
    shipping_adjustments = [a for a in adjustments if a.kind == "shipping_refund"]
    tax = -Money.sum((a.tax for a in shipping_adjustments if a.tax is not None), currency)
    if row_subtotals:
        subtotal = Money.sum(row_subtotals, currency)
    elif shipping_adjustments:
        subtotal = -Money.sum((a.amount for a in shipping_adjustments), currency)
    else:
        return None
    return RefundShipping.trusted(amount=subtotal + tax, tax=tax)


def refund(
    *,
    refund_id: str,
    order_id: str,
    lines: list[RefundLine],
    shipping: RefundShipping | None,
    transactions: list[RefundTransaction],
    adjustments: list[RefundAdjustment],
    currency: str,
    note: Any,
    created_at: datetime | None,
    raw: Any,
) -> Refund:
    """A canonical Refund: its status from its transactions, its total what the successful ones
    paid back, its idempotency key from the marker at the end of its note (the marker stripped)."""
    paid = [t for t in transactions if t.status is TransactionStatus.SUCCESS]
    clean_note, key = split_note(None if note is None else str(note))
    return Refund.trusted(
        id=refund_id,
        order_id=order_id,
        status=refund_status(transactions),
        lines=lines,
        shipping=shipping,
        transactions=transactions,
        adjustments=adjustments,
        total=Money.sum((t.amount for t in paid), currency),
        note=clean_note,
        idempotency_key=key,
        created_at=created_at,
        raw=raw,
    )


def calculated_shipping(
    amount: Money, tax: Money, maximum_refundable: Money, *, taxes_included: bool
) -> RefundShipping:
    """Shipping in a calculation: the amount with its tax (unless prices include it)."""
    return RefundShipping(
        amount=amount if taxes_included else amount + tax,
        tax=tax,
        maximum_refundable=maximum_refundable,
    )


def calculation(
    order: Order,
    request: RefundRequest,
    *,
    lines: list[RefundLine],
    shipping: RefundShipping | None,
    allocations: list[TransactionAllocation],
    currency: str,
    raw: Any,
) -> RefundCalculation:
    """A canonical RefundCalculation. ``subtotal`` and ``tax`` are the lines' (shipping, with its
    tax, is beside them); ``total`` is what the allocations pay back; where nothing is allocated
    (nothing was paid), the line and shipping amounts."""
    subtotal = Money.sum((x.subtotal for x in lines), currency)
    tax = Money.sum((x.tax for x in lines), currency)
    goods = Money.sum((x.total for x in lines), currency)
    if shipping is not None:
        goods = goods + shipping.amount
    total = Money.sum((a.amount for a in allocations), currency) if allocations else goods
    return RefundCalculation(
        order_id=order.id,
        request=request,
        lines=lines,
        shipping=shipping,
        transactions=allocations,
        subtotal=subtotal,
        tax=tax,
        total=total,
        raw=raw,
    )


# --- writing refunds ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RefundRow:
    """One line of a refund as Shopify takes it: numeric ids, a location where stock moves."""

    line_id: int
    quantity: int
    restock: Restock
    location_id: int | None


def refund_rows(request: RefundRequest) -> list[RefundRow]:
    """The refund lines of prepared request lines; a location only where stock moves.

    Raises InvalidRequest when a restocking line has no location: Shopify requires one
    whenever the restock type is ``cancel`` or ``return``.
    """
    rows: list[RefundRow] = []
    problems: list[Problem] = []
    for index, line in enumerate(request.lines):
        restock = line.restock or Restock.NO_RESTOCK
        line_id = numeric_id(line.line_id, f"lines[{index}].line_id")
        location_id = None
        if restock in RESTOCKING:
            if line.location_id is None:
                problems.append(
                    Problem(
                        f"lines[{index}].location_id",
                        f"restock {restock.value!r} needs a location on Shopify; pass "
                        "location_id (line has no fulfillment or assigned location)",
                    )
                )
                continue
            location_id = numeric_id(line.location_id, f"lines[{index}].location_id")
        rows.append(RefundRow(line_id, line.quantity, restock, location_id))
    if problems:
        raise InvalidRequest(problems, operation="refund")
    return rows


def request_line_from(calc_line: RefundLine, request: RefundRequest) -> RefundLineRequest:
    """The request line a calculated line answers, with the calculated restock and location."""
    wanted = next((x for x in request.lines if x.line_id == calc_line.line_id), None)
    location = (wanted.location_id if wanted is not None else None) or calc_line.location_id
    restock = wanted.restock if wanted is not None and wanted.restock else calc_line.restock
    return RefundLineRequest(
        line_id=calc_line.line_id,
        quantity=calc_line.quantity,
        restock=restock,
        location_id=location,
    )


def pays_less_than_suggested(calculation: RefundCalculation, suggested: Decimal | None) -> bool:
    """Whether the allocations pay back less than Shopify suggested (``suggested``, read from the
    calculation's ``raw``), or, where that is unknown, than the lines and shipping come to."""
    paying = sum((a.amount.amount for a in calculation.transactions), Decimal(0))
    if suggested is None:
        suggested = sum((x.total.amount for x in calculation.lines), Decimal(0)) + (
            calculation.shipping.amount.amount if calculation.shipping is not None else Decimal(0)
        )
    return paying < suggested


# --- writing orders (migration) ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MigratedLine:
    """A line of a migrated order. ``discount`` and ``tax`` are set only when not zero;
    ``variant_id`` only when it is a Shopify (numeric) id."""

    title: str
    quantity: int
    price: Decimal
    requires_shipping: bool
    sku: str | None
    variant_id: str | None
    discount: Decimal | None
    tax: Decimal | None
    tax_rate: str | None


@dataclass(frozen=True, slots=True)
class MigratedPayment:
    """A successful capture or sale of a migrated order, sent as a successful ``sale``."""

    amount: Decimal
    gateway: str


@dataclass(frozen=True, slots=True)
class MigratedOrder:
    """What creating a migrated order sends: receipts off and inventory bypassed (a migrated
    order must not move stock again); captured payments as sales, so it reads as paid."""

    currency: str
    lines: list[MigratedLine]
    taxes_included: bool
    email: str | None
    name: str | None
    note: str | None
    processed_at: str | None
    shipping_address: Address | None
    billing_address: Address | None
    shipping: Decimal | None
    payments: list[MigratedPayment]
    #: the shipping's tax and its rate (INFERRED: the rate is the tax over the shipping net of
    #: it, to 4 places; the canonical order keeps no shipping tax rate)
    shipping_tax: tuple[Decimal, str] | None = None


def _shipping_tax(order: Order) -> tuple[Decimal, str] | None:
    tax = order.shipping_tax
    if tax is None or tax.is_zero() or order.shipping.is_zero():
        return None
    net = order.shipping.amount - (tax.amount if order.taxes_included else Decimal(0))
    rate = (tax.amount / net).quantize(Decimal("0.0001")) if net else Decimal(0)
    return tax.amount, str(rate)


def _migrated_line(line: LineItem) -> MigratedLine:
    discount = line.total_discount
    tax = line.total_tax
    return MigratedLine(
        title=line.title or line.sku or f"line {line.id}",
        quantity=line.quantity,
        price=line.unit_price.amount,
        requires_shipping=line.requires_shipping,
        sku=line.sku or None,
        variant_id=line.variant_id if line.variant_id and line.variant_id.isdigit() else None,
        discount=discount.amount if discount is not None and not discount.is_zero() else None,
        tax=tax.amount if tax is not None and not tax.is_zero() else None,
        tax_rate=line.tax_rate,
    )


def migrated_order(order: Order) -> MigratedOrder:
    """What a canonical order carries into Shopify when it is created there."""
    return MigratedOrder(
        currency=order.currency,
        lines=[_migrated_line(line) for line in order.lines],
        taxes_included=order.taxes_included,
        email=order.email or None,
        name=order.number or None,
        note=order.note or None,
        processed_at=order.created_at.isoformat() if order.created_at is not None else None,
        shipping_address=order.shipping_address,
        billing_address=order.billing_address,
        shipping=None if order.shipping.is_zero() else order.shipping.amount,
        payments=[
            MigratedPayment(amount=t.amount.amount, gateway=t.gateway or "manual")
            for t in order.captured_payments
        ],
        shipping_tax=_shipping_tax(order),
    )
