"""One writer for every store of a sync: writes queue up and go in shared transactions.

Each store task hands its page (or its state, or the end of its run) to :meth:`BatchWriter.write`
and waits until it is committed, so a store never runs ahead of its saved cursor (kill-safety is
unchanged: a page and the cursor after it are in the same transaction). While one batch is being
written, the other stores' writes queue; the next transaction takes all of them at once. With
many stores the number of transactions (and of the database's per-statement costs) grows with
the batches, not with the stores.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from .destination import Destination, PageWrite, RunFinish, Write

__all__ = ["BatchWriter"]

#: At most this many orders (changed ones) in one transaction.
MAX_BATCH_ORDERS = 5_000


@dataclass
class _Job:
    write: Write
    done: asyncio.Future[int] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def store(self) -> str:
        return self.write.state.store

    @property
    def orders(self) -> int:
        return len(self.write.changed) if isinstance(self.write, PageWrite) else 0


class BatchWriter:
    """Writes the queued writes of all stores, one transaction per batch; an async context."""

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

    async def write(self, write: Write) -> int:
        """Queue ``write`` and return once it is committed (or raise what writing it raised):
        for a :class:`~.destination.RunFinish`, how many orders it marked deleted, else 0."""
        job = _Job(write)
        self._queue.put_nowait(job)
        return await job.done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            orders = batch[0].orders
            while not self._queue.empty() and orders < MAX_BATCH_ORDERS:
                job = self._queue.get_nowait()
                batch.append(job)
                orders += job.orders
            await self._commit(batch)

    async def _commit(self, batch: list[_Job]) -> None:
        try:
            deleted = await asyncio.to_thread(self.db.write_batch, [job.write for job in batch])
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0], error)
                return
            # one store's write must not fail the others: write each alone
            for job in batch:
                await self._commit([job])
            return
        self.transactions += 1
        for job in batch:
            if not job.done.done():
                finished = isinstance(job.write, RunFinish)
                job.done.set_result(deleted.get(job.store, 0) if finished else 0)


def _fail(job: _Job, error: BaseException) -> None:
    if not job.done.done():
        job.done.set_exception(error)
