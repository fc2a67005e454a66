"""Shopify's change feed reaches an incremental sync (issue 16): the GraphQL dialect reads the
``events`` feed (deleted orders), then the ``fulfillmentOrders`` feed (holds and moves that leave
the order's updated time) after the listing; the REST dialect finds deletions by an id-only
listing and says it cannot see fulfillment-order changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_sync_no_n_plus_one import sandbox as recorded_sandbox

import unified_orders as uo
from unified_orders.adapter import FULFILLMENT_ORDER_CHANGES
from unified_orders.sync import run_sync
from unified_orders.testing.sandbox import unwrapped


def shopify(**options: object) -> uo.AsyncStore:
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    return uo.connect_async("shopify", sandbox=True, **options)  # type: ignore[arg-type]


def deleted_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT id FROM orders WHERE deleted_at IS NOT NULL").fetchall()
    return {str(r[0]) for r in rows}


def test_an_incremental_sync_marks_an_order_deleted_in_shopify_deleted(tmp_path: Path) -> None:
    store = shopify()
    db = tmp_path / "s.duckdb"
    first = run_sync({"s": store}, db).results[0]
    assert first.ok, first.error
    ids = [o.id for o in unwrapped(store).orders.list()]
    gone = ids[1]
    store.sandbox.delete_order(gone)  # type: ignore[union-attr]
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode != "full"
    assert again.deleted == 1
    assert again.unseen == []  # the GraphQL dialect sees every kind of change
    assert deleted_ids(db) == {gone}
    with duckdb.connect(str(db), read_only=True) as con:
        live = con.execute("SELECT count(*) FROM orders WHERE deleted_at IS NULL").fetchone()
    assert live == (len(ids) - 1,)
    third = run_sync({"s": store}, db).results[0]
    assert third.ok, third.error
    assert deleted_ids(db) == {gone}
    asyncio.run(store.aclose())


def feed(plain: uo.Store, since: datetime) -> list[tuple[str, bool]]:
    """The whole change feed since ``since``, page by page."""
    changes, cursor = [], None
    while True:
        page = plain.run(plain.adapter.order_changes(since, cursor))
        changes += [(c.order_id, c.deleted) for c in page.items]
        if page.next_cursor is None:
            return changes
        cursor = page.next_cursor


def test_the_deletion_feed_names_deleted_orders_since_a_time_only() -> None:
    store = shopify()
    plain = unwrapped(store)
    first, second = (o.id for o in list(plain.orders.list())[:2])
    store.sandbox.delete_order(first)  # type: ignore[union-attr]
    store.sandbox.delete_order(second)  # type: ignore[union-attr]
    adapter = plain.adapter
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    page = plain.run(adapter.order_changes(long_ago, None))
    assert [(c.order_id, c.deleted) for c in page.items] == [(first, True), (second, True)]
    assert page.next_cursor is not None  # the fulfillment orders' feed follows
    later = datetime.now(UTC) + timedelta(days=3650)
    assert feed(plain, later) == []
    with pytest.raises(uo.NotFound):
        plain.orders.get(first)
    asyncio.run(store.aclose())


def test_the_rest_dialect_finds_deletions_by_an_id_only_listing(tmp_path: Path) -> None:
    store = shopify(api="rest")
    db = tmp_path / "r.duckdb"
    assert run_sync({"s": store}, db).ok
    gone = next(iter(unwrapped(store).orders.list())).id
    store.sandbox.delete_order(gone)  # type: ignore[union-attr]
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.mode != "full"
    assert result.unseen == [FULFILLMENT_ORDER_CHANGES]
    assert result.deleted == 1
    assert deleted_ids(db) == {gone}
    asyncio.run(store.aclose())


def test_the_rest_id_listing_pages_through_every_order() -> None:
    store = shopify(api="rest")
    store.sandbox.seed_orders(300)  # type: ignore[union-attr]
    plain = unwrapped(store)
    ids: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = plain.run(plain.adapter.order_ids(cursor))
        ids += page.items
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 2  # 305 orders, 250 a page
    assert sorted(ids) == sorted(str(o["id"]) for o in store.sandbox.state.orders())  # type: ignore[union-attr]
    asyncio.run(store.aclose())


def open_fulfillment_order(plain: uo.Store) -> tuple[uo.Order, uo.FulfillmentOrder]:
    for order in plain.orders.list():
        for fo in plain.fulfillments.list(order.id):
            if fo.status is uo.FulfillmentOrderStatus.OPEN:
                return order, fo
    raise AssertionError("the sandbox has no open fulfillment order")


def test_the_feed_names_orders_whose_fulfillment_orders_changed_since_a_time() -> None:
    store = shopify()
    plain = unwrapped(store)
    order, fo = open_fulfillment_order(plain)
    since = max(o.updated_at for o in plain.orders.list()) + timedelta(seconds=1)
    before = feed(plain, since)
    assert (order.id, False) not in before
    plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="feed")
    assert plain.orders.get(order.id).updated_at == order.updated_at  # the order did not move
    assert feed(plain, since) == [*before, (order.id, False)]
    asyncio.run(store.aclose())


def test_an_incremental_sync_reads_a_held_order_a_listing_page_at_a_time(
    tmp_path: Path,
) -> None:
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    store, recorder = recorded_sandbox("shopify", {})
    db = tmp_path / "h.duckdb"
    assert run_sync({"s": store}, db).ok
    plain = unwrapped(store)
    _, fo = open_fulfillment_order(plain)
    plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="sync")
    before = len(recorder.exchanges)
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.changed == 1
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT status, hold_reasons FROM fulfillment_orders WHERE id = ?", [fo.id]
        ).fetchone()
    assert row == ("on_hold", "other")
    asked = [(x.body or {}).get("operationName") for x in recorder.exchanges[before:]]
    assert "FulfillmentOrderChanges" in asked
    assert not {"OrderGet", "FulfillmentOrders", "OrderReturns"} & set(asked), asked
    asyncio.run(store.aclose())


def test_an_order_the_search_does_not_name_is_read_by_id_not_called_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = shopify()
    plain = unwrapped(store)
    first, second, gone = (o.id for o in list(plain.orders.list())[:3])
    store.sandbox.delete_order(gone)  # type: ignore[union-attr]
    adapter = plain.adapter
    searched = type(adapter)._orders_page

    def lagging(self: Any, search: str | None, cursor: str | None) -> Any:
        page = yield from searched(adapter, search, cursor)  # the index has not caught up
        return uo.Page(page.items[1:], page.next_cursor, page.failures, page.details)

    monkeypatch.setattr(type(adapter), "_orders_page", lagging)
    page = plain.run(adapter.read_orders([first, second, gone]))
    assert sorted(order.id for order in page.items) == sorted([first, second])
    assert set(page.details) == {first, second}
    assert page.failures == []
    asyncio.run(store.aclose())
