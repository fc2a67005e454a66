"""The one writer of a sync: pages of many stores share transactions; a bad page fails alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from pg_cluster import one

from unified_orders.sync.batching import BatchWriter
from unified_orders.sync.databases import open_destination
from unified_orders.sync.writer import Database, PageWrite, RunState

SYNCED = datetime(2026, 1, 1)


class RecordingDatabase:
    """Records the batches it is asked to write; slow, so pages queue behind a batch."""

    def __init__(self, poison: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.poison = poison
        self.gate = threading.Event()

    def write_pages(self, pages: Sequence[PageWrite]) -> None:
        self.gate.wait(5)
        stores = [page.state.store for page in pages]
        if self.poison in stores:
            raise ValueError(f"cannot write {self.poison}")
        self.batches.append(stores)


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
        database.write_pages([page("a", "c1"), page("b", "c9")])
        assert database.state("a", "toy").run_cursor == "c1"
        assert database.state("b", "toy").run_cursor == "c9"
        with pytest.raises(Exception, match=r"(?i)null"):  # no store name: the batch fails...
            database.write_pages([page("a", "c2"), page(None, "c3")])  # type: ignore[arg-type]
        assert database.state("a", "toy").run_cursor == "c1"  # ...as a whole
    finally:
        database.close()
    assert one(db, "SELECT count(*) FROM stores") == 2


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
        database.write_pages([page("a", "c1")])
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
