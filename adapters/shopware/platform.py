"""Shopware facts both the adapter and the emulator read: ids, JSON numbers, times and taxes.

Ids are 32 lower-case hex characters (UUIDs without dashes); versioned entities carry the live
version id :data:`LIVE_VERSION`. Shopware writes amounts as JSON numbers and ``calculatedTaxes``
either as a list (real shops) or as an object keyed by tax rate (the published spec); both are
read here. Nothing in this module does I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = [
    "DEFAULT_CURRENCY",
    "ID_PATTERN",
    "LIVE_VERSION",
    "PLATFORM",
    "RETURNABLE_LINE_TYPES",
    "calculated_taxes",
    "dec",
    "is_id",
    "parse_time",
    "stable_id",
    "tax_entries",
    "tax_sum",
    "tax_total",
]

PLATFORM = "shopware"
LIVE_VERSION = "0fa91ce3e96a4bc2be4bd9ce752c3425"
"""The version id of live (not draft) rows of versioned entities such as ``order``."""
DEFAULT_CURRENCY = "b7d2554b0ce847cd82f3ac9bd1c0dfca"
"""``Defaults::CURRENCY``: the id of the shop's system default currency (its own currency, factor
1). The installer gives this row the currency chosen at setup; its id never changes."""
ID_PATTERN = "^[0-9a-f]{32}$"
RETURNABLE_LINE_TYPES = {"product", "custom", "container"}
"""Order line types Commercial returns accept."""

_NAMESPACE = uuid.UUID("6b0f1d0e-5a47-4c53-9a1b-3f3f0c3e7a11")


def stable_id(*parts: object) -> str:
    """A deterministic 32-hex id (UUIDv5) from the parts, so a resent write reuses its ids."""
    return uuid.uuid5(_NAMESPACE, "\x1f".join(str(p) for p in parts)).hex


def is_id(value: str) -> bool:
    """Whether ``value`` is a Shopware id: 32 lower-case hex characters."""
    # stripping every hex character from both ends leaves nothing only when all of them are
    return len(value) == 32 and not value.strip("0123456789abcdef")


def dec(value: Any) -> Decimal:
    """A Decimal from a JSON number (already Decimal or int) or a string; None is zero."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int | str):
        return Decimal(str(value))
    raise TypeError(f"not an amount: {value!r}")


def parse_time(value: Any) -> datetime | None:
    """A timezone-aware datetime from Shopware's ISO timestamps (UTC when no offset is given)."""
    if not value or not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def calculated_taxes(price: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``calculatedTaxes`` as a list.

    Real shops send a JSON array; the published spec types it as an object, which is what a
    collection keyed by tax rate looks like. Both are read.
    """
    if not price:
        return []
    taxes = price.get("calculatedTaxes") or []
    if isinstance(taxes, Mapping):
        return [dict(item) for item in taxes.values()]
    return [dict(item) for item in taxes]


def tax_entries(price: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """:func:`calculated_taxes` for reading only: the entries themselves, where they are dicts."""
    if not price:
        return []
    taxes = price.get("calculatedTaxes") or []
    if type(taxes) is dict or (type(taxes) is not list and isinstance(taxes, Mapping)):
        taxes = taxes.values()
    return [item if type(item) is dict else dict(item) for item in taxes]


def tax_total(price: Mapping[str, Any] | None) -> Decimal:
    """Sum of a price's calculated taxes."""
    return tax_sum(tax_entries(price))


def tax_sum(taxes: Iterable[Mapping[str, Any]]) -> Decimal:
    """Sum of calculated taxes (:func:`tax_entries`)."""
    total = Decimal(0)
    for tax in taxes:
        total += dec(tax.get("tax"))
    return total
