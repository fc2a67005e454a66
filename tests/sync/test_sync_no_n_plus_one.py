"""No N+1 in a sync (issue 16): where the platform's order read carries returns and fulfillment
orders, a full sync of the sandbox asks for neither order by order, and the rows it stores from
the listing are the rows per-order reads give.

Shopify GraphQL (paged) and Shopware read them with the listing. Shopify REST and Next Commerce
have no read of several orders' fulfillment orders: there each order's are read once (REST: by
the listing where it needed them for line locations, else by the sync), never twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

import unified_orders as uo
from unified_orders.http import RecordingTransport
from unified_orders.sync import run_sync
from unified_orders.sync.schema import TABLES
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped

#: The tables a sync fills from an order's returns and fulfillment orders.
DETAIL_TABLES = ("returns", "return_lines", "fulfillment_orders")


def graphql_detail_read(exchange: Any) -> str | None:
    """The operation of a GraphQL request reading one order's returns or fulfillment orders."""
    name = (exchange.body or {}).get("operationName")
    return name if name in ("OrderReturns", "FulfillmentOrders") else None


def shopware_detail_read(exchange: Any) -> str | None:
    """A Shopware request for one order's returns or one delivery's transitions."""
    if exchange.path == "/api/search/order-return" or exchange.path.endswith("/state"):
        return exchange.path
    return None


def per_order(pattern: str) -> Callable[[Any], str | None]:
    """A request whose path names one order's fulfillment orders (the order's id)."""

    def found(exchange: Any) -> str | None:
        match = re.search(pattern, exchange.path)
        return match.group(1) if match else None

    return found


#: (platform, settings, the detail request of one order, carried by the listing).
CASES = {
    "shopify-graphql": ("shopify", {}, graphql_detail_read, True),
    "shopware": ("shopware", {}, shopware_detail_read, True),
    "shopware-no-licence": (
        "shopware",
        {"sandbox_commercial": False},
        shopware_detail_read,
        True,
    ),
    "shopify-rest": (
        "shopify",
        {"api": "rest"},
        per_order(r"/orders/(\d+)/fulfillment_orders\.json$"),
        False,
    ),
    "nextcommerce": (
        "nextcommerce",
        {},
        per_order(r"/orders/([^/]+)/fulfillment-orders/?$"),
        False,
    ),
}


def sandbox(platform: str, settings: dict[str, Any]) -> tuple[uo.AsyncStore, RecordingTransport]:
    holder: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        holder.append(RecordingTransport(transport))
        return holder[0]

    store = instrumented_sandbox(platform, wrap, asynchronous=True, rate_limit=False, **settings)
    assert isinstance(store, uo.AsyncStore)
    return store, holder[0]


def open_returns(plain: uo.Store, wanted: int) -> int:
    """A return of one shipped unit on up to ``wanted`` orders (none where the store has no
    returns); how many were opened."""
    if uo.Capability.RETURNS_CREATE not in plain.capabilities:
        return 0
    opened = 0
    for order in plain.orders.list():
        line = next((x for x in order.lines if x.fulfilled_quantity > 0), None)
        if line is None:
            continue
        request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
        try:
            plain.returns.create(order.id, request)
        except (uo.InvalidRequest, uo.UnsupportedOperation):
            continue
        opened += 1
        if opened == wanted:
            break
    return opened


def detail_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name in DETAIL_TABLES:
            columns = [c for c in TABLES[name].column_names if c != "synced_at"]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def without_details(adapter: Any) -> Callable[..., Any]:
    """The adapter's listing with ``Page.details`` dropped: the sync then reads every order's
    returns and fulfillment orders on its own."""
    listing = adapter.list_orders

    def list_orders(query: uo.OrderQuery, cursor: str | None) -> Any:
        page = yield from listing(query, cursor)
        return uo.Page(page.items, page.next_cursor, page.failures)

    return list_orders


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_full_sync_reads_details_with_the_orders_and_stores_what_per_order_reads_give(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform, settings, detail_read, carried = CASES[case]
    store, transport = sandbox(platform, settings)
    emulator: Any = store.sandbox
    emulator.seed_orders(20)
    plain = unwrapped(store)
    opened = open_returns(plain, 4)
    total = len(list(plain.orders.list()))
    sent = len(transport.exchanges)
    [result] = run_sync({"s": store}, tmp_path / "listed.duckdb", bulk=False).results
    assert result.ok, result.error
    listing_requests = len(transport.exchanges) - sent
    asked = Counter(key for e in transport.exchanges[sent:] if (key := detail_read(e)) is not None)
    if carried:
        # at most the one question whether a Shopware shop has returns at all
        assert sum(asked.values()) <= (1 if platform == "shopware" else 0), asked
    else:
        assert set(asked) == {o.id for o in plain.orders.list()}
        assert set(asked.values()) == {1}  # each order's once, never twice
    listed = detail_rows(tmp_path / "listed.duckdb")
    assert len({row[2] for row in listed["fulfillment_orders"]}) >= total // 2
    assert len(listed["returns"]) == opened
    assert (opened > 0) is (settings == {} and platform != "nextcommerce")
    monkeypatch.setattr(store.adapter, "list_orders", without_details(store.adapter))
    sent = len(transport.exchanges)
    [again] = run_sync({"s": store}, tmp_path / "one_by_one.duckdb", bulk=False).results
    assert again.ok, again.error
    if carried:  # now read order by order
        assert len(transport.exchanges) - sent >= listing_requests + total
    assert detail_rows(tmp_path / "one_by_one.duckdb") == listed


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_second_full_sync_reads_details_only_where_nothing_else_finds_their_changes(
    case: str, tmp_path: Path
) -> None:
    """A full run into a database that holds every order already: where the listing brings the
    details (hashed in) or the platform lists its open fulfillment orders (compared with the
    stored ones), no order's are read one by one; elsewhere (Shopify REST) each order's are read
    once, since nothing else would find a change to them alone."""
    platform, settings, detail_read, carried = CASES[case]
    store, transport = sandbox(platform, settings)
    emulator: Any = store.sandbox
    emulator.seed_orders(20)
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db, bulk=False).ok
    sent = len(transport.exchanges)
    [result] = run_sync({"s": store}, db, bulk=False, full=True).results
    assert result.ok, result.error
    assert result.changed == 0
    asked = Counter(key for e in transport.exchanges[sent:] if (key := detail_read(e)) is not None)
    if carried or store.adapter.lists_open_fulfillment_orders:
        assert sum(asked.values()) <= (1 if platform == "shopware" else 0), asked
    else:
        assert set(asked) == {o.id for o in unwrapped(store).orders.list()}
        assert set(asked.values()) == {1}


@pytest.mark.parametrize("window_days", [30, 36_500])
def test_an_order_this_run_read_is_not_read_again_for_the_change_feed(
    window_days: int, tmp_path: Path
) -> None:
    """A refund on an order the transactions feed names on two pages (its payment and the
    refund; default window) or that the listing read (a window of every order): the order is
    read once. The feed names changes made before the run began, which that read saw."""
    store, transport = sandbox("nextcommerce", {})
    db = tmp_path / "s.duckdb"
    assert run_sync({"s": store}, db, window_days=window_days).ok
    plain = unwrapped(store)
    order = next(
        o
        for o in plain.orders.list()
        if o.financial_status is uo.FinancialStatus.PAID
        and any(x.refundable_quantity > 0 for x in o.lines)
    )
    line = next(x for x in order.lines if x.refundable_quantity > 0)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
    refund = plain.refunds.create(order, request)
    sent = len(transport.exchanges)
    [result] = run_sync({"s": store}, db, window_days=window_days).results
    assert result.ok, result.error
    assert result.mode == "placed_window"
    reads = [e for e in transport.exchanges[sent:] if re.search(rf"/orders/{order.id}/?$", e.path)]
    feed = [e for e in transport.exchanges[sent:] if e.path.endswith("/transactions/")]
    assert len(feed) > 1, "the transactions feed was read, page by page"
    assert len(reads) == 1
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM refunds WHERE id = ?", [refund.id]).fetchone()
    assert found == (1,)
