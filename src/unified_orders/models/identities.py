"""The amount identities of orders, refund previews and refunds, in one place.

The identities are documented on the models (:class:`~.orders.Order`, :class:`~.orders.LineItem`,
:class:`~.refunds.RefundCalculation`, :class:`~.refunds.Refund`) and in docs/concepts/money.md.
Here they are checked (:func:`order_discrepancies`, :func:`calculation_discrepancies`,
:func:`refund_discrepancies`: an empty list means every identity holds), and :func:`order_amounts`
gives translators the figures that satisfy them from the platform's own lines, shipping, tax and
total, with any difference recorded in ``adjustment`` / ``tax_adjustment``.

Identities hold exactly, on presentment amounts. The shop-currency twins (``Money.shop``) are the
platform's own conversions and are carried along, not checked: a conversion rounded per line may
differ from one rounded per order by a minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .enums import RefundStatus, TransactionStatus
from .money import Money
from .money import _money as _plain
from .orders import LineItem, Order
from .refunds import Refund, RefundCalculation, RefundLine

__all__ = [
    "SHIPPING_ADJUSTMENTS",
    "Discrepancy",
    "OrderAmounts",
    "calculation_discrepancies",
    "line_total",
    "order_amounts",
    "order_discrepancies",
    "refund_discrepancies",
    "shipping_tax_part",
    "total_of",
]


#: Refund adjustment kinds that are the refund's shipping (already in ``Refund.shipping``).
SHIPPING_ADJUSTMENTS = frozenset({"shipping_refund", "refund_shipping"})


@dataclass(frozen=True)
class Discrepancy:
    """An identity that does not hold: where, which identity, what it should be and what it is."""

    where: str
    identity: str
    expected: Decimal
    actual: Decimal
    currency: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.identity} does not hold: expected {self.expected} "
            f"{self.currency}, got {self.actual} {self.currency}"
        )


def total_of(items: Iterable[Money], currency: str) -> Money:
    """The sum of ``items`` (zero when empty), keeping the shop-currency twin where every item has
    one (``Money.sum`` starts from a zero without one)."""
    found = items if isinstance(items, list) else list(items)
    if not found:
        return Money.zero(currency)
    first = found[0]
    if len(found) == 1:
        return first
    code = first.currency
    if type(first) is not Money:
        return _added(found)
    # the same additions, in the same order, as ``first + item + ...``: one Money at the end
    amount = first.amount
    for item in found[1:]:
        if type(item) is not Money or item.currency != code:
            return _added(found)  # raises as ``+`` does, or adds Money of a subclass
        amount = amount + item.amount
    shop = first.shop
    if shop is not None:
        shop_code, shop_amount = shop.currency, shop.amount
        for item in found[1:]:
            twin = item.shop
            if twin is None or twin.currency != shop_code:
                shop = None
                break
            shop_amount = shop_amount + twin.amount
        else:
            shop = _plain(shop_amount, shop_code, None)
    return _plain(amount, code, shop)


def line_total(unit_price: Money, quantity: int, discount: Money) -> Money:
    """``unit_price * quantity - discount`` (a line's total), built as one Money."""
    if (
        type(unit_price) is not Money
        or type(discount) is not Money
        or type(quantity) is not int
        or unit_price.currency != discount.currency
    ):
        return unit_price * quantity - discount  # raises, or keeps a subclass, as the operators
    unit_shop, discount_shop = unit_price.shop, discount.shop
    shop = None
    if (
        unit_shop is not None
        and discount_shop is not None
        and unit_shop.currency == discount_shop.currency
    ):
        shop = _plain(unit_shop.amount * quantity - discount_shop.amount, unit_shop.currency, None)
    return _plain(unit_price.amount * quantity - discount.amount, unit_price.currency, shop)


def _added(items: list[Money]) -> Money:
    total = items[0]
    for item in items[1:]:
        total = total + item
    return total


def _left_over(whole: Money, parts: list[Money]) -> Money | None:
    """``whole - (parts[0] + parts[1] + ...)``, None when it is zero."""
    code = whole.currency
    if (
        type(whole) is Money
        and parts
        and all(type(part) is Money and part.currency == code for part in parts)
    ):
        # the usual case, nothing left over: the same additions on the amounts, no Money built
        amount = parts[0].amount
        for part in parts[1:]:
            amount = amount + part.amount
        if whole.amount - amount == 0:
            return None
    explained = total_of(parts, code)
    if (
        type(whole) is Money
        and type(explained) is Money
        and whole.currency == explained.currency
        and whole.amount - explained.amount == 0
    ):
        return None  # what ``_nonzero(whole - explained)`` gives, without building it
    return _nonzero(whole - explained)


def _amount(money: Money | None) -> Decimal:
    return money.amount if money is not None else Decimal(0)


def _nonzero(money: Money) -> Money | None:
    return None if money.amount == 0 else money


# --- orders --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderAmounts:
    """An order's amounts, satisfying the identities; ``fields()`` are keyword arguments of
    :class:`Order`."""

    subtotal: Money
    discount: Money | None
    shipping: Money
    shipping_tax: Money | None
    tax: Money
    total: Money
    taxes_included: bool
    adjustment: Money | None
    tax_adjustment: Money | None

    def fields(self) -> dict[str, Any]:
        """The amounts as ``Order`` keyword arguments, in ``Order``'s field order (so a build
        passing every field in order takes ``trusted``'s no-copy path)."""
        return {
            "shipping": self.shipping,
            "subtotal": self.subtotal,
            "tax": self.tax,
            "total": self.total,
            "discount": self.discount,
            "taxes_included": self.taxes_included,
            "shipping_tax": self.shipping_tax,
            "adjustment": self.adjustment,
            "tax_adjustment": self.tax_adjustment,
        }


def order_amounts(
    lines: Sequence[LineItem],
    currency: str,
    *,
    shipping: Money,
    shipping_tax: Money | None,
    tax: Money,
    total: Money,
    taxes_included: bool,
) -> OrderAmounts:
    """The order amounts for these lines and the platform's shipping (on the order's tax basis),
    shipping tax, tax and total.

    ``subtotal`` and ``discount`` are the sums of the lines; ``total`` and ``tax`` stay the
    platform's, and what the lines and shipping do not explain of them becomes ``adjustment`` and
    ``tax_adjustment`` (None where nothing is left over).
    """
    subtotal = total_of([line.total for line in lines], currency)
    discounts = [line.total_discount for line in lines if line.total_discount is not None]
    discount = total_of(discounts, currency) if discounts else None
    charged = [subtotal, shipping] if taxes_included else [subtotal, shipping, tax]
    adjustment = _left_over(total, charged)
    tax_adjustment = None
    line_taxes = [line.total_tax for line in lines]
    if all(t is not None for t in line_taxes):
        explained: list[Money] = [t for t in line_taxes if t is not None]
        if not explained:
            explained = [Money.zero(currency)]  # a zero without a shop twin, as total_of([])
        if shipping_tax is not None:
            explained.append(shipping_tax)
        tax_adjustment = _left_over(tax, explained)
    return OrderAmounts(
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        shipping_tax=shipping_tax,
        tax=tax,
        total=total,
        taxes_included=taxes_included,
        adjustment=adjustment,
        tax_adjustment=tax_adjustment,
    )


def order_discrepancies(order: Order) -> list[Discrepancy]:
    """Every amount identity of ``order`` and its lines that does not hold (empty: all hold)."""
    found: list[Discrepancy] = []
    cur = order.currency
    where = f"order {order.id}"

    def check(place: str, identity: str, expected: Decimal, actual: Decimal) -> None:
        if expected != actual:
            found.append(Discrepancy(place, identity, expected, actual, cur))

    for line in order.lines:
        place = f"{where} line {line.id}"
        check(
            place,
            "total = unit_price * quantity - total_discount",
            line.unit_price.amount * line.quantity - _amount(line.total_discount),
            line.total.amount,
        )
        if order.taxes_included and line.total.amount >= 0 and line.total_tax is not None:
            # the tax is inside the total: it cannot be more than the total
            check(
                place,
                "total_tax <= total (taxes included)",
                line.total_tax.amount.min(line.total.amount),
                line.total_tax.amount,
            )
    lines_total = sum((line.total.amount for line in order.lines), Decimal(0))
    check(where, "subtotal = sum(line.total)", lines_total, order.subtotal.amount)
    if order.discount is not None:
        check(
            where,
            "discount = sum(line.total_discount)",
            sum((_amount(line.total_discount) for line in order.lines), Decimal(0)),
            order.discount.amount,
        )
    charged = order.subtotal.amount + order.shipping.amount + _amount(order.adjustment)
    if order.taxes_included:
        check(where, "total = subtotal + shipping + adjustment", charged, order.total.amount)
        if order.shipping_tax is not None and order.shipping.amount >= 0:
            check(
                where,
                "shipping_tax <= shipping (taxes included)",
                order.shipping_tax.amount.min(order.shipping.amount),
                order.shipping_tax.amount,
            )
    else:
        check(
            where,
            "total = subtotal + shipping + tax + adjustment",
            charged + order.tax.amount,
            order.total.amount,
        )
    if all(line.total_tax is not None for line in order.lines):
        explained = sum((_amount(line.total_tax) for line in order.lines), Decimal(0))
        check(
            where,
            "tax = sum(line.total_tax) + shipping_tax + tax_adjustment",
            explained + _amount(order.shipping_tax) + _amount(order.tax_adjustment),
            order.tax.amount,
        )
    return found


def shipping_tax_part(order: Order, amount: Money) -> Money | None:
    """The tax inside ``amount`` of the order's shipping (tax included), in proportion to the
    shipping's own tax, rounded to the currency; None where the order's shipping tax is unknown.

    For a preview where the platform gives no figure (a shipping refund's tax is the platform's
    to compute; one tax rate on shipping is assumed).
    """
    gross = order.shipping_with_tax
    if order.shipping_tax is None or gross.amount <= 0:
        return None
    tax = Money.of(amount.amount * order.shipping_tax.amount / gross.amount, amount.currency)
    return tax.rounded() if tax.rounding_known else tax


# --- refund previews and refunds -----------------------------------------------------------------
def _line_discrepancies(where: str, lines: Sequence[RefundLine]) -> list[Discrepancy]:
    return [
        Discrepancy(
            f"{where} line {line.line_id}",
            "total = subtotal + tax",
            line.subtotal.amount + line.tax.amount,
            line.total.amount,
            line.total.currency,
        )
        for line in lines
        if line.subtotal.amount + line.tax.amount != line.total.amount
    ]


def calculation_discrepancies(calc: RefundCalculation) -> list[Discrepancy]:
    """Every amount identity of a refund preview that does not hold (empty: all hold)."""
    where = f"refund preview of order {calc.order_id}"
    cur = calc.total.currency
    found = _line_discrepancies(where, calc.lines)

    def check(identity: str, expected: Decimal, actual: Decimal) -> None:
        if expected != actual:
            found.append(Discrepancy(where, identity, expected, actual, cur))

    check(
        "subtotal = sum(line.subtotal)",
        sum((line.subtotal.amount for line in calc.lines), Decimal(0)),
        calc.subtotal.amount,
    )
    check(
        "tax = sum(line.tax)",
        sum((line.tax.amount for line in calc.lines), Decimal(0)),
        calc.tax.amount,
    )
    shipping = calc.shipping.amount.amount if calc.shipping is not None else Decimal(0)
    check(
        "total = subtotal + tax + shipping + amount",
        calc.subtotal.amount + calc.tax.amount + shipping + (calc.request.amount or Decimal(0)),
        calc.total.amount,
    )
    if calc.transactions:
        check(
            "total = sum(transactions.amount)",
            sum((a.amount.amount for a in calc.transactions), Decimal(0)),
            calc.total.amount,
        )
    return found


def refund_discrepancies(refund: Refund) -> list[Discrepancy]:
    """Every amount identity of a refund that does not hold (empty: all hold).

    A refund's ``total`` is what its successful transactions paid back. Where all of them
    succeeded, it is also its lines, shipping and other adjustments (a discrepancy the platform
    recorded) added up.
    """
    where = f"refund {refund.id} of order {refund.order_id}"
    cur = refund.total.currency
    found = _line_discrepancies(where, refund.lines)
    paid = [t for t in refund.transactions if t.status is TransactionStatus.SUCCESS]
    if refund.transactions:
        expected = sum((t.amount.amount for t in paid), Decimal(0))
        if expected != refund.total.amount:
            found.append(
                Discrepancy(
                    where,
                    "total = sum(successful transactions)",
                    expected,
                    refund.total.amount,
                    cur,
                )
            )
    if refund.status is RefundStatus.SUCCESS and len(paid) == len(refund.transactions):
        goods = sum((line.total.amount for line in refund.lines), Decimal(0))
        shipping = refund.shipping.amount.amount if refund.shipping is not None else Decimal(0)
        other = sum(
            (a.amount.amount for a in refund.adjustments if a.kind not in SHIPPING_ADJUSTMENTS),
            Decimal(0),
        )
        if refund.transactions and goods + shipping + other != refund.total.amount:
            found.append(
                Discrepancy(
                    where,
                    "total = sum(line.total) + shipping + adjustments",
                    goods + shipping + other,
                    refund.total.amount,
                    cur,
                )
            )
    return found
