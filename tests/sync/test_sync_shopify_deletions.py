"""Shopify deletions reach an incremental sync (issue 16): the GraphQL dialect reads the ``events``
feed (deleted orders) after the listing; the REST dialect says it cannot see them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import unified_orders as uo
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
    assert page.next_cursor is None
    later = datetime.now(UTC) + timedelta(days=3650)
    assert plain.run(adapter.order_changes(later, None)).items == []
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
    assert result.unseen == []
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
