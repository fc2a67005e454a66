"""The orders a change feed names are re-read with their details, not one by one (issue 16).

Shopware does not bump ``order.updatedAt`` for payments, refunds or Commercial returns, so an
incremental sync finds those orders through its change feed and re-reads them: in one search by
their ids (``Adapter.read_orders``) that brings each order's returns and deliveries along, never
a search per order or per return. The rows equal what per-order reads give. (A return alone
leaves the order's own rows as they were: the sync sees the change through the order's raw
payload, which it keeps by default and which carries the returns.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

import unified_orders as uo
from unified_orders.http import RecordingTransport
from unified_orders.sync import run_sync
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped


def refund_one(plain: uo.Store, skip: set[str]) -> str:
    """Refund one unit of some order not in ``skip``; its id."""
    for order in plain.orders.list():
        if order.id in skip:
            continue
        for line in order.lines:
            if line.refundable_quantity < 1:
                continue
            request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
            try:
                plain.refunds.create(order, request, idempotency_key=f"reread-{order.id}")
            except (uo.InvalidRequest, uo.UnsupportedOperation, uo.IllegalTransition):
                continue
            return order.id
    raise AssertionError("no order could be refunded")


def return_one(plain: uo.Store) -> str:
    """Open a return of one shipped unit; the order's id."""
    for order in plain.orders.list():
        line = next((x for x in order.lines if x.fulfilled_quantity > 0), None)
        if line is None:
            continue
        request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
        try:
            plain.returns.create(order.id, request)
        except uo.InvalidRequest:
            continue
        return order.id
    raise AssertionError("no order could be returned")


def test_an_incremental_run_rereads_changed_orders_in_one_search_with_their_returns(
    tmp_path: Path,
) -> None:
    holder: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        holder.append(RecordingTransport(transport))
        return holder[0]

    store = instrumented_sandbox("shopware", wrap, asynchronous=True, rate_limit=False)
    assert isinstance(store, uo.AsyncStore)
    [transport] = holder
    emulator: Any = store.sandbox
    emulator.seed_orders(20)
    db = tmp_path / "s.duckdb"
    [first] = run_sync({"s": store}, db).results
    assert first.ok, first.error
    plain = unwrapped(store)
    returned = return_one(plain)
    refunded = refund_one(plain, {returned})
    sent = len(transport.exchanges)
    [again] = run_sync({"s": store}, db).results
    assert again.ok, again.error
    assert again.mode == "updated_since"
    exchanges = transport.exchanges[sent:]
    rereads = [e for e in exchanges if e.path == "/api/search/order" and "ids" in (e.body or {})]
    assert len(rereads) == 1
    assert {returned, refunded} <= set(rereads[0].body["ids"])
    assert not [e for e in exchanges if e.path == "/api/search/order-return"]
    assert not [e for e in exchanges if e.path.endswith("/state")]
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(
            "SELECT order_id, id, status, quantity FROM returns ORDER BY id"
        ).fetchall()
        refunds = con.execute("SELECT order_id FROM refunds").fetchall()
        fulfillment_orders = con.execute(
            "SELECT id, status, quantity FROM fulfillment_orders WHERE order_id = ? ORDER BY id",
            [returned],
        ).fetchall()
    [made] = plain.returns.list(returned)
    assert stored == [(returned, made.id, made.status.value, sum(x.quantity for x in made.lines))]
    assert (refunded,) in refunds
    assert fulfillment_orders == sorted(
        (fo.id, fo.status.value, sum(x.quantity for x in fo.lines))
        for fo in plain.fulfillments.list(returned)
    )
