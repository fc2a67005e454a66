"""The ``webhook_inbox`` table: every accepted delivery, written once by (platform, store,
delivery id), and marked processed once its orders are re-read.

A platform's retry of a delivery, or the same delivery sent twice, finds its row there and is
answered without being processed again. A delivery accepted but not yet processed when the server
stopped is still unprocessed in the table, and the next start processes it.

The inbox works beside the destination a sync writes into (:mod:`unified_orders.sync`): on a
DuckDB file it uses a cursor of the destination's own connection (DuckDB lets one process write a
file); on PostgreSQL it keeps a connection of its own.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..sync.destination import Destination
from ..sync.schema import TABLES

__all__ = ["Delivery", "Inbox"]

_TABLE = TABLES["webhook_inbox"]
_COLUMNS = ", ".join(_TABLE.column_names)
_KEY = ", ".join(_TABLE.key)


@dataclass(frozen=True)
class Delivery:
    """One accepted delivery: where it came from, its platform id, and what it carried."""

    platform: str
    store: str
    delivery_id: str
    topic: str | None
    headers: Mapping[str, str]
    body: bytes

    @property
    def key(self) -> tuple[str, str, str]:
        """(platform, store, delivery id): the inbox key."""
        return (self.platform, self.store, self.delivery_id)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Inbox:
    """The inbox of one destination; methods block (call them from a thread)."""

    def __init__(self, destination: Destination) -> None:
        self._lock = threading.Lock()
        self._postgres = hasattr(destination, "url")
        self._con: Any
        if self._postgres:
            from ..sync.postgres import _connect  # one connection of its own, same options

            self._con = _connect(str(destination.url))  # type: ignore[attr-defined]
            # a database made by a version without the inbox gets the table now
            statement = _ddl_postgres()
            self._con.execute(statement)
            self._mark = "%s"
        else:
            self._con = destination.con.cursor()  # type: ignore[attr-defined]
            self._mark = "?"

    def _sql(self, text: str) -> str:
        return text.replace("?", self._mark)

    def record(self, delivery: Delivery) -> bool:
        """Write ``delivery`` unless its key is there; whether it was new."""
        marks = ", ".join("?" for _ in _TABLE.columns)
        row = (
            *delivery.key,
            delivery.topic,
            _now(),
            None,
            None,
            None,
            json.dumps(dict(delivery.headers), sort_keys=True),
            _compressed(delivery.body),
        )
        with self._lock:
            cursor = self._con.execute(
                self._sql(
                    f"INSERT INTO webhook_inbox ({_COLUMNS}) VALUES ({marks}) "
                    f"ON CONFLICT ({_KEY}) DO NOTHING RETURNING delivery_id"
                ),
                list(row),
            )
            return cursor.fetchone() is not None

    def done_many(
        self, processed: Sequence[tuple[tuple[str, str, str], Sequence[str], str | None]]
    ) -> None:
        """Mark deliveries processed: (key, the orders each named, why it failed or None)."""
        if not processed:
            return
        at = _now()
        rows = [[at, ",".join(ids), error, *key] for key, ids, error in processed]
        sql = self._sql(
            "UPDATE webhook_inbox SET processed_at = ?, order_ids = ?, error = ? "
            "WHERE platform = ? AND store = ? AND delivery_id = ?"
        )
        with self._lock:
            if self._postgres:
                with self._con.transaction(), self._con.cursor() as cursor:
                    cursor.executemany(sql, rows)
            else:
                self._con.executemany(sql, rows)

    def pending(self) -> list[Delivery]:
        """Deliveries accepted and not yet processed, oldest first."""
        with self._lock:
            rows = self._con.execute(
                "SELECT platform, store, delivery_id, topic, headers, body FROM webhook_inbox "
                "WHERE processed_at IS NULL ORDER BY received_at"
            ).fetchall()
        return [
            Delivery(p, s, d, t, json.loads(h or "{}"), _decompressed(b))
            for p, s, d, t, h, b in rows
        ]

    def count(self) -> int:
        """How many deliveries the inbox holds."""
        with self._lock:
            row = self._con.execute("SELECT count(*) FROM webhook_inbox").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the inbox's own connection (the destination stays open)."""
        self._con.close()


def _ddl_postgres() -> str:
    from ..sync.schema import postgres_schema_sql

    return next(s for s in postgres_schema_sql() if "TABLE IF NOT EXISTS webhook_inbox" in s)


def _compressed(body: bytes) -> bytes:
    # the raw bytes, not re-serialised JSON: a body is kept exactly as it was signed
    return zlib.compress(body, 1)


def _decompressed(blob: Any) -> bytes:
    return zlib.decompress(bytes(blob))
