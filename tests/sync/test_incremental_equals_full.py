"""An incremental sync leaves the database as a full sync would, after every kind of write.

Against each real adapter's sandbox: sync, then one write at a time through the library (a line
refund, a shipping refund, a return and its approval, a hold, a fulfillment, an address change,
a cancellation with its refund, a deleted order), each followed by an incremental sync into the
first database and a full sync into a fresh one; the two must hold the same rows. A write the
platform refuses is left out, but each platform must take most of them, so the test cannot pass
having changed nothing. Next Commerce cannot filter by updated time: its window is widened to
every seeded order (its default window's blind spots are declared in ``unseen_changes`` and
covered by test_sync_sandboxes.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_sync_sandboxes import PLATFORMS, sandbox

import unified_orders as uo
from unified_orders.sync import run_sync
from unified_orders.sync.schema import ORDER_CHILDREN, TABLES
from unified_orders.testing.sandbox import unwrapped

#: Writes a platform refuses (a documented limit, or no order the seed makes fits it).
REFUSED = (uo.UnsupportedOperation, uo.IllegalTransition, uo.InvalidRequest, uo.RefundFailed)
#: Writes each platform must take (of the nine).
AT_LEAST = 5
#: Wide enough for every seeded order (placed 2023 on).
EVERY_DAY = 36_500

Write = tuple[str, Callable[[], Any]]


def live_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows of the orders not marked deleted (``synced_at`` left out)."""
    out = {}
    live = "SELECT id FROM orders WHERE deleted_at IS NULL"
    with duckdb.connect(str(db), read_only=True) as con:
        for name in ("orders", *ORDER_CHILDREN):
            columns = ", ".join(c for c in TABLES[name].column_names if c != "synced_at")
            key = "id" if name == "orders" else "order_id"
            rows = con.execute(f"SELECT {columns} FROM {name} WHERE {key} IN ({live})").fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def deleted_ids(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT id FROM orders WHERE deleted_at IS NOT NULL").fetchall()
    return {row[0] for row in rows}


def _paid(order: uo.Order) -> bool:
    return order.financial_status in (
        uo.FinancialStatus.PAID,
        uo.FinancialStatus.PARTIALLY_REFUNDED,
    )


def _open_fulfillment_order(plain: uo.Store, order_id: str) -> uo.FulfillmentOrder | None:
    for fo in plain.fulfillments.list(order_id):
        if fo.status is uo.FulfillmentOrderStatus.OPEN:
            return fo
    return None


def writes(plain: uo.Store, emulator: Any, deleted: set[str]) -> Iterator[Write]:
    """The writes, each on an order the earlier ones left alone (so none depends on another);
    the ids of orders deleted go in ``deleted``."""
    used: set[str] = set()

    def pick(fits: Callable[[uo.Order], bool]) -> uo.Order | None:
        for order in sorted(plain.orders.list(), key=lambda o: (o.created_at, o.id)):
            if order.id not in used and fits(order):
                used.add(order.id)
                return order
        return None

    order = pick(lambda o: _paid(o) and any(line.refundable_quantity > 0 for line in o.lines))
    if order is not None:
        line = next(line for line in order.lines if line.refundable_quantity > 0)
        request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
        yield "a line refund", lambda: plain.refunds.create(order, request, idempotency_key="d-1")

    shipped = pick(lambda o: _paid(o) and o.shipping.amount > 0 and not o.refunds)
    if shipped is not None:
        half = uo.ShippingRefund(amount=(shipped.shipping.amount / 2).quantize(Decimal("0.01")))
        yield (
            "a shipping refund",
            lambda: plain.refunds.create(
                shipped, uo.RefundRequest(lines=[], shipping=half), idempotency_key="d-2"
            ),
        )

    returned = pick(lambda o: any(line.fulfilled_quantity > 0 for line in o.lines))
    if returned is not None:
        line = next(line for line in returned.lines if line.fulfilled_quantity > 0)
        request = uo.ReturnRequest(
            lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)], requested=True
        )
        made: list[uo.Return] = []
        yield (
            "a return requested",
            lambda: made.append(plain.returns.create(returned, request, idempotency_key="d-3")),
        )
        if made:  # the generator resumes after the test ran the write above
            yield "the return approved", lambda: plain.returns.approve(made[0].id)

    def unfulfilled(o: uo.Order) -> bool:
        return (
            o.status is uo.OrderStatus.OPEN
            and o.fulfillment_status is uo.FulfillmentStatus.UNFULFILLED
            and _open_fulfillment_order(plain, o.id) is not None
        )

    held = pick(unfulfilled)
    if held is not None:

        def hold() -> None:
            fo = _open_fulfillment_order(plain, held.id)
            assert fo is not None
            plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="differential")

        yield "a hold", hold

    fulfilled = pick(unfulfilled)
    if fulfilled is not None:

        def fulfil() -> None:
            fo = _open_fulfillment_order(plain, fulfilled.id)
            assert fo is not None
            plain.fulfillments.create(fo.id, idempotency_key="d-6")

        yield "a fulfillment", fulfil

    moved = pick(lambda o: o.status is uo.OrderStatus.OPEN and o.shipping_address is not None)
    if moved is not None and moved.shipping_address is not None:
        address = moved.shipping_address.model_copy(update={"line1": "1 Differential Way"})
        yield "an address change", lambda: plain.orders.update_shipping_address(moved.id, address)

    canceled = pick(
        lambda o: (
            o.status is uo.OrderStatus.OPEN
            and _paid(o)
            and not o.refunds
            and o.fulfillment_status is uo.FulfillmentStatus.UNFULFILLED
        )
    )
    if canceled is not None:
        yield (
            "a cancellation with its refund",
            lambda: plain.orders.cancel(
                canceled.id, reason="customer", refund=True, idempotency_key="d-8"
            ),
        )

    gone = pick(lambda o: True)
    if gone is not None and hasattr(emulator, "delete_order"):
        yield "a deleted order", lambda: deleted.add(gone.id) or emulator.delete_order(gone.id)
    elif gone is not None and hasattr(emulator, "table"):

        def delete() -> None:  # a shop admin deleted it (Shopware's Admin API keeps no tombstone)
            del emulator.table("order")[gone.id]
            emulator.changed()
            deleted.add(gone.id)

        yield "a deleted order", delete


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_incremental_sync_ends_where_a_full_sync_does(platform: str, tmp_path: Path) -> None:
    store = sandbox(platform)
    store.sandbox.seed_orders(24)  # type: ignore[union-attr]
    incremental = tmp_path / "incremental.duckdb"
    window = {"window_days": EVERY_DAY}
    assert run_sync({"s": store}, incremental, **window).ok
    plain = unwrapped(store)
    taken, refused = [], []
    deleted: set[str] = set()
    for step, (label, write) in enumerate(writes(plain, store.sandbox, deleted)):
        try:
            write()
        except REFUSED as error:
            refused.append(f"{label}: {type(error).__name__}")
            continue
        taken.append(label)
        result = run_sync({"s": store}, incremental, **window).results[0]
        assert result.ok, result.error
        assert result.mode != "full"
        full = tmp_path / f"full-{step}.duckdb"
        assert run_sync({"s": store}, full, full=True).ok
        after, expected = live_rows(incremental), live_rows(full)
        missed = {
            table: [row for row in expected[table] if row not in after[table]][:2]
            for table in expected
            if after[table] != expected[table]
        }
        assert not missed, f"{platform}: the incremental sync after {label} differs: {missed}"
        assert deleted_ids(incremental) == deleted
    assert len(taken) >= AT_LEAST, f"{platform} took {taken}; refused {refused}"
    asyncio.run(store.aclose())
