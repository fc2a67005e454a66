"""Run a sync: every store concurrently on asyncio, page by page, resumable.

Each store is one task driving its :class:`~unified_orders.store.AsyncStore` (so requests are
paced by that store's own platform limit, in the HTTP layer). A task reads one page of orders,
turns it into rows, skips orders whose content hash is unchanged, reads returns and fulfillment
orders of the changed ones, and hands the page to the database, which writes it together with the
cursor of the next page in one transaction. Only one page per store is ever in memory.

Incremental strategies (see docs/reporting/index.md):

- ``updated_since``: the platform filters by updated time; the next run reads from the store's
  watermark minus ``lookback``.
- ``placed_window``: the platform cannot filter by updated time (Next Commerce): the next run
  re-reads orders placed in the last ``window_days`` days (whole days) and compares them with
  what is stored; orders of the window that disappeared are marked deleted.

The first run of a store, and any run with ``full=True``, reads every order and marks stored
orders the platform no longer has as deleted.

After the listing, a run has the phases its platform allows: the change feed (incremental runs),
the open fulfillment orders compared with the stored ones (:mod:`.fulfillment_orders`, every run)
and the id listing that finds deleted orders (``updated_since`` runs).

Each run first asks the adapter what its reads leave out for these credentials
(``Adapter.read_limits``) and says so on the result line. Where some orders are hidden (a Shopify
app without ``read_all_orders`` sees only the last 60 days), not being found proves nothing: the
run marks deleted only the orders the platform says were deleted, and skips the id listing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..adapter import Adapter, OrderQuery, Page, ReadFailure, ReadLimits
from ..errors import (
    InvalidRequest,
    NotFound,
)
from ..models import Order
from ..store import AsyncStore
from .batching import BatchWriter
from .bulk import bulk_listing, uses_bulk
from .databases import open_destination
from .destination import (
    DEFAULT_DB,
    Destination,
    PageWrite,
    RunFinish,
    RunState,
    StateSave,
    StoreBusy,
    placed_window_start,
)
from .details import DetailReads
from .feeds import change_feed, reread
from .fulfillment_orders import reconcile_fulfillment_orders, reconciles_fulfillment_orders
from .processes import sync_in_processes
from .progress import NullProgress, Progress
from .results import StoreResult, SyncSummary
from .rows import order_rows, rehash
from .sources import StoreSource, connect_source

__all__ = [
    "DEFAULT_LOOKBACK",
    "DEFAULT_WINDOW_DAYS",
    "StoreResult",
    "StoreSource",
    "SyncSummary",
    "run_sync",
    "strategy_for",
    "sync_stores",
]

log = logging.getLogger("unified_orders.sync")

#: Said of hidden orders on a store's result line: what the run did about them.
_NOT_DELETED = "until then no order is marked deleted for not being found"

DEFAULT_LOOKBACK = timedelta(minutes=30)
DEFAULT_WINDOW_DAYS = 30


def strategy_for(adapter: Adapter) -> str:
    """``updated_since`` when the platform filters orders by updated time, else ``placed_window``.

    Reads the adapter's declared ``order_filters`` (the OrderQuery fields the platform filters on
    server-side): filtering by updated time client-side would read every page on every run.
    """
    return "updated_since" if "updated_since" in adapter.order_filters else "placed_window"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


async def _page(store: AsyncStore, query: OrderQuery, cursor: str | None) -> Page[Order]:
    """One page (resuming needs the page cursors that ``orders.list`` hides)."""
    return await store.orders.page(query, cursor)


class _StoreSync:
    """Syncs one store into the database."""

    def __init__(
        self,
        name: str,
        store: AsyncStore,
        db: Destination,
        *,
        lookback: timedelta,
        window_days: int,
        full: bool,
        details: bool,
        keep_raw: bool,
        progress: Progress,
        writer: BatchWriter,
        bulk: bool = False,
    ) -> None:
        self.name = name
        self.store = store
        self.db = db
        self.lookback = lookback
        self.window_days = window_days
        self.full = full
        self.keep_raw = keep_raw
        self.bulk = bulk  # a full run reads in bulk where the platform can (sync/bulk.py)
        self.progress = progress
        self.writer = writer
        self.details = DetailReads(store, details=details)
        self.limits = ReadLimits()
        self.result = StoreResult(name, store.platform)
        #: The orders this run could not read (never read twice in one run).
        self.unreadable_ids: set[str] = set()
        #: The orders this run's listing or change feed read: the feed names orders changed
        #: before the run began, so it need not read them again (a later change is the next
        #: run's: its feed starts before this run did).
        self.read_ids: set[str] = set()
        #: Of those, the orders whose details (returns, fulfillment orders) this run read too.
        self.detailed_ids: set[str] = set()

    def _new_run(self, state: RunState, now: datetime) -> RunState:
        strategy = strategy_for(self.store.adapter)
        since: datetime | None = None
        mode = "full"
        if not self.full and state.last_completed_at is not None:
            if strategy == "updated_since" and state.watermark is not None:
                mode, since = "updated_since", state.watermark - self.lookback
            elif strategy == "placed_window":
                mode, since = "placed_window", placed_window_start(now, self.window_days)
        return replace(
            state,
            platform=self.store.platform,
            strategy=strategy,
            run_id=uuid.uuid4().hex,
            run_mode=mode,
            run_since=since,
            run_started_at=now,
            run_cursor=None,
            run_pages=0,
            run_orders=0,
            run_changed=0,
            run_max_updated=None,
            run_phase="listing",
        )

    def _query(self, state: RunState) -> OrderQuery:
        since = state.run_since.replace(tzinfo=UTC) if state.run_since else None
        if state.run_mode == "updated_since":
            return OrderQuery(updated_since=since)
        if state.run_mode == "placed_window":
            return OrderQuery(created_since=since)
        return OrderQuery()

    async def run(self) -> StoreResult:
        started = time.monotonic()
        state = await asyncio.to_thread(self.db.state, self.name, self.store.platform)
        self.result.resumed = state.in_progress and not self.full
        if not self.result.resumed:
            state = self._new_run(state, _now())
            await self._save(state)
        assert state.run_mode is not None
        self.result.mode = state.run_mode
        if state.run_mode != "full":
            self.result.unseen = sorted(self.store.adapter.unseen_changes)
        self.progress.started(self.name, self.store.platform, state.run_mode)
        # what the platform leaves out of these credentials' reads without a word
        self.limits = await self.store.run(self.store.adapter.read_limits())
        phases = self._phases(state)
        current = state.run_phase or "listing"  # runs saved before phases were listing runs
        if current not in phases:  # a phase this store no longer has: start the run over
            current, state = phases[0], replace(state, run_phase=phases[0], run_cursor=None)
        for phase in phases[phases.index(current) :]:
            if phase != current:
                current, state = phase, replace(state, run_phase=phase, run_cursor=None)
                await self._save(state)
            if phase == "listing":
                state = await self._listing(state)
            elif phase == "bulk":
                state = await bulk_listing(self, state)
            elif phase == "changes":
                since = self._changes_since(state)
                assert since is not None
                state = await change_feed(self, state, since)
            elif phase == "fulfillment-orders":
                state = await reconcile_fulfillment_orders(self, state)
            else:
                state = await self._ids(state)
        hidden = {
            **{what: f"{why}; {_NOT_DELETED}" for what, why in self.limits.orders.items()},
            **(self.limits.details if self.details.wanted else {}),
        }
        self.result.not_read = ReadLimits.said({**hidden, **self.details.refused})
        await self._finish(state)
        self.result.ok = True
        self.result.seconds = time.monotonic() - started
        return self.result

    async def _listing(self, state: RunState) -> RunState:
        """Read every page of the run's order listing."""
        query = self._query(state)
        cursor = state.run_cursor
        while True:
            try:
                page = await _page(self.store, query, cursor)
            except (NotFound, InvalidRequest) as error:
                if cursor is None or cursor != state.run_cursor:
                    raise
                # A saved cursor the platform no longer accepts: re-read the run from the start
                # (rows are upserted, so re-reading converges).
                log.warning("%s: saved cursor rejected (%s); restarting the run", self.name, error)
                cursor = None
                continue
            state = await self._write(state, page)
            self.read_ids.update(order.id for order in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return state

    def _phases(self, state: RunState) -> list[str]:
        """The run's phases in order: the listing, then (incremental runs) the change feed, where
        the platform lists them the open fulfillment orders (every run), and where the platform
        lists ids cheaply (incremental runs) the id listing that finds deleted orders."""
        phases = ["bulk" if uses_bulk(self.store, state, self.bulk) else "listing"]
        if self._changes_since(state) is not None:
            phases.append("changes")
        if reconciles_fulfillment_orders(self):
            phases.append("fulfillment-orders")
        if (
            state.run_mode == "updated_since"
            and self.store.adapter.lists_order_ids
            and not self.limits.orders  # absence proves nothing where some orders are hidden
        ):
            phases.append("ids")
        return phases

    async def _ids(self, state: RunState) -> RunState:
        """Note every id the platform has (orders stored but not listed are then marked deleted
        when the run finishes)."""
        cursor = state.run_cursor
        while True:
            page = await self.store.run(self.store.adapter.order_ids(cursor))
            state = replace(state, run_cursor=page.next_cursor)
            await self.writer.write(PageWrite(state, [], [], _now(), present=page.items))
            cursor = page.next_cursor
            if cursor is None:
                break
        # A listing shifted by a concurrent change can skip an id: read each stored order the
        # listing did not name before calling it deleted.
        assert state.run_id is not None
        missing = await asyncio.to_thread(self.db.unlisted_ids, self.name, state.run_id)
        read, _ = await reread(self.store, missing)
        there = [order_id for order_id, item in zip(missing, read, strict=True) if item is not None]
        if there:
            await self.writer.write(PageWrite(state, [], [], _now(), present=there))
        return state

    def _changes_since(self, state: RunState) -> datetime | None:
        """Where an incremental run's change feed starts (None: a full run reads everything)."""
        if state.run_mode == "updated_since":
            return state.run_since.replace(tzinfo=UTC) if state.run_since else None
        if state.run_mode == "placed_window" and state.watermark is not None:
            return (state.watermark - self.lookback).replace(tzinfo=UTC)
        return None

    async def write_reread(
        self,
        state: RunState,
        order_ids: Sequence[str],
        cursor: str | None,
        *,
        deleted: Sequence[str] = (),
        refresh: Collection[str] = (),
    ) -> RunState:
        """Read ``order_ids`` again and write them (an order the platform no longer has, and
        ``deleted``, marked deleted) as one page whose next cursor is ``cursor``. The orders in
        ``refresh`` are written with their details even where their own rows are as stored
        (unless the read brought the details, which are then hashed in with the rows)."""
        read, details = await reread(self.store, order_ids)
        orders = [item for item in read if isinstance(item, Order)]
        failures = [item for item in read if isinstance(item, ReadFailure)]
        # an order not found is gone, unless the platform hides some orders from these
        # credentials (then only the platform's own word, ``deleted``, marks one deleted)
        unfound = [i for i, item in zip(order_ids, read, strict=True) if item is None]
        gone = [*deleted, *([] if self.limits.orders else unfound)]
        page = Page(orders, cursor, failures, details)
        return await self._write(state, page, deleted=gone, refresh=refresh)

    async def _save(self, state: RunState) -> None:
        await self.writer.write(StateSave(state))

    async def _write(
        self,
        state: RunState,
        page: Page[Order],
        *,
        deleted: Sequence[str] = (),
        refresh: Collection[str] = (),
    ) -> RunState:
        synced_at = _now()
        await self.details.settle(page.details)
        built = [
            order_rows(self.name, order, synced_at, keep_raw=self.keep_raw, hashed=False)
            for order in page.items
        ]
        for rows in built:
            self.details.brought(rows, page.details.get(rows.order_id), synced_at)
            rehash(rows)
        ids = [rows.order_id for rows in built]
        known = await asyncio.to_thread(self.db.stored_hashes, self.name, ids)
        # an order whose rows differ (with its details, where the read brought them and they are
        # hashed in), or one to refresh whose details the read did not bring
        changed = [
            rows
            for rows in built
            if known.get(rows.order_id) != rows.content_hash
            or (rows.order_id in refresh and not rows.details_read)
        ]
        if self._full_details(state):
            # written again with its details, but not counted: nothing says they changed
            seen = {rows.order_id for rows in changed}
            rewritten = [
                rows for rows in built if rows.order_id not in seen and not rows.details_read
            ]
        else:
            rewritten = []
        counted = len(changed)
        changed += rewritten
        wanting = [rows for rows in changed if not rows.details_read]
        await self.details.read(wanting, page.details, synced_at)
        # refreshed for their details alone: not written where those are as stored
        forced = [
            rows for rows in changed[:counted] if known.get(rows.order_id) == rows.content_hash
        ]
        if forced:
            same = await asyncio.to_thread(self.details.as_stored, self.db, self.name, forced)
            changed = [rows for rows in changed if rows.order_id not in same]
            counted -= len(same)
        stored = [rows.order_id for rows in changed if rows.order_id in known]
        self.detailed_ids.update(rows.order_id for rows in built if rows.details_read)
        updated = [rows.updated_at for rows in built if rows.updated_at is not None]
        max_updated = max(
            [*updated, *([state.run_max_updated] if state.run_max_updated else [])], default=None
        )
        state = replace(
            state,
            run_cursor=page.next_cursor,
            run_pages=state.run_pages + 1,
            run_orders=state.run_orders + len(built),
            run_changed=state.run_changed + counted,
            run_max_updated=max_updated,
        )
        await self.writer.write(
            PageWrite(state, changed, ids, synced_at, page.failures, stored, deleted)
        )
        self.result.deleted += len(deleted)
        self.result.unreadable += len(page.failures)
        self.unreadable_ids.update(failure.id for failure in page.failures)
        self.result.pages = state.run_pages
        self.result.orders = state.run_orders
        self.result.changed = state.run_changed
        self.progress.page(self.name, len(built), counted)
        return state

    def _full_details(self, state: RunState) -> bool:
        """Whether this run reads the details of every order it lists, changed or not: a full
        run does, where nothing else would find a change to an order's details alone (the
        platform lists no open fulfillment orders, or has returns)."""
        if state.run_mode != "full":
            return False
        lists_fos = self.store.adapter.lists_open_fulfillment_orders
        return self.details.read_returns or (self.details.read_fos and not lists_fos)

    async def _finish(self, state: RunState) -> None:
        now = _now()
        assert state.run_started_at is not None
        watermark = state.run_started_at
        if state.run_max_updated is not None:
            # The platform's own clock where it is behind ours; the lookback absorbs skew.
            watermark = min(watermark, state.run_max_updated)
        if state.run_mode == "updated_since" and state.watermark is not None:
            watermark = max(watermark, state.watermark)
        completed = replace(
            state,
            watermark=watermark,
            run_id=None,
            run_mode=None,
            run_since=None,
            run_started_at=None,
            run_cursor=None,
            run_pages=0,
            run_orders=0,
            run_changed=0,
            run_max_updated=None,
            last_completed_at=now,
            last_error=None,
            last_error_at=None,
            run_phase=None,
            not_read="; ".join(self.result.not_read) or None,
        )
        scope: datetime | bool | None = False
        if self.limits.orders:
            pass  # an order the run did not see may be one hidden from these credentials
        elif state.run_mode == "full" or state.run_phase == "ids":
            scope = None
        elif state.run_mode == "placed_window" and state.run_since is not None:
            # One day of margin: the platform's "placed date" is a day in the store's time zone.
            scope = state.run_since + timedelta(days=1)
        self.result.deleted += await self.writer.write(RunFinish(state, completed, scope))


async def sync_stores(
    stores: Mapping[str, StoreSource],
    db_path: str | Path = DEFAULT_DB,
    *,
    lookback: timedelta = DEFAULT_LOOKBACK,
    window_days: int = DEFAULT_WINDOW_DAYS,
    full: bool = False,
    details: bool = True,
    keep_raw: bool = True,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    bulk: bool = True,
) -> SyncSummary:
    """Sync every store into ``db_path`` (a DuckDB file or a ``postgresql://`` URL),
    concurrently; see :func:`run_sync`."""
    started = time.monotonic()
    reporter = progress or NullProgress()
    db = open_destination(db_path, memory_limit=memory_limit)
    summary = SyncSummary(db.location)

    async def one(name: str, source: StoreSource) -> StoreResult:
        platform = "?"
        store: AsyncStore | None = None
        result = StoreResult(name, platform)
        claimed = False
        try:
            store = await connect_source(source)
            result.platform = store.platform
            # another process syncing this store into the same database: StoreBusy, at once
            await asyncio.to_thread(db.claim_store, name)
            claimed = True
            job = _StoreSync(
                name,
                store,
                db,
                lookback=lookback,
                window_days=window_days,
                full=full,
                details=details,
                keep_raw=keep_raw,
                progress=reporter,
                writer=writer,
                bulk=bulk,
            )
            result = job.result
            await job.run()
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as error:
            result.ok = False
            result.error = _describe(error)
            result.busy = isinstance(error, StoreBusy)
            # marked: a command that prints the results says it already
            log.warning("sync of %s failed: %s", name, result.error, extra={"reported": True})
            if not result.busy:  # the state is the other process's to write
                await _record_failure(db, writer, name, result, store)
        finally:
            if claimed:
                await asyncio.to_thread(db.release_store, name)
            if store is not None and not isinstance(source, AsyncStore):
                await store.aclose()
        reporter.finished(result)
        return result

    try:
        async with BatchWriter(db) as writer:
            summary.results = list(
                await asyncio.gather(*(one(name, source) for name, source in stores.items()))
            )
    finally:
        reporter.close()
        db.close()
    summary.seconds = time.monotonic() - started
    return summary


async def _record_failure(
    db: Destination, writer: BatchWriter, name: str, result: StoreResult, store: AsyncStore | None
) -> None:
    platform = store.platform if store is not None else result.platform
    result.platform = platform
    try:
        state = await asyncio.to_thread(db.state, name, platform)
        await writer.write(StateSave(replace(state, last_error=result.error, last_error_at=_now())))
    except Exception as error:  # the failure is already reported; never mask it
        log.warning("could not record the failure of %s: %s", name, error)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def run_sync(
    stores: Mapping[str, StoreSource],
    db_path: str | Path = DEFAULT_DB,
    *,
    lookback: timedelta = DEFAULT_LOOKBACK,
    window_days: int = DEFAULT_WINDOW_DAYS,
    full: bool = False,
    details: bool = True,
    keep_raw: bool = True,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    bulk: bool = True,
    processes: int = 1,
) -> SyncSummary:
    """Sync ``stores`` (name -> AsyncStore or factory) into ``db_path``: a DuckDB file or a
    ``postgresql://`` URL (``pip install 'unified-orders[postgres]'``); blocking.

    Stores run concurrently; a failing store is reported in the summary and the others finish.
    An interrupted run (even ``kill -9``) is resumed by the next call from its last written page.
    ``lookback`` is subtracted from the watermark of ``updated_since`` stores; ``window_days`` is
    the placed-date window re-read for stores without an updated-at filter; ``full`` re-reads
    everything (and finds deleted orders); ``details`` reads returns and fulfillment orders of
    new or changed orders; ``keep_raw`` stores the platform payload in ``orders.raw``;
    ``memory_limit`` caps DuckDB's memory (see :func:`~unified_orders.sync.writer.connect_db`);
    ``bulk`` reads full runs with the platform's bulk export where it has one (Shopify Bulk
    Operations; :mod:`~unified_orders.sync.bulk`).
    Into PostgreSQL, other processes may sync other stores at the same time; a store another
    process is syncing fails at once with ``StoreResult.busy`` (its lock, see
    :class:`~unified_orders.sync.destination.StoreBusy`).
    ``processes`` above 1 (PostgreSQL only) syncs the stores in that many worker processes, each
    writing its own share (:mod:`~unified_orders.sync.processes`): for many stores whose pages
    cost more CPU than one process has.
    """
    options: dict[str, Any] = dict(
        lookback=lookback,
        window_days=window_days,
        full=full,
        details=details,
        keep_raw=keep_raw,
        memory_limit=memory_limit,
        bulk=bulk,
    )
    if processes != 1:
        return sync_in_processes(
            sync_stores, stores, db_path, processes, progress=progress, **options
        )
    return asyncio.run(sync_stores(stores, db_path, progress=progress, **options))
