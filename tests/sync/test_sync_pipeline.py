"""The sync pipeline end to end on the toy platforms: rows, incremental runs, deletes, failures."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pg_cluster import is_url, one, query
from sync_toy import ToyShop, seeded_order

import unified_orders as uo
from unified_orders.http import emulator_transport
from unified_orders.sync import LogProgress, payload, run_sync
from unified_orders.sync.schema import TABLES

pytestmark = pytest.mark.usefixtures("toy")


def shop(platform: str = "synctoy", **settings: Any) -> tuple[ToyShop, Callable[[], uo.AsyncStore]]:
    """A toy emulator and a factory connecting a fresh AsyncStore to it (one per run)."""
    emulator = ToyShop(settings.pop("orders", 12), settings.pop("page_size", 5))
    return emulator, lambda: uo.connect_async(platform, transport=emulator_transport(emulator))


def table(db: Path | str, name: str, store: str | None = None) -> list[tuple[Any, ...]]:
    """Rows of a table, sorted, without the ``synced_at`` column."""
    columns = [c for c in TABLES[name].column_names if c != "synced_at"]
    where = "WHERE store = ?" if store else ""
    params = [store] if store else []
    return sorted(query(db, f"SELECT {', '.join(columns)} FROM {name} {where}", *params), key=repr)


def test_a_first_sync_writes_every_table(db: Path | str) -> None:
    _emulator, factory = shop()
    summary = run_sync({"a": factory}, db)
    assert summary.ok, summary.failed
    (result,) = summary.results
    assert (result.mode, result.orders, result.changed, result.pages) == ("full", 12, 12, 3)
    seeded = [seeded_order(n) for n in range(12)]
    assert one(db, "SELECT count(*) FROM orders") == 12
    assert one(db, "SELECT count(*) FROM order_lines") == sum(len(o["lines"]) for o in seeded)
    assert one(db, "SELECT count(*) FROM transactions") == 12
    assert one(db, "SELECT count(*) FROM refunds") == sum(len(o["refunds"]) for o in seeded)
    assert one(db, "SELECT count(*) FROM refund_lines") == sum(len(o["refunds"]) for o in seeded)
    assert one(db, "SELECT count(*) FROM returns") == sum(len(o["returns"]) for o in seeded)
    assert one(db, "SELECT count(*) FROM return_lines") == sum(len(o["returns"]) for o in seeded)
    assert one(db, "SELECT count(*) FROM fulfillment_orders") == 12
    # store and platform on every row of every table
    for name in (
        "orders",
        "order_lines",
        "transactions",
        "refunds",
        "refund_lines",
        "returns",
        "return_lines",
        "fulfillment_orders",
    ):
        assert (
            one(db, f"SELECT count(*) FROM {name} WHERE store <> 'a' OR platform <> 'synctoy'") == 0
        )
    assert one(db, "SELECT store, platform FROM stores") == ("a", "synctoy")


def test_money_is_exact_with_shop_currency(db: Path | str) -> None:
    _, factory = shop()
    run_sync({"a": factory}, db)
    usd = seeded_order(1)  # USD order: shop amount is the amount
    eur = seeded_order(3)  # EUR order at 1.10: shop amounts in USD
    assert one(
        db, "SELECT currency, shop_currency, total, total_shop FROM orders WHERE id = ?", usd["id"]
    ) == ("USD", "USD", Decimal(usd["total"]), Decimal(usd["total"]))
    assert one(
        db, "SELECT currency, shop_currency, total, total_shop FROM orders WHERE id = ?", eur["id"]
    ) == ("EUR", "USD", Decimal(eur["total"]), Decimal(eur["total"]) * Decimal("1.10"))
    if is_url(db):
        assert (
            one(
                db,
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                "attrelid = 'orders'::regclass AND attname = 'total'",
            )
            == "numeric(38,10)"
        )
    else:
        assert one(db, "SELECT typeof(total) FROM orders LIMIT 1") == "DECIMAL(38,10)"
    assert one(db, "SELECT status, platform_status FROM orders WHERE id = ?", usd["id"]) == (
        "open",
        "open",
    )
    raw = one(db, "SELECT raw FROM orders WHERE id = ?", usd["id"])
    assert payload(raw)["id"] == usd["id"]  # the payload, compressed


def test_a_second_run_is_incremental_and_converges(db: Path | str) -> None:
    emulator, factory = shop()
    run_sync({"a": factory}, db)
    before = {name: table(db, name) for name in ("orders", "order_lines", "refunds", "returns")}
    emulator.requests = 0
    again = run_sync({"a": factory}, db).results[0]
    # the watermark is the newest seeded updated_at: only the lookback's worth is re-read
    assert again.mode == "updated_since"
    assert again.changed == 0
    assert again.orders < 12
    assert {name: table(db, name) for name in before} == before

    canceled = seeded_order(2)["id"]
    emulator.touch(canceled, status="canceled", canceled_at=datetime.now(UTC).isoformat())
    refunded = seeded_order(5)
    emulator.touch(
        refunded["id"],
        refunds=[
            {
                "id": "r-new",
                "line": refunded["lines"][0]["id"],
                "qty": 1,
                "amount": "1.00",
                "restock": "no_restock",
                "at": datetime.now(UTC).isoformat(),
            }
        ],
    )
    third = run_sync({"a": factory}, db).results[0]
    assert third.mode == "updated_since"
    assert third.changed == 2
    assert one(db, "SELECT status, canceled_at IS NOT NULL FROM orders WHERE id = ?", canceled) == (
        "canceled",
        True,
    )
    assert one(db, "SELECT count(*) FROM refunds WHERE order_id = ?", refunded["id"]) == 1
    assert one(db, "SELECT id, total FROM refunds WHERE order_id = ?", refunded["id"]) == (
        "r-new",
        Decimal("1.00"),
    )
    assert one(db, "SELECT count(*) FROM orders") == 12


def test_full_run_marks_orders_gone_from_the_platform(db: Path | str) -> None:
    emulator, factory = shop()
    run_sync({"a": factory}, db)
    gone = seeded_order(4)["id"]
    emulator.delete(gone)
    assert run_sync({"a": factory}, db).results[0].deleted == 0  # updated_since cannot see it
    result = run_sync({"a": factory}, db, full=True).results[0]
    assert (result.mode, result.deleted) == ("full", 1)
    assert one(db, "SELECT deleted_at IS NOT NULL FROM orders WHERE id = ?", gone) is True
    assert one(db, "SELECT count(*) FROM orders WHERE deleted_at IS NULL") == 11


def test_platform_without_updated_filter_rereads_a_placed_window(db: Path | str) -> None:
    emulator, factory = shop("windowtoy")
    assert run_sync({"w": factory}, db).results[0].mode == "full"
    recent = emulator.add(50)
    recent_gone = emulator.add(51)
    second = run_sync({"w": factory}, db).results[0]
    assert second.mode == "placed_window"
    assert (second.orders, second.changed) == (2, 2)  # seeded orders (2024) are outside the window
    emulator.delete(recent_gone)
    emulator.touch(recent, status="canceled")
    third = run_sync({"w": factory}, db).results[0]
    assert (third.mode, third.orders, third.changed, third.deleted) == ("placed_window", 1, 1, 1)
    assert one(db, "SELECT status FROM orders WHERE id = ?", recent) == "canceled"
    assert one(db, "SELECT deleted_at IS NOT NULL FROM orders WHERE id = ?", recent_gone) is True
    # an old order changed outside the window is only seen by a full run (documented limit)
    old = seeded_order(0)["id"]
    emulator.touch(old, status="canceled")
    run_sync({"w": factory}, db)
    assert one(db, "SELECT status FROM orders WHERE id = ?", old) == "open"
    run_sync({"w": factory}, db, full=True)
    assert one(db, "SELECT status FROM orders WHERE id = ?", old) == "canceled"


def test_one_failing_store_is_reported_and_the_others_finish(db: Path | str) -> None:
    broken, broken_factory = shop()
    broken.fail = True
    _, good = shop("windowtoy")

    def no_such_platform() -> uo.AsyncStore:
        return uo.connect_async("nope")

    lines: list[str] = []

    class Capture:
        def write(self, text: str) -> None:
            lines.append(text)

        def flush(self) -> None:
            pass

    summary = run_sync(
        {"bad": broken_factory, "good": good, "unknown": no_such_platform},
        db,
        progress=LogProgress(Capture()),  # type: ignore[arg-type]
    )
    results = {r.store: r for r in summary.results}
    assert not summary.ok
    assert results["good"].ok
    assert results["good"].orders == 12
    assert not results["bad"].ok
    assert "AuthenticationError" in (results["bad"].error or "")
    assert not results["unknown"].ok
    assert "ConfigurationError" in (results["unknown"].error or "")
    assert one(db, "SELECT last_error FROM sync_state WHERE store = 'bad'").startswith(
        "AuthenticationError"
    )
    assert one(db, "SELECT count(*) FROM orders WHERE store = 'good'") == 12
    text = "".join(lines)
    assert "sync bad: FAILED" in text
    assert "sync good: ok (full)" in text
    assert re.search(r"sync good: a page of \d+ orders? \(\d+ changed\), 12 so far", text)


def test_a_failed_store_resumes_from_its_last_page(db: Path | str) -> None:
    emulator, factory = shop(orders=20, page_size=4)
    calls = {"n": 0}
    original = emulator.handle

    def flaky(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 10:  # fail after a few pages (each page: 1 list + 2 detail calls/order)
            return 401, {"error": "expired"}, {}
        return original(*args)

    emulator.handle = flaky  # type: ignore[method-assign]
    first = run_sync({"a": factory}, db).results[0]
    assert not first.ok
    assert first.pages >= 1
    written = one(db, "SELECT count(*) FROM orders")
    assert 0 < written < 20
    emulator.handle = original  # type: ignore[method-assign]
    second = run_sync({"a": factory}, db).results[0]
    assert second.ok
    assert second.resumed
    assert second.mode == "full"
    assert second.orders == 20  # counts carry over from the interrupted run
    assert one(db, "SELECT count(*) FROM orders") == 20
    assert one(db, "SELECT run_id FROM sync_state WHERE store = 'a'") is None


def test_stores_sync_into_one_schema_concurrently(db: Path | str) -> None:
    stores = {f"s{i}": shop("synctoy" if i % 2 else "windowtoy")[1] for i in range(6)}
    summary = run_sync(stores, db)
    assert summary.ok
    assert one(db, "SELECT count(DISTINCT store), count(*) FROM orders") == (6, 72)
    assert one(db, "SELECT count(DISTINCT platform) FROM orders") == 2


def test_an_order_that_cannot_be_read_is_recorded_and_the_store_goes_on(db: Path | str) -> None:
    emulator, factory = shop()
    emulator.orders["1003"]["currency"] = None  # the platform sends something no translator reads
    summary = run_sync({"a": factory}, db)
    assert summary.ok, summary.failed
    (result,) = summary.results
    assert (result.orders, result.unreadable) == (11, 1)
    assert "1 could NOT be read (see the sync_errors table)" in result.describe()
    assert one(db, "SELECT count(*) FROM orders") == 11
    order_id, error = one(db, "SELECT order_id, error FROM sync_errors WHERE store = 'a'")
    assert order_id == "1003"
    assert "currency" in error
    # a full run never marks the unreadable order deleted
    assert run_sync({"a": factory}, db, full=True).ok
    assert one(db, "SELECT count(*) FROM sync_errors") == 1
    # once it reads again, it is written and forgotten as an error
    emulator.touch("1003", currency="USD")
    assert run_sync({"a": factory}, db).ok
    assert one(db, "SELECT count(*) FROM orders") == 12
    assert one(db, "SELECT count(*) FROM sync_errors") == 0


def test_the_library_listing_names_orders_it_could_not_read() -> None:
    emulator, _ = shop()
    emulator.orders["1003"]["currency"] = None
    store = uo.connect("synctoy", transport=emulator_transport(emulator))
    seen: list[str] = []
    orders = store.orders.list()
    with pytest.raises(uo.PlatformError, match=r"1 order\(s\) could not be read: 1003: "):
        seen.extend(order.id for order in orders)
    assert "1003" not in seen
    assert len(seen) == 4  # the rest of that page came first
    failures = [f for page in store.orders.pages() for f in page.failures]
    assert [f.id for f in failures] == ["1003"]


def test_the_change_feed_finds_changes_the_listing_filter_cannot_see(db: Path | str) -> None:
    emulator, factory = shop("feedtoy")
    assert run_sync({"f": factory}, db).results[0].mode == "full"
    old, gone = seeded_order(0)["id"], seeded_order(1)["id"]  # placed in 2024: outside the window
    emulator.touch(old, bump=False, status="canceled")  # e.g. a refund that leaves updated_at
    emulator.delete(gone)
    second = run_sync({"f": factory}, db).results[0]
    assert second.mode == "placed_window"
    assert (second.changed, second.deleted) == (1, 1)
    assert one(db, "SELECT status FROM orders WHERE id = ?", old) == "canceled"
    assert one(db, "SELECT deleted_at IS NOT NULL FROM orders WHERE id = ?", gone) is True
    assert one(db, "SELECT run_phase, run_id FROM sync_state WHERE store = 'f'") == (None, None)


def test_a_run_that_fails_in_the_change_feed_resumes_there(db: Path | str) -> None:
    emulator, factory = shop("feedtoy")
    assert run_sync({"f": factory}, db).ok
    for number in (0, 1, 2):  # three events: two pages of the feed
        emulator.touch(seeded_order(number)["id"], bump=False, status="canceled")
    original = emulator.handle
    calls = {"changes": 0}

    def fail_second_feed_page(method: str, path: str, query: Any, *rest: Any) -> Any:
        if path.endswith("changes"):
            calls["changes"] += 1
            if calls["changes"] in (2, 3):  # a 401 is retried once after re-authenticating
                return 401, {"error": "expired"}, {}
        return original(method, path, query, *rest)

    emulator.handle = fail_second_feed_page  # type: ignore[method-assign]
    failed = run_sync({"f": factory}, db).results[0]
    assert not failed.ok
    assert one(db, "SELECT run_phase FROM sync_state WHERE store = 'f'") == "changes"
    emulator.handle = original  # type: ignore[method-assign]
    resumed = run_sync({"f": factory}, db).results[0]
    assert resumed.ok
    assert resumed.resumed
    statuses = {
        one(db, "SELECT status FROM orders WHERE id = ?", seeded_order(n)["id"]) for n in (0, 1, 2)
    }
    assert statuses == {"canceled"}


def test_plain_progress_gives_pages_that_read_no_order_one_line_for_many() -> None:
    out = io.StringIO()
    progress = LogProgress(out)
    progress.started("s", "nextcommerce", "placed_window")
    progress.page("s", 3, 1)
    for _ in range(2 * LogProgress.EMPTY_PAGES_A_LINE + 3):  # a change feed's empty pages
        progress.page("s", 0, 0)
    progress.page("s", 1, 1)
    lines = out.getvalue().splitlines()
    assert lines == [
        "sync s (nextcommerce): started (placed_window)",
        "sync s: a page of 3 orders (1 changed), 3 so far",
        "sync s: 25 pages with no order to read, 3 so far",
        "sync s: 50 pages with no order to read, 3 so far",
        "sync s: a page of 1 order (1 changed), 4 so far",
    ]
