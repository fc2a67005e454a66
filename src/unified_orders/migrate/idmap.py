"""The migration id map: one row per source order and target store, in the destination database.

A row records what became of a source order on a target (its id there, the outcome, what was not
carried, the problems that refused it, the differences verification found) and the checksum of
the canonical source order it was made from, so a re-run skips unchanged orders and reports
changed ones. The table is ``migration_map`` in the DuckDB file or PostgreSQL database a sync
writes into (``--db``).

One migration per source and target runs at a time: DuckDB allows one writing process per file
(:func:`~unified_orders.sync.writer.connect_db` waits a little, then raises
:class:`~unified_orders.locks.LockTimeout`, CLI exit 11); on PostgreSQL a session advisory lock
on the pair does the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import ConfigurationError
from ..locks import LockTimeout
from ..sync.destination import is_postgres_url, target_text

__all__ = ["IdMap", "MapRow", "Outcome", "open_idmap", "read_idmap"]

TABLE = "migration_map"


class Outcome:
    """The outcomes a map row records (text, so reports and SQL read them as they are)."""

    #: created on the target by this migration
    CREATED = "created"
    #: found on the target by its marker (created by an earlier, interrupted run) and adopted
    ADOPTED = "adopted"
    #: refused before any write, with the problems that refused it
    REFUSED = "refused"
    #: the create failed (a platform error); nothing was created (the marker lookup says so)
    FAILED = "failed"
    #: the create's outcome is unknown (lost answer, marker not found yet): looked up next run
    PENDING = "pending"

    DONE = frozenset({CREATED, ADOPTED})


@dataclass(frozen=True)
class MapRow:
    """One source order's fate on one target."""

    source_store: str
    source_id: str
    target_store: str
    checksum: str
    outcome: str
    source_number: str | None = None
    target_id: str | None = None
    marker: str | None = None
    not_carried: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


_COLUMNS = (
    ("source_store", "TEXT NOT NULL"),
    ("source_id", "TEXT NOT NULL"),
    ("target_store", "TEXT NOT NULL"),
    ("checksum", "TEXT NOT NULL"),
    ("outcome", "TEXT NOT NULL"),
    ("source_number", "TEXT"),
    ("target_id", "TEXT"),
    ("marker", "TEXT"),
    ("not_carried", "TEXT"),
    ("problems", "TEXT"),
    ("differences", "TEXT"),
    ("updated_at", "TIMESTAMPTZ"),
)
_NAMES = ", ".join(name for name, _ in _COLUMNS)
_LISTS = ("not_carried", "problems", "differences")


def _create_sql() -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns}, "
        "PRIMARY KEY (source_store, source_id, target_store))"
    )


def _values(row: MapRow) -> list[Any]:
    values: list[Any] = []
    for name, _ in _COLUMNS:
        value = getattr(row, name)
        values.append(json.dumps(list(value)) if name in _LISTS else value)
    return values


def _row(values: Sequence[Any]) -> MapRow:
    data = dict(zip((name for name, _ in _COLUMNS), values, strict=True))
    for name in _LISTS:
        data[name] = tuple(json.loads(data[name] or "[]"))
    return MapRow(**data)


class IdMap(Protocol):
    """Reads and writes the map rows of one source and target."""

    def get(self, source_id: str) -> MapRow | None: ...

    def put(self, row: MapRow) -> None: ...

    def rows(self) -> list[MapRow]: ...

    def close(self) -> None: ...


class _SqlIdMap:
    """The map over a DB-API connection (DuckDB or psycopg), placeholders given by ``mark``."""

    def __init__(self, con: Any, mark: str, source_store: str, target_store: str) -> None:
        self._con = con
        self._mark = mark
        self.source_store = source_store
        self.target_store = target_store

    def _sql(self, text: str) -> str:
        return text.replace("?", self._mark)

    def _fetch(self, where: str, params: Sequence[Any]) -> list[MapRow]:
        cursor = self._con.cursor()
        try:
            cursor.execute(self._sql(f"SELECT {_NAMES} FROM {TABLE} WHERE {where}"), list(params))
            return [_row(values) for values in cursor.fetchall()]
        finally:
            cursor.close()

    def get(self, source_id: str) -> MapRow | None:
        """The row of one source order, if any."""
        found = self._fetch(
            "source_store = ? AND target_store = ? AND source_id = ?",
            [self.source_store, self.target_store, source_id],
        )
        return found[0] if found else None

    def rows(self) -> list[MapRow]:
        """Every row of this source and target."""
        return self._fetch(
            "source_store = ? AND target_store = ? ORDER BY source_id",
            [self.source_store, self.target_store],
        )

    def put(self, row: MapRow) -> None:
        """Insert or replace the row (committed at once: a crash keeps every row put before)."""
        holes = ", ".join("?" for _ in _COLUMNS)
        updates = ", ".join(
            f"{name} = excluded.{name}"
            for name, _ in _COLUMNS
            if name not in ("source_store", "source_id", "target_store")
        )
        sql = (
            f"INSERT INTO {TABLE} ({_NAMES}) VALUES ({holes}) ON CONFLICT "
            f"(source_store, source_id, target_store) DO UPDATE SET {updates}"
        )
        cursor = self._con.cursor()
        try:
            cursor.execute(self._sql(sql), _values(row))
        finally:
            cursor.close()
        commit = getattr(self._con, "commit", None)
        if callable(commit):
            commit()

    def close(self) -> None:
        """Release the database (and its lock)."""
        self._con.close()


def _pair_lock_key(source_store: str, target_store: str) -> int:
    digest = hashlib.sha256(f"migrate\0{source_store}\0{target_store}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _postgres(url: str, source_store: str, target_store: str, *, write: bool) -> _SqlIdMap:
    try:
        import psycopg
    except ImportError:
        raise ConfigurationError(
            "a postgresql:// database needs psycopg, which is not installed: "
            "pip install 'unified-orders[postgres]'"
        ) from None
    try:
        con = psycopg.connect(url, autocommit=True, application_name="unified-orders")
    except psycopg.Error as error:
        raise ConfigurationError(f"cannot open the database {target_text(url)}: {error}") from None
    if write:
        con.execute(_create_sql())
        key = _pair_lock_key(source_store, target_store)
        held = con.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()
        if not held or not held[0]:
            con.close()
            raise LockTimeout(
                f"another migration from {source_store} to {target_store} is running on "
                f"{target_text(url)}; wait for it to finish"
            )
    return _SqlIdMap(con, "%s", source_store, target_store)


def open_idmap(target: str | Path, source_store: str, target_store: str) -> IdMap:
    """The id map of ``source_store`` -> ``target_store`` in the database ``target`` (a DuckDB
    file, created when missing, or a ``postgresql://`` URL), held for this run alone."""
    if is_postgres_url(target):
        return _postgres(str(target), source_store, target_store, write=True)
    from ..sync.writer import connect_db

    con = connect_db(target)
    con.execute(_create_sql())
    return _SqlIdMap(con, "?", source_store, target_store)


def read_idmap(target: str | Path, source_store: str, target_store: str) -> IdMap | None:
    """The id map read-only (a dry run writes nothing); None when there is none yet."""
    if is_postgres_url(target):
        idmap = _postgres(str(target), source_store, target_store, write=False)
        cursor = idmap._con.execute("SELECT to_regclass(%s)", [TABLE])
        if cursor.fetchone()[0] is None:
            idmap.close()
            return None
        return idmap
    if not Path(target).exists():
        return None
    import duckdb

    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            raise LockTimeout(f"the database {target} is in use by another process") from None
        raise ConfigurationError(f"cannot open the database {target}: {error}") from None
    tables = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [TABLE]
    ).fetchone()
    if not tables or not tables[0]:
        con.close()
        return None
    return _SqlIdMap(con, "?", source_store, target_store)
