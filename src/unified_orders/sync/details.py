"""An order's details in a sync: its returns and fulfillment orders, beside its own rows.

A read may bring them along (``Page.details``): they are then added to the order's rows before it
is hashed, so a change to them alone is a change of the order. Where a changed order's read did
not bring them, they are asked per order, :data:`~.feeds.DETAIL_CONCURRENCY` orders at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..adapter import Capability, OrderDetails
from ..errors import UnifiedOrdersError, UnsupportedOperation
from ..models import FulfillmentOrder, Return
from ..store import AsyncStore
from .destination import FO_ID, Destination
from .feeds import DETAIL_CONCURRENCY
from .rows import OrderRows, details_rows

__all__ = ["DetailReads"]


class DetailReads:
    """Which details a store's sync reads (``read_returns``, ``read_fos``), and reading them."""

    def __init__(self, store: AsyncStore, *, details: bool) -> None:
        self.store = store
        caps = store.capabilities
        self.read_returns = details and Capability.RETURNS_LIST in caps
        self.read_fos = details and Capability.FULFILLMENTS_LIST in caps
        #: The kinds the store refused to list during the run (no longer asked), and why.
        self.refused: dict[str, str] = {}

    @property
    def wanted(self) -> bool:
        """Whether the sync reads any kind of detail."""
        return self.read_returns or self.read_fos

    async def settle(self, given: Mapping[str, OrderDetails]) -> None:
        """Before a page is hashed: where its read brought fulfillment orders but no returns
        (a store that refuses this app its returns: Shopify without ``read_returns``), ask one
        order's returns, so a refusal stops returns being asked before any order is hashed
        (else the page's orders would be hashed without their fulfillment orders, and the
        next page's with them)."""
        if not self.read_returns:
            return
        for order_id, details in given.items():
            if details.returns is None and details.fulfillment_orders is not None:
                await self._optional(self.store.returns.list(order_id), "returns")
                return

    def brought(self, rows: OrderRows, given: OrderDetails | None, synced_at: datetime) -> None:
        """Add to ``rows`` the details the read brought along, where it brought every kind this
        sync reads; the caller hashes them in, so a change of an order's returns or fulfillment
        orders alone (which need not touch the order's own rows) is a change of the order."""
        if given is None or not self.wanted:
            return
        returns = given.returns if self.read_returns else None
        fos = given.fulfillment_orders if self.read_fos else None
        if (self.read_returns and returns is None) or (self.read_fos and fos is None):
            return
        details_rows(rows, self.store.platform, returns, fos, synced_at)

    async def read(
        self,
        orders: Sequence[OrderRows],
        given: Mapping[str, OrderDetails],
        synced_at: datetime,
        *,
        failed: dict[str, UnifiedOrdersError] | None = None,
    ) -> None:
        """Add the details of each of ``orders`` to its rows: from the read that listed it where
        that read carried them, else one request per kind. With ``failed``, an order whose
        details cannot be read is recorded there, by id, instead of failing them all."""
        if not orders or not self.wanted:
            return
        limit = asyncio.Semaphore(DETAIL_CONCURRENCY)
        await asyncio.gather(
            *(
                self._read(rows, given.get(rows.order_id), limit, synced_at, failed)
                for rows in orders
            )
        )

    async def _read(
        self,
        rows: OrderRows,
        given: OrderDetails | None,
        limit: asyncio.Semaphore,
        synced_at: datetime,
        failed: dict[str, UnifiedOrdersError] | None,
    ) -> None:
        try:
            await self._read_kinds(rows, given, limit, synced_at)
        except UnifiedOrdersError as error:
            if failed is None:
                raise
            failed[rows.order_id] = error

    async def _read_kinds(
        self,
        rows: OrderRows,
        given: OrderDetails | None,
        limit: asyncio.Semaphore,
        synced_at: datetime,
    ) -> None:
        returns: list[Return] | None = None
        fos: list[FulfillmentOrder] | None = None
        if self.read_returns:
            returns = given.returns if given else None
        if self.read_fos:
            fos = given.fulfillment_orders if given else None
        if (self.read_returns and returns is None) or (self.read_fos and fos is None):
            async with limit:
                if self.read_returns and returns is None:
                    returns = await self._optional(
                        self.store.returns.list(rows.order_id), "returns"
                    )
                if self.read_fos and fos is None:
                    fos = await self._optional(
                        self.store.fulfillments.list(rows.order_id), "fulfillment orders"
                    )
        details_rows(rows, self.store.platform, returns, fos, synced_at)

    def as_stored(self, db: Destination, store: str, orders: Sequence[OrderRows]) -> set[str]:
        """Which of ``orders`` (with their details read) have the details ``db`` holds for
        them: their fulfillment orders, compared row for row (``synced_at`` left out), where the
        sync reads no returns (their rows are not compared)."""
        if self.read_returns or not self.read_fos:
            return set()
        held = db.stored_fulfillment_orders(store, [rows.order_id for rows in orders])
        return {
            rows.order_id
            for rows in orders
            if {row[FO_ID]: row[:-1] for row in rows.tables.get("fulfillment_orders", [])}
            == {row[FO_ID]: row for row in held.get(rows.order_id, [])}
        }

    async def _optional(self, call: Awaitable[Any], what: str) -> Any:
        try:
            return await call
        except UnsupportedOperation as refused:
            # The store narrowed its capabilities after probing (an access scope it lacks):
            # stop asking for this kind, and say so in the store's result.
            if what == "returns":
                self.read_returns = False
            else:
                self.read_fos = False
            self.refused[what] = refused.hint or str(refused)
            return None
