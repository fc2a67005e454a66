"""The sync against the real adapters' sandboxes (each skips, saying why, when its adapter is absent)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import unified_orders as uo
from unified_orders.sync import report, run_sync, sandbox_stores, strategy_for
from unified_orders.sync.payloads import payload_text
from unified_orders.sync.runner import DEFAULT_WINDOW_DAYS
from unified_orders.sync.schema import ORDER_CHILDREN, TABLES
from unified_orders.testing.sandbox import unwrapped

PLATFORMS = ("nextcommerce", "shopify", "shopware")


def sandbox(platform: str) -> uo.AsyncStore:
    if platform not in uo.adapters() or uo.adapters()[platform].error:
        pytest.skip(f"the {platform} adapter is not registered in this environment")
    try:
        store = uo.connect_async(platform, sandbox=True)
    except uo.ConfigurationError as error:
        pytest.skip(f"the {platform} adapter has no working sandbox yet: {error}")
    if not hasattr(store.sandbox, "seed_orders"):
        pytest.skip(f"the {platform} sandbox has no seed_orders(n) yet")
    return store


def snapshot(db: Path, store: str) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("orders", *ORDER_CHILDREN):
            columns = [c for c in TABLES[name].column_names if c != "synced_at"]
            rows = con.execute(
                f"SELECT {', '.join(columns)} FROM {name} WHERE store = ?", [store]
            ).fetchall()
            out[name] = sorted(rows, key=repr)
    return out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sandbox_sync_matches_the_platform_and_converges(platform: str, tmp_path: Path) -> None:
    store = sandbox(platform)
    store.sandbox.seed_orders(12)  # type: ignore[union-attr]
    db = tmp_path / "s.duckdb"
    first = run_sync({"s": store}, db).results[0]
    assert first.ok, first.error
    plain = unwrapped(store)
    ids = sorted(order.id for order in plain.orders.list())
    with duckdb.connect(str(db), read_only=True) as con:
        stored = sorted(
            r[0] for r in con.execute("SELECT id FROM orders WHERE deleted_at IS NULL").fetchall()
        )
        lines = con.execute("SELECT count(*) FROM order_lines").fetchone()
        platforms = con.execute("SELECT DISTINCT platform FROM orders").fetchall()
    assert stored == ids
    assert lines is not None
    assert lines[0] >= len(ids)
    assert platforms == [(platform,)]
    before = snapshot(db, "s")
    second = run_sync({"s": store}, db).results[0]
    assert second.ok
    assert second.changed == 0
    assert second.mode == strategy_for(store.adapter)
    assert snapshot(db, "s") == before
    asyncio.run(store.aclose())


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sandbox_cancellation_reaches_the_database(platform: str, tmp_path: Path) -> None:
    store = sandbox(platform)
    if uo.Capability.ORDERS_CANCEL not in store.capabilities:
        pytest.skip(f"{platform} cannot cancel orders")
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    plain = unwrapped(store)
    target = None
    for order in plain.orders.list():
        if (
            order.status is uo.OrderStatus.OPEN
            and not order.refunds
            and order.fulfillment_status is uo.FulfillmentStatus.UNFULFILLED
        ):
            target = order
            break
    if target is None:
        pytest.skip(f"the {platform} sandbox has no open unfulfilled order to cancel")
    try:
        plain.orders.cancel(target.id, reason="customer")
    except (uo.IllegalTransition, uo.InvalidRequest, uo.UnsupportedOperation) as error:
        pytest.skip(f"the {platform} sandbox refused the cancellation: {error}")
    assert run_sync({"s": store}, db, full=True).ok  # full: placed-window platforms too
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT status FROM orders WHERE id = ?", [target.id]).fetchone()
    assert row == ("canceled",)
    asyncio.run(store.aclose())


def test_default_sync_of_every_sandbox_then_a_cross_platform_refund_report(tmp_path: Path) -> None:
    stores = sandbox_stores()
    if not stores:
        pytest.skip("no built-in adapter is registered")
    db = tmp_path / "unified-orders.duckdb"
    summary = run_sync(stores, db)
    assert summary.ok, [r.error for r in summary.failed]
    rows = report(db, "refunds", group_by="store")
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute(
            "SELECT store, shop_currency, count(*), sum(total_shop) FROM refunds GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert [(r["group"], r["currency"], r["refunds"], r["amount"]) for r in rows] == expected
    by_platform = report(db, "orders", group_by="platform")
    assert {r["group"] for r in by_platform} == {name.removeprefix("sandbox-") for name in stores}


def _refund_something(plain: uo.Store) -> str | None:
    """Refund one unit of some line of some paid order; the refund's id (None: nothing to refund)."""
    for order in plain.orders.list():
        if order.financial_status not in (
            uo.FinancialStatus.PAID,
            uo.FinancialStatus.PARTIALLY_REFUNDED,
        ):
            continue
        for line in order.lines:
            if line.refundable_quantity < 1:
                continue
            request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
            try:
                refund = plain.refunds.create(order, request, idempotency_key=f"feed-{order.id}")
            except (uo.InvalidRequest, uo.UnsupportedOperation, uo.IllegalTransition):
                continue
            return refund.id
    return None


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_incremental_sync_finds_a_refund_on_an_old_order(platform: str, tmp_path: Path) -> None:
    store = sandbox(platform)
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    refund_id = _refund_something(unwrapped(store))
    if refund_id is None:
        pytest.skip(f"the {platform} sandbox has no order with a refundable line")
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode != "full"
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM refunds WHERE id = ?", [refund_id]).fetchone()
    assert found == (1,), f"{platform}: the incremental sync missed refund {refund_id}"
    asyncio.run(store.aclose())


def test_an_incremental_shopware_sync_finds_a_deleted_order(tmp_path: Path) -> None:
    store = sandbox("shopware")
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    emulator = store.sandbox
    orders = emulator.table("order")  # type: ignore[union-attr]
    gone = sorted(orders)[0]
    del orders[gone]  # a shop admin deleted it (the Admin API lists no tombstones)
    emulator.changed()  # type: ignore[union-attr]
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode == "updated_since"
    assert again.deleted == 1
    assert "deleted orders" not in again.unseen
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT id FROM orders WHERE deleted_at IS NOT NULL AND store = 's'"
        ).fetchall()
    assert rows == [(gone,)]
    asyncio.run(store.aclose())


def test_an_order_the_id_listing_skips_is_read_before_it_is_called_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sandbox("shopware")
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    adapter = store.adapter
    listed = type(adapter).order_ids

    def skipping(self: object, cursor: str | None) -> object:  # a page shifted by a deletion
        page = yield from listed(adapter, cursor)
        return type(page)(page.items[1:], page.next_cursor)

    monkeypatch.setattr(type(adapter), "order_ids", skipping)
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.deleted == 0  # the skipped order was read, and it is there
    asyncio.run(store.aclose())


def test_an_incremental_next_commerce_sync_finds_a_shipment_and_a_hold_on_old_orders(
    tmp_path: Path,
) -> None:
    """Orders placed before the window: no listing or payment feed names them, but the open
    fulfillment orders the run compares do."""
    store = sandbox("nextcommerce")
    store.sandbox.seed_orders(20)  # type: ignore[union-attr]  # placed 2023 on
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    plain = unwrapped(store)
    before = datetime.now(UTC) - timedelta(days=DEFAULT_WINDOW_DAYS + 2)
    open_fos = [
        fo
        for order in plain.orders.list()
        if order.created_at < before
        for fo in plain.fulfillments.list(order.id)
        if fo.status is uo.FulfillmentOrderStatus.OPEN
    ]
    shipped, held = open_fos[0], next(fo for fo in open_fos if fo.order_id != open_fos[0].order_id)
    plain.fulfillments.create(shipped.id)
    plain.fulfillments.hold(held.id, reason=uo.HoldReason.OTHER)
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode == "placed_window"
    assert again.changed == 2
    with duckdb.connect(str(db), read_only=True) as con:
        status = "SELECT status FROM fulfillment_orders WHERE id = ?"
        assert con.execute(status, [shipped.id]).fetchone() == ("closed",)
        assert con.execute(status, [held.id]).fetchone() == ("on_hold",)
        shipping = "SELECT fulfillment_status FROM orders WHERE id = ?"
        assert con.execute(shipping, [shipped.order_id]).fetchone() != ("unfulfilled",)
    asyncio.run(store.aclose())


def test_a_run_resumed_inside_the_open_fulfillment_orders_misses_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped after the first page of open fulfillment orders resumes on the second:
    a hold made meanwhile on one of the first page's is still found (a stored open one the
    resumed run does not list is read again)."""
    store = sandbox("nextcommerce")
    store.sandbox.seed_orders(20)  # type: ignore[union-attr]
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    adapter = store.adapter
    listing = adapter.open_fulfillment_orders
    pages: list[list[uo.FulfillmentOrder]] = []

    def stop_after_one_page(cursor: str | None) -> Any:
        if pages:
            raise uo.PlatformError("the connection dropped", platform="nextcommerce")
        page = yield from listing(cursor)
        pages.append(page.items)
        return page

    monkeypatch.setattr(adapter, "open_fulfillment_orders", stop_after_one_page)
    stopped = run_sync({"s": store}, db).results[0]
    assert not stopped.ok
    assert "connection dropped" in str(stopped.error)
    monkeypatch.setattr(adapter, "open_fulfillment_orders", listing)
    target = next(fo for fo in pages[0] if fo.status is uo.FulfillmentOrderStatus.OPEN)
    unwrapped(store).fulfillments.hold(target.id, reason=uo.HoldReason.OTHER)
    resumed = run_sync({"s": store}, db).results[0]
    assert resumed.ok, resumed.error
    assert resumed.resumed
    with duckdb.connect(str(db), read_only=True) as con:
        status = "SELECT status FROM fulfillment_orders WHERE id = ?"
        assert con.execute(status, [target.id]).fetchone() == ("on_hold",)
    asyncio.run(store.aclose())


@pytest.mark.parametrize("scan", [False, True])
def test_next_commerce_scan_updates_finds_an_address_change_on_an_old_order(
    scan: bool, tmp_path: Path
) -> None:
    """Off (the default), an address change on an order placed before the window is declared
    unseen, and missed; on, the change feed pages through every order's list item and reads
    again the ones updated since the last run."""
    store = uo.connect_async("nextcommerce", sandbox=True, scan_updates=scan)
    store.sandbox.seed_orders(20)  # type: ignore[union-attr]
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db).ok
    plain = unwrapped(store)
    before = datetime.now(UTC) - timedelta(days=DEFAULT_WINDOW_DAYS + 2)
    old = next(
        o
        for o in plain.orders.list()
        if o.created_at < before and o.status is uo.OrderStatus.OPEN and o.shipping_address
    )
    assert old.shipping_address is not None
    address = old.shipping_address.model_copy(update={"province_code": None, "city": "Elsewhere"})
    plain.orders.update_shipping_address(old.id, address)
    again = run_sync({"s": store}, db).results[0]
    assert again.ok, again.error
    assert again.mode == "placed_window"
    declared = any("an address" in kind for kind in again.unseen)
    assert declared is not scan
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT raw FROM orders WHERE id = ?", [old.id]).fetchone()
    assert row is not None
    assert ("Elsewhere" in (payload_text(row[0]) or "")) is scan
    asyncio.run(store.aclose())
