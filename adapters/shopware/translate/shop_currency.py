"""Orders in another currency than the shop's: every amount also in the shop's own currency.

Shopware keeps an order's amounts in the currency the customer paid in and, beside them, the
``currencyFactor`` of that currency at order time: the shop's own currency (the system default,
factor 1) times the factor is the order's currency. :func:`with_shop_amounts` fills ``Money.shop``
on every amount of a canonical order from it, so reports add up in the shop's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel

from unified_orders.models import Money, Order

from ..platform import dec
from .values import Amounts

__all__ = ["ShopCurrency", "with_shop_amounts"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ShopCurrency:
    """The shop's own currency (``Defaults::CURRENCY``): its code and its ``itemRounding``."""

    code: str
    decimals: int | None = None


def _factor(raw: Mapping[str, Any]) -> Decimal | None:
    try:
        factor = dec(raw.get("currencyFactor"))
    except (TypeError, InvalidOperation):
        return None
    return factor if factor.is_finite() and factor > 0 else None


def with_shop_amounts(order: Order, raw: Mapping[str, Any], shop: ShopCurrency) -> Order:
    """``order`` with ``shop_currency`` set and, when it is in another currency, ``Money.shop``
    on every amount: the amount divided by the order's ``currencyFactor``, rounded half-up to the
    shop currency's unit. Without a usable factor the amounts are left as they are."""
    if order.currency == shop.code:
        return order.model_copy(update={"shop_currency": shop.code})
    factor = _factor(raw)
    if factor is None:
        return order
    target = Amounts(shop.code, shop.decimals)

    def convert(money: Money) -> Money:
        shop_amount = target(money.amount / factor)
        return Money.of(money.amount, money.currency, shop=shop_amount)

    converted = _walk(order, order.currency, convert)
    return converted.model_copy(update={"shop_currency": shop.code})


def _walk(model: M, currency: str, convert: Any) -> M:
    """``model`` with ``convert`` applied to every Money in ``currency`` below it (not ``raw``)."""
    updates: dict[str, Any] = {}
    for name in type(model).model_fields:
        if name == "raw":
            continue
        value = getattr(model, name)
        new = _value(value, currency, convert)
        if new is not value:
            updates[name] = new
    return model.model_copy(update=updates) if updates else model


def _value(value: Any, currency: str, convert: Any) -> Any:
    if isinstance(value, Money):
        return convert(value) if value.currency == currency and value.shop is None else value
    if isinstance(value, BaseModel):
        return _walk(value, currency, convert)
    if isinstance(value, list):
        items = [_value(item, currency, convert) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value
