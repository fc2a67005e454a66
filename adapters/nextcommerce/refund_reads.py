"""refunds.get on Next Commerce, which has no refund retrieve endpoint.

Refunds are read from ``Order.refunds[]``; a refund id alone does not name its order. Each refund
moves money through refund transactions, and ``transactionsList`` filtered by ``type=refund``
names each one's order (``Transaction.order``). So the feed is read page by page and each order
it names is read once, until one holds the refund: a cost that grows with the store's refunds
(about one order read per refunded order before it). Where the order is known,
``refunds.list(order_id)`` is one read.
"""

from __future__ import annotations

from collections.abc import Mapping

from unified_orders.adapter import Adapter, Op, Request
from unified_orders.errors import InvalidRequest, NotFound, PlatformError, Problem
from unified_orders.models import Refund
from unified_orders.pagination import query_value

from .translate import listing_page

__all__ = ["RefundReadsMixin"]


class RefundReadsMixin(Adapter):
    """refunds.get: a refund by its id, found through the refund transactions' orders."""

    def get_refund(self, refund_id: str) -> Op[Refund]:
        """The refund with this id (``Refund.id``, an integer), as ``Order.refunds[]`` has it."""
        wanted = refund_id.strip()
        if not wanted.isdigit():
            raise InvalidRequest(
                [
                    Problem(
                        "refund_id", f"{refund_id!r} is not a Next Commerce refund id (a number)"
                    )
                ],
                operation="refunds.get",
            )
        read: set[str] = set()
        cursor: str | None = None
        while True:
            params = {"type": "refund", **({"cursor": cursor} if cursor else {})}
            response = yield Request("GET", "transactions/", params=params)
            results, next_url = listing_page(response, "transaction")
            for item in results:
                number = item.get("order") if isinstance(item, Mapping) else None
                if not number or str(number) in read:
                    continue
                read.add(str(number))
                order = yield from self.get_order(str(number))
                for refund in order.refunds:
                    if refund.id == wanted:
                        return refund
            if not next_url:
                raise NotFound(
                    f"refund {wanted} not found (no refund transaction names an order that "
                    "holds it)",
                    status=404,
                    platform=self.platform,
                )
            cursor = query_value(str(next_url), "cursor")
            if not cursor:
                # only the cursor of a next link is followed, never the link itself
                raise PlatformError(
                    "the transaction listing's next link has no cursor; the refund search "
                    "cannot go on",
                    platform=self.platform,
                    code="unreadable_response",
                )
