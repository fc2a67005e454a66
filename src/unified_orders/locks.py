"""Per-order write locks: refunds and cancellations of one order never run side by side.

Within a process a lock per (store, order) serialises threads (``threading.Lock``) and tasks
(``asyncio.Lock``); across processes on one machine a file lock (the ``filelock`` package, the one
module that imports it) does. Locks live in ``$UNIFIED_ORDERS_LOCK_DIR`` or the user cache
directory. A process that dies releases its file locks with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from .errors import UnifiedOrdersError

__all__ = ["LockTimeout", "lock_directory", "order_lock", "order_lock_async", "path_lock"]

#: How long a writer waits for another process's write on the same order.
WAIT_SECONDS = 300.0

_thread_locks: dict[str, threading.Lock] = {}
_async_locks: dict[tuple[int, str], asyncio.Lock] = {}
_guard = threading.Lock()


class LockTimeout(UnifiedOrdersError):
    """Another process held the lock for longer than we would wait."""


def lock_directory() -> Path:
    """Where lock files live (created private to the user)."""
    configured = os.environ.get("UNIFIED_ORDERS_LOCK_DIR")
    root = Path(configured) if configured else Path(platformdirs.user_cache_dir("unified-orders"))
    directory = root / "locks"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _name(store: str, order_id: str) -> str:
    return hashlib.sha256(f"{store}\0{order_id}".encode()).hexdigest()[:32]


def _file_lock(path: Path) -> FileLock:
    return FileLock(str(path), timeout=WAIT_SECONDS, thread_local=False)


@contextmanager
def path_lock(path: Path, what: str) -> Iterator[None]:
    """An exclusive cross-process lock on ``path`` (a ``.lock`` file beside it)."""
    lock = _file_lock(path.with_name(path.name + ".lock"))
    try:
        lock.acquire()
    except Timeout:
        raise LockTimeout(
            f"{what} is locked by another process (waited {WAIT_SECONDS:.0f} s)"
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def order_lock(store: str, order_id: str) -> Iterator[None]:
    """Hold the write lock of one order of one store (threads and processes)."""
    name = _name(store, order_id)
    with _guard:
        local = _thread_locks.setdefault(name, threading.Lock())
    with local, path_lock(lock_directory() / name, f"order {order_id}"):
        yield


@asynccontextmanager
async def order_lock_async(store: str, order_id: str) -> AsyncIterator[None]:
    """:func:`order_lock` for asyncio tasks (the file lock is taken off the event loop)."""
    name = _name(store, order_id)
    loop = asyncio.get_running_loop()
    with _guard:
        local = _async_locks.setdefault((id(loop), name), asyncio.Lock())
    async with local:
        lock = _file_lock(lock_directory() / f"{name}.lock")
        try:
            await asyncio.to_thread(lock.acquire)
        except Timeout:
            raise LockTimeout(
                f"order {order_id} is locked by another process (waited {WAIT_SECONDS:.0f} s)"
            ) from None
        try:
            yield
        finally:
            lock.release()
