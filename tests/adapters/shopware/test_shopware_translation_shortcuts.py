"""The Shopware translator's shortcuts build exactly what the plain ways build.

An order read in the shop's own currency gets ``shop_currency`` as it is built (not by a copy,
:func:`with_shop_amounts`); a capture without refunds can refund its amount (not the amount less
a zero); whole tax rates are looked up; the state walk along the state paths looks up the shorter
of a node's keys and the paths; ids are checked by stripping hex digits; tax entries are read
without copies; amounts in the shop's currency are filled in by a walk that skips plain values
and copies without pydantic's copy steps. Each must equal the plain way value for value and type for type (Decimal digits,
fields set, field order), for every demo order, every recorded order and a few edge values; an
order's update time read from the same text as its creation time is the same datetime.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from unified_orders_adapters.shopware import platform
from unified_orders_adapters.shopware import translate as t
from unified_orders_adapters.shopware.translate import orders

import unified_orders as uo
from unified_orders.jsonutil import loads
from unified_orders.models import Money
from unified_orders.testing.identical import assert_identical

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "shopware"
SHOPS = [t.ShopCurrency("EUR", 2), t.ShopCurrency("USD", 2), t.ShopCurrency("JPY", 0)]


def _order_hits() -> list[dict[str, Any]]:
    """Every demo order (default and seed 30) and every order in the cassettes."""
    hits: list[dict[str, Any]] = []
    with uo.connect("shopware", sandbox=True) as store:
        emulator = store.sandbox
        assert emulator is not None
        hits += [dict(order.raw) for order in store.orders.list()]
        emulator.seed_orders(30)  # type: ignore[attr-defined]
        hits += [dict(order.raw) for order in store.orders.list()]
    for cassette in sorted(CASSETTES.glob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            text = interaction["response"]["body"]["string"]
            body = loads(text) if text else None
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, list):
                hits += [hit for hit in data if isinstance(hit, dict) and "orderNumber" in hit]
    return hits


def _plain_refundable(capture: dict[str, Any], cur: t.Amounts) -> Money:
    amount = cur((capture.get("amount") or {}).get("totalPrice"))
    spent = cur.sum(
        cur((r.get("amount") or {}).get("totalPrice"))
        for r in capture.get("refunds") or []
        if (t.state_name(r) or "open") not in {"failed", "cancelled"}
    )
    left = amount - spent
    return left if left.amount > 0 else cur.zero()


def test_orders_in_the_shop_currency_are_built_as_the_copy_builds_them() -> None:
    hits = _order_hits()
    assert len(hits) > 30
    for hit in hits:
        for shop in SHOPS:
            plain = t.with_shop_amounts(t.order_from_platform(hit), hit, shop)
            assert_identical(t.order_from_platform(hit, shop), plain, f"{hit['id']} {shop.code}")
        assert_identical(
            t.order_from_platform(hit, None), t.order_from_platform(hit), str(hit["id"])
        )


def _plain_shop_amounts(order: uo.Order, raw: dict[str, Any], shop: t.ShopCurrency) -> uo.Order:
    """What ``with_shop_amounts`` built before its walk was made faster (the reference)."""
    from pydantic import BaseModel

    if order.currency == shop.code:
        return order.model_copy(update={"shop_currency": shop.code})
    factor = t.shop_currency._factor(raw)
    if factor is None:
        return order
    target = t.Amounts(shop.code, shop.decimals)

    def convert(money: Money) -> Money:
        return Money.of(money.amount, money.currency, shop=target(money.amount / factor))

    def walk(model: Any) -> Any:
        updates = {}
        for name in type(model).model_fields:
            if name == "raw":
                continue
            value = getattr(model, name)
            new = value_of(value)
            if new is not value:
                updates[name] = new
        return model.model_copy(update=updates) if updates else model

    def value_of(value: Any) -> Any:
        if isinstance(value, Money):
            if value.currency == order.currency and value.shop is None:
                return convert(value)
            return value
        if isinstance(value, BaseModel):
            return walk(value)
        if isinstance(value, list):
            items = [value_of(item) for item in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        return value

    return walk(order).model_copy(update={"shop_currency": shop.code})


def test_amounts_in_the_shop_currency_are_filled_in_as_the_plain_walk_fills_them() -> None:
    foreign = 0
    for hit in _order_hits():
        order = t.order_from_platform(hit)
        for shop in SHOPS:
            converted = t.with_shop_amounts(order, hit, shop)
            assert_identical(converted, _plain_shop_amounts(order, hit, shop), f"{hit['id']}")
            foreign += converted.currency != shop.code and converted.total.shop is not None
    assert foreign > 30  # most orders are converted into at least two of the shops' currencies


def test_order_times_are_read_from_their_own_texts() -> None:
    for hit in [*_order_hits(), {"id": "1" * 32, "createdAt": "2025-01-01T00:00:00Z"}]:
        order = t.order_from_platform(hit)
        created = hit.get("orderDateTime") or hit.get("createdAt")
        updated = hit.get("updatedAt") or hit.get("createdAt")
        assert order.created_at == platform.parse_time(created)
        assert order.updated_at == platform.parse_time(updated)
        assert type(order.updated_at) is type(platform.parse_time(updated))


def test_demo_and_recorded_captures_refund_as_the_operators_say() -> None:
    for hit in _order_hits():
        cur = t.order_amounts(hit)
        for txn in hit.get("transactions") or []:
            for capture in txn.get("captures") or []:
                assert_identical(
                    t.capture_refundable(capture, cur), _plain_refundable(capture, cur), "cap"
                )


@pytest.mark.parametrize(
    "amount", [70, "70.5", Decimal("7E+1"), Decimal("-0.00"), Decimal("0"), Decimal("1.005")]
)
@pytest.mark.parametrize(
    "cur", [t.Amounts("EUR"), t.Amounts("JPY"), t.Amounts("USDC", 3), t.Amounts("USDC")]
)
def test_a_capture_without_refunds_refunds_its_amount_digit_for_digit(
    amount: Any, cur: t.Amounts
) -> None:
    for refunds in ([], None, [{"amount": {"totalPrice": 1}, "stateMachineState": None}]):
        capture = {"id": "c" * 32, "amount": {"totalPrice": amount}, "refunds": refunds}
        assert_identical(
            t.capture_refundable(capture, cur), _plain_refundable(capture, cur), str(amount)
        )


def test_whole_tax_rates_read_as_computed() -> None:
    for percent in [*range(-999, 1000, 7), 0, 19, 7, 100, 10**6, True]:
        plain = str((platform.dec(percent) / 100).normalize()) if percent is not True else None
        if percent is True:
            with pytest.raises(TypeError):
                orders._rate_of([{"taxRate": True}])
            continue
        assert orders._rate_of([{"taxRate": percent}]) == plain
    assert orders._rate_of([{"taxRate": Decimal("7.50")}]) == "0.075"
    assert orders._rate_of([]) is None


def test_tax_entries_are_the_calculated_taxes() -> None:
    for price in [
        None,
        {},
        {"calculatedTaxes": None},
        {"calculatedTaxes": [{"tax": 1, "taxRate": 19}]},
        {"calculatedTaxes": {"19": {"tax": 1, "taxRate": 19}, "7": {"tax": 2, "taxRate": 7}}},
    ]:
        assert platform.tax_entries(price) == platform.calculated_taxes(price)
    with pytest.raises(TypeError):
        platform.tax_entries({"calculatedTaxes": [1]})
    with pytest.raises(TypeError):
        platform.calculated_taxes({"calculatedTaxes": [1]})


def test_ids_are_checked_as_every_character_was() -> None:
    for value in ["a" * 32, "0123456789abcdef" * 2, "A" * 32, "g" * 32, "a" * 31 + " ", "", "a"]:
        plain = len(value) == 32 and all(c in "0123456789abcdef" for c in value)
        assert platform.is_id(value) is plain, value
    assert not platform.is_id("a" * 15 + "-" + "a" * 16)
