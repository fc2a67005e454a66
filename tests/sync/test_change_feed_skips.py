"""Which orders the change-feed phase reads again (``sync/feeds.py``): an order this run already
read is skipped, unless the change is to its details alone (``OrderChange.details``) and this
run did not read its details; those are written with their details (``refresh``)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from unified_orders.adapter import OrderChange, Page
from unified_orders.sync.destination import RunState
from unified_orders.sync.feeds import change_feed


class Feed:
    """An adapter whose change feed is one page of ``changes``."""

    def __init__(self, changes: list[OrderChange]) -> None:
        self.changes = changes

    def order_changes(self, since: datetime, cursor: str | None) -> Any:
        return Page(self.changes)
        yield  # an operation that sends no request


class Store:
    def __init__(self, adapter: Feed) -> None:
        self.adapter = adapter

    async def run(self, op: Any) -> Any:
        try:
            next(op)
        except StopIteration as done:
            return done.value
        raise AssertionError("the fake feed sends no request")


class Sync:
    """The phase's view of a store's sync, recording what it is asked to read again."""

    def __init__(self, changes: list[OrderChange], read: set[str], detailed: set[str]) -> None:
        self.store: Any = Store(Feed(changes))
        self.read_ids = read
        self.detailed_ids = detailed
        self.asked: list[tuple[list[str], set[str], list[str]]] = []

    async def write_reread(
        self,
        state: RunState,
        order_ids: Sequence[str],
        cursor: str | None,
        *,
        deleted: Sequence[str],
        refresh: Collection[str],
    ) -> RunState:
        self.asked.append((list(order_ids), set(refresh), list(deleted)))
        return state


def test_details_changes_are_read_again_unless_this_run_read_the_details() -> None:
    changes = [
        OrderChange("listed"),  # the listing read it: skipped
        OrderChange("new"),  # not read yet: read
        OrderChange("listed-bare", details=True),  # read without its details: read again
        OrderChange("listed-detailed", details=True),  # read with its details: skipped
        OrderChange("new-details", details=True),
        OrderChange("gone", deleted=True),
    ]
    sync = Sync(
        changes,
        read={"listed", "listed-bare", "listed-detailed"},
        detailed={"listed-detailed"},
    )
    asyncio.run(
        change_feed(sync, RunState(store="s", platform="p"), datetime(2026, 1, 1, tzinfo=UTC))
    )  # type: ignore[arg-type]
    [(wanted, refresh, deleted)] = sync.asked
    assert wanted == ["new", "listed-bare", "new-details"]
    assert refresh == {"listed-bare", "new-details"}
    assert deleted == ["gone"]
    assert {"new", "listed-bare", "new-details"} <= sync.read_ids
