"""The one writer of a sync: pages of many stores share transactions; a bad page fails alone;
amounts are stored with exactly their value; a store's row is written once, and again after a
batch that added it was rolled back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pg_cluster import execute, one, query
from sync_toy import seeded_order, translate

from unified_orders.adapter import ReadFailure
from unified_orders.sync.batching import BatchWriter
from unified_orders.sync.databases import open_destination
from unified_orders.sync.destination import RunFinish, StateSave, Write
from unified_orders.sync.rows import order_rows, rehash
from unified_orders.sync.schema import TABLES
from unified_orders.sync.writer import Database, PageWrite, RunState

SYNCED = datetime(2026, 1, 1)


class RecordingDatabase:
    """Records the batches it is asked to write; slow, so pages queue behind a batch."""

    def __init__(self, poison: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.poison = poison
        self.gate = threading.Event()

    def write_batch(self, writes: Sequence[Write]) -> dict[str, int]:
        self.gate.wait(5)
        stores = [write.state.store for write in writes]
        if self.poison in stores:
            raise ValueError(f"cannot write {self.poison}")
        self.batches.append(stores)
        return {write.state.store: 7 for write in writes if isinstance(write, RunFinish)}


def page(store: str, cursor: str) -> PageWrite:
    state = RunState(store=store, platform="toy", run_id="r", run_mode="full", run_cursor=cursor)
    return PageWrite(state, [], [], SYNCED)


async def write_all(db: RecordingDatabase, stores: int, pages: int) -> dict[str, BaseException]:
    errors: dict[str, BaseException] = {}

    async with BatchWriter(db) as writer:  # type: ignore[arg-type]

        async def one(name: str) -> None:
            try:
                for n in range(pages):
                    await writer.write(page(name, str(n)))
            except ValueError as error:
                errors[name] = error

        tasks = [asyncio.create_task(one(f"s{i}")) for i in range(stores)]
        await asyncio.sleep(0.05)  # every store has queued its first page
        db.gate.set()
        await asyncio.gather(*tasks)
    return errors


def test_pages_of_many_stores_share_transactions() -> None:
    db = RecordingDatabase()
    errors = asyncio.run(write_all(db, stores=20, pages=3))
    assert not errors
    written = [store for batch in db.batches for store in batch]
    assert sorted(written) == sorted(f"s{i}" for i in range(20) for _ in range(3))
    # 60 pages, but the first batch alone takes the 19 pages queued behind the first one
    assert len(db.batches) < 60 / 2
    assert max(len(batch) for batch in db.batches) >= 19


def test_a_page_that_cannot_be_written_fails_only_its_store() -> None:
    db = RecordingDatabase(poison="s3")
    errors = asyncio.run(write_all(db, stores=6, pages=2))
    assert list(errors) == ["s3"]
    written = [store for batch in db.batches for store in batch]
    assert sorted(written) == sorted(f"s{i}" for i in range(6) if i != 3 for _ in range(2))


def test_a_batch_saves_every_store_cursor_in_one_transaction(db: Path | str) -> None:
    database = open_destination(db)
    try:
        database.write_batch([page("a", "c1"), page("b", "c9")])
        assert database.state("a", "toy").run_cursor == "c1"
        assert database.state("b", "toy").run_cursor == "c9"
        with pytest.raises(Exception, match=r"(?i)null"):  # no store name: the batch fails...
            database.write_batch([page("a", "c2"), page(None, "c3")])  # type: ignore[arg-type]
        assert database.state("a", "toy").run_cursor == "c1"  # ...as a whole
    finally:
        database.close()
    assert one(db, "SELECT count(*) FROM stores") == 2


AMOUNTS = [
    Decimal("1.5E-7"),  # str() writes an exponent
    Decimal("1E+2"),
    Decimal("-12.3400000000"),
    Decimal("1234567890123456789012345678.9012345678"),  # 38 digits, 10 after the point
    Decimal("0E-10"),
    Decimal("-0.00"),
]


def test_amounts_are_stored_with_exactly_their_value(db: Path | str) -> None:
    order = translate(seeded_order(1), "synctoy")
    total = TABLES["orders"].column_names.index("total")
    written = []
    for n, amount in enumerate(AMOUNTS):
        rows = order_rows("a", order.model_copy(update={"id": f"o{n}"}), SYNCED, hashed=False)
        head = list(rows.tables["orders"][0])
        head[total] = amount
        rows.tables["orders"] = [tuple(head)]
        rehash(rows)
        written.append(rows)
    state = RunState(store="a", platform="synctoy", run_id="r", run_mode="full")
    database = open_destination(db)
    try:
        database.write_batch([PageWrite(state, written, [r.order_id for r in written], SYNCED)])
    finally:
        database.close()
    stored = dict(query(db, "SELECT id, total FROM orders WHERE store = 'a'"))
    assert [stored[f"o{n}"] for n in range(len(AMOUNTS))] == AMOUNTS  # equal in value


def test_a_stores_row_is_written_again_after_the_batch_that_added_it_rolled_back(
    db: Path | str,
) -> None:
    database = open_destination(db)
    try:
        with pytest.raises(Exception, match=r"(?i)null"):
            database.write_batch([page("x", "c1"), page(None, "c2")])  # type: ignore[arg-type]
        database.write_batch([page("x", "c3")])
        database.write_batch([page("x", "c4"), page("y", "c1")])
    finally:
        database.close()
    assert query(db, "SELECT store FROM stores ORDER BY store") == [("x",), ("y",)]


def test_a_file_of_the_indexed_schema_is_rebuilt_without_growing_indexes(tmp_path: Path) -> None:
    from unified_orders.sync.schema import GROWING_TABLES, TABLES

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:  # the schema as version 1 wrote it
        for table in TABLES.values():
            columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
            con.execute(
                f"CREATE TABLE {table.name} ({columns}, PRIMARY KEY ({', '.join(table.key)}))"
            )
        con.execute("INSERT INTO sync_seen VALUES ('a', 'r', '1')")
    database = Database(path)
    try:
        database.write_batch([page("a", "c1")])
        indexed = {
            row[0]
            for row in database.con.execute(
                "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        }
        assert not indexed & GROWING_TABLES
        assert {"stores", "sync_state", "sync_errors"} <= indexed
        assert database.con.execute("SELECT * FROM sync_seen").fetchall() == [("a", "r", "1")]
    finally:
        database.close()


def run_state(store: str, cursor: str | None) -> RunState:
    return RunState(store=store, platform="toy", run_id="r", run_mode="full", run_cursor=cursor)


def test_a_run_start_and_end_share_transactions_with_other_stores_pages() -> None:
    db = RecordingDatabase()
    finished: dict[str, int] = {}

    async def main() -> None:
        async with BatchWriter(db) as writer:  # type: ignore[arg-type]

            async def one(name: str) -> None:
                await writer.write(StateSave(run_state(name, None)))
                await writer.write(page(name, "c1"))
                done = replace(run_state(name, None), run_id=None, run_mode=None)
                finished[name] = await writer.write(RunFinish(run_state(name, "c1"), done, None))

            tasks = [asyncio.create_task(one(f"s{i}")) for i in range(20)]
            await asyncio.sleep(0.05)
            db.gate.set()
            await asyncio.gather(*tasks)

    asyncio.run(main())
    assert finished == {f"s{i}": 7 for i in range(20)}  # each store gets its own count
    assert len(db.batches) <= 6  # 60 writes; one transaction per store and kind would be 60


def test_a_batch_is_written_in_order_and_counts_each_finished_run(db: Path | str) -> None:
    database = open_destination(db)
    try:
        database.write_batch([page("a", "c1"), StateSave(run_state("a", "c0")), page("b", "c9")])
        assert database.state("a", "toy").run_cursor == "c0"  # the later write wins
        assert database.state("b", "toy").run_cursor == "c9"
        done = replace(run_state("b", None), run_id=None, run_mode=None, last_completed_at=SYNCED)
        deleted = database.write_batch([RunFinish(run_state("b", "c9"), done, None)])
        assert deleted == {"b": 0}
        assert not database.state("b", "toy").in_progress
    finally:
        database.close()


def test_an_order_read_after_failing_in_one_batch_has_no_error_left(db: Path | str) -> None:
    failed = replace(page("a", "c1"), failures=[ReadFailure("o1", "ReadError: reset")])
    read = replace(page("a", "c2"), seen=["o1"])

    def batch(*writes: Write) -> None:
        database = open_destination(db)
        try:
            database.write_batch(writes)
        finally:
            database.close()

    batch(failed, read)  # failed, then read: nothing left to retry
    assert one(db, "SELECT count(*) FROM sync_errors") == 0
    batch(read, failed)  # read, then failed: the error stays
    assert one(db, "SELECT order_id FROM sync_errors") == "o1"


def test_a_run_ended_in_the_batch_that_carries_its_last_page_sees_that_page(
    db: Path | str,
) -> None:
    database = open_destination(db)
    database.close()  # the schema
    execute(
        db,
        (
            (
                "INSERT INTO orders (store, platform, id, created_at, content_hash, synced_at) "
                "VALUES (?, 'toy', ?, ?, 'h', ?)",
                [s, i, SYNCED, SYNCED],
            )
            for s, i in (("a", "o1"), ("a", "o2"), ("b", "o1"))
        ),
    )
    done = replace(run_state("a", None), run_id=None, run_mode=None, last_completed_at=SYNCED)
    database = open_destination(db)
    try:
        deleted = database.write_batch(
            [
                replace(page("a", "c1"), seen=["o1"]),  # a's last page, then a's end
                RunFinish(run_state("a", "c1"), done, None),
                RunFinish(run_state("b", "c1"), replace(done, store="b"), None),  # b saw none
            ]
        )
    finally:
        database.close()
    assert deleted == {"a": 1, "b": 1}
    gone = query(db, "SELECT store, id FROM orders WHERE deleted_at IS NOT NULL ORDER BY 1, 2")
    assert gone == [("a", "o2"), ("b", "o1")]
    assert one(db, "SELECT count(*) FROM sync_seen") == 0
