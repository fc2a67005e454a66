"""The ``orders(query:)`` search syntax, as far as the adapter uses it: ``field:value`` terms
joined by spaces (all must hold), values bare, 'single-' or "double-quoted" (with ``\\``
escapes), time fields with a comparator.

Terms: ``created_at`` / ``updated_at`` (``>``, ``>=``, ``<``, ``<=``, or equal), ``name`` (the
order name; INFERRED: ``#`` optional and any case, as the admin search finds ``1001`` for
``#1001``), ``email`` (the order's email, any case) and ``status`` (``open``, ``closed``,
``cancelled``, ``not_closed``) and ``source_identifier`` (whole value), as the 2026-04 schema
documents them, and ``id`` (an order's legacy id); groups of terms joined by ``OR``. Anything
else is refused, so a filter the sandbox does not know never passes silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from unified_orders.lookup import email_key, number_key

from .values import Fail, Obj

__all__ = ["event_terms", "fulfillment_order_terms", "search_terms"]

_TERM = re.compile(
    r"""\s*(?P<field>[a-z_]+):(?P<op>>=|<=|>|<)?"""
    r"""(?P<value>'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)\s*"""
)
_TIMES = ("created_at", "updated_at")
_STATUS: dict[str, Callable[[Obj], bool]] = {
    "open": lambda o: not o.get("cancelled_at") and not o.get("closed_at"),
    "closed": lambda o: bool(o.get("closed_at")),
    "cancelled": lambda o: bool(o.get("cancelled_at")),
    "not_closed": lambda o: not o.get("closed_at"),
}


def _unquoted(value: str) -> str:
    if value.startswith("'"):
        return value[1:-1]
    if value.startswith('"'):
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _time_term(field: str, op: str, text: str) -> Callable[[Obj], bool]:
    try:
        bound = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Fail(f"{text!r} is not a date and time", path=["orders"]) from None

    def test(order: Obj) -> bool:
        value = datetime.fromisoformat(str(order[field]))
        return {
            ">": value > bound,
            ">=": value >= bound,
            "<": value < bound,
            "<=": value <= bound,
            "": value == bound,
        }[op]

    return test


def _term(field: str, op: str, text: str) -> Callable[[Obj], bool]:
    if field in _TIMES:
        return _time_term(field, op, text)
    if op:
        raise Fail(f"{field} takes no comparator {op!r} in the sandbox", path=["orders"])
    if field == "name":
        wanted = number_key(text)
        return lambda order: number_key(str(order.get("name") or "")) == wanted
    if field == "email":
        address = email_key(text)
        return lambda order: email_key(str(order.get("email") or "")) == address
    if field == "status" and text.lower() in _STATUS:
        return _STATUS[text.lower()]
    if field == "source_identifier":  # a migrated order's marker, matched whole
        return lambda order: order.get("source_identifier") == text
    if field == "id":  # an order's legacy id (a bulk sync reads some orders again by id)
        return lambda order: str(order.get("id")) == text
    raise Fail(f"the sandbox does not support the search term {field}:{text}", path=["orders"])


def _event_term(field: str, op: str, text: str) -> Callable[[Obj], bool]:
    if field == "created_at":
        return _time_term(field, op, text)
    if op:
        raise Fail(f"{field} takes no comparator {op!r} in the sandbox", path=["events"])
    if field in ("subject_type", "action"):
        # INFERRED: values match whatever their case (the schema's example is PRODUCT).
        return lambda event: str(event.get(field) or "").lower() == text.lower()
    raise Fail(f"the sandbox does not support the search term {field}:{text}", path=["events"])


def _fulfillment_order_term(field: str, op: str, text: str) -> Callable[[Obj], bool]:
    if field == "updated_at":
        return _time_term(field, op, text)
    raise Fail(
        f"the sandbox does not support the search term {field}:{text}",
        path=["fulfillmentOrders"],
    )


def fulfillment_order_terms(query: str) -> list[Callable[[Obj], bool]]:
    """Predicates for the terms of a ``fulfillmentOrders(query:)`` string: ``updated_at`` (one
    of the terms the 2026-04 schema documents; the others are refused)."""
    return search_terms(query, _fulfillment_order_term)


def event_terms(query: str) -> list[Callable[[Obj], bool]]:
    """Predicates for the terms of an ``events(query:)`` string: ``subject_type``, ``action``
    and ``created_at`` (as the 2026-04 schema documents them); unknown terms are refused."""
    return search_terms(query, _event_term)


def search_terms(
    query: str, term: Callable[[str, str, str], Callable[[Obj], bool]] = _term
) -> list[Callable[[Obj], bool]]:
    """Predicates for the terms of an ``orders(query:)`` string; unknown terms are refused.
    Groups of terms joined by ``OR`` match when any group does."""
    groups = query.split(" OR ")
    if len(groups) > 1:
        each = [search_terms(group, term) for group in groups]
        return [lambda item: any(all(t(item) for t in terms) for terms in each)]
    terms: list[Callable[[Obj], bool]] = []
    position = 0
    while position < len(query.rstrip()):
        match = _TERM.match(query, position)
        if match is None:
            rest = query[position:].split()[0]
            raise Fail(f"the sandbox does not support the search term {rest!r}", path=["orders"])
        field, op, value = match.group("field", "op", "value")
        terms.append(term(field, op or "", _unquoted(value)))
        position = match.end()
    return terms
