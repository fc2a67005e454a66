"""The DuckDB destination (the embedded default): schema, per-store sync state, page upserts.

Every page of a store is written in ONE transaction together with the store's sync state (the
cursor of the next page), so a process killed at any point (``kill -9`` included) leaves the
database either before or after that page, never in between; the next run resumes from the saved
cursor. Rows are replaced by key (store + id), so writing a page twice converges to the same rows.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import ConfigurationError
from ..locks import LockTimeout
from .destination import (
    DEFAULT_DB,
    FO_COLUMNS,
    FO_ID,
    PageWrite,
    RunFinish,
    RunState,
    Write,
    by_order,
    in_rounds,
    new_rows,
    placed_window_start,
    present_ids,
    replaced,
    state_after,
)
from .rows import Row
from .schema import ORDER_CHILDREN, SCHEMA_VERSION, TABLES, create_schema_sql

log = logging.getLogger(__name__)

# RunState, PageWrite, placed_window_start and DEFAULT_DB live in .destination (shared with the
# PostgreSQL destination); they are re-exported here, where callers have always found them.
__all__ = [
    "DEFAULT_DB",
    "Database",
    "DuckDBReader",
    "PageWrite",
    "RunState",
    "connect_db",
    "placed_window_start",
]


#: Caps DuckDB's memory (e.g. "256MB", or "none" for DuckDB's own default, 80% of RAM).
MEMORY_LIMIT_ENV = "UNIFIED_ORDERS_DB_MEMORY_LIMIT"
#: The cap when none is given. DuckDB spills beyond it to ``<db>.tmp``; the growing tables have
#: no in-memory index (see ``schema.Table.indexed``), so a large sync stays within it
#: (bench/README.md, memory).
DEFAULT_MEMORY_LIMIT = "128MB"
_UNCAPPED = frozenset({"none", "default", "duckdb"})


def connect_db(
    path: str | Path, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a DuckDB file with the schema in place.

    ``memory_limit`` (else ``$UNIFIED_ORDERS_DB_MEMORY_LIMIT``, else
    :data:`DEFAULT_MEMORY_LIMIT`) caps DuckDB's memory; ``"none"`` leaves DuckDB's own default.
    """
    if read_only and not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist: run `unified-orders sync` first")
    limit = (memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT).strip()
    uncapped = limit.lower() in _UNCAPPED
    if not uncapped and not _SIZE.match(limit):
        raise ConfigurationError(
            f"DuckDB memory limit {limit!r} is not a size such as '256MB' or '1GiB', or 'none'"
        )
    config: dict[str, str | bool | int | float | list[str]] = (
        {} if uncapped else {"memory_limit": limit}
    )
    created = not Path(path).exists()
    con = _connect(str(path), read_only, config)
    if created and str(path) != ":memory:":
        # the database holds customer data: readable by its owner only
        for file in (Path(path), Path(f"{path}.wal")):
            if file.exists():
                file.chmod(0o600)
    if not read_only:
        for statement in create_schema_sql():
            con.execute(statement)
        _upgrade(con)
        con.execute(
            "INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
    return con


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring tables an older version made to this schema (version 1: primary keys on the
    growing tables, ``orders.raw`` as JSON text; version 2: no ``sync_state.run_phase``).

    DuckDB cannot drop a primary key or change a column type in place: each such table is copied
    into a new one, in one transaction per table, so a crash leaves the table as it was.
    """
    indexed = {
        str(row[0])
        for row in con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    types = {
        (str(table), str(column)): str(kind)
        for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        ).fetchall()
    }
    statements = dict(zip(TABLES, create_schema_sql()[1:], strict=True))
    for name, table in TABLES.items():
        old = {c.name: types.get((name, c.name), "") for c in table.columns}
        for column in table.columns:
            if not old[column.name]:  # a column this version added: at the end, like the DDL
                kind = column.type.replace(" NOT NULL", "")
                con.execute(f"ALTER TABLE {name} ADD COLUMN {column.name} {kind}")
                old[column.name] = kind
        retyped = [
            c.name for c in table.columns if c.type.startswith("BLOB") and old[c.name] != "BLOB"
        ]
        if not retyped and not (name in indexed and not table.indexed):
            continue
        selects = ", ".join(
            f"encode(CAST({c.name} AS VARCHAR))" if c.name in retyped else c.name
            for c in table.columns
        )
        with _transaction(con):
            con.execute(f"ALTER TABLE {name} RENAME TO {name}__old")
            con.execute(statements[name])
            con.execute(f"INSERT INTO {name} SELECT {selects} FROM {name}__old")
            con.execute(f"DROP TABLE {name}__old")


_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)

#: How long opening a DuckDB file that another process is writing is retried.
BUSY_WAIT_SECONDS = 5.0


def _connect(
    path: str, read_only: bool, config: dict[str, str | bool | int | float | list[str]]
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting a little while another process holds DuckDB's write lock."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    said = False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise ConfigurationError(f"cannot open the database {path}: {error}") from None
            if not said:
                log.warning(
                    "the database %s is in use by another process; waiting up to %.0f s",
                    path,
                    BUSY_WAIT_SECONDS,
                )
                said = True
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"the database {path} is in use by another process (a running sync or "
                    "webhooks serve holds DuckDB's one writer lock); wait for it to finish and "
                    "run this again, use --db with another file, or use PostgreSQL to share one "
                    "database"
                ) from None
            time.sleep(0.2)
        except duckdb.Error as error:
            raise ConfigurationError(f"cannot open the database {path}: {error}") from None


def _decimal_columns(table: str) -> tuple[int, ...]:
    return tuple(i for i, c in enumerate(TABLES[table].columns) if c.type.startswith("DECIMAL"))


def _insert_sql(table: str) -> str:
    """One list bound per column. DECIMAL columns are bound as text and cast by DuckDB, which
    is exact and ~3x cheaper than binding Decimal objects (bench/README.md)."""
    decimals = _decimal_columns(table)
    selects = []
    for i, c in enumerate(TABLES[table].columns):
        kind = c.type.replace(" NOT NULL", "")
        if i in decimals:
            selects.append(f"unnest(${i + 1}::VARCHAR[])::{kind}")
        else:
            selects.append(f"unnest(${i + 1}::{kind}[])")
    return f"INSERT INTO {table} SELECT {', '.join(selects)}"


_INSERT = {name: _insert_sql(name) for name in TABLES}
_DECIMALS = {name: _decimal_columns(name) for name in TABLES}


_STATE_COLUMNS = TABLES["sync_state"].column_names
_PUT_STATES = _INSERT["sync_state"].replace("INSERT INTO", "INSERT OR REPLACE INTO", 1)
#: New stores' rows (an existing store keeps its first_synced_at).
_ADD_STORES = (
    "INSERT INTO stores SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
    "unnest(?::TIMESTAMP[]), NULL ON CONFLICT (store) DO UPDATE SET platform = excluded.platform"
)


class Database:
    """One DuckDB connection used by every store of a sync; writes are serialised by a lock.

    DuckDB lets one process write a file, so no other process can sync any store into it:
    claiming a store is a no-op here.
    """

    def __init__(self, path: str | Path, *, memory_limit: str | None = None) -> None:
        self.path = Path(path)
        self.con = connect_db(self.path, memory_limit=memory_limit)
        self._lock = threading.Lock()
        #: stores whose ``stores`` row this connection has committed: not upserted again (an
        #: upsert of one row costs ~2 ms in DuckDB, once per page of a large store otherwise)
        self._stores_written: set[str] = set()
        self._local = threading.local()
        self._readers: list[duckdb.DuckDBPyConnection] = []

    @property
    def location(self) -> Path:
        """The file."""
        return self.path

    def claim_store(self, store: str) -> None:
        """Nothing to do: DuckDB's one-writer lock keeps other processes off the whole file."""

    def release_store(self, store: str) -> None:
        """Nothing to do (see :meth:`claim_store`)."""

    def close(self) -> None:
        """Close the connections (committed data is durable)."""
        for reader in self._readers:
            reader.close()
        self.con.close()

    def _reader(self) -> duckdb.DuckDBPyConnection:
        """This thread's own cursor: reads of committed data run beside the writer, unlocked."""
        reader: duckdb.DuckDBPyConnection | None = getattr(self._local, "reader", None)
        if reader is None:
            with self._lock:
                reader = self.con.cursor()
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    # -- state ------------------------------------------------------------------------------
    def state(self, store: str, platform: str) -> RunState:
        """The saved state of ``store`` (a fresh one when it has never been synced)."""
        row = (
            self._reader()
            .execute(f"SELECT {', '.join(_STATE_COLUMNS)} FROM sync_state WHERE store = ?", [store])
            .fetchone()
        )
        if row is None:
            return RunState(store=store, platform=platform)
        values = dict(zip(_STATE_COLUMNS, row, strict=True))
        for name in ("run_pages", "run_orders", "run_changed"):
            values[name] = values[name] or 0
        return RunState(**values)

    def _put_states(self, states: Iterable[RunState]) -> None:
        """Save these states (one per store) in one statement: DuckDB's per-statement cost is
        what a sync of many stores would otherwise pay per store."""
        rows = [tuple(getattr(state, name) for name in _STATE_COLUMNS) for state in states]
        _insert_columns(self.con, _PUT_STATES, rows, len(_STATE_COLUMNS))

    # -- pages ------------------------------------------------------------------------------
    def stored_hashes(self, store: str, ids: Sequence[str]) -> dict[str, str | None]:
        """``{order id: content_hash}`` of the orders among ``ids`` that have rows, with None
        for an order marked deleted (so it is written again when it reappears)."""
        if not ids:
            return {}
        rows = (
            self._reader()
            .execute(
                "SELECT id, content_hash, deleted_at FROM orders "
                "WHERE store = ? AND id IN (SELECT unnest(?::VARCHAR[]))",
                [store, list(ids)],
            )
            .fetchall()
        )
        return {
            str(order_id): None if deleted_at is not None else str(digest)
            for order_id, digest, deleted_at in rows
        }

    def unlisted_ids(self, store: str, run_id: str) -> list[str]:
        """Stored (not deleted) orders of ``store`` that run ``run_id`` has not noted as seen."""
        rows = (
            self._reader()
            .execute(
                "SELECT id FROM orders WHERE store = ? AND deleted_at IS NULL AND id NOT IN "
                "(SELECT order_id FROM sync_seen WHERE store = ? AND run_id = ?) ORDER BY id",
                [store, store, run_id],
            )
            .fetchall()
        )
        return [str(row[0]) for row in rows]

    def open_fulfillment_orders(self, store: str, statuses: Sequence[str]) -> dict[str, Row]:
        """``{id: row}`` of the stored fulfillment orders of ``store`` in ``statuses`` (of
        orders not marked deleted), each row without its ``synced_at``."""
        rows = (
            self._reader()
            .execute(
                f"SELECT {FO_COLUMNS} FROM fulfillment_orders f WHERE f.store = ? "
                "AND f.status IN (SELECT unnest(?::VARCHAR[])) AND f.order_id IN "
                "(SELECT id FROM orders WHERE store = ? AND deleted_at IS NULL)",
                [store, list(statuses), store],
            )
            .fetchall()
        )
        return {str(row[FO_ID]): tuple(row) for row in rows}

    def stored_fulfillment_orders(
        self, store: str, order_ids: Sequence[str]
    ) -> dict[str, list[Row]]:
        """The stored fulfillment orders of each of ``order_ids`` that has any, by order id,
        each row without its ``synced_at``."""
        rows = (
            self._reader()
            .execute(
                f"SELECT {FO_COLUMNS} FROM fulfillment_orders f WHERE f.store = ? "
                "AND f.order_id IN (SELECT unnest(?::VARCHAR[]))",
                [store, list(order_ids)],
            )
            .fetchall()
        )
        return by_order(rows)

    def write_batch(self, writes: Sequence[Write]) -> dict[str, int]:
        """Write pages, states and run ends of any stores, each store's in order, in ONE
        transaction (see :meth:`~.destination.Destination.write_batch`).

        DuckDB's cost per statement is what a sync of many stores would pay per store, so each
        kind of statement runs once for all the stores of a round.
        """
        deleted: dict[str, int] = {}
        # Nothing in a batch reads sync_state: each store's last state is saved at the end.
        states: dict[str, RunState] = {}
        with self._lock:
            added = self._write_rounds(writes, states, deleted)
            self._stores_written |= added  # committed
        return deleted

    def _write_rounds(
        self, writes: Sequence[Write], states: dict[str, RunState], deleted: dict[str, int]
    ) -> set[str]:
        """:meth:`write_batch` inside its transaction; the stores whose rows it added."""
        added: set[str] = set()
        with _transaction(self.con):
            for round_ in in_rounds(writes):
                self._pages([w for w in round_ if isinstance(w, PageWrite)], added)
                deleted.update(self._finish([w for w in round_ if isinstance(w, RunFinish)]))
                for write in round_:
                    state = state_after(write)
                    if state is not None:
                        states[state.store] = state
            self._put_states(states.values())
        return added

    def _pages(self, pages: Sequence[PageWrite], added: set[str]) -> None:
        """Replace the changed orders' rows, note the seen ids, record the orders that could not
        be read (and forget those read now), for pages of different stores."""
        if not pages:
            return
        self._bookkeeping(pages, added)
        for table, by_store in replaced(pages).items():
            column = "id" if table == "orders" else "order_id"
            pairs = [(store, i) for store, ids in by_store.items() for i in ids]
            stores, ids = (list(values) for values in zip(*pairs, strict=True))
            self.con.execute(
                f"DELETE FROM {table} USING (SELECT unnest(?::VARCHAR[]) AS store, "
                f"unnest(?::VARCHAR[]) AS id) AS old WHERE {table}.store = old.store "
                f"AND {table}.{column} = old.id",
                [stores, ids],
            )
        for table, rows in new_rows(pages):
            _insert_columns(
                self.con, _INSERT[table], rows, len(TABLES[table].columns), _DECIMALS[table]
            )

    def _bookkeeping(self, pages: Sequence[PageWrite], added: set[str]) -> None:
        # what the pages leave of each order's error, in page order: read (None) or failed
        errors: dict[tuple[str, str], tuple[str, datetime] | None] = {}
        for page in pages:
            store = page.state.store
            errors.update(((store, order_id), None) for order_id in page.seen)
            errors.update(((store, f.id), (f.error, page.synced_at)) for f in page.failures)
        read = [key for key, error in errors.items() if error is None]
        if read:
            stores, ids = zip(*read, strict=True)
            self.con.execute(
                "DELETE FROM sync_errors USING (SELECT unnest(?::VARCHAR[]) AS store, "
                "unnest(?::VARCHAR[]) AS order_id) AS done "
                "WHERE sync_errors.store = done.store AND sync_errors.order_id = done.order_id",
                [list(stores), list(ids)],
            )
        for (store, order_id), error in errors.items():
            if error is not None:
                self.con.execute(
                    "INSERT OR REPLACE INTO sync_errors VALUES (?, ?, ?, ?)",
                    [store, order_id, *error],
                )
        first: dict[str, tuple[str, str, datetime]] = {}
        for page in pages:
            store = page.state.store
            if store not in self._stores_written and store not in added:
                first.setdefault(store, (store, page.state.platform, page.synced_at))
        _insert_columns(self.con, _ADD_STORES, first.values(), 3)
        added.update(first)
        for page in pages:
            if page.deleted:
                self.con.execute(
                    "UPDATE orders SET deleted_at = ? WHERE store = ? AND deleted_at IS NULL "
                    "AND id IN (SELECT unnest(?::VARCHAR[]))",
                    [page.synced_at, page.state.store, list(page.deleted)],
                )
        seen = [
            (page.state.store, page.state.run_id, order_id)
            for page in pages
            for order_id in present_ids(page)
        ]
        _insert_columns(self.con, _INSERT["sync_seen"], seen, 3)

    def _finish(self, runs: Sequence[RunFinish]) -> dict[str, int]:
        """Complete runs of different stores: mark the orders each did not see (in its scope)
        deleted, forget its seen ids, stamp the store; how many each marked deleted (the caller
        saves the completed states)."""
        if not runs:
            return {}
        deleted = {run.state.store: 0 for run in runs}
        scoped = [run for run in runs if run.deleted_scope is not False]
        if scoped:
            marked = self.con.execute(
                "UPDATE orders SET deleted_at = run.at FROM (SELECT unnest(?::VARCHAR[]) AS "
                "store, unnest(?::VARCHAR[]) AS run_id, unnest(?::TIMESTAMP[]) AS since, "
                "unnest(?::TIMESTAMP[]) AS at) AS run WHERE orders.store = run.store "
                "AND orders.deleted_at IS NULL "
                "AND (run.since IS NULL OR orders.created_at >= run.since) AND orders.id NOT IN "
                "(SELECT order_id FROM sync_seen WHERE sync_seen.store = run.store "
                "AND sync_seen.run_id = run.run_id) RETURNING orders.store",
                [
                    [run.state.store for run in scoped],
                    [run.state.run_id for run in scoped],
                    [run.deleted_scope or None for run in scoped],
                    [run.completed.last_completed_at for run in scoped],
                ],
            ).fetchall()
            for (store,) in marked:
                deleted[store] += 1
        stores = list(deleted)
        self.con.execute(
            "DELETE FROM sync_seen WHERE store IN (SELECT unnest(?::VARCHAR[]))", [stores]
        )
        self.con.execute(
            "UPDATE stores SET last_synced_at = run.at FROM (SELECT unnest(?::VARCHAR[]) AS "
            "store, unnest(?::TIMESTAMP[]) AS at) AS run WHERE stores.store = run.store",
            [stores, [run.completed.last_completed_at for run in runs]],
        )
        return deleted

    def counts(self, store: str | None = None) -> dict[str, int]:
        """Row counts per data table (of one store, or all)."""
        out = {}
        with self._lock:
            for table in ("orders", *ORDER_CHILDREN):
                where, params = ("WHERE store = ?", [store]) if store else ("", [])
                row = self.con.execute(f"SELECT count(*) FROM {table} {where}", params).fetchone()
                out[table] = int(row[0]) if row else 0
        return out


class _transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")


def _insert_columns(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    rows: Iterable[tuple[Any, ...]],
    width: int,
    decimals: Sequence[int] = (),
) -> None:
    """Insert rows by binding one list per column (much faster than executemany in DuckDB);
    the ``decimals`` columns as text (exact digits; see :func:`_insert_sql`)."""
    batch = list(rows)
    if not batch:
        return
    columns = [list(column) for column in zip(*batch, strict=True)]
    if len(columns) != width:
        raise AssertionError(f"rows have {len(columns)} values, the table has {width} columns")
    for i in decimals:
        columns[i] = [None if value is None else str(value) for value in columns[i]]
    con.execute(sql, columns)


class DuckDBReader:
    """A read-only connection to a DuckDB file for reports and exports."""

    dialect = "duckdb"

    def __init__(self, path: str | Path) -> None:
        self.con = connect_db(path, read_only=True)

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
        """Column names and every row of a query."""
        result = self.con.execute(sql, list(params))
        return [d[0] for d in result.description or ()], result.fetchall()

    def stream(self, sql: str, size: int) -> Iterator[list[Any]]:
        """The rows of a query, ``size`` at a time."""
        cursor = self.con.execute(sql)
        while batch := cursor.fetchmany(size):
            yield batch

    def close(self) -> None:
        """Close the connection."""
        self.con.close()
