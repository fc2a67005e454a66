"""The DuckDB side of a sync: schema, per-store sync state, and page-at-a-time upserts.

Every page of a store is written in ONE transaction together with the store's sync state (the
cursor of the next page), so a process killed at any point (``kill -9`` included) leaves the
database either before or after that page, never in between; the next run resumes from the saved
cursor. Rows are replaced by key (store + id), so writing a page twice converges to the same rows.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ..adapter import ReadFailure
from ..errors import ConfigurationError
from ..locks import LockTimeout
from .rows import OrderRows
from .schema import ORDER_CHILDREN, SCHEMA_VERSION, TABLES, create_schema_sql

__all__ = ["Database", "RunState", "connect_db"]

DEFAULT_DB = "unified-orders.duckdb"


#: Caps DuckDB's memory (e.g. "256MB"); unset, DuckDB's own default (80% of RAM) applies. A cap
#: bounds the buffer pool, but DuckDB's primary-key indexes grow with the rows and stay in
#: memory, so too small a cap makes a large sync fail with an out-of-memory error (bench/README.md).
MEMORY_LIMIT_ENV = "UNIFIED_ORDERS_DB_MEMORY_LIMIT"


def connect_db(
    path: str | Path, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) a DuckDB file with the schema in place.

    ``memory_limit`` (else ``$UNIFIED_ORDERS_DB_MEMORY_LIMIT``) caps DuckDB's memory.
    """
    if read_only and not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist: run `unified-orders sync` first")
    limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV)
    if limit and not _SIZE.match(limit):
        raise ConfigurationError(
            f"DuckDB memory limit {limit!r} is not a size such as '256MB' or '1GiB'"
        )
    config: dict[str, str | bool | int | float | list[str]] = (
        {"memory_limit": limit} if limit else {}
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
        con.execute(
            "INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
    return con


_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)

#: How long opening a DuckDB file that another process is writing is retried.
BUSY_WAIT_SECONDS = 5.0


def _connect(
    path: str, read_only: bool, config: dict[str, str | bool | int | float | list[str]]
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting a little while another process holds DuckDB's write lock."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise ConfigurationError(f"cannot open the database {path}: {error}") from None
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"the database {path} is in use by another process (a running sync holds "
                    "DuckDB's one writer lock); wait for it to finish and run this again, or "
                    "use --db with another file"
                ) from None
            time.sleep(0.2)
        except duckdb.Error as error:
            raise ConfigurationError(f"cannot open the database {path}: {error}") from None


def _insert_sql(table: str, replace: bool) -> str:
    spec = TABLES[table]
    selects = ", ".join(
        f"unnest(${i + 1}::{c.type.replace(' NOT NULL', '')}[])" for i, c in enumerate(spec.columns)
    )
    verb = "INSERT OR REPLACE INTO" if replace else "INSERT INTO"
    return f"{verb} {table} SELECT {selects}"


_INSERT = {name: _insert_sql(name, replace=False) for name in TABLES}
_UPSERT = {name: _insert_sql(name, replace=True) for name in TABLES}


@dataclass(frozen=True)
class RunState:
    """A store's sync state as stored in ``sync_state``."""

    store: str
    platform: str
    strategy: str | None = None
    watermark: datetime | None = None
    run_id: str | None = None
    run_mode: str | None = None
    run_since: datetime | None = None
    run_started_at: datetime | None = None
    run_cursor: str | None = None
    run_pages: int = 0
    run_orders: int = 0
    run_changed: int = 0
    run_max_updated: datetime | None = None
    last_completed_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def in_progress(self) -> bool:
        """Whether a run was started and has not completed (it will be resumed)."""
        return self.run_id is not None


_STATE_COLUMNS = TABLES["sync_state"].column_names


class Database:
    """One DuckDB connection used by every store of a sync; writes are serialised by a lock."""

    def __init__(self, path: str | Path, *, memory_limit: str | None = None) -> None:
        self.path = Path(path)
        self.con = connect_db(self.path, memory_limit=memory_limit)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection (committed data is durable)."""
        self.con.close()

    # -- state ------------------------------------------------------------------------------
    def state(self, store: str, platform: str) -> RunState:
        """The saved state of ``store`` (a fresh one when it has never been synced)."""
        with self._lock:
            row = self.con.execute(
                f"SELECT {', '.join(_STATE_COLUMNS)} FROM sync_state WHERE store = ?", [store]
            ).fetchone()
        if row is None:
            return RunState(store=store, platform=platform)
        values = dict(zip(_STATE_COLUMNS, row, strict=True))
        for name in ("run_pages", "run_orders", "run_changed"):
            values[name] = values[name] or 0
        return RunState(**values)

    def _put_state(self, state: RunState) -> None:
        values = [getattr(state, name) for name in _STATE_COLUMNS]
        placeholders = ", ".join("?" for _ in values)
        self.con.execute(f"INSERT OR REPLACE INTO sync_state VALUES ({placeholders})", values)

    def save_state(self, state: RunState) -> None:
        """Write a store's state in its own transaction."""
        with self._lock, _transaction(self.con):
            self._put_state(state)

    # -- pages ------------------------------------------------------------------------------
    def known_hashes(self, store: str, ids: Sequence[str]) -> dict[str, str]:
        """``{order id: content_hash}`` of the orders among ``ids`` already stored (not deleted)."""
        if not ids:
            return {}
        with self._lock:
            rows = self.con.execute(
                "SELECT id, content_hash FROM orders "
                "WHERE store = ? AND deleted_at IS NULL AND id IN (SELECT unnest(?::VARCHAR[]))",
                [store, list(ids)],
            ).fetchall()
        return {str(order_id): str(digest) for order_id, digest in rows}

    def write_page(
        self,
        state: RunState,
        changed: Sequence[OrderRows],
        seen: Sequence[str],
        synced_at: datetime,
        failures: Sequence[ReadFailure] = (),
    ) -> None:
        """Replace the changed orders' rows, note the seen ids, record the orders that could not
        be read (and forget those read now), save ``state``: one transaction."""
        with self._lock, _transaction(self.con):
            if seen:
                self.con.execute(
                    "DELETE FROM sync_errors WHERE store = ? "
                    "AND order_id IN (SELECT unnest(?::VARCHAR[]))",
                    [state.store, list(seen)],
                )
            for failure in failures:
                self.con.execute(
                    "INSERT OR REPLACE INTO sync_errors VALUES (?, ?, ?, ?)",
                    [state.store, failure.id, failure.error, synced_at],
                )
            self.con.execute(
                "INSERT INTO stores VALUES (?, ?, ?, NULL) ON CONFLICT (store) DO UPDATE SET "
                "platform = excluded.platform",
                [state.store, state.platform, synced_at],
            )
            if changed:
                ids = [rows.order_id for rows in changed]
                for table in ORDER_CHILDREN:
                    self.con.execute(
                        f"DELETE FROM {table} WHERE store = ? "
                        "AND order_id IN (SELECT unnest(?::VARCHAR[]))",
                        [state.store, ids],
                    )
                for table in ("orders", *ORDER_CHILDREN):
                    batch = [row for rows in changed for row in rows.tables.get(table, ())]
                    sql = _UPSERT[table] if table == "orders" else _INSERT[table]
                    _insert_columns(self.con, sql, batch, len(TABLES[table].columns))
            # an order that could not be read still exists: never mark it deleted
            present = [*seen, *(failure.id for failure in failures)]
            if state.run_mode in ("full", "placed_window") and present:
                self.con.execute(
                    "INSERT OR IGNORE INTO sync_seen SELECT ?, ?, unnest(?::VARCHAR[])",
                    [state.store, state.run_id, present],
                )
            self._put_state(state)

    def finish_run(
        self, state: RunState, completed: RunState, deleted_scope: datetime | bool | None
    ) -> int:
        """Complete a run: mark orders it did not see as deleted, then save ``completed``.

        ``deleted_scope`` is False for runs that cannot see deletions (updated-since listings),
        None for a full run (every stored order is in scope), or the earliest ``created_at`` a
        windowed run covers. Returns how many orders were newly marked deleted.
        """
        deleted = 0
        with self._lock, _transaction(self.con):
            if deleted_scope is not False:
                window = "" if deleted_scope is None else "AND created_at >= ? "
                params: list[Any] = [completed.last_completed_at, state.store]
                if deleted_scope is not None:
                    params.append(deleted_scope)
                params += [state.store, state.run_id]
                result = self.con.execute(
                    "UPDATE orders SET deleted_at = ? WHERE store = ? AND deleted_at IS NULL "
                    + window
                    + "AND id NOT IN (SELECT order_id FROM sync_seen WHERE store = ? AND run_id = ?)",
                    params,
                ).fetchone()
                deleted = int(result[0]) if result else 0
            self.con.execute("DELETE FROM sync_seen WHERE store = ?", [state.store])
            self.con.execute(
                "UPDATE stores SET last_synced_at = ? WHERE store = ?",
                [completed.last_completed_at, state.store],
            )
            self._put_state(completed)
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
    con: duckdb.DuckDBPyConnection, sql: str, rows: Iterable[tuple[Any, ...]], width: int
) -> None:
    """Insert rows by binding one list per column (much faster than executemany in DuckDB)."""
    batch = list(rows)
    if not batch:
        return
    columns = [list(column) for column in zip(*batch, strict=True)]
    if len(columns) != width:
        raise AssertionError(f"rows have {len(columns)} values, the table has {width} columns")
    con.execute(sql, columns)


def placed_window_start(now: datetime, days: int) -> datetime:
    """The first day (00:00 UTC) of a placed-date window of ``days`` days ending ``now``."""
    start = now - timedelta(days=days)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)
