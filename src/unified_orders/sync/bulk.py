"""The bulk phase of a sync: a platform's bulk export instead of the paged listing.

Where the store's adapter has a bulk export (``Adapter.bulk_export()``, Shopify Bulk Operations on
the GraphQL dialect) and bulk is on (``sync_stores(bulk=True)``, the default; ``--no-bulk``), the
listing of a full run (the first run of a store, ``--full``) and of an ``updated_since`` run whose
window is at least :data:`BULK_MIN_WINDOW` long is read in bulk when it holds at least
:data:`BULK_MIN_ORDERS` orders (``ordersCount`` of the run's search; a smaller run is read with
the paged listing, in the same phase):

1. submit two jobs for the run's orders (the orders; their returns), bounded by the run's start
   (``created_at`` for a full run, ``updated_at`` for an incremental one) so the jobs and the
   counts see the same orders; their ids are saved in the store's ``run_cursor`` at once;
2. wait for them (a ``Pause`` between polls); an interrupt cancels them;
3. reconcile what the platform counted: each job's root objects against ``ordersCount`` of the
   same search, where the platform counts exactly;
4. read the returns file (only orders that have returns are kept), then stream the orders file
   (never held whole; no credentials go to its host): rebuild each order from its lines, read
   again the paged way (``BulkExport.reread``) each order the file could not carry in full, and
   write :data:`BATCH_ORDERS` orders at a time through the sync's own page writer, the job ids and
   the file line reached saved in ``run_cursor`` in the same transaction;
5. reconcile each file against its job: its lines against ``objectCount``, its orders against
   ``rootObjectCount``.

Any mismatch (a short or broken file, a count that differs) fails the store with
:class:`~unified_orders.bulk.BulkMismatch`, and a failed, canceled or expired job with
:class:`~unified_orders.bulk.BulkJobFailed`: the run is not finished, so the watermark stays, and
the next run submits a new job (rows already written are upserts: the new job converges on them).
A run killed after submitting resumes by job id: a completed job's file is downloaded again and
read from the saved line on; a running one is waited for; a failed, canceled or expired one (or
one the platform no longer knows) is replaced by a new job.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Protocol

from ..adapter import OrderQuery, Page
from ..bulk import BulkExport, BulkJob, BulkJobFailed, BulkMismatch, BulkOrder, BulkStatus
from ..exchange import OrderDetails
from ..models import Order, Return
from ..store import AsyncStore

if TYPE_CHECKING:
    from .destination import RunState

__all__ = [
    "BATCH_ORDERS",
    "BULK_MIN_ORDERS",
    "BULK_MIN_WINDOW",
    "BulkCursor",
    "bulk_listing",
    "uses_bulk",
]

log = logging.getLogger("unified_orders.sync")

#: Orders written per transaction in the bulk phase.
BATCH_ORDERS = 100
#: A run holding fewer orders is paged (two jobs and their polls would cost more than the pages
#: they save); an incremental window shorter than BULK_MIN_WINDOW is paged without counting.
BULK_MIN_WINDOW = timedelta(days=1)
BULK_MIN_ORDERS = 1_000
#: Seconds an interrupted run waits for its job's cancel to be sent.
CANCEL_SECONDS = 10.0


class BulkSync(Protocol):
    """What the bulk phase needs of the store's sync (``runner._StoreSync``)."""

    name: str
    store: AsyncStore

    async def _write(
        self, state: RunState, page: Page[Order], *, deleted: Sequence[str] = ()
    ) -> RunState: ...

    async def _save(self, state: RunState) -> None: ...

    async def _listing(self, state: RunState) -> RunState: ...


@dataclass(frozen=True)
class BulkCursor:
    """Where a bulk phase is: its jobs (the orders', the returns'), and the lines of the orders
    file already written."""

    job: str
    returns_job: str
    line: int = 0

    def dumps(self) -> str:
        """The cursor as ``run_cursor`` text."""
        return json.dumps(
            {"bulk_job": self.job, "returns_job": self.returns_job, "line": self.line}
        )

    @classmethod
    def loads(cls, text: str | None) -> BulkCursor | None:
        """A saved cursor (None for none, or for one that is not a bulk cursor)."""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        job, returns_job = data.get("bulk_job"), data.get("returns_job")
        if not isinstance(job, str) or not isinstance(returns_job, str):
            return None
        return cls(job, returns_job, int(data.get("line") or 0))


def uses_bulk(store: AsyncStore, state: RunState, enabled: bool) -> bool:
    """Whether this run reads its orders in bulk (see the module docstring)."""
    if not enabled or store.adapter.bulk_export() is None:
        return False
    if state.run_mode == "full":
        return True
    if state.run_mode == "updated_since" and state.run_since and state.run_started_at:
        return state.run_started_at - state.run_since >= BULK_MIN_WINDOW
    return False


def _query(state: RunState) -> OrderQuery:
    """The run's orders up to its start (the job and the counts then see the same orders)."""
    assert state.run_started_at is not None
    until = state.run_started_at.replace(tzinfo=UTC)
    if state.run_mode == "updated_since" and state.run_since is not None:
        return OrderQuery(updated_since=state.run_since.replace(tzinfo=UTC), updated_until=until)
    return OrderQuery(created_until=until)


async def bulk_listing(sync: BulkSync, state: RunState) -> RunState:
    """Read the run's orders with one bulk job and write them (see the module docstring)."""
    store = sync.store
    export = store.adapter.bulk_export()
    assert export is not None
    query = _query(state)
    cursor = BulkCursor.loads(state.run_cursor)
    if cursor is None:
        if state.run_cursor is not None:  # the paged listing of a small run, under way
            return await sync._listing(state)
        counted = await store.run(export.count(query))
        if counted is not None and counted < BULK_MIN_ORDERS:
            return await sync._listing(state)
    if cursor is not None:
        for job_id in (cursor.job, cursor.returns_job):
            known = await store.run(export.status(job_id))
            if _lost(known, returns=job_id == cursor.returns_job):
                what = known.status.value if known else "unknown to the platform"
                log.warning("%s: bulk job %s is %s; starting new jobs", sync.name, job_id, what)
                cursor = None
                break
    if cursor is None:
        job = await store.run(export.start(query))
        returns_job = await store.run(export.start_returns(query))
        cursor = BulkCursor(job.id, returns_job.id)
        state = replace(state, run_cursor=cursor.dumps())
        await sync._save(state)
    job, returns_job = await _wait(store, export, (cursor.job, cursor.returns_job))
    written = [state]  # the state after the last batch written
    try:
        _check_completed(store, job)
        denied = _denied(returns_job)
        if denied:
            log.warning(
                "%s: bulk job %s (returns) was denied for the app's access scopes; "
                "syncing without returns",
                sync.name,
                returns_job.id,
            )
        else:
            _check_completed(store, returns_job)
        counted = await store.run(export.count(query))
        for done in (job,) if denied else (job, returns_job):
            if counted is not None and done.roots is not None and counted != done.roots:
                raise _mismatch(store, f"the job exported {done.roots} orders", counted, done)
        returns = None if denied else await _read_returns(sync, export, returns_job)
        return await _read_file(sync, export, written, cursor, job, returns)
    except (BulkJobFailed, BulkMismatch):
        # the next run starts over with new jobs; what was written stays (upserts converge)
        await sync._save(replace(written[-1], run_cursor=None))
        raise


_GONE = (BulkStatus.FAILED, BulkStatus.CANCELED, BulkStatus.CANCELING, BulkStatus.EXPIRED)


def _denied(job: BulkJob) -> bool:
    """Whether the job failed for the app's access scopes (running it again cannot help)."""
    return job.status is BulkStatus.FAILED and job.denied


def _lost(job: BulkJob | None, *, returns: bool) -> bool:
    """Whether a saved job cannot be resumed: unknown to the platform, or ended without a file.
    A returns job denied for the app's scopes is that job's answer (the run goes on without
    returns), so it is kept."""
    if job is None:
        return True
    return job.status in _GONE and not (returns and _denied(job))


def _check_completed(store: AsyncStore, job: BulkJob) -> None:
    if job.status is not BulkStatus.COMPLETED or not job.url:
        raise BulkJobFailed(
            f"bulk job {job.id} ended {job.status.value}"
            + (f" ({job.error_code})" if job.error_code else "")
            + "; none of it was used, the next run starts a new job",
            platform=store.platform,
            code=job.error_code or job.status.value,
        )


async def _read_returns(
    sync: BulkSync, export: BulkExport, job: BulkJob
) -> dict[str, list[Return] | None]:
    """The returns job's file, read whole: the returns of each order that has any."""
    assert job.url is not None
    reader = export.returns_reader()
    async for line in sync.store.download_lines(job.url):
        reader.feed(line)
    reader.finish()
    if reader.lines != job.objects:
        raise _mismatch(
            sync.store, f"the returns file holds {reader.lines} lines", job.objects, job
        )
    if reader.roots != job.roots:
        raise _mismatch(sync.store, f"the returns file holds {reader.roots} orders", job.roots, job)
    return reader.returns


async def _wait(
    store: AsyncStore, export: BulkExport, job_ids: tuple[str, str]
) -> tuple[BulkJob, BulkJob]:
    """The jobs once finished; an interrupt cancels them on the platform first."""
    try:
        first = await store.run(export.wait(job_ids[0]))
        return first, await store.run(export.wait(job_ids[1]))
    except (KeyboardInterrupt, asyncio.CancelledError):
        for job_id in job_ids:
            try:
                await asyncio.wait_for(store.run(export.cancel(job_id)), CANCEL_SECONDS)
            except Exception as error:  # the interrupt goes on; the next run replaces the job
                log.warning("could not cancel bulk job %s: %s", job_id, error)
        raise


def _mismatch(store: AsyncStore, what: str, expected: int | None, job: BulkJob) -> BulkMismatch:
    return BulkMismatch(
        f"bulk job {job.id}: {what}, Shopify counts {expected}: the file is not whole; "
        "nothing is finished and the watermark stays",
        platform=store.platform,
        counts={"expected": expected, "objects": job.objects, "roots": job.roots},
    )


async def _read_file(
    sync: BulkSync,
    export: BulkExport,
    written: list[RunState],
    cursor: BulkCursor,
    job: BulkJob,
    returns: dict[str, list[Return] | None] | None,
) -> RunState:
    """Stream the job's file into batches of orders, from the saved line on (``written`` gets
    the state after each batch). ``returns`` is None where they were not read."""
    assert job.url is not None
    reader = export.reader()
    batch: list[BulkOrder] = []
    lines = 0  # file lines of the orders handed on so far
    async for line in sync.store.download_lines(job.url):
        for order in reader.feed(line):
            lines += order.lines
            if lines > cursor.line:
                batch.append(order)
        if len(batch) >= BATCH_ORDERS:
            state = await _write(sync, written[-1], batch, replace(cursor, line=lines), returns)
            written[:] = [state]
            batch = []
    for order in reader.finish():
        lines += order.lines
        if lines > cursor.line:
            batch.append(order)
    if reader.lines != job.objects:
        raise _mismatch(sync.store, f"the file holds {reader.lines} lines", job.objects, job)
    if reader.roots != job.roots:
        raise _mismatch(sync.store, f"the file holds {reader.roots} orders", job.roots, job)
    if batch or lines == 0:
        state = await _write(sync, written[-1], batch, replace(cursor, line=lines), returns)
        written[:] = [state]
    return written[-1]


async def _write(
    sync: BulkSync,
    state: RunState,
    batch: list[BulkOrder],
    cursor: BulkCursor,
    returns: dict[str, list[Return] | None] | None,
) -> RunState:
    """One batch: the orders the file could not carry read again (the paged way, a listing
    page's worth a query), then written as one page."""
    export = sync.store.adapter.bulk_export()
    assert export is not None
    again = [order.order_id for order in batch if order.order is None]
    reread = await sync.store.run(export.reread(again)) if again else Page[Order]([])
    read_again = {order.id: order for order in reread.items}
    items: list[Order] = []
    details: dict[str, OrderDetails] = {}
    for order in batch:
        found = order.order if order.order is not None else read_again.get(order.order_id)
        if found is None:  # deleted since the job ran, or in reread.failures
            continue
        items.append(found)
        # what the paged read brought along, else the files' (no returns in the file: none;
        # no returns file: not read, which the sync's details phase asks about and reports)
        details[found.id] = reread.details.get(found.id) or replace(
            order.details, returns=returns.get(found.id, []) if returns is not None else None
        )
    if again:
        log.debug(
            "%s: %d of %d orders read again after the bulk file", sync.name, len(again), len(batch)
        )
    return await sync._write(state, Page(items, cursor.dumps(), reread.failures, details))
