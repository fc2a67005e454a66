"""Values in Next Commerce bodies: money strings with their report twins, ids, counts, times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from unified_orders.errors import InvalidRequest, Problem
from unified_orders.models import Money

from ..rules import money_string

__all__ = [
    "PLATFORM",
    "count_of",
    "datetime_of",
    "decimal_of",
    "id_of",
    "key_of",
    "money",
    "money_of",
    "money_string",
    "platform_int",
    "report_twin",
]

PLATFORM = "nextcommerce"


def decimal_of(value: Any) -> Decimal:
    """A Decimal from a decimal string (empty or missing: zero)."""
    if type(value) is str and value:
        return Decimal(value)  # the usual case: a decimal string
    if value is None or value == "":
        return Decimal("0.00")
    if isinstance(value, float):  # never produced by jsonutil.loads; refuse to guess
        raise TypeError("Next Commerce amounts must not be floats")
    return Decimal(str(value))


def money(
    value: Any, currency: str, report: Mapping[str, Any] | None = None, key: str = ""
) -> Money:
    """Money from a decimal string, with its ``report_values`` twin as ``shop``.

    ``shop`` is left out where the report figure is the same amount in the same currency (the
    store reports in the order's currency): the amount already is the shop-currency figure.
    """
    amount = Decimal(value) if type(value) is str and value else decimal_of(value)
    shop = report_twin(amount, currency, report, key, value) if report else None
    return money_of(amount, currency, shop)


def money_of(amount: Decimal, currency: str, shop: Money | None = None) -> Money:
    """``Money.of(amount, currency, shop=shop)``; a zero without a twin (discounts, untaxed lines)
    is one shared instance per currency and spelling (Money is frozen)."""
    if (
        shop is not None
        or type(amount) is not Decimal
        or type(currency) is not str
        or not amount.is_zero()
    ):
        return Money.of(amount, currency, shop=shop)
    key = (currency, str(amount))  # "0.00" and "0" are different Decimals
    found = _ZEROS.get(key)
    if found is None:
        if len(_ZEROS) >= 256:
            _ZEROS.clear()
        found = _ZEROS[key] = Money.of(amount, currency)
    return found


_ZEROS: dict[tuple[str, str], Money] = {}


def report_twin(
    amount: Decimal,
    currency: str,
    report: Mapping[str, Any] | None,
    key: str,
    spelled: Any = None,
) -> Money | None:
    """The ``shop`` of :func:`money` for ``amount`` (read from the string ``spelled``, where
    given): its ``report_values`` figure, where that is another amount or another currency."""
    if not report:
        return None
    report_currency = report.get("currency")
    report_value = report.get(key)
    if report_currency and report_value is not None:
        if report_currency == currency and type(currency) is str:
            # the usual report in the order's currency: only another amount makes a twin
            if report_value == spelled and type(spelled) is str:
                return None  # the same figure, spelled the same: no need to read it again
            shop_amount = _report_amount(report_value)
            return None if shop_amount == amount else Money.of(shop_amount, currency.upper())
        shop_amount, shop_currency = _report_amount(report_value), str(report_currency).upper()
        if shop_currency != currency.upper() or shop_amount != amount:
            return Money.of(shop_amount, shop_currency)
    return None


def _report_amount(value: Any) -> Decimal:
    return Decimal(value) if type(value) is str and value else decimal_of(value)


def count_of(value: Any) -> int:
    """Coerce the spec's string-typed quantities (``"2"``) to int."""
    if type(value) is int:
        return value
    if value is None or value == "":
        return 0
    if type(value) is str:
        try:
            return int(value)  # the usual "2"; "2.0" and the like go through Decimal
        except ValueError:
            pass
    return int(Decimal(str(value)))


def id_of(value: Any) -> str | None:
    """An id as a string (None when missing)."""
    return None if value is None or value == "" else str(value)


def key_of(body: Mapping[str, Any], name: str) -> str:
    """A required id (``id``, ``number``, ``line_id``...) as a string; a missing or null one is
    refused (never read as the id ``"None"``)."""
    value = body[name]
    kind = type(value)
    if kind is int or (kind is str and value):
        return str(value)  # the usual id
    if value is None or value == "" or isinstance(value, bool | dict | list):
        raise ValueError(f"{name} is {value!r}, not an id")
    return str(value)


def datetime_of(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` allowed) as a datetime (None when missing)."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def platform_int(value: str, what: str) -> int:
    """A canonical id as the platform's integer id; InvalidRequest at ``what`` if it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(
            [Problem(what, f"Next Commerce ids are integers; {value!r} is not one")]
        ) from None
