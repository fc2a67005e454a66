"""Bring one order's rows up to date after a delivery named it: read the order (with its returns
and fulfillment orders, where the store lists them) and write it the way a sync writes a page.

The delivery itself is never written as order data: it only says which order changed. The order
is re-read from the store, so the rows are exactly what ``sync`` would have written, whatever the
delivery's payload held, and a delivery arriving out of order cannot roll an order back.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from ..adapter import Capability
from ..errors import NotFound, UnsupportedOperation
from ..store import AsyncStore
from ..sync.destination import Destination, PageWrite
from ..sync.rows import details_rows, order_rows, rehash

__all__ = ["mark_deleted", "refresh_order"]

log = logging.getLogger("unified_orders.webhooks")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def _optional(call: Any) -> Any:
    try:
        return await call
    except UnsupportedOperation:
        return None


async def refresh_order(
    db: Destination, name: str, store: AsyncStore, order_id: str, write_lock: asyncio.Lock
) -> bool:
    """Re-read ``order_id`` and write its rows; whether they changed. An order the store no longer
    has is marked deleted, unless the store hides some orders from these credentials
    (``Adapter.read_limits``): then not being found proves nothing, and nothing is written."""
    try:
        order = await store.orders.get(order_id)
    except NotFound:
        limits = await store.run(store.adapter.read_limits())
        if limits.orders:
            log.warning(
                "%s: order %s was not found, and is not marked deleted: %s",
                name,
                order_id,
                "; ".join(f"{kind} ({why})" for kind, why in limits.orders.items()),
            )
            return False
        await mark_deleted(db, name, store.platform, order_id, write_lock)
        return True
    synced_at = _now()
    rows = order_rows(name, order, synced_at, hashed=False)
    caps = store.capabilities
    returns = (
        await _optional(store.returns.list(order_id)) if Capability.RETURNS_LIST in caps else None
    )
    fos = (
        await _optional(store.fulfillments.list(order_id))
        if Capability.FULFILLMENTS_LIST in caps
        else None
    )
    details_rows(rows, store.platform, returns, fos, synced_at)
    rehash(rows)
    async with write_lock:
        known = await asyncio.to_thread(db.stored_hashes, name, [order_id])
        if known.get(order_id) == rows.content_hash:
            return False
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
