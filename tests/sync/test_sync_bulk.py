"""A sync reading a Shopify store with Bulk Operations (issue 16): the same rows as a paged sync,
loud failures that keep the watermark, resuming by job id, cancel on interrupt."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

import unified_orders as uo
from unified_orders.sandbox import SandboxRequest
from unified_orders.sync import bulk as bulk_phase
from unified_orders.sync import run_sync
from unified_orders.sync.progress import NullProgress
from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

TOKEN = "shpat-bulk-sync-token"
#: Columns that differ between any two runs (``raw`` and the content hash do not: a bulk and a
#: paged read of an unchanged order store the same, so neither rewrites what the other wrote).
UNCOMPARED = ("synced_at",)


@pytest.fixture(autouse=True)
def bulk_for_small_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's stores are small: read them in bulk all the same (the tests that say
    otherwise set the threshold back)."""
    monkeypatch.setattr(bulk_phase, "BULK_MIN_ORDERS", 1)


def shopify(orders: int = 20, **options: Any) -> uo.AsyncStore:
    store = uo.connect_async(
        "shopify", sandbox=True, access_token=TOKEN, job_poll_interval=0, **options
    )
    emulator = store.sandbox
    assert emulator is not None
    emulator.seed_orders(orders)  # type: ignore[attr-defined]
    return store


def rows(db: Path, *, hashes: bool = True) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    left_out = UNCOMPARED if hashes else (*UNCOMPARED, "content_hash")
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("orders", *ORDER_CHILDREN):
            columns = [c for c in TABLES[name].column_names if c not in left_out]
            found = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            out[name] = sorted(found, key=repr)
    return out


def state(db: Path) -> tuple[Any, ...]:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(
            "SELECT watermark, run_id, run_phase, run_cursor, last_error FROM sync_state"
        ).fetchone()
    assert found is not None
    return found


def jobs(store: uo.AsyncStore) -> list[dict[str, Any]]:
    return list(store.sandbox.bulk.jobs.values())  # type: ignore[union-attr]


def paged_rows(
    tmp_path: Path, make: Callable[[], uo.AsyncStore], *, hashes: bool = True
) -> dict[str, Any]:
    db = tmp_path / "paged.duckdb"
    store = make()
    result = run_sync({"s": store}, db, bulk=False).results[0]
    assert result.ok, result.error
    assert jobs(store) == []
    asyncio.run(store.aclose())
    return rows(db, hashes=hashes)


def test_a_bulk_full_sync_writes_the_rows_of_a_paged_full_sync(tmp_path: Path) -> None:
    db = tmp_path / "bulk.duckdb"
    store = shopify()
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.orders == 25
    assert len(jobs(store)) == 2  # the orders, and their returns
    assert rows(db) == paged_rows(tmp_path, shopify)
    assert state(db)[1] is None  # finished: the watermark moved
    assert state(db)[0] is not None
    asyncio.run(store.aclose())


def test_a_child_connection_at_the_cap_is_read_again_in_full(tmp_path: Path) -> None:
    def make() -> uo.AsyncStore:
        store = shopify(3)
        store.sandbox.seed_large_order("warehouse")  # type: ignore[union-attr]  # 180 lines
        return store

    store = make()
    store.sandbox.bulk.faults.child_cap = 100  # type: ignore[union-attr]
    db = tmp_path / "bulk.duckdb"
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    lines = [line for job in jobs(store) for line in job["lines"]]
    assert sum('"gid://shopify/LineItem/' in line for line in lines) >= 100
    found = rows(db)
    assert found == paged_rows(tmp_path, make)
    assert max(sum(1 for r in found["order_lines"] if r[2] == o[2]) for o in found["orders"]) == 180


def test_a_file_one_row_short_fails_the_store_and_keeps_the_watermark(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store = shopify()
    first = run_sync({"s": store}, db).results[0]
    assert first.ok, first.error
    watermark = state(db)[0]
    store.sandbox.bulk.faults.truncate = "line"  # type: ignore[union-attr]
    short = run_sync({"s": store}, db, full=True).results[0]
    assert not short.ok
    assert "BulkMismatch" in str(short.error)
    assert "lines" in str(short.error)
    after = state(db)
    assert after[0] == watermark
    assert after[1] is not None  # the run is not finished
    assert after[3] is None  # the next run submits a new job
    assert "BulkMismatch" in str(after[4])
    store.sandbox.bulk.faults.truncate = None  # type: ignore[union-attr]
    again = run_sync({"s": store}, db).results[0]  # resumes the unfinished full run
    assert again.ok, again.error
    assert len(jobs(store)) == 6  # a new pair for the run that failed, and for the next
    assert state(db)[1] is None
    assert state(db)[0] >= watermark
    asyncio.run(store.aclose())


def test_a_line_cut_in_half_fails_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store = shopify()
    store.sandbox.bulk.faults.truncate = "cut"  # type: ignore[union-attr]
    result = run_sync({"s": store}, db).results[0]
    assert not result.ok
    assert "not JSON" in str(result.error)
    assert state(db)[0] is None  # a first run: no watermark yet
    asyncio.run(store.aclose())


def test_a_job_exporting_fewer_orders_than_shopify_counts_fails_the_store(
    tmp_path: Path,
) -> None:
    store = shopify()
    emulator = store.sandbox
    assert emulator is not None
    counts: list[str] = []

    def add_an_order_before_reconciling(request: SandboxRequest) -> None:
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("operationName") == "OrdersCount":
            counts.append("count")
            if len(counts) == 2:  # the count after the jobs (the first decides on bulk)
                # an order the jobs missed, placed before the run started (created_at older)
                emulator.seed_orders(1)  # type: ignore[attr-defined]
        return None

    emulator.faults.append(add_an_order_before_reconciling)
    result = run_sync({"s": store}, tmp_path / "s.duckdb").results[0]
    assert not result.ok
    assert "exported 25 orders, Shopify counts 26" in str(result.error)
    asyncio.run(store.aclose())


@pytest.mark.parametrize(
    ("fault", "value", "said"),
    [
        ("fail", "INTERNAL_SERVER_ERROR", "ended failed (INTERNAL_SERVER_ERROR)"),
        ("cancel", True, "ended canceled"),
    ],
)
def test_a_failed_or_canceled_job_fails_the_store_clearly(
    tmp_path: Path, fault: str, value: Any, said: str
) -> None:
    db = tmp_path / "s.duckdb"
    store = shopify()
    setattr(store.sandbox.bulk.faults, fault, value)  # type: ignore[union-attr]
    result = run_sync({"s": store}, db).results[0]
    assert not result.ok
    assert "BulkJobFailed" in str(result.error)
    assert said in str(result.error)
    assert state(db)[0] is None
    assert rows(db)["orders"] == []
    again = run_sync({"s": store}, db).results[0]  # the fault was for one job only
    assert again.ok, again.error
    assert len(jobs(store)) == 4
    asyncio.run(store.aclose())


def test_no_credentials_reach_the_download_host(tmp_path: Path) -> None:
    store = shopify()
    result = run_sync({"s": store}, tmp_path / "s.duckdb").results[0]
    assert result.ok, result.error
    downloads = store.sandbox.bulk.downloads  # type: ignore[union-attr]
    assert [d["host"] for d in downloads] == ["storage.googleapis.com"] * 2
    assert all(TOKEN not in value for d in downloads for value in d.values())
    asyncio.run(store.aclose())


def test_a_store_of_fewer_orders_than_the_threshold_is_paged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_phase, "BULK_MIN_ORDERS", 1_000)
    store = shopify()
    result = run_sync({"s": store}, tmp_path / "s.duckdb").results[0]
    assert result.ok, result.error
    assert jobs(store) == []
    asyncio.run(store.aclose())


def test_no_bulk_reads_the_paged_listing(tmp_path: Path) -> None:
    store = shopify(2)
    result = run_sync({"s": store}, tmp_path / "s.duckdb", bulk=False).results[0]
    assert result.ok, result.error
    assert jobs(store) == []
    asyncio.run(store.aclose())


class _StopAfter(NullProgress):
    """Interrupts the sync (as Ctrl-C would) after ``pages`` written pages."""

    def __init__(self, pages: int) -> None:
        self.left = pages

    def page(self, store: str, orders: int, changed: int) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


class _Count(NullProgress):
    """Counts the orders of the pages written."""

    def __init__(self) -> None:
        self.orders = 0

    def page(self, store: str, orders: int, changed: int) -> None:
        self.orders += orders


def _interrupted(store: uo.AsyncStore, db: Path, pages: int) -> None:
    with pytest.raises(KeyboardInterrupt):
        run_sync({"s": store}, db, progress=_StopAfter(pages))


def test_a_run_interrupted_mid_file_resumes_from_the_saved_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_phase, "BATCH_ORDERS", 4)
    db = tmp_path / "s.duckdb"
    store = shopify()
    _interrupted(store, db, 2)
    saved = bulk_phase.BulkCursor.loads(state(db)[3])
    assert saved is not None
    assert saved.line > 0
    assert len(rows(db)["orders"]) == 8
    counted = _Count()
    result = run_sync({"s": store}, db, progress=counted).results[0]
    assert result.ok, result.error
    assert result.resumed
    assert counted.orders == 25 - 8  # read from the saved line on, nothing twice
    assert len(jobs(store)) == 2  # the completed jobs' files, downloaded again
    assert len(store.sandbox.bulk.downloads) == 4  # type: ignore[union-attr]
    assert rows(db) == paged_rows(tmp_path, shopify)
    asyncio.run(store.aclose())


def test_a_resumed_run_whose_job_expired_starts_a_new_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_phase, "BATCH_ORDERS", 4)
    db = tmp_path / "s.duckdb"
    store = shopify()
    _interrupted(store, db, 1)
    jobs(store)[1]["status"] = "EXPIRED"  # the returns job's file is gone
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert len(jobs(store)) == 4
    assert rows(db) == paged_rows(tmp_path, shopify)
    asyncio.run(store.aclose())


def test_an_interrupt_while_the_job_runs_cancels_it(tmp_path: Path) -> None:
    store = shopify(2)
    store.sandbox.bulk.faults.polls = 10_000  # type: ignore[union-attr]
    db = tmp_path / "s.duckdb"

    async def interrupted() -> None:
        task = asyncio.ensure_future(bulk_sync(store, db))
        while not jobs(store) or jobs(store)[0]["polls_left"] > 9_990:
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    assert [job["status"] for job in jobs(store)] == ["CANCELING", "CANCELING"]
    asyncio.run(store.aclose())


async def bulk_sync(store: uo.AsyncStore, db: Path) -> None:
    from unified_orders.sync.runner import sync_stores

    await sync_stores({"s": store}, db)


def test_the_saved_cursor_round_trips_and_ignores_other_cursors() -> None:
    cursor = bulk_phase.BulkCursor(
        "gid://shopify/BulkOperation/7", "gid://shopify/BulkOperation/8", 42
    )
    assert bulk_phase.BulkCursor.loads(cursor.dumps()) == cursor
    assert bulk_phase.BulkCursor.loads("eyJsYXN0X2lkIjo1fQ==") is None
    assert bulk_phase.BulkCursor.loads(None) is None
    assert replace(cursor, line=1).line == 1


def test_returns_come_from_the_returns_job_and_equal_the_paged_read(tmp_path: Path) -> None:
    def make() -> uo.AsyncStore:
        store = shopify(3)
        store.sandbox.seed_large_order("shipped")  # type: ignore[union-attr]  # 11 returns
        return store

    store = make()
    recorder: list[tuple[str, str]] = []

    def note(request: SandboxRequest) -> None:
        body = request.body if isinstance(request.body, dict) else {}
        variables = body.get("variables") or {}
        named = variables.get("id") or variables.get("query") or ""
        recorder.extend((str(body.get("operationName")), i) for i in re.findall(r"\d+", named))

    store.sandbox.faults.append(note)  # type: ignore[union-attr]
    db = tmp_path / "bulk.duckdb"
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    found = rows(db)
    assert len(found["returns"]) == 11
    assert len(found["return_lines"]) == 11 * 30
    assert found == paged_rows(tmp_path, make)
    # returns are read per order only by the paged read of an order the file could not carry
    reread = {order_id for name, order_id in recorder if name == "OrdersPage"}
    assert {order_id for name, order_id in recorder if name == "OrderReturns"} <= reread
    assert len(reread) < len(found["orders"])
    asyncio.run(store.aclose())


def test_an_order_read_in_bulk_then_paged_is_not_rewritten(tmp_path: Path) -> None:
    """The bulk file holds each connection without ``pageInfo``, its children after their
    order, and no returns; a paged read holds all three. Both now keep the same ``raw`` for an
    unchanged order, so neither rewrites what the other wrote (before: 6 of 16 orders written
    each time, the ones the bulk file carries in full)."""
    db = tmp_path / "s.duckdb"
    store = shopify(11)
    first = run_sync({"s": store}, db).results[0]
    assert first.ok, first.error
    assert first.changed == first.orders == 16
    assert len(jobs(store)) == 2  # read in bulk
    stored = rows(db)
    paged = run_sync({"s": store}, db, bulk=False, full=True).results[0]
    assert (paged.ok, paged.orders, paged.changed) == (True, 16, 0)
    again = run_sync({"s": store}, db, full=True).results[0]
    assert (again.ok, again.orders, again.changed) == (True, 16, 0)
    assert len(jobs(store)) == 4
    # a listing without returns (an app without read_returns) keeps the same raw too
    store.sandbox.state.data["denied_scopes"] = ["read_returns"]  # type: ignore[union-attr]
    denied = run_sync({"s": store}, db, bulk=False, full=True).results[0]
    assert (denied.ok, denied.orders, denied.changed) == (True, 16, 0)
    assert rows(db) == stored
    asyncio.run(store.aclose())


def _cancel_one(store: uo.AsyncStore) -> str:
    """Cancel an open order of the sandbox (it moves the order's updated_at); its id."""

    async def go() -> str:
        orders = [o async for o in store.orders.list()]
        target = next(
            o
            for o in orders
            if o.status.value == "open"
            and not o.refunds
            and not any(line.fulfilled_quantity for line in o.lines)
        )
        await store.orders.cancel(target.id, reason="customer")
        return target.id

    return asyncio.run(go())


def _status(db: Path, order_id: str) -> object:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT status FROM orders WHERE id = ?", [order_id]).fetchone()
    return found[0] if found else None


def test_a_small_incremental_window_is_read_with_the_paged_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    store = shopify()
    assert run_sync({"s": store}, db).results[0].ok
    monkeypatch.setattr(bulk_phase, "BULK_MIN_ORDERS", 1_000)
    canceled = _cancel_one(store)
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode == "updated_since"
    assert len(jobs(store)) == 2  # the first run's pair only: the window holds too few orders
    assert _status(db, canceled) == "canceled"
    asyncio.run(store.aclose())


def test_a_large_incremental_window_is_read_in_bulk(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    store = shopify()
    assert run_sync({"s": store}, db).results[0].ok
    canceled = _cancel_one(store)
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode == "updated_since"
    assert len(jobs(store)) == 4
    assert "updated_at:>=" in jobs(store)[2]["query"]
    assert "updated_at:<=" in jobs(store)[2]["query"]
    assert _status(db, canceled) == "canceled"
    asyncio.run(store.aclose())


def _with_returns() -> uo.AsyncStore:
    store = shopify(3)
    store.sandbox.seed_large_order("shipped")  # type: ignore[union-attr]  # 11 returns
    return store


def test_a_returns_job_denied_for_the_apps_scopes_syncs_the_orders_without_returns(
    tmp_path: Path,
) -> None:
    """Shopify fails a bulk job whose query the app's access scopes do not cover with
    ``errorCode`` ``ACCESS_DENIED`` (``BulkOperationErrorCode``); for the returns job that is an
    app without ``read_returns``. The run writes the orders job's orders, says returns were not
    read, and keeps the returns rows stored before (it cannot see them). Before, the store
    failed every full run."""
    db = tmp_path / "bulk.duckdb"
    store = _with_returns()
    assert run_sync({"s": store}, db).results[0].ok
    before_unhashed = rows(db, hashes=False)
    assert len(before_unhashed["returns"]) == 11
    store.sandbox.state.data["denied_scopes"] = ["read_returns"]  # type: ignore[union-attr]
    result = run_sync({"s": store}, db, full=True).results[0]
    assert result.ok, result.error
    assert [entry.split(" (")[0] for entry in result.not_read] == ["returns"]
    assert "read_returns" in result.describe()
    assert [(job["status"], job.get("error_code")) for job in jobs(store)[2:]] == [
        ("COMPLETED", None),
        ("FAILED", "ACCESS_DENIED"),
    ]
    # the orders as they were, the returns kept; an order with returns is hashed without them
    # now that they cannot be read, so its hash (alone) changes
    assert rows(db, hashes=False) == before_unhashed
    assert state(db)[1] is None  # finished: the watermark moved
    asyncio.run(store.aclose())


def test_a_run_whose_returns_job_was_denied_resumes_from_the_saved_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A denied returns job is the job's answer, not a lost file: a run interrupted mid-file
    resumes with the same jobs instead of submitting new ones."""
    monkeypatch.setattr(bulk_phase, "BATCH_ORDERS", 1)
    db = tmp_path / "s.duckdb"
    store = _with_returns()
    store.sandbox.state.data["denied_scopes"] = ["read_returns"]  # type: ignore[union-attr]
    _interrupted(store, db, 2)
    saved = bulk_phase.BulkCursor.loads(state(db)[3])
    assert saved is not None
    assert saved.line > 0
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.resumed
    assert result.not_read
    assert len(jobs(store)) == 2
    # hashed without the returns this run could not read, where the paged run read them
    unhashed = paged_rows(tmp_path, _with_returns, hashes=False)
    assert rows(db, hashes=False)["orders"] == unhashed["orders"]
    asyncio.run(store.aclose())
