"""``store.orders`` and its awaitable twin."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

from .. import operations as ops
from ..adapter import (
    CancelOptions,
    Capability,
    OrderCreateOptions,
    OrderQuery,
    Page,
    SourceMarker,
)
from ..models import (
    Address,
    Order,
    OrderStatus,
)
from ..operations.orders import find_orders_by_marker
from .base import AsyncNamespace, Namespace, order_query, refuse_short


class Orders(Namespace):
    """``store.orders``: read, list, create, cancel, change the shipping address."""

    def get(self, order_id: ops.OrderRef) -> Order:
        """Read one order: by id, GID (Shopify ``gid://shopify/Order/N``) or order number as the
        shop shows it (``#1001``; a leading ``#`` is always a number, an id-shaped reference is
        tried as an id first)."""
        return self._run(ops.get_order(self._adapter, order_id))

    def list(
        self,
        *,
        created_since: datetime | None = None,
        updated_since: datetime | None = None,
        created_until: datetime | None = None,
        updated_until: datetime | None = None,
        number: str | None = None,
        email: str | None = None,
        status: OrderStatus | str | None = None,
    ) -> Iterator[Order]:
        """Every matching order, following every page; pages are fetched as you iterate.

        ``number`` (``#`` optional), ``email`` (any case) and ``status`` (open, closed,
        canceled) filter on the platform where it can, and exactly here in any case."""
        query = order_query(
            created_since=created_since,
            updated_since=updated_since,
            created_until=created_until,
            updated_until=updated_until,
            number=number,
            email=email,
            status=status,
        )
        for page in self.pages(query):
            yield from page.items
            refuse_short(page)

    def page(self, query: OrderQuery, cursor: str | None = None) -> Page[Order]:
        """One page of the listing: its orders and the cursor of the next page (None at the end)."""
        return self._run(ops.list_orders_page(self._adapter, query, cursor))

    def pages(
        self, query: OrderQuery | None = None, cursor: str | None = None
    ) -> Iterator[Page[Order]]:
        """The listing page by page, from ``cursor`` on; each page carries the next cursor, so a
        reader can save it and resume later."""
        query = query or OrderQuery()
        while True:
            page = self.page(query, cursor)
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def create(self, order: Order, *, source_marker: SourceMarker | None = None) -> Order:
        """Create an order from a canonical one (migration); ``source_marker`` travels with it
        so :meth:`find_by_marker` finds it again (no receipts, no stock moves)."""
        options = OrderCreateOptions(marker=source_marker)
        return self._run(ops.create_order(self._adapter, order, options))

    def find_by_marker(self, marker: SourceMarker) -> builtins.list[Order]:
        """The orders created with ``marker`` (a migration looks before it creates)."""
        return self._run(find_orders_by_marker(self._adapter, marker))

    def cancel(
        self,
        order_id: ops.OrderRef,
        *,
        reason: str,
        refund: bool = False,
        restock: bool = False,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Order:
        """Cancel an order; exactly once. Customer notification is off unless ``notify``."""
        options = CancelOptions(reason, refund, restock, notify, idempotency_key)
        return self._locked(
            Capability.ORDERS_CANCEL,
            order_id,
            lambda ref, key: ops.cancel_order(self._adapter, ref, options, key),
        )

    def update_shipping_address(self, order_id: ops.OrderRef, address: Address) -> Order:
        """Change the shipping address: the fields ``address`` sets; a new country without a
        province clears the old province."""
        return self._run(ops.update_shipping_address(self._adapter, order_id, address))


class AsyncOrders(AsyncNamespace):
    """``astore.orders``: the awaitable twin of :class:`Orders`."""

    async def get(self, order_id: ops.OrderRef) -> Order:
        """Read one order: by id, GID or order number (see :meth:`Orders.get`)."""
        return await self._run(ops.get_order(self._adapter, order_id))

    async def list(
        self,
        *,
        created_since: datetime | None = None,
        updated_since: datetime | None = None,
        created_until: datetime | None = None,
        updated_until: datetime | None = None,
        number: str | None = None,
        email: str | None = None,
        status: OrderStatus | str | None = None,
    ) -> AsyncIterator[Order]:
        """Every matching order, following every page (filters as in :meth:`Orders.list`)."""
        query = order_query(
            created_since=created_since,
            updated_since=updated_since,
            created_until=created_until,
            updated_until=updated_until,
            number=number,
            email=email,
            status=status,
        )
        async for page in self.pages(query):
            for order in page.items:
                yield order
            refuse_short(page)

    async def page(self, query: OrderQuery, cursor: str | None = None) -> Page[Order]:
        """One page of the listing: its orders and the cursor of the next page (None at the end)."""
        return await self._run(ops.list_orders_page(self._adapter, query, cursor))

    async def pages(
        self, query: OrderQuery | None = None, cursor: str | None = None
    ) -> AsyncIterator[Page[Order]]:
        """The listing page by page, from ``cursor`` on; each page carries the next cursor, so a
        reader can save it and resume later."""
        query = query or OrderQuery()
        while True:
            page = await self.page(query, cursor)
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def create(self, order: Order, *, source_marker: SourceMarker | None = None) -> Order:
        """Create an order from a canonical one (see :meth:`Orders.create`)."""
        options = OrderCreateOptions(marker=source_marker)
        return await self._run(ops.create_order(self._adapter, order, options))

    async def find_by_marker(self, marker: SourceMarker) -> builtins.list[Order]:
        """The orders created with ``marker`` (see :meth:`Orders.find_by_marker`)."""
        return await self._run(find_orders_by_marker(self._adapter, marker))

    async def cancel(
        self,
        order_id: ops.OrderRef,
        *,
        reason: str,
        refund: bool = False,
        restock: bool = False,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Order:
        """Cancel an order; exactly once. Customer notification is off unless ``notify``."""
        options = CancelOptions(reason, refund, restock, notify, idempotency_key)
        return await self._locked(
            Capability.ORDERS_CANCEL,
            order_id,
            lambda ref, key: ops.cancel_order(self._adapter, ref, options, key),
        )

    async def update_shipping_address(self, order_id: ops.OrderRef, address: Address) -> Order:
        """Change the shipping address (see :meth:`Orders.update_shipping_address`)."""
        return await self._run(ops.update_shipping_address(self._adapter, order_id, address))
