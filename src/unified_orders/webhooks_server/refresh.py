"""Bring orders' rows up to date after deliveries named them: read the orders (with their returns
and fulfillment orders, where the store lists them) and write them the way a sync writes a page.

The delivery itself is never written as order data: it only says which order changed. The orders
a batch of deliveries names are re-read from the store together, the way a sync re-reads the
orders a change feed names (:func:`~..sync.feeds.reread`), and hashed the way a sync hashes them
(their details hashed in only where the read brought them), so the rows and the content hash are exactly what ``sync`` would
have written: an order a sync stored is not rewritten unless it changed, and a delivery arriving
out of order cannot roll an order back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from ..adapter import ReadFailure
from ..errors import PlatformError, UnifiedOrdersError
from ..models import Order
from ..store import AsyncStore
from ..sync.destination import Destination, PageWrite
from ..sync.details import DetailReads
from ..sync.feeds import reread
from ..sync.rows import order_rows, rehash

__all__ = ["mark_deleted", "refresh_order", "refresh_orders"]

log = logging.getLogger("unified_orders.webhooks_server")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def refresh_order(
    db: Destination, name: str, store: AsyncStore, order_id: str, write_lock: asyncio.Lock
) -> bool:
    """:func:`refresh_orders` of one order: whether its rows changed (an error is raised)."""
    outcome = (await refresh_orders(db, name, store, [order_id], write_lock))[order_id]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def refresh_orders(
    db: Destination,
    name: str,
    store: AsyncStore,
    order_ids: Sequence[str],
    write_lock: asyncio.Lock,
) -> dict[str, bool | PlatformError]:
    """Re-read ``order_ids`` together and write the rows of those that changed: for each order,
    whether it changed, or why it could not be read. One read of them all (as a sync re-reads
    the orders a change feed names: one search where the store reads orders by id), one write.

    An order the store no longer has is marked deleted, unless the store hides some orders from
    these credentials (``Adapter.read_limits``): then not being found proves nothing, and
    nothing is written. A delivery may be about an order's details alone (a fulfillment hold, a
    return), which need not change its own rows: where the read did not bring them, they are
    read and the order is written when they differ from the stored ones, as a sync writes an
    order its change feed names for its details. A failure of the read as a whole (the store
    is down, the credentials are refused) raises."""
    ids = list(dict.fromkeys(order_ids))
    read, brought = await reread(store, ids)
    outcome: dict[str, bool | PlatformError] = {}
    orders: list[Order] = []
    gone: list[str] = []
    for order_id, item in zip(ids, read, strict=True):
        if item is None:
            gone.append(order_id)
        elif isinstance(item, ReadFailure):
            outcome[order_id] = PlatformError(
                f"order {order_id} could not be read: {item.error}", platform=store.platform
            )
        else:
            orders.append(item)
    if gone:
        outcome.update(await _gone(db, name, store, gone, write_lock))
    if not orders:
        return outcome
    details = DetailReads(store, details=True)
    await details.settle(brought)  # as a sync does: an app denied returns hashes without them
    synced_at = _now()
    built = []
    for order in orders:
        rows = order_rows(name, order, synced_at, hashed=False)
        details.brought(rows, brought.get(order.id), synced_at)
        rehash(rows)
        built.append(rows)
    hashed_in = {rows.order_id for rows in built if rows.details_read}
    # details the read did not bring: read now, after the hash, as a sync reads them; an order
    # whose details cannot be read fails alone
    failed: dict[str, UnifiedOrdersError] = {}
    unread = [rows for rows in built if not rows.details_read]
    await details.read(unread, brought, synced_at, failed=failed)
    for order_id, error in failed.items():
        outcome[order_id] = PlatformError(
            f"the returns or fulfillment orders of order {order_id} could not be read: {error}",
            platform=store.platform,
        )
    built = [rows for rows in built if rows.order_id not in failed]
    async with write_lock:
        known = await asyncio.to_thread(db.stored_hashes, name, [rows.order_id for rows in built])
        same_rows = [rows for rows in built if known.get(rows.order_id) == rows.content_hash]
        compare = [rows for rows in same_rows if rows.order_id not in hashed_in]
        same_details = (
            await asyncio.to_thread(details.as_stored, db, name, compare) if compare else set()
        )
        unchanged = {
            rows.order_id
            for rows in same_rows
            if rows.order_id in hashed_in or rows.order_id in same_details
        }
        changed = [rows for rows in built if rows.order_id not in unchanged]
        if changed:
            state = await asyncio.to_thread(db.state, name, store.platform)
            written = [rows.order_id for rows in changed]
            stored = [order_id for order_id in written if order_id in known]
            page = PageWrite(state, changed, written, synced_at, stored=stored, saves_state=False)
            await asyncio.to_thread(db.write_batch, [page])
    outcome.update({rows.order_id: rows.order_id not in unchanged for rows in built})
    return outcome


async def _gone(
    db: Destination, name: str, store: AsyncStore, order_ids: list[str], write_lock: asyncio.Lock
) -> dict[str, bool | PlatformError]:
    """Orders a re-read did not find: marked deleted, unless the store hides some orders."""
    limits = await store.run(store.adapter.read_limits())
    if limits.orders:
        log.warning(
            "%s: %s not found, and not marked deleted: %s",
            name,
            f"order {order_ids[0]} was"
            if len(order_ids) == 1
            else f"orders {', '.join(order_ids)} were",
            "; ".join(limits.said(limits.orders)),
        )
        return dict.fromkeys(order_ids, False)
    await mark_deleted(db, name, store.platform, order_ids, write_lock)
    return dict.fromkeys(order_ids, True)


async def mark_deleted(
    db: Destination, name: str, platform: str, order_ids: list[str], write_lock: asyncio.Lock
) -> None:
    """Mark stored orders deleted (their rows stay, as a sync keeps them)."""
    async with write_lock:
        state = await asyncio.to_thread(db.state, name, platform)
        page = PageWrite(state, [], [], _now(), deleted=order_ids, saves_state=False)
        await asyncio.to_thread(db.write_batch, [page])
