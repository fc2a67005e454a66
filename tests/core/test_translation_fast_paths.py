"""The fast paths of translation build exactly what the plain operators and validation build.

Translation builds canonical models without pydantic validation (``CanonicalModel.trusted``),
sums Money in one step (``identities.total_of``, ``line_total``, ``order_amounts``), shares one
zero per currency and reads enum words from the member table. For every demo order of every
adapter and dialect (default and seed 30), the order, fulfillment orders and returns read with
those fast paths must equal, value for value and type for type (Decimals with the same digits,
the same fields set, the same field order), what is read with validation everywhere and the Money
operators one by one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import unified_orders as uo
from unified_orders.models import CanonicalModel, Money, Order
from unified_orders.models import identities as ids
from unified_orders.models.enums import FinancialStatus, _ClosedSet
from unified_orders.models.orders import LineItem
from unified_orders.testing.identical import assert_identical

DIALECTS = [
    ("nextcommerce", {}),
    ("shopify", {}),
    ("shopify", {"api": "rest"}),
    ("shopware", {}),
]


# --- the plain ways, as they were before the fast paths -------------------------------------
def _validated(cls: type[CanonicalModel], **fields: Any) -> CanonicalModel:
    return cls(**fields)


def _plain_total_of(items: Iterable[Money], currency: str) -> Money:
    total: Money | None = None
    for item in items:
        total = item if total is None else total + item
    return total if total is not None else Money._zero(currency)


def _plain_line_total(unit_price: Money, quantity: int, discount: Money) -> Money:
    return unit_price * quantity - discount


def _nonzero(money: Money) -> Money | None:
    return None if money.amount == 0 else money


def _plain_order_amounts(
    lines: list[LineItem],
    currency: str,
    *,
    shipping: Money,
    shipping_tax: Money | None,
    tax: Money,
    total: Money,
    taxes_included: bool,
) -> ids.OrderAmounts:
    subtotal = _plain_total_of((line.total for line in lines), currency)
    discounts = [line.total_discount for line in lines if line.total_discount is not None]
    discount = _plain_total_of(discounts, currency) if discounts else None
    charged = subtotal + shipping if taxes_included else subtotal + shipping + tax
    adjustment = _nonzero(total - charged)
    tax_adjustment = None
    line_taxes = [line.total_tax for line in lines]
    if all(t is not None for t in line_taxes):
        explained = _plain_total_of((t for t in line_taxes if t is not None), currency)
        if shipping_tax is not None:
            explained = explained + shipping_tax
        tax_adjustment = _nonzero(tax - explained)
    return ids.OrderAmounts(
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


def _plain_parse(cls: type[_ClosedSet], value: object) -> _ClosedSet:
    try:
        return cls(str(value).lower()) if value is not None else cls("unknown")
    except ValueError:
        return cls("unknown")


def _plain_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation and the Money operators everywhere translation uses the fast paths."""
    monkeypatch.setattr(CanonicalModel, "trusted", classmethod(_validated))
    monkeypatch.setattr(_ClosedSet, "parse", classmethod(_plain_parse))
    monkeypatch.setattr(Money, "zero", classmethod(lambda cls, currency: cls._zero(currency)))
    plain = {
        ids.total_of: _plain_total_of,
        ids.line_total: _plain_line_total,
        ids.order_amounts: _plain_order_amounts,
    }
    for name, module in list(sys.modules.items()):
        if not name.startswith(("unified_orders", "unified_orders_adapters")):
            continue
        for attribute, value in list(vars(module).items()):
            if callable(value) and value in plain:
                monkeypatch.setattr(module, attribute, plain[value])


# --- comparison ----------------------------------------------------------------------------


def _reads(platform: str, settings: dict[str, Any]) -> Iterator[Any]:
    """Every demo order (listed, and read one by one), its fulfillment orders and returns."""
    with uo.connect(platform, sandbox=True, **settings) as store:
        emulator = store.sandbox
        assert emulator is not None
        yield from store.orders.list()
        emulator.seed_orders(30)  # type: ignore[attr-defined]
        for order in store.orders.list():
            yield store.orders.get(order.id)
            for read in (store.fulfillments.list, store.returns.list):
                try:
                    yield from read(order.id)
                except uo.UnifiedOrdersError as error:  # a platform without it: the same error
                    yield type(error).__name__


@pytest.mark.parametrize(("platform", "settings"), DIALECTS)
def test_demo_reads_are_the_same_through_the_fast_and_the_plain_paths(
    platform: str, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = list(_reads(platform, settings))
    with monkeypatch.context() as patched:
        _plain_ways(patched)
        plain = list(_reads(platform, settings))
    assert len(fast) == len(plain) > 10
    for one, other in zip(fast, plain, strict=True):
        assert_identical(one, other, f"{platform} {type(one).__name__} {getattr(one, 'id', '')}")
        if isinstance(one, Order):
            assert ids.order_discrepancies(one) == []


# --- the Money sums on their own -----------------------------------------------------------
def _money(amount: str, currency: str = "EUR", shop: tuple[str, str] | None = None) -> Money:
    return Money.of(amount, currency, shop=Money.of(*shop) if shop else None)


SUMS = [
    [],
    [_money("1.10")],
    [_money("1.10"), _money("2.205")],
    [_money("1.10", shop=("1.20", "USD")), _money("2.00", shop=("2.40", "USD"))],
    [_money("1.10", shop=("1.20", "USD")), _money("2.00")],  # the twin is lost
    [_money("1.10", shop=("1.20", "USD")), _money("2.00", shop=("2.40", "CHF"))],
    [_money("-0.00"), _money("0.00"), _money("-0.00", shop=("0", "USD"))],
    [_money("1E+2"), _money("0.001")],
]


@pytest.mark.parametrize("items", SUMS)
def test_total_of_adds_as_the_operators_do(items: list[Money]) -> None:
    assert_identical(ids.total_of(items, "EUR"), _plain_total_of(items, "EUR"), "total")
    assert_identical(ids.total_of(iter(items), "EUR"), _plain_total_of(items, "EUR"), "total")


def test_total_of_refuses_mixed_currencies_as_the_operators_do() -> None:
    items = [_money("1.00"), _money("1.00", "USD")]
    with pytest.raises(ValueError, match="currency mismatch"):
        _plain_total_of(items, "EUR")
    with pytest.raises(ValueError, match="currency mismatch"):
        ids.total_of(items, "EUR")


@pytest.mark.parametrize(
    ("unit", "quantity", "discount"),
    [
        (_money("9.99", shop=("10.50", "USD")), 3, _money("1.00", shop=("1.05", "USD"))),
        (_money("9.99", shop=("10.50", "USD")), 2, _money("0.00")),
        (_money("9.99"), 0, _money("-0.00", shop=("0", "USD"))),
        (_money("0.333"), 7, _money("0.5", shop=("0.6", "CHF"))),
    ],
)
def test_line_total_is_the_operators(unit: Money, quantity: int, discount: Money) -> None:
    assert_identical(
        ids.line_total(unit, quantity, discount), _plain_line_total(unit, quantity, discount), "t"
    )


def test_money_of_a_string_is_exact_and_refuses_what_it_refused() -> None:
    assert str(Money.of(" 1.50 ", "eur").amount) == "1.50"
    assert str(Money.of("-0.00", "EUR").amount) == "-0.00"
    for bad in ("abc", "NaN", "Infinity", ""):
        with pytest.raises(ValueError, match="not a (decimal|finite) number"):
            Money.of(bad, "EUR")


def test_the_shared_zero_is_the_zero_validation_builds() -> None:
    zero = Money.zero("jpy")
    assert zero is Money.zero("jpy")
    assert_identical(zero, Money(amount=Decimal(0), currency="JPY"), "zero")
    assert zero.model_fields_set == {"amount", "currency"}


def test_parse_reads_every_word_as_the_enum_call_does() -> None:
    for word in ["PAID", "paid", None, "", "Partially_Refunded", "nonsense", 3]:
        assert FinancialStatus.parse(word) is _plain_parse(FinancialStatus, word)
