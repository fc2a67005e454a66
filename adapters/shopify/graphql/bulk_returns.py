"""Returns rebuilt from the returns job's JSONL file (sans-I/O): lines in, returns by order out.

The file of :data:`~.bulk_query.BULK_RETURNS` holds one line per order (its id), then, grouped
under it, each return and that return's lines. Only orders that have returns are kept, so the
reader holds what the store's returns take, never one line per order. An order whose returns, or
one return's lines, reach :data:`~.bulk_rebuild.CHILD_CAP` is kept as None: its returns may have
been cut, and the sync reads them with the paged read. Each return is translated by the existing
``return_from_graphql`` from the node shape the paged read gives it.
"""

from __future__ import annotations

from typing import Any

from unified_orders import jsonutil
from unified_orders.bulk import BulkMismatch
from unified_orders.models import Return

from ..vocabulary import PLATFORM
from . import translate as tg
from .bulk_rebuild import CHILD_CAP

__all__ = ["ReturnsRebuilder"]

_UNREADABLE = (KeyError, TypeError, AttributeError, ValueError, IndexError, ArithmeticError)


class ReturnsRebuilder:
    """Feeds on the returns file's lines; ``returns`` maps each order with returns to them
    (None: read them again)."""

    def __init__(self, cap: int = CHILD_CAP) -> None:
        self.cap = cap
        self.lines = 0
        self.roots = 0
        self.returns: dict[str, list[Return] | None] = {}
        self._order: str | None = None
        self._found: list[dict[str, Any]] = []
        self._lines: dict[str, list[dict[str, Any]]] = {}

    def feed(self, line: bytes) -> None:
        """One line of the file."""
        if not line.strip():
            return
        self.lines += 1
        try:
            node = jsonutil.loads(line)
        except (ValueError, RecursionError):
            raise self._broken("is not JSON (a truncated or damaged file)") from None
        if not isinstance(node, dict):
            raise self._broken("is not a JSON object")
        parent = node.pop("__parentId", None)
        if parent is None:
            self.finish()
            self._order = str(node.get("id"))
            self.roots += 1
        elif parent == self._order and str(node.get("id", "")).startswith("gid://shopify/Return/"):
            self._found.append(node)
            self._lines[str(node["id"])] = []
        elif parent in self._lines:
            self._lines[parent].append(node)
        else:
            raise self._broken(f"is a child of {parent}, which is not being read")

    def finish(self) -> None:
        """The order being read is complete (before the next one, and at the end)."""
        if self._order is None or not self._found:
            self._order = None
            return
        order_id = tg.legacy(self._order) or ""
        cut = len(self._found) >= self.cap or any(len(v) >= self.cap for v in self._lines.values())
        try:
            self.returns[order_id] = (
                None
                if cut
                else [
                    tg.return_from_graphql(
                        {**found, "returnLineItems": {"nodes": self._lines[str(found["id"])]}}
                    )
                    for found in self._found
                ]
            )
        except _UNREADABLE:
            self.returns[order_id] = None
        self._order, self._found, self._lines = None, [], {}

    def _broken(self, what: str) -> BulkMismatch:
        return BulkMismatch(
            f"bulk returns file line {self.lines} {what}",
            platform=PLATFORM,
            counts={"line": self.lines, "orders": self.roots},
        )
