"""Money: an exact Decimal amount with a currency, rounded by the currency's minor unit.

Currency codes and minor units come from :mod:`.currencies` (ISO 4217, current and withdrawn). A
code no table knows is still readable: its amounts keep the decimals the platform sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer, field_validator

from . import slots
from .currencies import currency_code, known_minor_unit, minor_unit

__all__ = ["Money", "MoneyTypeError", "minor_unit", "to_decimal"]

_new, _set_dict, _set_fields = slots.new, slots.set_dict, slots.set_fields
_set_extra, _set_private = slots.set_extra, slots.set_private


class MoneyTypeError(TypeError, ValueError):
    """A money amount of the wrong type (a float, a bool). A ValueError too, so pydantic reports it."""


# Platforms repeat a handful of codes: each is checked once (refusals are not cached).
_currency_code = lru_cache(maxsize=1024)(currency_code)


def to_decimal(value: Any, *, what: str = "amount") -> Decimal:
    """Turn a str, int or Decimal into a Decimal; refuse floats (they cannot hold cents exactly)."""
    if isinstance(value, bool):
        raise MoneyTypeError(f"{what} must be a decimal string, int or Decimal, not a bool")
    if isinstance(value, float):
        raise MoneyTypeError(
            f"{what} {value!r} is a float; floats cannot represent money exactly. "
            f"Pass a string such as '{value}' or a decimal.Decimal instead."
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a decimal number") from None
    else:
        raise MoneyTypeError(
            f"{what} must be a decimal string, int or Decimal, not {type(value).__name__}"
        )
    if not result.is_finite():
        raise ValueError(f"{what} {value!r} is not a finite number")
    return result


class Money(BaseModel):
    """An exact amount in one currency.

    ``amount`` is a Decimal and is never built from a float. ``currency`` is an ISO 4217 code,
    current or withdrawn, or any other code a platform reports (``USDC``).
    ``shop`` is the same amount in the shop's own currency, where the platform reports both
    (Shopify ``*_set`` bags, Next Commerce ``report_values``); refunds use the outer
    (presentment) amount, reporting uses ``shop``.
    """

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    currency: str
    shop: Money | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _exact_amount(cls, value: Any) -> Decimal:
        return to_decimal(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _iso_currency(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError("currency must be an ISO 4217 code such as 'USD'")
        return _currency_code(value)

    @field_serializer("amount")
    def _amount_as_string(self, amount: Decimal) -> str:
        return str(amount)

    @classmethod
    def of(cls, amount: Any, currency: str, *, shop: Money | None = None) -> Money:
        """Build Money from a decimal string, int or Decimal."""
        if not isinstance(currency, str):
            raise TypeError("currency must be an ISO 4217 code such as 'USD'")
        if shop is not None and not isinstance(shop, Money):
            raise TypeError("shop must be Money")
        kind = type(amount)
        if kind is str:
            try:
                exact = Decimal(amount)  # what to_decimal does for a str (spaces allowed)
            except InvalidOperation:
                exact = to_decimal(amount)  # raises its ValueError
            if not exact.is_finite():
                exact = to_decimal(amount)  # raises
            amount = exact
        elif kind is not Decimal or not amount.is_finite():
            amount = to_decimal(amount)
        if cls is Money:
            return _money(amount, _currency_code(currency), shop)
        return cls._make(amount, _currency_code(currency), shop)

    @classmethod
    def _make(
        cls,
        amount: Decimal,
        currency: str,
        shop: Money | None,
        fields: set[str] | None = None,
    ) -> Money:
        # The hot path of translation: every argument is already checked, so set the instance
        # state pydantic would set, without re-validating (model_construct is slower still).
        # ``fields`` is the fields-set pydantic would record (all three by default).
        money = _new(cls)
        _set_dict(money, {"amount": amount, "currency": currency, "shop": shop})
        _set_fields(money, _FIELDS if fields is None else fields)
        _set_extra(money, None)
        _set_private(money, None)
        return money

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``, at the currency's precision."""
        if cls is Money and type(currency) is str:
            # one shared instance per code: Money is frozen (model_copy copies)
            found = _ZEROS.get(currency)
            if found is None:
                found = _ZEROS[currency] = cls._zero(currency)
                if len(_ZEROS) > 1024:
                    _ZEROS.clear()
            return found
        return cls._zero(currency)

    @classmethod
    def _zero(cls, currency: str) -> Money:
        digits = known_minor_unit(currency) if isinstance(currency, str) else None
        amount = Decimal(0).scaleb(-digits) if digits is not None else Decimal(0)
        if isinstance(currency, str):
            # what validation would do: the code checked and upper-cased; shop left unset
            return cls._make(amount, _currency_code(currency), None, _AMOUNT_CURRENCY)
        return cls(amount=amount, currency=currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Add Money values of one currency; an empty iterable is zero."""
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    @property
    def minor_unit(self) -> int:
        """Digits after the decimal point for this currency; for a code no table knows, the
        decimals this amount carries (the platform's own rounding)."""
        digits = known_minor_unit(self.currency)
        if digits is None:
            exponent = self.amount.as_tuple().exponent
            return max(-exponent, 0) if isinstance(exponent, int) else 0
        return digits

    @property
    def rounding_known(self) -> bool:
        """Whether a table knows this currency's minor unit (so new amounts can be rounded)."""
        return known_minor_unit(self.currency) is not None

    @property
    def quantum(self) -> Decimal:
        """The smallest unit of this currency (0.01 for USD, 1 for JPY, 0.001 for KWD)."""
        return Decimal(1).scaleb(-self.minor_unit)

    def rounded(self) -> Money:
        """Round half-up to the currency's minor unit (the commercial rule)."""
        shop = self.shop.rounded() if self.shop is not None else None
        amount = self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP)
        if type(self) is Money and type(self.currency) is str:
            # the fields are already valid (a Decimal, a checked code, Money or None)
            return Money._make(amount, _currency_code(self.currency), shop)
        return Money(amount=amount, currency=self.currency, shop=shop)

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount == 0

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")
        return other

    def _shop_combine(self, other: Money, sign: int) -> Money | None:
        if self.shop is None or other.shop is None or self.shop.currency != other.shop.currency:
            return None
        amount = self.shop.amount + sign * other.shop.amount
        return _money(amount, self.shop.currency, None)

    def __add__(self, other: object) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            other = self._check(other)
        shop, other_shop = self.shop, other.shop
        if shop is not None and other_shop is not None and shop.currency == other_shop.currency:
            shop = _money(shop.amount + other_shop.amount, shop.currency, None)
        else:
            shop = None
        return _money(self.amount + other.amount, self.currency, shop)

    def __sub__(self, other: object) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            other = self._check(other)
        shop, other_shop = self.shop, other.shop
        if shop is not None and other_shop is not None and shop.currency == other_shop.currency:
            shop = _money(shop.amount - other_shop.amount, shop.currency, None)
        else:
            shop = None
        return _money(self.amount - other.amount, self.currency, shop)

    def __neg__(self) -> Money:
        shop = -self.shop if self.shop is not None else None
        return _money(-self.amount, self.currency, shop)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, float) or not isinstance(factor, int | Decimal):
            raise TypeError("Money can be multiplied by an int or a Decimal only")
        shop = self.shop * factor if self.shop is not None else None
        return _money(self.amount * factor, self.currency, shop)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: object) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: object) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: object) -> bool:
        return self.amount >= self._check(other).amount

    def allocate(self, weights: Sequence[Decimal | int]) -> list[Money]:
        """Split this amount in proportion to ``weights``, each part rounded to the minor unit.

        The parts always sum to the rounded total exactly. Rounding remainders go one quantum at a
        time to the parts with the largest fractional remainders; ties go to the earlier part, so
        the result depends only on the inputs (largest-remainder method).
        """
        if not weights:
            raise ValueError("allocate needs at least one weight")
        if any(Decimal(w) < 0 for w in weights):
            raise ValueError("allocation weights must not be negative")
        total = self.rounded().amount
        quantum = self.quantum
        weight_sum = sum((Decimal(w) for w in weights), Decimal(0))
        if weight_sum == 0:
            raise ValueError("allocation weights must not all be zero")
        units = int((total / quantum).to_integral_value())
        exact = [Decimal(units) * Decimal(w) / weight_sum for w in weights]
        floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
        remainder = units - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
        for index in order[: abs(remainder)]:
            floors[index] += 1 if remainder > 0 else -1
        return [Money(amount=Decimal(f) * quantum, currency=self.currency) for f in floors]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# Fields-sets shared by every Money built here: pydantic wants a set (``exclude_unset`` fails on a
# frozenset) and copies it before changing it (``model_copy``); Money is frozen otherwise.
_FIELDS = set(Money.model_fields)
_AMOUNT_CURRENCY = {"amount", "currency"}
_ZEROS: dict[str, Money] = {}


def _money(amount: Decimal, currency: str, shop: Money | None) -> Money:
    """``Money._make`` for the arithmetic: a plain Money, every field set."""
    money = _new(Money)
    _set_dict(money, {"amount": amount, "currency": currency, "shop": shop})
    _set_fields(money, _FIELDS)
    _set_extra(money, None)
    _set_private(money, None)
    return money
