"""The receiver's inbox and order refresh on both destinations: a delivery kept once by
(platform, store, delivery id), pending until processed; an order re-read into the sync's rows,
not rewritten when unchanged; the inbox table made in a database older than it."""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from unified_orders_adapters.shopify.graphql.fragments import ORDERS_READ_PAGE

import unified_orders as uo
from unified_orders.http import RecordingTransport
from unified_orders.sync import run_sync
from unified_orders.sync.databases import open_destination
from unified_orders.sync.destination import StateSave
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped
from unified_orders.webhooks_server import Delivery, Endpoint, Inbox, Receiver
from unified_orders.webhooks_server.refresh import refresh_order, refresh_orders


def delivery(delivery_id: str, store: str = "shop") -> Delivery:
    return Delivery("shopify", store, delivery_id, "orders/updated", {"x-a": "b"}, b'{"id": 1}')


def test_a_delivery_is_kept_once_and_pending_until_processed(db: Path | str) -> None:
    destination = open_destination(db)
    inbox = Inbox(destination)
    try:
        assert inbox.record(delivery("d1")) is True
        assert inbox.record(delivery("d1")) is False
        assert inbox.record(delivery("d1", store="other")) is True  # another store's id space
        assert inbox.count() == 2
        pending = inbox.pending()
        assert [p.key for p in pending] == [("shopify", "shop", "d1"), ("shopify", "other", "d1")]
        assert pending[0].body == b'{"id": 1}'
        assert pending[0].headers == {"x-a": "b"}
        inbox.done_many([(("shopify", "shop", "d1"), ["1"], None)])
        assert [p.key for p in inbox.pending()] == [("shopify", "other", "d1")]
    finally:
        inbox.close()
        destination.close()


def test_an_order_is_re_read_into_the_sync_rows_once(db: Path | str) -> None:
    destination = open_destination(db)
    store = uo.connect_async("shopify", sandbox=True)

    async def refresh(order_id: str) -> bool:
        return await refresh_order(destination, "shop", store, order_id, asyncio.Lock())

    try:
        order_id = "820982911946154531"  # #1003, with a refund
        assert asyncio.run(refresh(order_id)) is True
        assert asyncio.run(refresh(order_id)) is False  # unchanged: not rewritten
        counts = destination.counts("shop")
        assert counts["orders"] == 1
        assert counts["refunds"] == 1
    finally:
        asyncio.run(store.aclose())
        destination.close()


@pytest.mark.parametrize(
    ("platform", "options"),
    [
        ("nextcommerce", {}),
        ("shopify", {}),
        ("shopify", {"api": "rest"}),
        ("shopware", {}),
        ("shopify", {"denied_scopes": ["read_returns"]}),
    ],
    ids=["nextcommerce", "shopify", "shopify-rest", "shopware", "shopify-without-returns"],
)
def test_a_refresh_after_a_sync_rewrites_only_what_changed(
    db: Path | str, platform: str, options: dict[str, Any]
) -> None:
    """A delivery for an order the sync stored unchanged writes nothing: the order is read and
    hashed as a sync reads and hashes it (before, every refresh rewrote every Next Commerce and
    Shopware order: the details hashed in where the sync's read had not brought them, and
    Shopware's single-order read without the returns its listing loads; and every Shopify
    order of an app denied its returns). A change to the order's fulfillment orders alone is
    written; the next sync then finds nothing to write."""
    settings = dict(options)
    denied = settings.pop("denied_scopes", None)
    store = uo.connect_async(platform, sandbox=True, **settings)
    store.sandbox.seed_orders(10)  # type: ignore[union-attr]  # some with open fulfillment orders
    if denied:
        store.sandbox.state.data["denied_scopes"] = denied  # type: ignore[union-attr]
    first = run_sync({"shop": store}, db).results[0]
    assert first.ok, first.error
    plain = unwrapped(store)
    orders = list(plain.orders.list())
    destination = open_destination(db)

    def refresh(order_id: str) -> bool:
        lock = asyncio.Lock()
        return asyncio.run(refresh_order(destination, "shop", store, order_id, lock))

    try:
        assert [o.id for o in orders if refresh(o.id)] == []
        held = None
        if uo.Capability.FULFILLMENTS_HOLD in store.capabilities:
            for order in orders:
                open_fos = [
                    fo
                    for fo in plain.fulfillments.list(order.id)
                    if fo.status is uo.FulfillmentOrderStatus.OPEN
                ]
                if open_fos:
                    plain.fulfillments.hold(open_fos[0].id, reason=uo.HoldReason.OTHER)
                    held = order.id
                    break
            assert held is not None
            assert refresh(held) is True
            assert refresh(held) is False
    finally:
        destination.close()
    after = run_sync({"shop": store}, db, full=True).results[0]
    assert (after.ok, after.changed) == (True, 0), after.describe()
    asyncio.run(store.aclose())


def test_an_order_not_found_is_marked_deleted_only_where_no_order_is_hidden(
    db: Path | str,
) -> None:
    """A delivery naming an order the store does not show: deleted where the app sees every
    order; left as stored where Shopify hides older orders from it (no ``read_all_orders``),
    since not being found then proves nothing."""
    destination = open_destination(db)
    store = uo.connect_async("shopify", sandbox=True)
    emulator = store.sandbox
    assert emulator is not None

    async def refresh(order_id: str) -> bool:
        return await refresh_order(destination, "shop", store, order_id, asyncio.Lock())

    try:
        kept, gone = "820982911946154531", "820982911946154511"
        assert asyncio.run(refresh(kept)) is True
        assert asyncio.run(refresh(gone)) is True
        state = emulator.state  # type: ignore[attr-defined]
        now = state.clock.at(int(state.data["tick"]))
        state.data["orders"][kept]["created_at"] = (now - timedelta(days=90)).isoformat()
        state.data["denied_scopes"] = ["read_all_orders"]
        assert asyncio.run(refresh(kept)) is False
        assert _deleted_ids(destination) == set()
        state.data["denied_scopes"] = []
        emulator.delete_order(gone)  # type: ignore[attr-defined]
        assert asyncio.run(refresh(gone)) is True
        assert _deleted_ids(destination) == {gone}
    finally:
        asyncio.run(store.aclose())
        destination.close()


def _deleted_ids(destination: Any, ids: list[str] | None = None) -> set[str]:
    """The stored orders marked deleted (``stored_hashes`` gives them no hash)."""
    ids = ids or ["820982911946154531", "820982911946154511"]
    return {i for i, digest in destination.stored_hashes("shop", ids).items() if digest is None}


def test_the_inbox_table_is_made_where_an_older_version_made_none(pg_url: str) -> None:
    destination = open_destination(pg_url)
    destination.con.execute("DROP TABLE webhook_inbox")  # type: ignore[attr-defined]
    inbox = Inbox(destination)
    try:
        assert inbox.record(delivery("d1")) is True
    finally:
        inbox.close()
        destination.close()


def test_a_re_read_never_moves_the_cursor_of_a_sync_in_progress(
    db: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver writes rows beside a running sync of the same store: it must never save
    the store's sync state (an older cursor read before the sync's latest page)."""
    destination = open_destination(db)
    store = uo.connect_async("shopify", sandbox=True)
    try:
        before = destination.state("shop", "shopify")
        running = replace(before, run_id="run-1", run_mode="full", run_cursor="page-7")
        destination.write_batch([StateSave(running)])
        stale = destination.state("shop", "shopify")
        destination.write_batch(
            [StateSave(replace(stale, run_cursor="page-8"))]
        )  # the sync moves on
        # the race: the receiver read the state just before the sync's latest page landed
        monkeypatch.setattr(destination, "state", lambda store, platform: stale)
        order_id = "820982911946154531"
        asyncio.run(refresh_order(destination, "shop", store, order_id, asyncio.Lock()))
        monkeypatch.undo()
        assert destination.state("shop", "shopify").run_cursor == "page-8"
        assert destination.counts("shop")["orders"] == 1
    finally:
        asyncio.run(store.aclose())
        destination.close()


def test_the_orders_a_batch_of_deliveries_names_are_read_together(db: Path | str) -> None:
    """Deliveries waiting together name several orders of a store: they are re-read in one
    request (as a sync re-reads the orders a change feed names), not one request each. An order
    the store no longer has is marked deleted, and the others, unchanged, are not rewritten."""
    recorded: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        recorded.append(RecordingTransport(transport))
        return recorded[0]

    store = instrumented_sandbox("shopify", wrap, asynchronous=True)
    assert isinstance(store, uo.AsyncStore)
    assert run_sync({"shop": store}, db).results[0].ok
    ids = [str(820982911946154511 + step) for step in (0, 12, 20, 32, 39)]
    store.sandbox.delete_order(ids[-1])  # type: ignore[union-attr]
    destination = open_destination(db)
    endpoint = Endpoint("shop", "shopify", "secret", lambda: store)
    receiver = Receiver(destination, {"shop": endpoint})
    batch = [
        Delivery(
            "shopify",
            "shop",
            f"d{n}",
            "orders/updated",
            {"X-Shopify-Topic": "orders/updated", "X-Shopify-Event-Id": f"e{n}"},
            f'{{"id": {i}}}'.encode(),
        )
        for n, i in enumerate([*ids, *ids[:2]])  # two of them named twice
    ]
    try:
        for item in batch:
            assert receiver.inbox.record(item)
        before = len(recorded[0].exchanges)
        asyncio.run(receiver.process(batch))
        sent = [str((e.body or {}).get("query")) for e in recorded[0].exchanges[before:]]
        pages = [query for query in sent if query.startswith("query OrdersPage")]
        # as many queries as a sync's re-read of 5 ids takes (a listing page's worth a query),
        # where each order was one query before; then ``order(id:)`` confirms the gone one
        assert len(pages) == math.ceil(len(ids) / ORDERS_READ_PAGE) < len(ids)
        assert sum(query.startswith("query OrderGet") for query in sent) == 1
        assert receiver.inbox.pending() == []
        assert _deleted_ids(destination, ids) == {ids[-1]}
    finally:
        receiver.inbox.close()
        asyncio.run(store.aclose())
        destination.close()


def _fails_alone(db: Path | str, store: uo.AsyncStore, good: str, broken: str, why: str) -> None:
    """``good`` and ``broken`` refreshed together: ``broken`` is its own error (``why``, and
    not written), ``good`` is written."""
    destination = open_destination(db)
    try:
        outcome = asyncio.run(
            refresh_orders(destination, "shop", store, [good, broken], asyncio.Lock())
        )
        assert outcome[good] is True
        failure = outcome[broken]
        assert isinstance(failure, uo.PlatformError)
        assert why in str(failure)
        assert set(destination.stored_hashes("shop", [good, broken])) == {good}
    finally:
        asyncio.run(store.aclose())
        destination.close()


def test_an_order_that_cannot_be_read_fails_alone(db: Path | str) -> None:
    """Of the orders read together, one the store answers unreadably is that order's error;
    the others are written."""
    store = uo.connect_async("shopify", sandbox=True, api="rest")
    emulator = store.sandbox
    assert emulator is not None
    good, broken = "820982911946154511", "820982911946154523"
    emulator.state.data["orders"][broken]["line_items"][0]["quantity"] = "lots"  # type: ignore[attr-defined]
    _fails_alone(db, store, good, broken, f"order {broken} could not be read")


def test_an_order_whose_details_cannot_be_read_fails_alone(db: Path | str) -> None:
    """Of the orders re-read together, one whose fulfillment orders the store refuses to list
    is that order's error (not written: its rows would lack them); the others are written."""
    good, broken = "10001", "10002"

    def wrap(transport: Any) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith(f"/orders/{broken}/fulfillment-orders/"):
                return httpx.Response(400, json={"detail": "refused"})
            return transport.handle_request(request)

        return httpx.MockTransport(answer)

    store = instrumented_sandbox("nextcommerce", wrap, asynchronous=True)
    assert isinstance(store, uo.AsyncStore)
    why = f"fulfillment orders of order {broken} could not be read"
    _fails_alone(db, store, good, broken, why)
