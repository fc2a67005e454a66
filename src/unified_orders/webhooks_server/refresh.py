"""Bring one order's rows up to date after a delivery named it: read the order (with its returns
and fulfillment orders, where the store lists them) and write it the way a sync writes a page.

The delivery itself is never written as order data: it only says which order changed. The order
is re-read from the store the way a sync re-reads the orders a change feed names
(:func:`~..sync.feeds.reread`) and hashed the way a sync hashes them (its details hashed in only
where the read brought them), so the rows and the content hash are exactly what ``sync`` would
have written: an order a sync stored is not rewritten unless it changed, and a delivery arriving
out of order cannot roll an order back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from ..adapter import ReadFailure
from ..errors import PlatformError
from ..store import AsyncStore
from ..sync.destination import Destination, PageWrite
from ..sync.details import DetailReads
from ..sync.feeds import reread
from ..sync.rows import order_rows, rehash

__all__ = ["mark_deleted", "refresh_order"]

log = logging.getLogger("unified_orders.webhooks")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def refresh_order(
    db: Destination, name: str, store: AsyncStore, order_id: str, write_lock: asyncio.Lock
) -> bool:
    """Re-read ``order_id`` and write its rows; whether they changed. An order the store no longer
    has is marked deleted, unless the store hides some orders from these credentials
    (``Adapter.read_limits``): then not being found proves nothing, and nothing is written.

    A delivery may be about the order's details alone (a fulfillment hold, a return), which
    need not change its own rows: where the read did not bring them, they are read and the
    order is written when they differ from the stored ones, as a sync writes an order its
    change feed names for its details."""
    read, brought = await reread(store, [order_id])
    order = read[0]
    if order is None:
        limits = await store.run(store.adapter.read_limits())
        if limits.orders:
            log.warning(
                "%s: order %s was not found, and is not marked deleted: %s",
                name,
                order_id,
                "; ".join(limits.said(limits.orders)),
            )
            return False
        await mark_deleted(db, name, store.platform, order_id, write_lock)
        return True
    if isinstance(order, ReadFailure):
        raise PlatformError(
            f"order {order_id} could not be read: {order.error}", platform=store.platform
        )
    details = DetailReads(store, details=True)
    await details.settle(brought)  # as a sync does: an app denied returns hashes without them
    synced_at = _now()
    rows = order_rows(name, order, synced_at, hashed=False)
    details.brought(rows, brought.get(order_id), synced_at)
    rehash(rows)
    hashed_in = rows.details_read  # else read now, after the hash, as a sync reads them
    if not hashed_in:
        await details.read([rows], brought, synced_at)
    async with write_lock:
        known = await asyncio.to_thread(db.stored_hashes, name, [order_id])
        if known.get(order_id) == rows.content_hash and (
            hashed_in or order_id in await asyncio.to_thread(details.as_stored, db, name, [rows])
        ):
            return False  # its own rows, and its details, as stored
        state = await asyncio.to_thread(db.state, name, store.platform)
        stored = [order_id] if order_id in known else []
        page = PageWrite(state, [rows], [order_id], synced_at, stored=stored, saves_state=False)
        await asyncio.to_thread(db.write_batch, [page])
    return True


async def mark_deleted(
    db: Destination, name: str, platform: str, order_id: str, write_lock: asyncio.Lock
) -> None:
    """Mark a stored order deleted (its rows stay, as a sync keeps them)."""
    async with write_lock:
        state = await asyncio.to_thread(db.state, name, platform)
        page = PageWrite(state, [], [], _now(), deleted=[order_id], saves_state=False)
        await asyncio.to_thread(db.write_batch, [page])
