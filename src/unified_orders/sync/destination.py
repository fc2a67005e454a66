"""What a sync writes into and reports read from: the seam both databases implement.

A destination is a DuckDB file (the embedded default, :mod:`.writer`) or a PostgreSQL database
(``postgresql://...``, :mod:`.postgres`); :mod:`.databases` opens the right one. Both hold the
same tables (:data:`~.schema.TABLES`), write each batch of pages together with the cursors after
them in one transaction, and replace an order's rows by (store, id), so a re-run converges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from ..adapter import ReadFailure
from ..locks import LockTimeout
from .rows import OrderRows, Row
from .schema import ORDER_CHILDREN, TABLES

__all__ = [
    "DEFAULT_DB",
    "FO_COLUMNS",
    "FO_ID",
    "FO_ORDER_ID",
    "POSTGRES_SCHEMES",
    "Destination",
    "PageWrite",
    "Reader",
    "RunFinish",
    "RunState",
    "StateSave",
    "StoreBusy",
    "Write",
    "by_order",
    "is_postgres_url",
    "placed_window_start",
    "target_text",
]

DEFAULT_DB = "unified-orders.duckdb"
#: URL schemes that name a PostgreSQL database (anything else is a DuckDB file path).
POSTGRES_SCHEMES = ("postgresql", "postgres")
#: The ``fulfillment_orders`` columns a sync compares (all but ``synced_at``), and where the id is.
_FO_NAMES = [name for name in TABLES["fulfillment_orders"].column_names if name != "synced_at"]
FO_COLUMNS = ", ".join(f"f.{name}" for name in _FO_NAMES)
FO_ID = _FO_NAMES.index("id")
FO_ORDER_ID = _FO_NAMES.index("order_id")


def by_order(rows: Iterable[Sequence[Any]]) -> dict[str, list[Row]]:
    """Fulfillment-order rows (``FO_COLUMNS``) grouped by their order's id."""
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(str(row[FO_ORDER_ID]), []).append(tuple(row))
    return found


def is_postgres_url(target: str | Path) -> bool:
    """Whether ``target`` is a ``postgresql://`` (or ``postgres://``) URL rather than a file."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in POSTGRES_SCHEMES


def target_text(target: str | Path) -> str:
    """``target`` fit to print: a URL's password replaced by ``***``."""
    if not is_postgres_url(target):
        return str(target)
    parts = urlsplit(str(target))
    if parts.password is None:
        return str(target)
    host = parts.netloc.rsplit("@", 1)[1]
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class StoreBusy(LockTimeout):
    """Another process is syncing this store into the same database (CLI exit code 11, busy)."""


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
    run_phase: str | None = None
    #: What the last completed run could not read or was not shown (``StoreResult.not_read``).
    not_read: str | None = None

    @property
    def in_progress(self) -> bool:
        """Whether a run was started and has not completed (it will be resumed)."""
        return self.run_id is not None


@dataclass(frozen=True)
class PageWrite:
    """One page of one store, ready to write: its rows, the ids seen, and the state after it."""

    state: RunState
    changed: Sequence[OrderRows]
    seen: Sequence[str]
    synced_at: datetime
    failures: Sequence[ReadFailure] = ()
    #: Ids among ``changed`` that already have rows (deleted before the new rows go in).
    stored: Sequence[str] = ()
    #: Orders the platform no longer has (marked deleted, rows kept).
    deleted: Sequence[str] = ()
    #: Ids an id-only listing named: recorded as present (not read, nothing else changes).
    present: Sequence[str] = ()
    #: Whether ``state`` is saved with the page; False for a write outside the store's sync run
    #: (the webhook receiver's re-read), which must never put back an older cursor.
    saves_state: bool = True


@dataclass(frozen=True)
class StateSave:
    """A store's state alone (a run started, a phase begun), written with a batch."""

    state: RunState


@dataclass(frozen=True)
class RunFinish:
    """The end of a store's run: the orders it did not see (in scope) marked deleted, its seen
    ids forgotten, and ``completed`` saved.

    ``deleted_scope`` is False for runs that cannot see deletions (updated-since listings), None
    for a full run (every stored order is in scope), or the earliest ``created_at`` a windowed
    run covers.
    """

    state: RunState
    completed: RunState
    deleted_scope: datetime | bool | None


#: What a batch transaction writes.
Write = PageWrite | StateSave | RunFinish


def in_rounds(writes: Sequence[Write]) -> list[list[Write]]:
    """``writes`` in rounds of at most one write per store: round n holds each store's n-th
    write. Within a round the writes concern different stores, so a destination may write them
    in any order (each kind at once); the rounds go in order."""
    rounds: list[list[Write]] = []
    count: dict[str, int] = {}
    for write in writes:
        n = count.get(write.state.store, 0)
        count[write.state.store] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(write)
    return rounds


def state_after(write: Write) -> RunState | None:
    """The state a write leaves its store in (None: a page that does not save it)."""
    if isinstance(write, RunFinish):
        return write.completed
    if isinstance(write, PageWrite) and not write.saves_state:
        return None
    return write.state


def replaced(pages: Sequence[PageWrite]) -> dict[str, dict[str, list[str]]]:
    """The orders whose old rows a batch replaces, per table and store: ``orders`` and each
    child table the new rows carry (a kind of detail not read this run, absent from them, keeps
    its stored rows)."""
    stored = {(page.state.store, order_id) for page in pages for order_id in page.stored}
    # as new_rows does: should pages carry an order twice, the last one's tables count
    last = {(page.state.store, rows.order_id): rows for page in pages for rows in page.changed}
    out: dict[str, dict[str, list[str]]] = {}
    for (store, order_id), rows in last.items():
        if (store, order_id) not in stored:
            continue
        for table in ("orders", *ORDER_CHILDREN):
            if table == "orders" or table in rows.tables:
                out.setdefault(table, {}).setdefault(store, []).append(order_id)
    return out


def new_rows(pages: Sequence[PageWrite]) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """The rows the pages' changed orders get, per table (``orders`` first, then its children);
    should pages carry an order twice, the last one wins, so keys stay unique."""
    changed = {(page.state.store, rows.order_id): rows for page in pages for rows in page.changed}
    for table in ("orders", *ORDER_CHILDREN):
        yield table, [row for rows in changed.values() for row in rows.tables.get(table, ())]


def present_ids(page: PageWrite) -> list[str]:
    """The ids a page proves present (to note in ``sync_seen``); an order that could not be read
    still exists, so it is never marked deleted."""
    present = [*page.seen, *(failure.id for failure in page.failures), *page.present]
    if page.state.run_mode in ("full", "placed_window") or page.present:
        return present
    return []


class Destination(Protocol):
    """A database a sync writes into. Methods block; the runner calls them from threads."""

    @property
    def location(self) -> str | Path:
        """What to print for it (a file path, or a URL without its password)."""

    def claim_store(self, store: str) -> None:
        """Keep other processes off ``store`` until :meth:`release_store`; raise
        :class:`StoreBusy` at once when another process has it."""

    def release_store(self, store: str) -> None:
        """Let other processes sync ``store`` again."""

    def state(self, store: str, platform: str) -> RunState:
        """The saved state of ``store`` (a fresh one when it has never been synced)."""

    def stored_hashes(self, store: str, ids: Sequence[str]) -> dict[str, str | None]:
        """``{order id: content_hash}`` of the stored orders among ``ids`` (None: deleted)."""

    def unlisted_ids(self, store: str, run_id: str) -> list[str]:
        """Stored (not deleted) orders of ``store`` that run ``run_id`` has not noted as seen."""

    def open_fulfillment_orders(self, store: str, statuses: Sequence[str]) -> dict[str, Row]:
        """``{id: row}`` of the stored fulfillment orders of ``store`` in ``statuses`` (of
        orders not marked deleted), each row without its ``synced_at``."""

    def stored_fulfillment_orders(
        self, store: str, order_ids: Sequence[str]
    ) -> dict[str, list[Row]]:
        """The stored fulfillment orders of each of ``order_ids`` that has any, by order id,
        each row without its ``synced_at``."""

    def write_batch(self, writes: Sequence[Write]) -> dict[str, int]:
        """Write pages (each with the state after it), states and run ends of any stores, in
        order, in ONE transaction; for each store whose run a :class:`RunFinish` ends, how many
        orders it newly marked deleted."""

    def counts(self, store: str | None = None) -> dict[str, int]:
        """Row counts per data table (of one store, or all)."""

    def close(self) -> None:
        """Close the connections (committed data is durable)."""


class Reader(Protocol):
    """A read-only view of a destination for reports and exports (``?`` placeholders)."""

    @property
    def dialect(self) -> str:
        """``duckdb`` or ``postgres``: the SQL dialect of :meth:`fetch` and :meth:`stream`."""

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[Any]]:
        """Column names and every row of a query."""

    def stream(self, sql: str, size: int) -> Iterator[list[Any]]:
        """The rows of a query, ``size`` at a time (bounded memory)."""

    def close(self) -> None:
        """End the read (and its snapshot)."""


def placed_window_start(now: datetime, days: int) -> datetime:
    """The first day (00:00 UTC) of a placed-date window of ``days`` days ending ``now``."""
    start = now - timedelta(days=days)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)
