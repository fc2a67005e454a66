"""Orders rebuilt from a bulk file's JSONL lines (sans-I/O): lines in, canonical orders out.

The job runs with ``groupObjects: true``, which the 2026-04 schema documents as "grouping objects
directly under their corresponding parent objects": an order's line, then the lines of its
children (line items, shipping lines, fulfillment orders), each fulfillment order's own line
items among them. So one order's lines are held at a time and the order is complete when
the next order's line (a line without ``__parentId``) arrives. INFERRED: a grandchild (a
fulfillment order line item) comes inside its order's group too, after its fulfillment order.
A child naming any other parent is a broken file: the read fails loudly (never a guess).

Each order is rebuilt in the node shape the paged reads hand to the existing translate functions
(``order_from_graphql``, ``fulfillment_order_from_graphql``), so it reads the same canonical
order; only ``raw`` differs (no ``pageInfo``). An order the file cannot carry in full comes out
with ``order=None`` and the reason, for the paged read: one with refunds or fulfillments (their
lines are connections inside plain lists, which a bulk query cannot hold), or a child connection
holding :data:`CHILD_CAP` children or more (INFERRED: Airbyte's docs report nested connections
cut at about 100 children without an error; Shopify documents no cap, so a connection that long
is read again rather than trusted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders import jsonutil
from unified_orders.bulk import BulkMismatch, BulkOrder
from unified_orders.exchange import OrderDetails
from unified_orders.models import FulfillmentOrder

from ..vocabulary import PLATFORM
from . import translate as tg
from .paging import count_of

__all__ = ["CHILD_CAP", "OrderRebuilder"]

#: Children of one nested connection at which it may have been cut (see the module docstring).
CHILD_CAP = 100

#: The connection of an order a child line belongs to, by the type its GID names.
_ORDER_CHILDREN = {
    "LineItem": "lineItems",
    "ShippingLine": "shippingLines",
    "FulfillmentOrder": "fulfillmentOrders",
}
_FULFILLMENT_ORDER_LINE = "FulfillmentOrderLineItem"
#: What translating data that is not what the API documents raises (the order is read again).
_UNREADABLE = (KeyError, TypeError, AttributeError, ValueError, IndexError, ArithmeticError)


def _kind(node: Mapping[str, Any]) -> str:
    """The type a node's GID names (``gid://shopify/LineItem/1`` -> ``LineItem``)."""
    parts = str(node.get("id") or "").split("/")
    return parts[3] if len(parts) > 4 and parts[:3] == ["gid:", "", "shopify"] else ""


def _fulfillment_orders(fos: list[dict[str, Any]]) -> list[FulfillmentOrder] | None:
    """The canonical fulfillment orders (None when one cannot be read: the sync asks again)."""
    try:
        return [tg.fulfillment_order_from_graphql(fo) for fo in fos]
    except _UNREADABLE:
        return None


class OrderRebuilder:
    """Feeds on one bulk file's lines; gives back each order when its group is complete."""

    def __init__(self, cap: int = CHILD_CAP) -> None:
        self.cap = cap
        self.lines = 0
        self.roots = 0
        self._order: dict[str, Any] | None = None
        self._children: dict[str, list[dict[str, Any]]] = {}
        self._fo_lines: dict[str, list[dict[str, Any]]] = {}
        self._group = 0

    def feed(self, line: bytes) -> list[BulkOrder]:
        """One line of the file; the order it completed, if it starts the next one."""
        if not line.strip():
            return []
        self.lines += 1
        try:
            node = jsonutil.loads(line)
        except (ValueError, RecursionError):
            raise self._broken("is not JSON (a truncated or damaged file)") from None
        if not isinstance(node, dict):
            raise self._broken("is not a JSON object")
        parent = node.pop("__parentId", None)
        if parent is None:
            done = self.finish()
            self._order, self._group = node, 1
            self._children = {name: [] for name in _ORDER_CHILDREN.values()}
            self._fo_lines = {}
            self.roots += 1
            return done
        self._adopt(node, str(parent))
        self._group += 1
        return []

    def finish(self) -> list[BulkOrder]:
        """The order being read, complete (at the end of the file, or before the next order)."""
        if self._order is None:
            return []
        order, self._order = self._order, None
        return [self._rebuild(order)]

    def _adopt(self, node: dict[str, Any], parent: str) -> None:
        kind = _kind(node)
        order_gid = self._order.get("id") if self._order is not None else None
        if parent == order_gid and kind in _ORDER_CHILDREN:
            self._children[_ORDER_CHILDREN[kind]].append(node)
            if kind == "FulfillmentOrder":
                self._fo_lines[str(node.get("id"))] = []
            return
        if kind == _FULFILLMENT_ORDER_LINE and parent in self._fo_lines:
            self._fo_lines[parent].append(node)
            return
        raise self._broken(
            f"is a {kind or 'child'} of {parent}, which is not the order being read "
            f"({order_gid}): the file is not grouped by order"
        )

    def _broken(self, what: str) -> BulkMismatch:
        return BulkMismatch(
            f"bulk file line {self.lines} {what}",
            platform=PLATFORM,
            counts={"line": self.lines, "orders": self.roots},
        )

    def _rebuild(self, order: dict[str, Any]) -> BulkOrder:
        order_id = tg.legacy(order.get("id")) or ""
        lines = self._children["lineItems"]
        shipping = self._children["shippingLines"]
        fos = [
            {**fo, "lineItems": {"nodes": self._fo_lines[str(fo.get("id"))]}}
            for fo in self._children["fulfillmentOrders"]
        ]
        cut = [
            name
            for name, items in (
                ("line items", lines),
                ("shipping lines", shipping),
                ("fulfillment orders", fos),
            )
            if len(items) >= self.cap
        ]
        fo_lines_cut = any(len(lines_of) >= self.cap for lines_of in self._fo_lines.values())
        if fo_lines_cut:
            cut.append("fulfillment order lines")
        reasons = [f"{name}: {self.cap} or more (may be cut)" for name in cut]
        if order.get("refunds"):
            reasons.append("refunds (their lines cannot come in a bulk file)")
        if order.get("fulfillments"):
            reasons.append("fulfillments (their lines cannot come in a bulk file)")
        transactions = list(order.get("transactions") or [])
        counted = count_of(order.get("transactionsCount"))
        if counted is not None and counted != len(transactions):
            reasons.append(f"transactions: {len(transactions)} of {counted}")
        details = OrderDetails(
            returns=None,  # not in the file (a sixth connection): the sync reads them
            fulfillment_orders=(
                None if "fulfillment orders" in cut or fo_lines_cut else _fulfillment_orders(fos)
            ),
        )
        group, self._group = self._group, 0
        if reasons:
            return BulkOrder(order_id, None, details, group, "; ".join(reasons))
        node = {
            **order,
            "lineItems": {"nodes": lines},
            "shippingLines": {"nodes": shipping},
            "fulfillmentOrders": {"nodes": fos},
        }
        try:
            built = tg.order_from_graphql(
                node,
                lines=lines,
                transactions=transactions,
                fulfillments=[],
                fulfillment_orders=fos,
                refunds=[],
            )
        except _UNREADABLE as error:
            reason = f"could not be read from the file ({type(error).__name__}: {error})"
            return BulkOrder(order_id, None, details, group, reason)
        return BulkOrder(order_id, built, details, group)
