"""What a sync reports: one :class:`StoreResult` per store, gathered in a :class:`SyncSummary`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StoreResult", "SyncSummary"]


@dataclass
class StoreResult:
    """What happened to one store."""

    store: str
    platform: str
    ok: bool = False
    mode: str = ""
    resumed: bool = False
    orders: int = 0
    changed: int = 0
    pages: int = 0
    deleted: int = 0
    unreadable: int = 0
    seconds: float = 0.0
    error: str | None = None
    #: The store was not synced because another process is syncing it into the same database.
    busy: bool = False
    #: Kinds of change this run could not see (an incremental run on a platform that has no
    #: feed for them); only a full run finds those.
    unseen: list[str] = field(default_factory=list)
    #: Details (returns, fulfillment orders) the store refused to list during the run, each
    #: with why; the run went on without them.
    not_read: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line: the outcome and the counts."""
        if not self.ok:
            return f"FAILED after {self.orders} orders: {self.error}"
        resumed = ", resumed" if self.resumed else ""
        unreadable = (
            f", {self.unreadable} could NOT be read (see the sync_errors table)"
            if self.unreadable
            else ""
        )
        unseen = (
            f"; cannot see: {'; '.join(self.unseen)} (run --full to find them)"
            if self.unseen
            else ""
        )
        if self.not_read:
            unseen += f"; did not read: {'; '.join(self.not_read)}"
        pages = "1 page" if self.pages == 1 else f"{self.pages} pages"
        orders = "1 order" if self.orders == 1 else f"{self.orders} orders"
        return (
            f"ok ({self.mode}{resumed}): {orders} read, {self.changed} written, "
            f"{self.deleted} marked deleted{unreadable}, {pages} in {self.seconds:.1f}s{unseen}"
        )


@dataclass
class SyncSummary:
    """The result of a sync over several stores."""

    #: The DuckDB file, or the PostgreSQL URL without its password.
    db_path: Path | str
    results: list[StoreResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every store synced."""
        return all(result.ok for result in self.results)

    @property
    def failed(self) -> list[StoreResult]:
        """Stores that failed."""
        return [result for result in self.results if not result.ok]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "db_path": str(self.db_path),
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "stores": [vars(result) for result in self.results],
        }
