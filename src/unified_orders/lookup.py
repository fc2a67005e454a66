"""Finding orders by what a support ticket carries: an order number (``#1001``, ``10001``), an
email, a status. Pure functions over canonical orders; no I/O, no platform.

The listing filters of :class:`~unified_orders.adapter.OrderQuery` are applied here exactly, on
every page, whatever the platform filtered on its side: a platform filter only narrows what is
read, it never decides what matches. So a platform whose search is looser than ours costs reads,
never a wrong answer, and one without a filter is paged through in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidRequest, Problem
from .models import Order, OrderStatus

__all__ = [
    "FILTERABLE_STATUSES",
    "IdKind",
    "OrderQuery",
    "OrderReference",
    "email_key",
    "email_matches",
    "is_number",
    "number_key",
    "number_matches",
    "order_status",
]

#: The statuses a listing can be filtered by (``unknown`` is no filter).
FILTERABLE_STATUSES = (OrderStatus.OPEN, OrderStatus.CLOSED, OrderStatus.CANCELED)


def is_number(text: str) -> bool:
    """Whether a reference is an order number whatever it looks like: it starts with ``#``."""
    return text.strip().startswith("#")


def number_key(text: str) -> str:
    """An order number as compared: trimmed, one leading ``#`` dropped, case-folded
    (``#1001``, ``1001`` and `` #1001 `` are the same number)."""
    return text.strip().removeprefix("#").strip().casefold()


def number_matches(order: Order, number: str) -> bool:
    """Whether ``order`` has the number ``number`` as the shop shows it (``#`` optional)."""
    return order.number is not None and number_key(order.number) == number_key(number)


def email_key(email: str) -> str:
    """An email as compared: trimmed and case-folded."""
    return email.strip().casefold()


def email_matches(order: Order, email: str) -> bool:
    """Whether ``order`` belongs to ``email`` (case-insensitive, whole address)."""
    return order.email is not None and email_key(order.email) == email_key(email)


def order_status(value: object, path: str = "status") -> OrderStatus:
    """A status to filter by: ``open``, ``closed`` or ``canceled`` (``cancelled`` too), else an
    :class:`InvalidRequest` naming the choices."""
    word = str(value.value if isinstance(value, OrderStatus) else value).strip().lower()
    word = "canceled" if word == "cancelled" else word
    for status in FILTERABLE_STATUSES:
        if status.value == word:
            return status
    choices = ", ".join(s.value for s in FILTERABLE_STATUSES)
    raise InvalidRequest([Problem(path, f"{value!r} is not one of {choices}")])


@dataclass(frozen=True)
class OrderQuery:
    """Filters for listing orders.

    ``number`` is the order number as the shop shows it (``#1001`` or ``1001`` on Shopify,
    ``10001`` on Shopware and Next Commerce), ``email`` the customer's email (whole address,
    any case), ``status`` an :class:`~unified_orders.OrderStatus` (open, closed, canceled). Each
    adapter filters on the platform where it can (see ``Adapter.order_filters``); every filter is
    also applied exactly to what comes back, so no platform answers more, or fewer, orders.
    """

    created_since: datetime | None = None
    updated_since: datetime | None = None
    created_until: datetime | None = None
    updated_until: datetime | None = None
    number: str | None = None
    email: str | None = None
    status: OrderStatus | None = None

    def matches(self, order: Order) -> bool:
        """Whether ``order`` passes the number, email and status filters (the time windows are
        the platform's to apply: their edges are platform rules)."""
        if self.number is not None and not number_matches(order, self.number):
            return False
        if self.email is not None and not email_matches(order, self.email):
            return False
        return self.status is None or order.status is self.status

    @property
    def narrows(self) -> bool:
        """Whether a number, email or status filter is set."""
        return self.number is not None or self.email is not None or self.status is not None


@dataclass(frozen=True)
class OrderReference:
    """What a reference to an order can be on a platform: an ``id`` (tried first), an order
    ``number`` (looked up when there is no id, or no order has that id), or both."""

    id: str | None = None
    number: str | None = None


class IdKind(StrEnum):
    """The kinds of ids callers hand in; a platform may accept several spellings of each (Shopify
    takes ``gid://shopify/LineItem/1`` for line ``1``)."""

    ORDER = "order"
    LINE = "line"
    FULFILLMENT_ORDER = "fulfillment_order"
    FULFILLMENT_ORDER_LINE = "fulfillment_order_line"
    LOCATION = "location"
    RETURN = "return"
    REFUND = "refund"
    TRANSACTION = "transaction"
