"""Orders in another currency than the shop's: every amount also in the shop's own currency.

Shopware keeps an order's amounts in the currency the customer paid in and, beside them, the
``currencyFactor`` of that currency at order time: the shop's own currency (the system default,
factor 1) times the factor is the order's currency. :func:`with_shop_amounts` fills ``Money.shop``
on every amount of a canonical order from it, so reports add up in the shop's currency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel

from unified_orders.models import Money, Order
from unified_orders.models.base import CanonicalModel
from unified_orders.models.money import _money

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
        return order.trusted_copy({"shop_currency": shop.code})
    factor = _factor(raw)
    if factor is None:
        return order
    target = Amounts(shop.code, shop.decimals)

    def convert(money: Money) -> Money:
        # what Money.of builds: the amount and code come from a Money, so already checked
        return _money(money.amount, money.currency, target(money.amount / factor))

    return _walk(order, order.currency, convert, {"shop_currency": shop.code})


#: Field values with no Money below them, by exact type (enum members fall through to the checks).
_PLAIN = frozenset({str, int, bool, Decimal, datetime, date, type(None)})


def _walk(
    model: M, currency: str, convert: Callable[[Money], Money], extra: dict[str, Any] | None = None
) -> M:
    """``model`` with ``convert`` applied to every Money in ``currency`` below it (not ``raw``),
    and the ``extra`` updates."""
    updates = dict(extra) if extra else {}
    for name, value in model.__dict__.items():
        if type(value) in _PLAIN or name == "raw":
            continue
        new = _value(value, currency, convert)
        if new is not value:
            updates[name] = new
    if not updates:
        return model
    if isinstance(model, CanonicalModel):
        return model.trusted_copy(updates)
    return model.model_copy(update=updates)


def _value(value: Any, currency: str, convert: Callable[[Money], Money]) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Money:
        return convert(value) if value.currency == currency and value.shop is None else value
    if kind is list:
        items = [_value(item, currency, convert) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, BaseModel):
        return _walk(value, currency, convert)
    return value
