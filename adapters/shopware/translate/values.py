"""The small Shopware values the translation is made of: money, times, prices, state names.

Money: Shopware prices are ``CalculatedPrice`` (``unitPrice``, ``totalPrice``, ``quantity``,
``calculatedTaxes``) and ``CartPrice`` (``netPrice``, ``totalPrice``, ``positionPrice``,
``taxStatus``). Amounts arrive as JSON numbers; :class:`Amounts` (and :func:`money`) make them exact
in the order's currency: rounded by the currency's minor unit where a table knows it (ISO 4217,
current or withdrawn such as BGN), else by the shop's own ``itemRounding.decimals``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

from unified_orders.models import Money
from unified_orders.models.currencies import currency_code, known_minor_unit
from unified_orders.models.money import _money

from ..platform import dec

__all__ = [
    "EXTERNAL_PREFIX",
    "SHIPPED_FIELD",
    "Amounts",
    "amounts_of",
    "calculated_price",
    "iso_time",
    "money",
    "order_amounts",
    "rounding_decimals",
    "state_name",
    "storage_time",
    "taxes_object",
]

EXTERNAL_PREFIX = "unified-orders:"
"""``externalReference`` prefix of the capture refunds this library writes (then the key)."""
SHIPPED_FIELD = "unified_orders_shipped"
"""``order_delivery.customFields`` key where per-line shipped quantities are kept (core has none)."""


@lru_cache(maxsize=256)
def _quantum(currency: str, decimals: int | None) -> tuple[str, Decimal | None]:
    """The checked code of ``currency`` and the unit its amounts are rounded to (None: as sent)."""
    code = currency_code(currency)
    digits = known_minor_unit(code)
    if digits is None:
        digits = decimals
    return code, (Decimal(1).scaleb(-digits) if digits is not None else None)


@dataclass(frozen=True)
class Amounts:
    """How one order's JSON amounts become Money.

    ``decimals`` is the shop's own ``itemRounding.decimals``: used only for a currency no table
    knows (a code ISO never had, such as ``USDC``), whose amounts are otherwise kept as sent.
    """

    currency: str
    decimals: int | None = None

    def __call__(self, value: Any) -> Money:
        """``value`` (a JSON number) as exact Money in this currency."""
        amount = value if type(value) is Decimal else dec(value)
        if not amount.is_finite():
            return Money.of(amount, self.currency)  # refused there, as Money refuses it
        code, quantum = self._rounding
        if quantum is not None:
            amount = amount.quantize(quantum, ROUND_HALF_UP)
        # what Money.of would build: the amount is exact and finite, the code checked
        return _money(amount, code, None)

    @cached_property
    def _rounding(self) -> tuple[str, Decimal | None]:
        return _quantum(self.currency, self.decimals)

    @property
    def rounds(self) -> bool:
        """Whether amounts are rounded to a unit (then every one has exactly the unit's digits)."""
        return self._rounding[1] is not None

    @cached_property
    def _zero(self) -> Money:
        return self(0)

    def zero(self) -> Money:
        """Zero in this currency, at its precision (one shared instance: Money is frozen)."""
        return self._zero

    def sum(self, items: Iterable[Money]) -> Money:
        """Add Money values of this currency; an empty iterable is zero."""
        return Money.sum(items, self.currency)


def amounts_of(currency: str | Amounts) -> Amounts:
    """``currency`` as :class:`Amounts` (a bare code keeps what the tables know)."""
    return currency if isinstance(currency, Amounts) else Amounts(currency)


def money(value: Any, currency: str | Amounts) -> Money:
    """Money rounded to the currency's minor unit (Shopware stores floats; this makes cents exact)."""
    if not isinstance(currency, str):
        return currency(value)
    amount = dec(value)
    if not amount.is_finite():
        return Money.of(amount, currency)  # refused there, as Money refuses it
    code, quantum = _quantum(currency, None)
    if quantum is not None:
        amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    return Money._make(amount, code, None)  # as Money.of: exact, finite, the code checked


def rounding_decimals(rounding: Any) -> int | None:
    """``decimals`` of a ``CashRoundingConfig`` (``itemRounding``), where it is a usable int."""
    if type(rounding) is not dict and not isinstance(rounding, Mapping):
        return None
    decimals = rounding.get("decimals")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 18:
        return None
    return decimals


def order_amounts(order: Mapping[str, Any]) -> Amounts:
    """The :class:`Amounts` of an ``order`` (its currency association and ``itemRounding``)."""
    currency = order.get("currency") or {}
    code = str(currency.get("isoCode") or "EUR")
    decimals = rounding_decimals(order.get("itemRounding"))
    if decimals is None:
        decimals = rounding_decimals(currency.get("itemRounding"))
    return _shared_amounts(code, decimals)


@lru_cache(maxsize=256)
def _shared_amounts(code: str, decimals: int | None) -> Amounts:
    """One :class:`Amounts` per currency and rounding: it is frozen, and it keeps its rounding
    unit and its zero once worked out."""
    return Amounts(code, decimals)


def storage_time(moment: datetime) -> str:
    """A datetime as Shopware's storage format (``Y-m-d H:i:s.v`` in UTC) for range filters."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def iso_time(moment: datetime) -> str:
    """A datetime as ISO 8601 with offset (how the Admin API writes ``orderDateTime``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def taxes_object(taxes: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``calculatedTaxes`` written as an object keyed by tax rate: the spec's shape, and one that
    PHP decodes to the same array a list gives."""
    result: dict[str, dict[str, Any]] = {}
    for tax in taxes:
        key = str(dec(tax["taxRate"]).normalize())
        if key in result:
            result[key] = {
                "tax": result[key]["tax"] + dec(tax["tax"]),
                "taxRate": result[key]["taxRate"],
                "price": result[key]["price"] + dec(tax["price"]),
            }
        else:
            result[key] = {
                "tax": dec(tax["tax"]),
                "taxRate": dec(tax["taxRate"]),
                "price": dec(tax["price"]),
            }
    return result


def calculated_price(
    unit: Decimal, total: Decimal, quantity: int, taxes: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A ``CalculatedPrice`` body."""
    tax_list = list(taxes)
    rules = [{"taxRate": dec(t["taxRate"]), "percentage": Decimal(100)} for t in tax_list]
    return {
        "unitPrice": unit,
        "totalPrice": total,
        "quantity": quantity,
        "calculatedTaxes": taxes_object(tax_list),
        "taxRules": {str(r["taxRate"].normalize()): r for r in rules},
    }


def state_name(entity: Mapping[str, Any] | None, key: str = "stateMachineState") -> str | None:
    """The technical name of an entity's loaded state association."""
    if not entity:
        return None
    state = entity.get(key)
    if type(state) is dict or isinstance(state, Mapping):  # a dict skips the ABC's check
        name = state.get("technicalName")
        return str(name) if name is not None else None
    return None
