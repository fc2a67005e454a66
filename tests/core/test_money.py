"""Money: exact decimals, ISO 4217 minor units, no floats, allocation that never loses a cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import unified_orders as uo
from unified_orders.models import minor_unit

CURRENCIES = ["USD", "EUR", "JPY", "KWD", "BHD", "CLP", "ISK", "GBP"]
amounts = st.decimals(
    min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False
)


@pytest.mark.parametrize(("code", "digits"), [("JPY", 0), ("USD", 2), ("KWD", 3), ("CLF", 4)])
def test_minor_units_come_from_the_iso_table(code: str, digits: int) -> None:
    assert minor_unit(code) == digits


@pytest.mark.parametrize(("code", "digits"), [("BGN", 2), ("HRK", 2), ("ANG", 2), ("BYR", 0)])
def test_withdrawn_codes_keep_their_historic_minor_units(code: str, digits: int) -> None:
    money = uo.Money.of("12.345", code)
    assert minor_unit(code) == digits
    assert money.rounding_known
    assert money.rounded().amount == Decimal("12.345").quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP
    )


@pytest.mark.parametrize("code", ["USDC", "XAU", "ZZZ", "usdx"])
def test_codes_no_table_knows_are_readable_and_keep_their_decimals(code: str) -> None:
    money = uo.Money.of("10.125", code)
    assert money.currency == code.upper()
    assert not money.rounding_known
    assert money.minor_unit == 3
    assert money.rounded() == money
    assert (money + uo.Money.of("1", code)).amount == Decimal("11.125")
    assert uo.Money.zero(code).amount == 0
    with pytest.raises(ValueError, match="no known minor unit"):
        minor_unit(code)


@pytest.mark.parametrize("code", ["", "US", "U$D", "12", "a very long code"])
def test_what_is_no_currency_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="currency code"):
        uo.Money.of("1", code)


def test_floats_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="float"):
        uo.Money(amount=19.99, currency="USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Pass a string such as '19.99'"):
        uo.Money.of(19.99, "USD")
    with pytest.raises(ValueError, match="float"):
        uo.ShippingRefund(amount=5.0)  # type: ignore[arg-type]


def test_json_writes_amounts_as_decimal_strings() -> None:
    money = uo.Money.of("10.50", "eur")
    assert money.model_dump_json() == '{"amount":"10.50","currency":"EUR","shop":null}'
    assert uo.Money.model_validate_json(money.model_dump_json()) == money


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert uo.Money.of("2.675", "USD").rounded().amount == Decimal("2.68")
    assert uo.Money.of("2.5", "JPY").rounded().amount == Decimal("3")
    assert uo.Money.of("1.0005", "KWD").rounded().amount == Decimal("1.001")


def test_arithmetic_refuses_mixed_currencies() -> None:
    with pytest.raises(ValueError, match="currency mismatch"):
        uo.Money.of("1", "USD") + uo.Money.of("1", "EUR")


def test_shop_money_follows_arithmetic() -> None:
    a = uo.Money.of("10", "EUR", shop=uo.Money.of("11", "USD"))
    b = uo.Money.of("5", "EUR", shop=uo.Money.of("5.50", "USD"))
    assert (a + b).shop == uo.Money.of("16.50", "USD")
    assert (a + uo.Money.of("1", "EUR")).shop is None  # unknown shop figure is not invented


@given(
    amount=amounts,
    currency=st.sampled_from(CURRENCIES),
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=12),
)
def test_allocation_sums_exactly_to_the_rounded_total(
    amount: Decimal, currency: str, weights: list[int]
) -> None:
    if sum(weights) == 0:
        weights[0] = 1
    money = uo.Money.of(amount, currency)
    parts = money.allocate(weights)
    assert sum(p.amount for p in parts) == money.rounded().amount
    quantum = money.quantum
    assert all(p.amount % quantum == 0 for p in parts)


@given(amount=amounts, currency=st.sampled_from(CURRENCIES), count=st.integers(1, 50))
def test_equal_allocation_parts_differ_by_at_most_one_minor_unit(
    amount: Decimal, currency: str, count: int
) -> None:
    parts = uo.Money.of(amount, currency).allocate([1] * count)
    values = [p.amount for p in parts]
    assert max(values) - min(values) <= uo.Money.of(amount, currency).quantum


@given(a=amounts, b=amounts, currency=st.sampled_from(CURRENCIES))
def test_addition_is_exact(a: Decimal, b: Decimal, currency: str) -> None:
    total = uo.Money.of(a, currency) + uo.Money.of(b, currency)
    assert total.amount == a + b
    assert (total - uo.Money.of(b, currency)).amount == a
