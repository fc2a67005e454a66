"""Shopify's words and values as both dialects read them: ids, times, money values, statuses.

Statuses are keyed by their REST spelling (lower case); the GraphQL dialect lower-cases its enum
values first, so both dialects report the same ``platform_*`` strings. Nothing here does I/O.

- Ids are strings in canonical models. On the wire REST ids are JSON integers (as Shopify
  documents them) and GraphQL ids GIDs; Python ints are exact at any size, so nothing passes
  through a float.
- Money values arrive as decimal strings (or JSON numbers read as Decimal), never as floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from unified_orders.errors import InvalidRequest, PlatformError, Problem
from unified_orders.models import (
    FulfillmentOrderStatus,
    FulfillmentStatus,
    Money,
    Restock,
    TransactionStatus,
)

__all__ = [
    "FULFILLMENT_ORDER_STATUS",
    "FULFILLMENT_STATUS",
    "PLATFORM",
    "amount_of",
    "blank",
    "legacy_id",
    "money_of",
    "numeric_id",
    "parse_time",
    "platform_id",
    "restock_of",
    "transaction_status",
    "unwrap_gid",
]

PLATFORM = "shopify"

#: A fulfillment order's ``status`` (REST spelling) as the canonical status.
FULFILLMENT_ORDER_STATUS = {
    "open": FulfillmentOrderStatus.OPEN,
    "in_progress": FulfillmentOrderStatus.IN_PROGRESS,
    "scheduled": FulfillmentOrderStatus.SCHEDULED,
    "on_hold": FulfillmentOrderStatus.ON_HOLD,
    "incomplete": FulfillmentOrderStatus.INCOMPLETE,
    "closed": FulfillmentOrderStatus.CLOSED,
    "cancelled": FulfillmentOrderStatus.CANCELED,
}

#: An order's ``fulfillment_status`` (REST spelling; None when nothing shipped) as canonical.
FULFILLMENT_STATUS: dict[str | None, FulfillmentStatus] = {
    None: FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    # "Every line item in the order has been restocked and the order canceled" (REST Order docs).
    "restocked": FulfillmentStatus.CANCELED,
}

#: Transaction statuses beyond the canonical words: GraphQL ``OrderTransactionStatus`` adds
#: ``AWAITING_RESPONSE`` (the gateway has not answered yet: the money has not moved, so pending).
_TRANSACTION_STATUS = {"awaiting_response": TransactionStatus.PENDING}

_RESTOCK = {
    "no_restock": Restock.NO_RESTOCK,
    "cancel": Restock.CANCEL,
    "return": Restock.RETURN,
    # Historic refunds: "restocked, without a location". Read only; never sent. The units were
    # put back into stock, which is what a return restock does.
    "legacy_restock": Restock.RETURN,
}


def numeric_id(value: str, what: str = "id") -> int:
    """A canonical (string) id, or a GID, as the number Shopify knows it by; exact at any size.

    Raises InvalidRequest (naming ``what``) before any request when it is not one.
    """
    text = str(value).strip()
    if text.startswith("gid://shopify/"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    if not text.isdigit():
        raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify id (digits expected)")])
    return int(text)


def unwrap_gid(value: str, types: tuple[str, ...], what: str = "id") -> str:
    """A GID of one of ``types`` (``gid://shopify/LineItem/1``) as its number (``"1"``); any other
    text as it is (the dialect checks it is digits). A GID of another type is refused, naming it,
    before any request."""
    text = value.strip()
    if not text.startswith("gid://"):
        return text
    kind, _, number = text.removeprefix("gid://shopify/").partition("/")
    number = number.split("?", 1)[0]
    if text.startswith("gid://shopify/") and kind in types and number.isdigit():
        return number
    wanted = " or ".join(f"gid://shopify/{t}/N" for t in types)
    raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify {types[0]} id ({wanted})")])


def platform_id(value: Any) -> str | None:
    """A platform id (JSON int or string) as a canonical string; None and ``""`` are None."""
    if value is None or value == "":
        return None
    if isinstance(value, float):  # pragma: no cover - jsonutil never yields floats
        raise TypeError("ids must never pass through a float")
    return str(value)


def legacy_id(gid: Any) -> str | None:
    """The number at the end of a GID (``gid://shopify/Order/1`` -> ``"1"``); None and ``""``
    are None."""
    return str(gid).rsplit("/", 1)[-1].split("?", 1)[0] if gid else None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp; None when absent."""
    if not value:
        return None
    return datetime.fromisoformat(str(value))


def blank(value: Any) -> str | None:
    """A text field, None when absent or only whitespace."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def amount_of(value: Any) -> Decimal | str | int:
    """A money value as read: a decimal string, an int, or a Decimal (JSON numbers); None is 0."""
    if value is None:
        return "0"
    if isinstance(value, Decimal | int | str):
        return value
    raise TypeError(f"unexpected money value {value!r}")  # pragma: no cover - floats never arrive


def money_of(value: Any, currency: str) -> Money:
    """Money from one money value (None is zero, as ``"0"``)."""
    return Money.of(amount_of(value), currency)


def restock_of(value: Any) -> Restock:
    """A refund line's ``restock_type`` (REST spelling) as canonical; PlatformError if unknown."""
    try:
        return _RESTOCK[str(value)]
    except KeyError:
        raise PlatformError(
            f"unknown restock_type {value!r} in a refund", platform=PLATFORM
        ) from None


def transaction_status(value: Any) -> TransactionStatus:
    """A transaction's ``status`` (REST spelling, or a GraphQL enum lower-cased) as canonical:
    ``pending``/``awaiting_response`` pending, ``failure``/``error`` as they are, anything
    unrecognised ``unknown``."""
    word = str(value or "").lower()
    if word in _TRANSACTION_STATUS:
        return _TRANSACTION_STATUS[word]
    return TransactionStatus(TransactionStatus.parse(word or None))
