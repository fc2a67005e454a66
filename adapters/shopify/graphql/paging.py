"""Reading nested collections to the end: every connection page by page, every plain list whole.

A first read (``OrderGet``, ``OrdersPage``, a mutation's answer, ...) holds the first page of each
connection with its ``pageInfo``. :meth:`Paging._complete` follows each one whose ``hasNextPage``
is true with its page document (:data:`FOLLOW_UPS`), so pages are asked only while Shopify says
more follow, and never a second time for a cursor already read. The plain lists on ``Order``
(``first`` only truncates them, per the schema) are read again without ``first`` only when the
first read may have been cut short (:func:`cut_short`), and their counts checked afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Op
from unified_orders.errors import PlatformError

from . import translate as tg
from .documents import FIRST_PAGES, PAGES
from .plumbing import GraphQLPlumbing

__all__ = ["FOLLOW_UPS", "Paging", "count_of", "cut_short"]

#: ``(root field, connection)`` -> the document reading its next page (``$id``, ``$after``).
FOLLOW_UPS: dict[tuple[str, str], str] = {
    **{(root, field.partition("(")[0]): name for name, (root, field, _, _) in PAGES.items()},
    ("order", "fulfillmentOrders"): "FulfillmentOrders",
    ("order", "returns"): "OrderReturns",
    ("fulfillmentOrder", "locationsForMove"): "LocationsForMove",
}

#: Root field -> its ``(connection, follow-up document)`` pairs of :data:`FOLLOW_UPS`.
_FOLLOW_UPS_OF: dict[str, tuple[tuple[str, str], ...]] = {
    root: tuple((field, name) for (owner, field), name in FOLLOW_UPS.items() if owner == root)
    for root, _ in FOLLOW_UPS
}


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, without the ABC check for a plain dict (the usual case)."""
    return type(value) is dict or isinstance(value, Mapping)


def _pending(node: Mapping[str, Any], root: str) -> list[tuple[str, str]]:
    """The ``(connection, follow-up document)`` pairs of ``node`` that say more pages follow."""
    found = []
    for field, name in _FOLLOW_UPS_OF.get(root, ()):
        connection = node.get(field)
        if type(connection) is not dict and not isinstance(connection, Mapping):
            continue
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            found.append((field, name))
    return found


def count_of(count: Any) -> int | None:
    """An exact ``Count`` (``{count, precision}``) as a number; None when absent or a bound."""
    if not _is_mapping(count) or count.get("precision") not in (None, "EXACT"):
        return None
    value = count.get("count")
    return int(value) if isinstance(value, int) else None


def cut_short(items: list[Any], count: Any, first: int) -> bool:
    """Whether a plain list read with ``first: first`` may lack items: fewer than its exact
    count, or (no exact count) as many as asked for."""
    total = count_of(count)
    return total > len(items) if total is not None else len(items) >= first


class Paging(GraphQLPlumbing):
    """Follow-up reads that complete what a first read holds."""

    def _rest_of(
        self, name: str, root: str, field: str, owner: str, connection: Mapping[str, Any]
    ) -> Op[list[Any]]:
        """Every node of ``connection`` (``owner.field``): the ones read, then the next pages."""
        found = list(connection.get("nodes") or [])
        page = connection.get("pageInfo") or {}
        read: set[str] = set()
        while page.get("hasNextPage"):
            cursor = page.get("endCursor")
            if not isinstance(cursor, str) or not cursor or cursor in read:
                raise PlatformError(
                    f"{root} {owner}: Shopify says more {field} follow but gives no new cursor "
                    f"after {len(found)}",
                    platform=self.platform,
                    code="bad_cursor",
                )
            read.add(cursor)
            data = yield from self._gql(name, {"id": owner, "after": cursor})
            holder = self._found(data, root, root, owner)
            more = holder.get(field) or {}
            found.extend(more.get("nodes") or [])
            page = more.get("pageInfo") or {}
        return found

    def _complete(self, node: Mapping[str, Any], root: str) -> Op[dict[str, Any]]:
        """``node`` (an object ``root(id:)`` answers) with each of its connections read to the
        end; a connection that was complete costs no request."""
        done = dict(node)
        for field, name in _pending(node, root):
            connection = node[field]
            rest = yield from self._rest_of(name, root, field, str(node["id"]), connection)
            done[field] = {"pageInfo": {"hasNextPage": False}, "nodes": rest}
        return done

    def _complete_each(self, items: list[Any], root: str) -> Op[list[dict[str, Any]]]:
        """:meth:`_complete` for each object of a list."""
        done = []
        for item in items:
            whole = dict(item)  # what _complete gives when nothing follows, without its generator
            if _pending(item, root):
                whole = yield from self._complete(item, root)
            done.append(whole)
        return done

    def _whole_list(
        self,
        name: str,
        field: str,
        order_gid: str,
        order: Mapping[str, Any],
        count: Any,
        first: int | None = None,
    ) -> Op[list[Any]]:
        """The plain list ``order[field]`` as read with ``first``, or, when that may have been
        cut short, the whole list read again with document ``name`` and checked against its
        exact ``count``. ``first`` is the size it was read with (default :data:`FIRST_PAGES`).

        INFERRED: Shopify's counts count what its lists hold (``fulfillmentsCount`` says it
        includes cancelled fulfillments, as ``fulfillments`` does).
        """
        items = list(order.get(field) or [])
        if not cut_short(items, count, first or FIRST_PAGES[field]):
            return items
        data = yield from self._gql(name, {"id": order_gid})
        whole = list(self._found(data, "order", "order", order_gid).get(field) or [])
        total = count_of(count)
        if total is not None and len(whole) < total:
            raise PlatformError(
                f"order {tg.legacy(order_gid)}: Shopify counts {total} {field} but lists "
                f"{len(whole)}",
                platform=self.platform,
                code="incomplete_read",
            )
        return whole
