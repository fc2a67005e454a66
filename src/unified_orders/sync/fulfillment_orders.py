"""The open-fulfillment-orders phase of a sync: find changes to fulfillment orders alone.

A hold, its release, a move, a fulfillment request or a shipment changes an order's fulfillment
orders without touching the order's own rows, so neither the listing (which reads fulfillment
orders only for an order whose own rows changed) nor a change feed of payments sees it. Where the
adapter lists every fulfillment order that may still change
(``Adapter.lists_open_fulfillment_orders``; statuses in
:data:`~unified_orders.adapter.OPEN_FULFILLMENT_ORDER_STATUSES`), every run (full runs too)
compares them with the stored ones:

- a listed fulfillment order whose row differs from the stored one, or that is not stored, names
  its order;
- a stored open one that is no longer listed was closed or canceled (or its order deleted):
  it names its order too.

Each order named is read again and written with its fulfillment orders, whatever its own rows
say. The comparison is with what is stored, not with a time, so a change missed (a listing
shifted under a concurrent change) is found by the next run. A fulfillment order's final
statuses are taken as final (INFERRED where the platform does not say): a change to a closed or
canceled one is not looked for.

A run resumed inside this phase no longer knows which stored ones the pages before the stop
listed: it reads their orders again at the end (more reads, never fewer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ..adapter import OPEN_FULFILLMENT_ORDER_STATUSES
from ..store import AsyncStore
from .destination import FO_ORDER_ID
from .details import DetailReads
from .rows import fulfillment_order_row

if TYPE_CHECKING:
    from .destination import Destination, RunState

__all__ = ["reconcile_fulfillment_orders", "reconciles_fulfillment_orders"]

#: A placeholder ``synced_at``: rows are compared without it.
_NEVER = datetime(1970, 1, 1)


class FulfillmentOrderSync(Protocol):
    """What the phase needs of the store's sync (``runner._StoreSync``)."""

    name: str
    store: AsyncStore
    db: Destination
    details: DetailReads
    unreadable_ids: set[str]

    async def write_reread(
        self,
        state: RunState,
        order_ids: Sequence[str],
        cursor: str | None,
        *,
        refresh: Collection[str],
    ) -> RunState: ...


def reconciles_fulfillment_orders(sync: FulfillmentOrderSync) -> bool:
    """Whether the store's runs have this phase: the sync reads fulfillment orders and the
    platform lists the open ones."""
    return sync.details.read_fos and sync.store.adapter.lists_open_fulfillment_orders


async def reconcile_fulfillment_orders(sync: FulfillmentOrderSync, state: RunState) -> RunState:
    """Page through the open fulfillment orders, re-reading the orders whose fulfillment orders
    differ from the stored ones (see the module's docstring); each page's orders are written
    with the next page's cursor."""
    statuses = sorted(status.value for status in OPEN_FULFILLMENT_ORDER_STATUSES)
    stored = await asyncio.to_thread(sync.db.open_fulfillment_orders, sync.name, statuses)
    head = (sync.name, sync.store.platform)
    done = set(sync.unreadable_ids)  # an order this run could not read is not read again
    cursor = state.run_cursor
    while True:
        page = await sync.store.run(sync.store.adapter.open_fulfillment_orders(cursor))
        named = [failure.id for failure in page.failures]
        for fo in page.items:
            row = fulfillment_order_row(head, fo.order_id, fo, _NEVER)[:-1]
            if stored.pop(fo.id, None) != row:
                named.append(fo.order_id)
        if page.next_cursor is None:
            named += [str(row[FO_ORDER_ID]) for row in stored.values()]
        wanted = [order_id for order_id in dict.fromkeys(named) if order_id not in done]
        done.update(wanted)
        state = await sync.write_reread(state, wanted, page.next_cursor, refresh=wanted)
        cursor = page.next_cursor
        if cursor is None:
            return state
