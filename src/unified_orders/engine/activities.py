"""The activities: the work itself, on a worker, with the worker's stores config.

A store's sync runs the ordinary runner (:func:`~unified_orders.sync.runner.sync_stores`) for
that one store into the worker's destination, so every batch is written together with its cursor
as it is in-process; a retried attempt (its first worker died) resumes from that cursor. A refund
goes through the library's exactly-once path (:meth:`WorkerStores.refund`).

Both heartbeat while they run: a worker that stops heartbeating is taken for dead and its
activity is retried on another worker after the job's ``heartbeat_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ..errors import UnifiedOrdersError
from ..sync.destination import is_postgres_url
from ..sync.runner import StoreResult, sync_stores
from .jobs import REFUND_ACTIVITY, SYNC_ACTIVITY, RefundJob, RefundOutcome, SyncJob, WorkerStores

__all__ = ["Activities"]


class _Beat:
    """Heartbeats every third of the timeout with the latest progress; also the runner's
    :class:`~unified_orders.sync.progress.Progress`, so the details are the pages and orders
    written so far."""

    def __init__(self, timeout: float) -> None:
        self.every = max(timeout / 3, 0.2)
        self.details: dict[str, Any] = {"pages": 0, "orders": 0, "changed": 0}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[_Beat]:
        async def beat() -> None:
            while True:
                activity.heartbeat(dict(self.details))
                await asyncio.sleep(self.every)

        ticker = asyncio.create_task(beat())
        try:
            yield self
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    def started(self, store: str, platform: str, mode: str) -> None:
        self.details["mode"] = mode

    def page(self, store: str, orders: int, changed: int) -> None:
        self.details["pages"] += 1
        self.details["orders"] += orders
        self.details["changed"] += changed
        activity.heartbeat(dict(self.details))

    def finished(self, result: StoreResult) -> None:
        """Nothing: the result is the activity's return value."""

    def close(self) -> None:
        """Nothing to close."""


class Activities:
    """The activities of one worker: its stores and its destination (a DuckDB file, or a
    PostgreSQL URL that many workers share)."""

    def __init__(
        self,
        stores: WorkerStores,
        db: str | Path,
        *,
        memory_limit: str | None = None,
        say: Callable[[str], None] | None = None,
    ):
        self.stores = stores
        self.db = db
        self.memory_limit = memory_limit
        #: one line per activity started and finished, for the worker's operator
        self.say = say or (lambda text: None)
        # DuckDB takes one writer: this worker's stores take turns on the file
        self._one_writer = None if is_postgres_url(db) else asyncio.Lock()

    @activity.defn(name=SYNC_ACTIVITY)
    async def sync_store(self, job: SyncJob) -> dict[str, Any]:
        """Sync ``job.store`` into the worker's destination; its ``StoreResult`` as a dict."""
        attempt = activity.info().attempt
        self.say(f"sync of {job.store}: started (attempt {attempt})")
        beat = _Beat(job.heartbeat_seconds)
        async with beat.running():
            try:
                source = self.stores.sync_source(job.store)
            except UnifiedOrdersError as error:  # not in this worker's config: no retry helps
                failed = StoreResult(job.store, "?", error=f"{type(error).__name__}: {error}")
                return dataclasses.asdict(failed)
            async with self._one_writer or contextlib.nullcontext():
                summary = await sync_stores(
                    {job.store: source},
                    self.db,
                    lookback=timedelta(minutes=job.lookback_minutes),
                    window_days=job.window_days,
                    full=job.full,
                    details=job.details,
                    keep_raw=job.keep_raw,
                    progress=beat,
                    memory_limit=self.memory_limit,
                )
        result = summary.results[0]
        self.say(f"sync of {job.store}: {result.describe()}")
        if result.busy:
            # another process holds the store in this database (a worker that died and whose
            # session the database has not dropped yet, or a sync outside the engine): later
            raise ApplicationError(f"store {job.store} is busy: {result.error}", type="StoreBusy")
        return dataclasses.asdict(result)

    @activity.defn(name=REFUND_ACTIVITY)
    async def create_refund(self, job: RefundJob) -> RefundOutcome:
        """Create the refund ``job`` names (or find it made by an earlier attempt)."""
        attempt = activity.info().attempt
        self.say(f"refund {job.key} of {job.store} order {job.order}: started (attempt {attempt})")
        async with _Beat(job.heartbeat_seconds).running():
            outcome = await asyncio.to_thread(self.stores.refund, job)
        found = " (found by its key: made by an earlier attempt)" if outcome.found_by_key else ""
        self.say(f"refund {job.key}: {outcome.outcome} {outcome.refund_id}{found}".rstrip())
        return outcome

    def all(self) -> list[Any]:
        """The activity callables, for a ``Worker``."""
        return [self.sync_store, self.create_refund]
