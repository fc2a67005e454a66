"""The order a call is about, and ids as callers give them: an order's id, GID or number
(``#1001``) resolved the same way for every operation, other ids in the platform's canonical
spelling, and listing filters checked before any request. Sans-I/O, like the operations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from .adapter import Adapter, Capability, IdKind, Op, OrderQuery, OrderReference
from .errors import InvalidRequest, NotFound, Problem
from .lookup import is_number, order_status
from .models import Order

__all__ = [
    "OrderElsewhere",
    "OrderRef",
    "by_order_id",
    "canonical",
    "check_query",
    "find_order",
    "fresh",
    "given_id",
    "lock_id",
    "reference",
]

T = TypeVar("T")

OrderRef = str | Order
"""An order: its id, its GID where the platform has them, its number as the shop shows it
(``#1001``; a leading ``#`` always means a number), or an already-read canonical order
(validation then needs no request)."""


class OrderElsewhere(Exception):
    """A write's order reference named another order than the one the store locked: the store
    locks that order and runs the write again. Raised before any write."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.id)
        self.order = order


def _id(value: object, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest([Problem(name, f"must be a non-empty id string, not {value!r}")])
    return value.strip()


def canonical(adapter: Adapter, kind: IdKind, value: object, name: str) -> str:
    """An id the caller gave, checked and in the platform's canonical spelling."""
    return adapter.canonical_id(kind, _id(value, name), name)


# --- finding the order ---------------------------------------------------------------------
def reference(adapter: Adapter, ref: object) -> OrderReference:
    """What an order reference may name, without I/O: a leading ``#`` is always a number; the
    platform says what anything else can be."""
    text = _id(ref, "order_id")
    if is_number(text):
        return OrderReference(number=text)
    return adapter.order_reference(text)


def lock_id(adapter: Adapter, ref: OrderRef) -> str | None:
    """The id to lock for a write on ``ref`` when it can be told without I/O (an order, or
    something that can only be an id, or first tried as one); None for a number."""
    if isinstance(ref, Order):
        return ref.id
    return reference(adapter, ref).id


def _looks_up_numbers(adapter: Adapter) -> bool:
    """Whether the adapter can find an order by number (its own way, or through the listing)."""
    own = type(adapter).find_orders_by_number is not Adapter.find_orders_by_number
    return own or Capability.ORDERS_LIST in adapter.capabilities


def _by_number(adapter: Adapter, found: OrderReference, tried_id: bool) -> Op[Order]:
    number = found.number or ""
    orders = yield from adapter.find_orders_by_number(number)
    if len(orders) == 1:
        return orders[0]
    if not orders:
        tried = f"the id {found.id!r} or " if tried_id else ""
        raise NotFound(
            f"no order has {tried}the number {number!r}",
            status=404,
            platform=adapter.platform,
            code="order_not_found",
        )
    listed = ", ".join(f"{o.id} ({o.number})" for o in orders[:10])
    more = f" and {len(orders) - 10} more" if len(orders) > 10 else ""
    raise InvalidRequest(
        [
            Problem(
                "order_id",
                f"{len(orders)} orders have the number {number!r}: {listed}{more}; give the "
                "order id",
            )
        ]
    )


def find_order(adapter: Adapter, ref: OrderRef) -> Op[Order]:
    """The order ``ref`` names: an id is read (and, on NotFound, looked up as a number where it
    can be one), a number is looked up; several orders with the number is an InvalidRequest."""
    if isinstance(ref, Order):
        return ref
    found = reference(adapter, ref)
    if found.id is not None:
        try:
            return (yield from adapter.get_order(found.id))
        except NotFound:
            if found.number is None or not _looks_up_numbers(adapter):
                raise
    return (yield from _by_number(adapter, found, tried_id=found.id is not None))


def fresh(adapter: Adapter, ref: OrderRef, locked: str | None) -> Op[Order]:
    """A fresh read of the order a write is about; :class:`OrderElsewhere` when it is not the
    order the caller locked (a reference first tried as an id turned out to be a number)."""
    if isinstance(ref, Order):
        order = yield from adapter.get_order(ref.id)
    else:
        order = yield from find_order(adapter, ref)
    if locked is not None and order.id != locked:
        raise OrderElsewhere(order)
    return order


def by_order_id(adapter: Adapter, ref: OrderRef, operation: Callable[[str], Op[T]]) -> Op[T]:
    """Run ``operation`` with the order's id: an id is used as it is (looked up as a number when
    the platform has no such order and it can be one), a number is looked up first."""
    if isinstance(ref, Order):
        return (yield from operation(ref.id))
    found = reference(adapter, ref)
    if found.id is not None:
        try:
            return (yield from operation(found.id))
        except NotFound:
            if found.number is None or not _looks_up_numbers(adapter):
                raise
    order = yield from _by_number(adapter, found, tried_id=found.id is not None)
    return (yield from operation(order.id))


def check_query(query: OrderQuery) -> OrderQuery:
    """The query with its filters checked and trimmed; an InvalidRequest before any request."""
    problems: list[Problem] = []
    changes: dict[str, object] = {}
    for name in ("number", "email"):
        value = getattr(query, name)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip().removeprefix("#").strip():
            problems.append(Problem(name, f"give a non-empty {name}, not {value!r}"))
        else:
            changes[name] = value.strip()
    if isinstance(changes.get("email"), str) and "@" not in str(changes["email"]):
        problems.append(Problem("email", f"{query.email!r} is not an email address"))
    if query.status is not None:
        try:
            changes["status"] = order_status(query.status)
        except InvalidRequest as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidRequest(problems, operation="orders.list")
    return replace(query, **changes) if changes else query  # type: ignore[arg-type]


def given_id(adapter: Adapter, kind: IdKind, value: object, path: str) -> object:
    """A line or location id in its canonical spelling; anything that is no id at all is left
    for the planning checks to report with the request's other problems."""
    if isinstance(value, str) and value.strip():
        return adapter.canonical_id(kind, value.strip(), path)
    return value
