"""The Next Commerce translation shortcuts build exactly what the plain ways built.

Shared zero Money, the usual-id path of ``key_of``, the same-currency path of ``report_twin``,
the single-parcel path of ``_split``, unquoted order numbers and shipments built with their
idempotency key in one step: each against the code it replaced, value for value, type for type,
fields set and Decimal digits included.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from unified_orders_adapters.nextcommerce.adapter import _path
from unified_orders_adapters.nextcommerce.translate import fulfillments as shipments
from unified_orders_adapters.nextcommerce.translate.values import (
    decimal_of,
    key_of,
    money,
    money_of,
    report_twin,
)

from unified_orders.models import Money


def _same_money(fast: Money | None, plain: Money | None) -> None:
    if plain is None:
        assert fast is None
        return
    assert fast is not None
    assert type(fast) is type(plain)
    assert str(fast.amount) == str(plain.amount)
    assert fast.currency == plain.currency
    assert fast.model_fields_set == plain.model_fields_set
    assert list(fast.__dict__) == list(plain.__dict__)
    _same_money(fast.shop, plain.shop)


@pytest.mark.parametrize("amount", ["0.00", "0", "-0.00", "0E+2", "0.000", "1.50", "-2"])
@pytest.mark.parametrize("currency", ["USD", "usd", "JPY", "USDC"])
def test_money_of_is_money_of_and_shares_only_zeros(amount: str, currency: str) -> None:
    fast = money_of(Decimal(amount), currency)
    _same_money(fast, Money.of(Decimal(amount), currency))
    again = money_of(Decimal(amount), currency)
    assert (again is fast) == Decimal(amount).is_zero()
    shop = Money.of("1", "EUR")
    _same_money(money_of(Decimal(amount), currency, shop), Money.of(amount, currency, shop=shop))


def test_money_of_refuses_what_money_of_refuses() -> None:
    for amount in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), 1.5):
        with pytest.raises((TypeError, ValueError)):
            money_of(amount, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money_of(Decimal("0.00"), None)  # type: ignore[arg-type]


def _plain_report_twin(
    amount: Decimal, currency: str, report: dict[str, Any] | None, key: str
) -> Money | None:
    if not report:
        return None
    report_currency = report.get("currency")
    report_value = report.get(key)
    if report_currency and report_value is not None:
        shop_amount, shop_currency = decimal_of(report_value), str(report_currency).upper()
        if shop_currency != currency.upper() or shop_amount != amount:
            return Money.of(shop_amount, shop_currency)
    return None


@pytest.mark.parametrize("report_currency", ["USD", "usd", "EUR", "", None])
@pytest.mark.parametrize("report_value", ["5.00", "5.0", "4.99", "", None, 5])
@pytest.mark.parametrize("currency", ["USD", "usd"])
def test_report_twin_is_the_plain_twin(
    report_currency: str | None, report_value: Any, currency: str
) -> None:
    report = {"currency": report_currency, "total": report_value}
    amount = Decimal("5.00")
    fast = report_twin(amount, currency, report, "total")
    _same_money(fast, _plain_report_twin(amount, currency, report, "total"))
    spelled = report_twin(amount, currency, report, "total", "5.00")
    _same_money(spelled, _plain_report_twin(amount, currency, report, "total"))
    for blank in ("", None):
        zero = decimal_of(blank)
        _same_money(
            report_twin(zero, currency, report, "total", blank),
            _plain_report_twin(zero, currency, report, "total"),
        )
    plain_money = Money.of(
        amount, currency, shop=_plain_report_twin(amount, currency, report, "total")
    )
    _same_money(money("5.00", currency, report, "total"), plain_money)


def _plain_key_of(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if value is None or value == "" or isinstance(value, bool | dict | list):
        raise ValueError(f"{name} is {value!r}, not an id")
    return str(value)


@pytest.mark.parametrize("value", [1001, "1001", "a-1", Decimal("7"), 0, None, "", True, {}, []])
def test_key_of_is_the_plain_key_of(value: Any) -> None:
    body = {"id": value}
    try:
        expected = _plain_key_of(body, "id")
    except ValueError as error:
        with pytest.raises(ValueError, match=str(error).replace("[", r"\[").replace("{", r"\{")):
            key_of(body, "id")
        return
    assert key_of(body, "id") == expected
    assert type(key_of(body, "id")) is str


@pytest.mark.parametrize("value", ["10001", "0", "12a", "١٢", "²", "a/b", "", "#1"])
def test_order_numbers_are_quoted_as_before(value: str) -> None:
    assert _path(value) == quote(value, safe="")


def _plain_split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    if not value:
        return []
    return [part.strip() for part in str(value).split(",")]


@pytest.mark.parametrize(
    "value", ["", None, [], "Z1", " Z1 ", "Z1, Z2", "Z1,,", ["a ", 2], 17, Decimal("1.5"), ","]
)
def test_split_is_the_plain_split(value: Any) -> None:
    assert shipments._split(value) == _plain_split(value)


def _shipment(**extra: Any) -> dict[str, Any]:
    return {
        "id": 401,
        "status": "success",
        "location_id": 1,
        "created_at": "2024-05-01T09:03:00Z",
        "tracking_codes": "A1, A2",
        "tracking_links": "https://t.example/A1",
        "tracking_carriers": "usps,other",
        "line_items": [{"order_line_id": 1001, "quantity": 2}, {"order_line_id": 1002}],
        **extra,
    }


@pytest.mark.parametrize("key", ["ik-1", "", None, 5])
def test_shipments_with_their_keys_are_the_copies_they_were(key: Any) -> None:
    metadata = {} if key is None else {"uo_shipment_401": key}
    item = _shipment()
    order = {"number": "10001", "metadata": metadata, "fulfillments": [item, {"id": None}]}
    (fast,) = shipments.fulfillments_from_platform(order)
    plain = shipments.fulfillment_from_platform({**item, "order_number": "10001"})
    if isinstance(key, str) and key:
        plain = plain.model_copy(update={"idempotency_key": key})
    assert fast == plain
    assert fast.raw == plain.raw
    assert fast.model_fields_set == plain.model_fields_set
    assert list(fast.__dict__) == list(plain.__dict__)
    for one, other in zip(fast.lines + fast.tracking, plain.lines + plain.tracking, strict=True):  # type: ignore[operator]
        assert one.model_fields_set == other.model_fields_set
