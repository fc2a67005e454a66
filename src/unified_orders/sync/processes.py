"""A sync spread over worker processes (``run_sync(..., processes=N)``, ``sync --processes N``).

One process runs every store on one event loop, so when many stores' pages arrive together their
translation waits for one CPU (Shopware: ~7-8 ms of CPU per store; docs/scale-out.md).
:func:`sync_in_processes` forks its workers before it opens anything; each syncs a round-robin
share of the stores with the ordinary runner (:func:`~.runner.sync_stores`) into the same
PostgreSQL database, as separate ``sync`` processes would: its own connection, its own batching
writer, each store under its advisory lock. Kill-safety is the runner's. This process relays the
workers' progress, results and log records (it owns the terminal) and reports the summary.

Only into PostgreSQL: a DuckDB file has one writer. A worker that dies fails the stores it had
not finished (their locks go with its connection; the next run resumes them from their last
written page). Workers ignore Ctrl-C; this process stops them and raises ``KeyboardInterrupt``,
as a one-process sync does. Needs ``fork`` (Linux, macOS): the workers inherit the stores as
given, factories included.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection, wait
from pathlib import Path
from threading import Lock
from typing import Any

from ..errors import ConfigurationError
from .databases import open_destination
from .destination import StateSave, is_postgres_url, target_text
from .progress import NullProgress, Progress
from .results import StoreResult, SyncSummary
from .sources import StoreSource

__all__ = ["sync_in_processes"]

log = logging.getLogger("unified_orders.sync")


#: The runner's :func:`~.runner.sync_stores` (given by the runner, which imports this module).
SyncStores = Callable[..., Coroutine[Any, Any, SyncSummary]]


def sync_in_processes(
    sync_stores: SyncStores,
    stores: Mapping[str, StoreSource],
    db_path: str | Path,
    processes: int,
    *,
    progress: Progress | None = None,
    **options: Any,
) -> SyncSummary:
    """:func:`~.runner.run_sync` with the stores synced by ``processes`` worker processes (at
    most one per store) into the PostgreSQL database ``db_path``, each with ``sync_stores``;
    see the module's docs."""
    if type(processes) is not int or processes < 1:
        raise ConfigurationError(
            f"processes must be a whole number of 1 or more, not {processes!r}"
        )
    if processes != 1 and not is_postgres_url(db_path):
        raise ConfigurationError(
            f"syncing in {processes} processes needs a PostgreSQL database (postgresql://...): "
            f"{db_path} is a DuckDB file, which one process writes at a time"
        )
    names = list(stores)
    if processes == 1 or len(names) < 2:  # nothing to spread
        return asyncio.run(sync_stores(stores, db_path, progress=progress, **options))
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        raise ConfigurationError(
            "syncing in several processes needs os.fork (Linux, macOS); use one process here"
        ) from None
    started = time.monotonic()
    # Here first: the schema is made (or upgraded) once, not raced by the workers, and a
    # database that cannot be opened fails the run as it does in one process.
    open_destination(db_path).close()
    reporter = progress or NullProgress()
    count = min(processes, len(names))
    sys.stdout.flush()  # else each worker writes its copy of the buffers again
    sys.stderr.flush()
    workers: list[_Worker] = []
    results: dict[str, StoreResult] = {}
    try:
        for i in range(count):
            share = {name: stores[name] for name in names[i::count]}
            workers.append(_Worker.start(context, sync_stores, share, db_path, options))
        _relay_until_done(workers, reporter, results)
        for worker in workers:
            worker.process.join()
        _account(workers, db_path, reporter, results)
    finally:
        for worker in workers:
            worker.stop()
        reporter.close()
    summary = SyncSummary(target_text(db_path), [results[name] for name in names])
    summary.seconds = time.monotonic() - started
    return summary


# --- this process --------------------------------------------------------------------------
@dataclass
class _Worker:
    """One worker process, the pipe of its events, and what its events said of its stores."""

    process: Any  # multiprocessing's Process of the fork context
    events: Connection
    stores: list[str]
    platforms: dict[str, str] = field(default_factory=dict)
    #: What stopped the worker's run before its stores finished, as it said.
    error: str | None = None

    @classmethod
    def start(
        cls,
        context: Any,
        sync_stores: SyncStores,
        share: Mapping[str, StoreSource],
        db_path: str | Path,
        options: dict[str, Any],
    ) -> _Worker:
        events, worker_end = context.Pipe(duplex=False)
        process = context.Process(
            target=_work,
            args=(sync_stores, share, worker_end, db_path, options),
            name=f"unified-orders sync ({len(share)} stores)",
            daemon=True,
        )
        process.start()
        worker_end.close()  # the worker's end lives in the worker alone: its exit is then EOF
        return cls(process, events, list(share))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.events.close()


def _relay_until_done(
    workers: Sequence[_Worker], reporter: Progress, results: dict[str, StoreResult]
) -> None:
    """Pass the workers' events on until every worker has closed its pipe."""
    ends: dict[Any, _Worker] = {worker.events: worker for worker in workers}
    while ends:
        for ready in wait(list(ends)):
            worker = ends[ready]
            try:
                message: tuple[str, tuple[Any, ...]] = worker.events.recv()
            except (EOFError, OSError):
                del ends[ready]
                continue
            kind, args = message
            if kind == "started":
                worker.platforms[args[0]] = args[1]
                reporter.started(*args)
            elif kind == "page":
                reporter.page(*args)
            elif kind == "finished":
                results[args[0].store] = args[0]
                reporter.finished(args[0])
            elif kind == "log":
                name, level, text, reported = args
                logging.getLogger(name).log(level, "%s", text, extra={"reported": reported})
            elif kind == "error":
                worker.error = args[0]


def _account(
    workers: Sequence[_Worker],
    db_path: str | Path,
    reporter: Progress,
    results: dict[str, StoreResult],
) -> None:
    """Fail the stores a worker that stopped early did not finish, and record why."""
    lost: list[StoreResult] = []
    for worker in workers:
        code = worker.process.exitcode
        missing = [store for store in worker.stores if store not in results]
        if code != 0:
            log.warning("a sync worker process exited with code %s", code)
        why = worker.error or f"its worker process stopped (exit code {code})"
        for store in missing:
            result = StoreResult(
                store,
                worker.platforms.get(store, "?"),
                error=f"{why} before the store finished; the next run resumes it from its last "
                "written page",
            )
            lost.append(result)
            results[store] = result
            reporter.finished(result)
    known = [result for result in lost if result.platform != "?"]
    if known:
        _record_failures(db_path, known)


def _record_failures(db_path: str | Path, failed: Sequence[StoreResult]) -> None:
    """Each store's ``last_error``, as the runner records a failing store's."""
    try:
        db = open_destination(db_path)
    except Exception as error:  # the failures are reported either way
        log.warning("could not record the failed stores: %s", error)
        return
    try:
        for result in failed:
            state = db.state(result.store, result.platform)
            failed_at = datetime.now(UTC)
            db.write_batch(
                [StateSave(replace(state, last_error=result.error, last_error_at=failed_at))]
            )
    except Exception as error:
        log.warning("could not record the failed stores: %s", error)
    finally:
        db.close()


# --- a worker --------------------------------------------------------------------------------
def _work(
    sync_stores: SyncStores,
    share: Mapping[str, StoreSource],
    events: Connection,
    db_path: str | Path,
    options: dict[str, Any],
) -> None:
    """A worker's life: sync ``share`` with the ordinary runner; events go to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    outbox = _Outbox(events)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(_ForwardedLogs(outbox))
    try:
        asyncio.run(sync_stores(share, db_path, progress=_RemoteProgress(outbox), **options))
    except Exception as error:  # the parent reports it on each store the run did not finish
        outbox.send("error", f"{type(error).__name__}: {error}")
        raise SystemExit(1) from None


class _Outbox:
    """A worker's events to the parent; never fails the sync (a parent that is gone has stopped
    the run already)."""

    def __init__(self, events: Connection) -> None:
        self._events = events
        self._lock = Lock()  # log records come from the runner's threads too

    def send(self, kind: str, *args: Any) -> None:
        try:
            with self._lock:
                self._events.send((kind, args))
        except (OSError, ValueError):
            pass


class _RemoteProgress:
    """Progress events, sent to the parent's reporter."""

    def __init__(self, outbox: _Outbox) -> None:
        self._outbox = outbox

    def started(self, store: str, platform: str, mode: str) -> None:
        self._outbox.send("started", store, platform, mode)

    def page(self, store: str, orders: int, changed: int) -> None:
        self._outbox.send("page", store, orders, changed)

    def finished(self, result: StoreResult) -> None:
        self._outbox.send("finished", result)

    def close(self) -> None:
        """The parent closes its reporter."""


class _ForwardedLogs(logging.Handler):
    """A worker's log records, logged again in the parent (which owns the terminal)."""

    def __init__(self, outbox: _Outbox) -> None:
        super().__init__()
        self._outbox = outbox

    def emit(self, record: logging.LogRecord) -> None:
        reported = bool(getattr(record, "reported", False))
        self._outbox.send("log", record.name, record.levelno, self.format(record), reported)
