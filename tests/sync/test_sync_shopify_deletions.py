"""Shopify's change feed reaches an incremental sync (issue 16): the GraphQL dialect reads the
``events`` feed (deleted orders), then the ``fulfillmentOrders`` feed (holds and moves that leave
the order's updated time) after the listing; the REST dialect finds deletions by an id-only
listing and reads the same ``fulfillmentOrders`` feed through ``graphql.json``, then the orders
it names with ``orders.json?ids=``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from test_sync_no_n_plus_one import sandbox as recorded_sandbox

import unified_orders as uo
from unified_orders.sync import DEFAULT_LOOKBACK, run_sync
from unified_orders.sync.databases import open_destination
from unified_orders.sync.destination import FO_ID
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped


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
    assert result.unseen == []  # fulfillment-order changes too: the feed through graphql.json
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


def open_fulfillment_order(
    plain: uo.Store, before: datetime | None = None
) -> tuple[uo.Order, uo.FulfillmentOrder]:
    """An open fulfillment order, of an order last updated before ``before`` where given."""
    for order in plain.orders.list():
        if before is not None and order.updated_at >= before:
            continue
        for fo in plain.fulfillments.list(order.id):
            if fo.status is uo.FulfillmentOrderStatus.OPEN:
                return order, fo
    raise AssertionError("the sandbox has no open fulfillment order")


def hold_an_unlisted_order(plain: uo.Store) -> uo.FulfillmentOrder:
    """Hold an open fulfillment order of an order the next incremental listing does not read
    (updated before the watermark, the newest update, minus the lookback); the held one."""
    newest = max(o.updated_at for o in plain.orders.list())
    _, fo = open_fulfillment_order(plain, before=newest - DEFAULT_LOOKBACK)
    return plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="test")


@pytest.mark.parametrize("options", [{}, {"api": "rest"}], ids=["graphql", "rest"])
def test_the_feed_names_orders_whose_fulfillment_orders_changed_since_a_time(
    options: dict[str, str],
) -> None:
    store = shopify(**options)
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


def test_an_incremental_rest_sync_finds_a_hold_and_reads_the_named_orders_in_one_request(
    tmp_path: Path,
) -> None:
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    store, recorder = recorded_sandbox("shopify", {"api": "rest"})
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    db = tmp_path / "h.duckdb"
    assert run_sync({"s": store}, db).ok
    plain = unwrapped(store)
    # an order the next listing does not read: updated before the watermark (the newest update)
    newest = max(o.updated_at for o in plain.orders.list())
    order, fo = open_fulfillment_order(plain, before=newest - DEFAULT_LOOKBACK)
    plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="sync")
    assert plain.orders.get(order.id).updated_at == order.updated_at  # the order did not move
    before = len(recorder.exchanges)
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.unseen == []
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT status, hold_reasons FROM fulfillment_orders WHERE id = ?", [fo.id]
        ).fetchone()
    assert row == ("on_hold", "other")
    sent = recorder.exchanges[before:]
    feeds = [x for x in sent if (x.body or {}).get("operationName") == "FulfillmentOrderChanges"]
    assert len(feeds) == 1
    by_ids = [x for x in sent if x.method == "GET" and "ids" in x.query]
    assert len(by_ids) == 1
    assert order.id in by_ids[0].query["ids"].split(",")
    assert not [x for x in sent if x.path.endswith(f"orders/{order.id}.json")]
    asyncio.run(store.aclose())


def test_a_rest_order_whose_read_brings_no_fulfillment_orders_is_written_with_them(
    tmp_path: Path,
) -> None:
    """A REST read brings an order's fulfillment orders only where some units are unplaced: a
    change to a fulfilled order's fulfillment orders alone is a ``details`` change, and the
    sync reads them for it. (The change is made in the emulator's store, as a fulfillment
    service closing its request would.)"""
    store = shopify(api="rest")
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    db = tmp_path / "d.duckdb"
    assert run_sync({"s": store}, db).ok
    state: Any = store.sandbox.state  # type: ignore[union-attr]
    closed = next(
        fo
        for fo in state.data["fulfillment_orders"].values()
        if fo["status"] == "closed"
        and fo.get("request_status") != "closed"
        and not _unplaced(state, fo["order_id"])
    )
    closed["request_status"] = "closed"
    closed["updated_at"] = state.now()
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT request_status FROM fulfillment_orders WHERE id = ?", [str(closed["id"])]
        ).fetchone()
    assert row == ("closed",)
    asyncio.run(store.aclose())


def _unplaced(state: Any, order_id: Any) -> bool:
    from unified_orders_adapters.shopify.rest.translate import needs_assigned_locations

    return needs_assigned_locations(state.order(order_id))


def test_an_order_the_ids_listing_leaves_out_is_read_by_id_not_called_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = shopify(api="rest")
    plain = unwrapped(store)
    first, second, gone = (o.id for o in list(plain.orders.list())[:3])
    store.sandbox.delete_order(gone)  # type: ignore[union-attr]
    adapter = plain.adapter
    listed = type(adapter)._orders_page

    def lagging(self: Any, params: Any, keep: Any) -> Any:
        page = yield from listed(adapter, params, keep)  # an answer one order short
        return uo.Page(page.items[1:], page.next_cursor, page.failures, page.details)

    monkeypatch.setattr(type(adapter), "_orders_page", lagging)
    page = plain.run(adapter.read_orders([first, second, gone, "not-an-id"]))
    assert sorted(order.id for order in page.items) == sorted([first, second])
    assert [failure.id for failure in page.failures] == ["not-an-id"]
    asyncio.run(store.aclose())


def test_a_rest_order_named_for_unchanged_fulfillment_orders_is_read_but_not_written(
    db: Path | str,
) -> None:
    """The feed names an order whose fulfillment order changed later than the order, on every
    run whose window holds that change; where its fulfillment orders are as stored, the sync
    reads them and writes nothing (nor counts the order changed)."""
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    store, recorder = recorded_sandbox("shopify", {"api": "rest"})
    store.sandbox.seed_orders(60)  # type: ignore[union-attr]
    assert run_sync({"s": store}, db, full=True).ok
    before = len(recorder.exchanges)
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    sent = recorder.exchanges[before:]
    # orders the listing did not bring fulfillment orders for, read for the feed
    assert [x for x in sent if x.path.endswith("/fulfillment_orders.json")]
    assert result.changed == 0
    # and a change is still found: a held fulfillment order of an order the listing skips
    fo = hold_an_unlisted_order(unwrapped(store))
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.changed == 1
    destination = open_destination(db)
    try:
        held = destination.stored_fulfillment_orders("s", [fo.order_id, "no-such-order"])
    finally:
        destination.close()
    assert list(held) == [fo.order_id]
    assert [row[FO_ID] for row in held[fo.order_id] if "on_hold" in row] == [fo.id]
    asyncio.run(store.aclose())


class Garbling(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers the next ``times`` requests to ``graphql.json`` with truncated JSON."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.times = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.times and request.url.path.endswith("graphql.json"):
            self.times -= 1
            return httpx.Response(200, content=b'{"data": {"fulfillmentOrders": ', request=request)
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


def test_a_garbled_rest_feed_answer_is_a_read_error_sent_again(tmp_path: Path) -> None:
    """The REST dialect's feed is a GraphQL query: an unreadable answer is retried as a read,
    never taken for a lost write, and one that stays unreadable fails the store loudly without
    moving its watermark."""
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    holder: list[Garbling] = []

    def wrap(inner: Any) -> Garbling:
        holder.append(Garbling(inner))
        return holder[0]

    store = instrumented_sandbox(
        "shopify", wrap, asynchronous=True, api="rest", rate_limit=False, retry_backoff=0.01
    )
    [garbling] = holder
    db = tmp_path / "g.duckdb"
    assert run_sync({"s": store}, db).ok  # type: ignore[dict-item]
    garbling.times = 1
    once = run_sync({"s": store}, db).results[0]  # type: ignore[dict-item]
    assert once.ok, once.error
    assert garbling.times == 0
    with duckdb.connect(str(db), read_only=True) as con:
        watermark = con.execute("SELECT watermark FROM sync_state").fetchone()
    garbling.times = 1_000
    failed = run_sync({"s": store}, db).results[0]  # type: ignore[dict-item]
    assert not failed.ok
    assert failed.error is not None
    assert "PlatformError" in failed.error
    assert "may have taken effect" not in failed.error
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT watermark FROM sync_state").fetchone() == watermark
    asyncio.run(store.aclose())  # type: ignore[union-attr]


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "paged"])
def test_an_app_denied_returns_syncs_without_them_and_says_so(bulk: bool, tmp_path: Path) -> None:
    """Shopify denies an app without the ``read_returns`` scope its orders' returns (INFERRED,
    as the sandbox does): the sync goes on without returns, says so on the store's result line,
    hashes every order the same way (an unchanged store writes nothing), and still finds a
    hold. Before, the store failed on the first order's returns."""
    store = shopify()
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    store.sandbox.state.data["denied_scopes"] = ["read_returns"]  # type: ignore[union-attr]
    db = tmp_path / "r.duckdb"
    first = run_sync({"s": store}, db, full=True, bulk=bulk).results[0]
    assert first.ok, first.error
    assert [entry.split(" (")[0] for entry in first.not_read] == ["returns"]
    assert "read_returns" in first.describe()
    plain = unwrapped(store)
    assert first.changed == len(list(plain.orders.list()))
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.changed == 0
    fo = hold_an_unlisted_order(plain)
    held = run_sync({"s": store}, db).results[0]
    assert held.ok, held.error
    assert held.changed == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "SELECT status FROM fulfillment_orders WHERE id = ?", [fo.id]
        ).fetchone() == ("on_hold",)
        assert con.execute("SELECT count(*) FROM returns").fetchone() == (0,)
    asyncio.run(store.aclose())


def test_returns_a_run_could_not_read_keep_their_stored_rows(db: Path | str) -> None:
    """An order written by a run that did not read its returns (the app lost ``read_returns``)
    keeps the returns rows stored before: the run cannot see them, so it does not drop them.
    Its fulfillment orders, which it did read, are replaced as usual."""
    store = shopify()
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    plain = unwrapped(store)
    returned = next(
        order
        for order in plain.orders.list()
        if any(line.fulfilled_quantity > 0 for line in order.lines)
    )
    line = next(x for x in returned.lines if x.fulfilled_quantity > 0)
    request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
    plain.returns.create(returned.id, request)
    assert run_sync({"s": store}, db, full=True).ok

    def rows(table: str) -> int:
        destination = open_destination(db)
        try:
            return destination.counts("s")[table]
        finally:
            destination.close()

    stored = rows("returns")
    assert stored >= 1
    store.sandbox.state.data["denied_scopes"] = ["read_returns"]  # type: ignore[union-attr]
    result = run_sync({"s": store}, db).results[0]
    assert result.ok, result.error
    assert result.not_read
    assert result.changed >= 1  # the returned order (its rows no longer hash its returns)
    assert rows("returns") == stored
    assert rows("fulfillment_orders") > 0
    asyncio.run(store.aclose())
