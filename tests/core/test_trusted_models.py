"""The translators' trusted build of canonical models is the validated build, value for value.

``CanonicalModel.trusted`` skips pydantic validation for values a translator already checked. For
every sandbox demo order and every order recorded in the Next Commerce and Shopware cassettes,
the order translated with it must equal the one translated with validation everywhere (same
values, same types all the way down, same fields set), and re-validating its dump must give it
back. Values that validation would change or refuse still go through validation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError
from unified_orders_adapters.nextcommerce import translate as nc
from unified_orders_adapters.shopware import translate as sw

import unified_orders as uo
from unified_orders.jsonutil import loads
from unified_orders.models import (
    Address,
    CanonicalModel,
    FinancialStatus,
    Money,
    Order,
    OrderStatus,
    Transaction,
)
from unified_orders.models.identities import OrderAmounts

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
Translator = Callable[[Mapping[str, Any]], Order]


def _validated(cls: type[CanonicalModel], **fields: Any) -> CanonicalModel:
    return cls(**fields)


def _same(trusted: Any, validated: Any, path: str = "order", *, fields_set: bool = True) -> None:
    """Equal values of identical types all the way down (Decimals with the same digits)."""
    assert type(trusted) is type(validated), path
    if isinstance(trusted, BaseModel):
        if fields_set:
            assert trusted.model_fields_set == validated.model_fields_set, path
        assert list(trusted.__dict__) == list(validated.__dict__), path
        for name in type(trusted).model_fields:
            if name != "raw" or fields_set:  # dumps leave raw out
                _same(
                    getattr(trusted, name),
                    getattr(validated, name),
                    f"{path}.{name}",
                    fields_set=fields_set,
                )
    elif isinstance(trusted, list):
        assert len(trusted) == len(validated), path
        for index, (one, other) in enumerate(zip(trusted, validated, strict=True)):
            _same(one, other, f"{path}[{index}]", fields_set=fields_set)
    elif isinstance(trusted, Decimal):
        assert str(trusted) == str(validated), path
    else:
        assert trusted == validated, path


def _check(translate: Translator, raw: Mapping[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        trusted = translate(raw)
    except Exception as error:  # the validated build must refuse the same data the same way
        with monkeypatch.context() as patched:
            patched.setattr(CanonicalModel, "trusted", classmethod(_validated))
            with pytest.raises(type(error)):
                translate(raw)
        return
    with monkeypatch.context() as patched:
        patched.setattr(CanonicalModel, "trusted", classmethod(_validated))
        validated = translate(raw)
    _same(trusted, validated)
    assert trusted == validated
    # a dump of it validates back to the same order (all fields set then)
    _same(Order.model_validate(trusted.model_dump()), trusted, fields_set=False)


def _demo_raws(platform: str) -> list[dict[str, Any]]:
    with uo.connect(platform, sandbox=True) as store:
        emulator = store.sandbox
        assert emulator is not None
        found = [dict(order.raw) for order in store.orders.list()]
        emulator.seed_orders(30)  # type: ignore[attr-defined]
        found += [dict(order.raw) for order in store.orders.list()]
    assert found
    return found


def _bodies(platform: str) -> Iterator[Any]:
    for cassette in sorted((CASSETTES / platform).glob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            text = interaction["response"]["body"]["string"]
            if text:
                try:
                    yield loads(text)
                except ValueError:
                    continue


def _cassette_raws(platform: str, is_order: Callable[[Any], bool]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for body in _bodies(platform):
        items = [body]
        if isinstance(body, dict):
            items += list(body.get("results") or []) + list(body.get("data") or [])
        found += [item for item in items if is_order(item)]
    assert found, f"no orders in cassettes/{platform}"
    return found


def _nc_order(item: Any) -> bool:
    return isinstance(item, dict) and "number" in item and "lines" in item


def _sw_order(item: Any) -> bool:
    return isinstance(item, dict) and "orderNumber" in item and "lineItems" in item


@pytest.mark.parametrize(
    ("platform", "translate"),
    [("nextcommerce", nc.order_from_platform), ("shopware", sw.order_from_platform)],
)
def test_demo_orders_translate_the_same_trusted_or_validated(
    platform: str, translate: Translator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for raw in _demo_raws(platform):
        _check(translate, raw, monkeypatch)


@pytest.mark.parametrize(
    ("platform", "translate", "is_order"),
    [
        ("nextcommerce", nc.order_from_platform, _nc_order),
        ("shopware", sw.order_from_platform, _sw_order),
    ],
)
def test_cassette_orders_translate_the_same_trusted_or_validated(
    platform: str,
    translate: Translator,
    is_order: Callable[[Any], bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for raw in _cassette_raws(platform, is_order):
        _check(translate, raw, monkeypatch)


def test_a_trusted_build_sets_what_validation_sets() -> None:
    at = datetime(2024, 5, 1, 12, 0)
    fields: dict[str, Any] = {
        "id": "t1",
        "kind": uo.TransactionKind.CAPTURE,
        "status": uo.TransactionStatus.SUCCESS,
        "amount": Money.of("1.50", "EUR"),
        "created_at": at,
        "raw": {"id": "t1"},
    }
    trusted, validated = Transaction.trusted(**fields), Transaction(**fields)
    _same(trusted, validated, "transaction")
    assert trusted.raw == {"id": "t1"}
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)


def test_a_trusted_copy_is_the_copy_model_copy_makes() -> None:
    at = datetime(2024, 5, 1, 12, 0)
    original = Transaction.trusted(
        id="t1",
        kind=uo.TransactionKind.CAPTURE,
        status=uo.TransactionStatus.SUCCESS,
        amount=Money.of("1.50", "EUR"),
        created_at=at,
    )
    for update in ({}, {"amount": Money.of("2.00", "EUR")}, {"gateway": "manual", "raw": {"a": 1}}):
        fast, plain = original.trusted_copy(update), original.model_copy(update=update)
        _same(fast, plain, str(update))
        assert fast.__pydantic_fields_set__ is not original.__pydantic_fields_set__
        assert fast.raw == plain.raw
        assert fast.model_dump(exclude_unset=True) == plain.model_dump(exclude_unset=True)
    assert original.gateway is None  # the original is untouched


def test_defaults_are_fresh_per_trusted_instance() -> None:
    fields: dict[str, Any] = {
        "id": "1",
        "platform": "x",
        "currency": "EUR",
        "status": OrderStatus.OPEN,
        "shipping": Money.of(0, "EUR"),
        "subtotal": Money.of(0, "EUR"),
        "tax": Money.of(0, "EUR"),
        "total": Money.of(0, "EUR"),
    }
    one, two = Order.trusted(**fields), Order.trusted(**fields)
    assert one.lines == []
    assert one.lines is not two.lines
    assert one.financial_status is FinancialStatus.UNKNOWN
    _same(one, Order(**fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"city": 12},  # validation refuses an int where a str belongs
        {"city": ["x"]},
        {"town": "x"},  # unknown field: extra is forbidden
    ],
)
def test_values_validation_would_refuse_still_raise(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Address.trusted(**fields)


def test_values_validation_would_convert_are_converted() -> None:
    order = Order.trusted(
        id="1",
        platform="x",
        currency="EUR",
        status="open",  # a platform string, not the enum: validation converts it
        shipping=Money.of(0, "EUR"),
        subtotal=Money.of(0, "EUR"),
        tax=Money.of(0, "EUR"),
        total=Money.of(0, "EUR"),
    )
    assert order.status is OrderStatus.OPEN


def test_a_missing_required_field_still_raises() -> None:
    with pytest.raises(ValidationError):
        Transaction.trusted(id="t1", kind=uo.TransactionKind.CAPTURE)


def test_order_amount_fields_name_every_amount() -> None:
    money = Money.of(1, "EUR")
    amounts = OrderAmounts(
        subtotal=money,
        discount=None,
        shipping=money,
        shipping_tax=None,
        tax=money,
        total=money,
        taxes_included=True,
        adjustment=None,
        tax_adjustment=None,
    )
    fields = amounts.fields()
    assert set(fields) == {field.name for field in dataclasses.fields(OrderAmounts)}
    assert all(fields[name] is getattr(amounts, name) for name in fields)
    # in Order's field order: a build passing every field in order takes trusted's no-copy path
    in_order = [name for name in uo.Order.model_fields if name in fields]
    assert list(fields) == in_order


def test_models_with_validators_of_their_own_are_always_validated() -> None:
    line = uo.RefundLineRequest.trusted(line_id=7, quantity=1)  # its validator makes ids str
    assert line == uo.RefundLineRequest(line_id=7, quantity=1)
    assert line.line_id == "7"
    with pytest.raises(ValidationError):
        uo.RefundLineRequest.trusted(line_id="1", quantity=1, amount=Decimal("NaN"))
