"""The change-feed phase of an incremental sync, and reading orders again by id.

After the listing, an incremental run reads the platform's change feed
(``Adapter.order_changes``, from the last run's start minus the lookback) and reads again every
order it names: refunds and other changes the listing's filter does not show, and deletions
(marked without a read). An order this run already read (in its listing, or on an earlier page of
the feed) is not read again: the feed names changes made before the run began, which that read
saw, and a later change is named by the next run's feed, which starts before this run did. A
change to an order's details alone (``OrderChange.details``) is skipped only where this run read
the order's details too; else the order is read again and written with them.

:func:`reread` reads orders by id for every phase that needs it: one read of them all where the
adapter reads many orders by id (``Adapter.read_orders``), else :data:`DETAIL_CONCURRENCY` at a
time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..adapter import ReadFailure
from ..errors import AuthenticationError, NotFound, RateLimited
from ..exchange import OrderDetails
from ..models import Order
from ..pagination import READ_ERRORS
from ..store import AsyncStore

if TYPE_CHECKING:
    from .destination import RunState

__all__ = ["DETAIL_CONCURRENCY", "change_feed", "reread"]

#: Orders of one store read at the same time, one request each (their returns / fulfillment
#: orders, or the orders themselves where the adapter reads no several by id).
DETAIL_CONCURRENCY = 4


class FeedSync(Protocol):
    """What the phase needs of the store's sync (``runner._StoreSync``)."""

    store: AsyncStore
    read_ids: set[str]
    detailed_ids: set[str]

    async def write_reread(
        self,
        state: RunState,
        order_ids: Sequence[str],
        cursor: str | None,
        *,
        deleted: Sequence[str],
        refresh: Collection[str],
    ) -> RunState: ...


async def change_feed(sync: FeedSync, state: RunState, since: datetime) -> RunState:
    """Page through the change feed since ``since``, writing each page's orders (read again)
    and deletions with the next page's cursor."""
    cursor = state.run_cursor
    while True:
        feed = await sync.store.run(sync.store.adapter.order_changes(since, cursor))
        deleted = list(dict.fromkeys(c.order_id for c in feed.items if c.deleted))
        details = {c.order_id for c in feed.items if c.details}
        wanted = [
            order_id
            for order_id in dict.fromkeys(c.order_id for c in feed.items)
            if order_id not in deleted
            and (
                order_id not in sync.read_ids
                or (order_id in details and order_id not in sync.detailed_ids)
            )
        ]
        refresh = [order_id for order_id in wanted if order_id in details]
        state = await sync.write_reread(
            state, wanted, feed.next_cursor, deleted=deleted, refresh=refresh
        )
        sync.read_ids.update(wanted)
        cursor = feed.next_cursor
        if cursor is None:
            return state


async def reread(
    store: AsyncStore, order_ids: Sequence[str]
) -> tuple[list[Order | ReadFailure | None], dict[str, OrderDetails]]:
    """Each order as it is now, in the order of ``order_ids`` (None: the platform no longer has
    it), and what the reads brought along (``Page.details``, where one read took them all)."""
    adapter = store.adapter
    if adapter.reads_orders_by_id and order_ids:
        page = await store.run(adapter.read_orders(list(order_ids)))
        found: dict[str, Order | ReadFailure] = {order.id: order for order in page.items}
        found.update({failure.id: failure for failure in page.failures})
        return [found.get(order_id) for order_id in order_ids], page.details
    limit = asyncio.Semaphore(DETAIL_CONCURRENCY)
    return list(await asyncio.gather(*(_reread_one(store, i, limit) for i in order_ids))), {}


async def _reread_one(
    store: AsyncStore, order_id: str, limit: asyncio.Semaphore
) -> Order | ReadFailure | None:
    async with limit:
        try:
            return await store.orders.get(order_id)
        except NotFound:
            return None
        except (AuthenticationError, RateLimited):
            raise
        except READ_ERRORS as error:
            return ReadFailure(order_id, f"{type(error).__name__}: {error}")
