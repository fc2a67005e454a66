"""The PostgreSQL destination (``pip install 'unified-orders[postgres]'``, psycopg 3).

The same tables as the DuckDB file (generated from :data:`~.schema.TABLES`), each with its key
as a PRIMARY KEY, so rows are upserted by key. As in DuckDB, each batch of pages is written in ONE
transaction together with the cursors after them, so a process killed at any point leaves every
store before or after a page. Many processes, on many machines, may sync different stores into
one database at once: each holds a session advisory lock per store it syncs (``claim_store``),
so a second process asking for a store that is being synced gets :class:`StoreBusy` at once. A
process that dies loses its session, and its locks with it. Reports and exports read a
repeatable-read snapshot beside running syncs.

This is the one module that imports psycopg.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from ..errors import ConfigurationError
from .destination import (
    FO_COLUMNS,
    FO_ID,
    PageWrite,
    RunFinish,
    RunState,
    StoreBusy,
    Write,
    by_order,
    in_rounds,
    new_rows,
    present_ids,
    replaced,
    state_after,
    target_text,
)
from .rows import Row
from .schema import ORDER_CHILDREN, SCHEMA_VERSION, TABLES, postgres_schema_sql, postgres_type

__all__ = ["PostgresDatabase", "PostgresReader"]

#: Seconds to wait for the server when connecting.
CONNECT_TIMEOUT = 10
#: The transaction-level advisory lock that serialises schema creation between processes.
_SCHEMA_LOCK = 0x756E69666965
_STATE_COLUMNS = TABLES["sync_state"].column_names


def _sql(text: str) -> str:
    """Our ``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return text.replace("%", "%%").replace("?", "%s")


def _connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name="unified-orders",
            # a worker that vanishes without closing its socket loses its store locks in minutes
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
    except psycopg.Error as error:
        raise ConfigurationError(f"cannot open the database {target_text(url)}: {error}") from None


def store_lock_key(store: str) -> int:
    """The advisory lock id of ``store`` (64 bits of a hash, namespaced by the product)."""
    digest = hashlib.blake2b(f"unified-orders sync\0{store}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _schema_version(con: psycopg.Connection[Any]) -> str | None:
    if con.execute("SELECT to_regclass('schema_meta')").fetchone() == (None,):
        return None
    row = con.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else str(row[0])


def _ensure_schema(con: psycopg.Connection[Any]) -> None:
    """Create the tables (or add the columns a newer version has) unless they are current."""
    if _schema_version(con) == str(SCHEMA_VERSION):
        return  # no DDL: DDL would wait behind (and hold up) running syncs
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
        if _schema_version(con) == str(SCHEMA_VERSION):
            return  # another process made them while this one waited for the lock
        for statement in postgres_schema_sql():
            con.execute(statement)
        for name, table in TABLES.items():
            for column in table.columns:
                kind = postgres_type(column.type).replace(" NOT NULL", "")
                con.execute(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {column.name} {kind}")
        con.execute(
            "INSERT INTO schema_meta VALUES ('schema_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(SCHEMA_VERSION)],
        )


def _upsert_sql(name: str) -> str:
    """Insert rows given as one array per column, replacing rows with the same key."""
    table = TABLES[name]
    arrays = ", ".join(
        f"%s::{postgres_type(c.type).replace(' NOT NULL', '')}[]" for c in table.columns
    )
    updates = ", ".join(f"{c} = excluded.{c}" for c in table.column_names if c not in table.key)
    return (
        f"INSERT INTO {name} ({', '.join(table.column_names)}) SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}"
    )


_UPSERT = {name: _upsert_sql(name) for name in TABLES}


class PostgresDatabase:
    """A sync's connections to one PostgreSQL database: one for writes (and the store locks),
    one for the reads that run beside them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.con = _connect(url)
        try:
            _ensure_schema(self.con)
            self._reads = _connect(url)
        except psycopg.Error as error:
            self.con.close()
            raise ConfigurationError(
                f"cannot prepare the tables in {target_text(url)}: {error}"
            ) from None
        except BaseException:
            self.con.close()
            raise
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        """The URL without its password."""
        return target_text(self.url)

    def close(self) -> None:
        """Close the connections (which releases any store lock still held)."""
        self._reads.close()
        self.con.close()

    # -- store locks -----------------------------------------------------------------------
    def claim_store(self, store: str) -> None:
        """Take ``store``'s advisory lock for this session, or raise :class:`StoreBusy`."""
        with self._lock:
            row = self.con.execute(
                "SELECT pg_try_advisory_lock(%s)", [store_lock_key(store)]
            ).fetchone()
        if row != (True,):
            raise StoreBusy(
                f"store {store!r} is being synced into {self.location} by another process "
                "(it holds the store's lock); sync this store again once that run has finished"
            )

    def release_store(self, store: str) -> None:
        """Give ``store``'s advisory lock back."""
        with self._lock:
            self.con.execute("SELECT pg_advisory_unlock(%s)", [store_lock_key(store)])

    # -- state ------------------------------------------------------------------------------
    def state(self, store: str, platform: str) -> RunState:
        """The saved state of ``store`` (a fresh one when it has never been synced)."""
        row = self._reads.execute(
            f"SELECT {', '.join(_STATE_COLUMNS)} FROM sync_state WHERE store = %s", [store]
        ).fetchone()
        if row is None:
            return RunState(store=store, platform=platform)
        values = dict(zip(_STATE_COLUMNS, row, strict=True))
        for name in ("run_pages", "run_orders", "run_changed"):
            values[name] = values[name] or 0
        return RunState(**values)

    def _put_state(self, state: RunState) -> None:
        self.con.execute(_UPSERT["sync_state"], [[getattr(state, c)] for c in _STATE_COLUMNS])

    # -- pages ------------------------------------------------------------------------------
    def stored_hashes(self, store: str, ids: Sequence[str]) -> dict[str, str | None]:
        """``{order id: content_hash}`` of the stored orders among ``ids`` (None: deleted)."""
        if not ids:
            return {}
        rows = self._reads.execute(
            "SELECT id, content_hash, deleted_at FROM orders WHERE store = %s AND id = ANY(%s)",
            [store, list(ids)],
        ).fetchall()
        return {
            str(order_id): None if deleted_at is not None else str(digest)
            for order_id, digest, deleted_at in rows
        }

    def unlisted_ids(self, store: str, run_id: str) -> list[str]:
        """Stored (not deleted) orders of ``store`` that run ``run_id`` has not noted as seen."""
        rows = self._reads.execute(
            "SELECT o.id FROM orders o WHERE o.store = %s AND o.deleted_at IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM sync_seen s WHERE s.store = o.store AND s.run_id = %s "
            "AND s.order_id = o.id) ORDER BY o.id",
            [store, run_id],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def open_fulfillment_orders(self, store: str, statuses: Sequence[str]) -> dict[str, Row]:
        """``{id: row}`` of the stored fulfillment orders of ``store`` in ``statuses`` (of
        orders not marked deleted), each row without its ``synced_at``."""
        rows = self._reads.execute(
            f"SELECT {FO_COLUMNS} FROM fulfillment_orders f WHERE f.store = %s "
            "AND f.status = ANY(%s) AND EXISTS (SELECT 1 FROM orders o WHERE o.store = f.store "
            "AND o.id = f.order_id AND o.deleted_at IS NULL)",
            [store, list(statuses)],
        ).fetchall()
        return {str(row[FO_ID]): tuple(row) for row in rows}

    def stored_fulfillment_orders(
        self, store: str, order_ids: Sequence[str]
    ) -> dict[str, list[Row]]:
        """The stored fulfillment orders of each of ``order_ids`` that has any, by order id,
        each row without its ``synced_at``."""
        rows = self._reads.execute(
            f"SELECT {FO_COLUMNS} FROM fulfillment_orders f WHERE f.store = %s "
            "AND f.order_id = ANY(%s)",
            [store, list(order_ids)],
        ).fetchall()
        return by_order(rows)

    def write_batch(self, writes: Sequence[Write]) -> dict[str, int]:
        """Write pages, states and run ends of any stores, each store's in order, in ONE
        transaction (see :meth:`Destination.write_batch`)."""
        deleted: dict[str, int] = {}
        states: dict[str, RunState] = {}  # nothing in a batch reads them: saved at the end
        with self._lock, self.con.transaction():
            for round_ in in_rounds(writes):
                self._pages([w for w in round_ if isinstance(w, PageWrite)])
                for write in round_:
                    if isinstance(write, RunFinish):
                        deleted[write.state.store] = self._finish(write)
                    state = state_after(write)
                    if state is not None:
                        states[state.store] = state
            for state in states.values():
                self._put_state(state)
        return deleted

    def _pages(self, pages: Sequence[PageWrite]) -> None:
        for page in pages:
            self._page_bookkeeping(page)
        for table, by_store in replaced(pages).items():
            column = "id" if table == "orders" else "order_id"
            for store, ids in by_store.items():
                self.con.execute(
                    f"DELETE FROM {table} WHERE store = %s AND {column} = ANY(%s)", [store, ids]
                )
        for table, rows in new_rows(pages):
            self._upsert(table, rows)

    def _upsert(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        spec = TABLES[table]
        at = [spec.column_names.index(name) for name in spec.key]
        # one row per key (the last): an upsert may not touch a row twice in one statement
        unique = {tuple(row[i] for i in at): row for row in rows}
        columns = [list(column) for column in zip(*unique.values(), strict=True)]
        self.con.execute(_UPSERT[table], columns)

    def _page_bookkeeping(self, page: PageWrite) -> None:
        state = page.state
        if page.seen:
            self.con.execute(
                "DELETE FROM sync_errors WHERE store = %s AND order_id = ANY(%s)",
                [state.store, list(page.seen)],
            )
        if page.failures:
            self._upsert(
                "sync_errors",
                [(state.store, f.id, f.error, page.synced_at) for f in page.failures],
            )
        self.con.execute(
            "INSERT INTO stores VALUES (%s, %s, %s, NULL) ON CONFLICT (store) DO UPDATE SET "
            "platform = excluded.platform",
            [state.store, state.platform, page.synced_at],
        )
        if page.deleted:
            self.con.execute(
                "UPDATE orders SET deleted_at = %s WHERE store = %s AND deleted_at IS NULL "
                "AND id = ANY(%s)",
                [page.synced_at, state.store, list(page.deleted)],
            )
        present = present_ids(page)
        if present:
            self.con.execute(
                "INSERT INTO sync_seen SELECT %s, %s, unnest(%s::varchar[]) ON CONFLICT DO NOTHING",
                [state.store, state.run_id, present],
            )

    def _finish(self, run: RunFinish) -> int:
        """Complete a run: mark orders it did not see as deleted (how many); the caller saves
        ``run.completed``."""
        state, completed, scope = run.state, run.completed, run.deleted_scope
        deleted = 0
        if scope is not False:
            window = "" if scope is None else "AND o.created_at >= %s "
            params: list[Any] = [completed.last_completed_at, state.store]
            if scope is not None:
                params.append(scope)
            params.append(state.run_id)
            cursor = self.con.execute(
                "UPDATE orders o SET deleted_at = %s WHERE o.store = %s "
                "AND o.deleted_at IS NULL " + window + "AND NOT EXISTS (SELECT 1 FROM "
                "sync_seen s WHERE s.store = o.store AND s.run_id = %s AND s.order_id = o.id)",
                params,
            )
            deleted = max(cursor.rowcount, 0)
        self.con.execute("DELETE FROM sync_seen WHERE store = %s", [state.store])
        self.con.execute(
            "UPDATE stores SET last_synced_at = %s WHERE store = %s",
            [completed.last_completed_at, state.store],
        )
        return deleted

    def counts(self, store: str | None = None) -> dict[str, int]:
        """Row counts per data table (of one store, or all)."""
        out = {}
        for table in ("orders", *ORDER_CHILDREN):
            where, params = ("WHERE store = %s", [store]) if store else ("", [])
            row = self._reads.execute(f"SELECT count(*) FROM {table} {where}", params).fetchone()
            out[table] = int(row[0]) if row else 0
        return out


class PostgresReader:
    """One repeatable-read, read-only transaction for a report or an export: every query sees
    the same snapshot, whatever syncs commit meanwhile."""

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.con = _connect(url, autocommit=False)
        self.con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.con.read_only = True
        if _schema_version(self.con) is None:
            self.close()
            raise ConfigurationError(
                f"the database {target_text(url)} has no unified-orders tables: run "
                "`unified-orders sync --db URL` first"
            )

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
        """Column names and every row of a query."""
        cursor = self.con.execute(_sql(sql), list(params))
        return [d.name for d in cursor.description or ()], cursor.fetchall()

    def stream(self, sql: str, size: int) -> Iterator[list[Any]]:
        """The rows of a query, ``size`` at a time, through a server-side cursor."""
        with self.con.cursor(name="unified_orders_read") as cursor:
            cursor.itersize = size
            cursor.execute(_sql(sql))
            while batch := cursor.fetchmany(size):
                yield batch

    def close(self) -> None:
        """End the snapshot and close the connection."""
        self.con.rollback()
        self.con.close()
