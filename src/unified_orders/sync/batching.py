"""One writer for every store of a sync: pages queue up and are written in shared transactions.

Each store task hands its page to :meth:`BatchWriter.write` and waits until that page is
committed, so a store never runs ahead of its saved cursor (kill-safety is unchanged: a page and
the cursor after it are in the same transaction). While one batch is being written, pages of the
other stores queue; the next transaction takes all of them at once. With many stores the number
of transactions (and of the database's per-statement costs) grows with the batches, not the pages.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from .destination import Destination, PageWrite

__all__ = ["BatchWriter"]

#: At most this many orders (changed ones) in one transaction.
MAX_BATCH_ORDERS = 5_000


@dataclass
class _Job:
    page: PageWrite
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class BatchWriter:
    """Writes queued pages of all stores, one transaction per batch; use as an async context."""

    def __init__(self, db: Destination) -> None:
        self.db = db
        self.transactions = 0
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> BatchWriter:
        self._task = asyncio.create_task(self._run(), name="unified-orders sync writer")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def write(self, page: PageWrite) -> None:
        """Queue ``page`` and return once it is committed (or raise what writing it raised)."""
        job = _Job(page)
        self._queue.put_nowait(job)
        await job.done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            orders = len(batch[0].page.changed)
            while not self._queue.empty() and orders < MAX_BATCH_ORDERS:
                job = self._queue.get_nowait()
                batch.append(job)
                orders += len(job.page.changed)
            await self._commit(batch)

    async def _commit(self, batch: list[_Job]) -> None:
        try:
            await asyncio.to_thread(self.db.write_pages, [job.page for job in batch])
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0], error)
                return
            # one store's page must not fail the others: write each page alone
            for job in batch:
                await self._commit([job])
            return
        self.transactions += 1
        for job in batch:
            if not job.done.done():
                job.done.set_result(None)


def _fail(job: _Job, error: BaseException) -> None:
    if not job.done.done():
        job.done.set_exception(error)
