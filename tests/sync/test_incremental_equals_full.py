"""An incremental sync leaves the database as a full sync would, after every kind of write.

Against each real adapter's sandbox (both Shopify dialects): sync, then one write at a time
through the library, each followed by an incremental sync into the first database and a full
sync into a fresh one; the two must hold the same rows. The writes: refunds (a line, the
shipping, an amount), a return opened then processed, another requested then declined, a third
opened then canceled, a hold and its release, a move, a fulfillment request, its acceptance (as the
service) and a cancellation request, a fulfillment order canceled, a fulfillment, a tracking change, an address change,
cancellations (with and without a refund) and a deleted order.

A write the platform refuses is left out, but each platform must take most of them, so the test
cannot pass having changed nothing. A change the adapter declares it cannot see
(``FULFILLMENT_ORDER_CHANGES`` in ``unseen_changes``) is not made. Next Commerce cannot filter by
updated time: its window is widened to every seeded order (its default window's blind spots are
declared too, and covered by test_sync_sandboxes.py); with ``scan_updates`` it keeps the default
window, which holds none of the seeded orders, and the scan must find every change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_sync_sandboxes import sandbox
from test_sync_shopify_deletions import deleted_ids

import unified_orders as uo
from unified_orders.adapter import FULFILLMENT_ORDER_CHANGES
from unified_orders.sync import run_sync
from unified_orders.sync.schema import ORDER_CHILDREN, TABLES
from unified_orders.testing.sandbox import unwrapped

#: Writes a platform refuses (a documented limit, or no order the seed makes fits it).
REFUSED = (uo.UnsupportedOperation, uo.IllegalTransition, uo.InvalidRequest, uo.RefundFailed)
#: Writes each platform must take.
AT_LEAST = 6
#: Wide enough for every seeded order (placed 2023 on).
EVERY_DAY = 36_500

CASES = {
    "nextcommerce": ("nextcommerce", {}),
    # the default 30-day window (no seeded order is in it): the scan finds what it misses
    "nextcommerce-scan": ("nextcommerce", {"scan_updates": True}),
    "shopify-graphql": ("shopify", {}),
    "shopify-rest": ("shopify", {"api": "rest"}),
    "shopware": ("shopware", {}),
}


@dataclass
class Write:
    label: str
    apply: Callable[[], Any]
    #: Changes the order's fulfillment orders alone (see FULFILLMENT_ORDER_CHANGES).
    fulfillment_orders_only: bool = False


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


def _paid(order: uo.Order) -> bool:
    return order.financial_status in (
        uo.FinancialStatus.PAID,
        uo.FinancialStatus.PARTIALLY_REFUNDED,
    )


def _fulfillment_order(
    plain: uo.Store, order_id: str, status: uo.FulfillmentOrderStatus
) -> uo.FulfillmentOrder:
    for fo in plain.fulfillments.list(order_id):
        if fo.status is status:
            return fo
    raise uo.InvalidRequest([uo.Problem("fo", f"order {order_id} has no {status.value} one")])


class Writes:
    """The writes, each on an order no earlier one touched (so none depends on another)."""

    def __init__(self, plain: uo.Store, emulator: Any) -> None:
        self.plain = plain
        self.emulator = emulator
        self.used: set[str] = set()
        self.deleted: set[str] = set()

    def pick(self, fits: Callable[[uo.Order], bool]) -> uo.Order | None:
        for order in sorted(self.plain.orders.list(), key=lambda o: (o.created_at, o.id)):
            if order.id not in self.used and fits(order):
                self.used.add(order.id)
                return order
        return None

    def unfulfilled(self, order: uo.Order) -> bool:
        return (
            order.status is uo.OrderStatus.OPEN
            and order.fulfillment_status is uo.FulfillmentStatus.UNFULFILLED
            and any(
                fo.status is uo.FulfillmentOrderStatus.OPEN
                for fo in self.plain.fulfillments.list(order.id)
            )
        )

    def __iter__(self) -> Iterator[Write]:
        yield from self.refunds()
        yield from self.returns()
        yield from self.fulfillment_orders()
        yield from self.orders()

    def refunds(self) -> Iterator[Write]:
        plain = self.plain
        order = self.pick(lambda o: _paid(o) and any(x.refundable_quantity > 0 for x in o.lines))
        if order is not None:
            line = next(x for x in order.lines if x.refundable_quantity > 0)
            request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
            yield Write("a line refund", lambda: plain.refunds.create(order, request))
        shipped = self.pick(lambda o: _paid(o) and o.shipping.amount > 0 and not o.refunds)
        if shipped is not None:
            half = (shipped.shipping.amount / 2).quantize(Decimal("0.01"))
            request = uo.RefundRequest(shipping=uo.ShippingRefund(amount=half))
            yield Write("a shipping refund", lambda: plain.refunds.create(shipped, request))
        some = self.pick(lambda o: _paid(o) and o.status is uo.OrderStatus.OPEN)
        if some is not None:
            request = uo.RefundRequest(amount=Decimal("1.00"), currency=some.currency)
            yield Write("an amount refund", lambda: plain.refunds.create(some, request))

    def returns(self) -> Iterator[Write]:
        plain = self.plain
        for requested in (False, True):
            order = self.pick(lambda o: any(x.fulfilled_quantity > 0 for x in o.lines))
            if order is None:
                continue
            line = next(x for x in order.lines if x.fulfilled_quantity > 0)
            request = uo.ReturnRequest(
                lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)], requested=requested
            )
            made: list[uo.Return] = []
            yield Write(
                f"a return {'requested' if requested else 'opened'}",
                lambda o=order, r=request, m=made: m.append(plain.returns.create(o, r)),  # type: ignore[misc]
            )
            if not made:  # the generator resumes after the test ran the write above
                continue
            if requested:
                yield Write("the return declined", lambda m=made: plain.returns.decline(m[0].id))  # type: ignore[misc]
            else:
                yield Write("the return processed", lambda m=made: plain.returns.process(m[0].id))  # type: ignore[misc]
        order = self.pick(lambda o: any(x.fulfilled_quantity > 0 for x in o.lines))
        if order is not None:
            line = next(x for x in order.lines if x.fulfilled_quantity > 0)
            request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
            opened: list[uo.Return] = []
            yield Write(
                "a return opened to be canceled",
                lambda: opened.append(plain.returns.create(order, request)),
            )
            if opened:
                yield Write("the return canceled", lambda: plain.returns.cancel(opened[0].id))

    def fulfillment_orders(self) -> Iterator[Write]:
        plain, status = self.plain, uo.FulfillmentOrderStatus
        held = self.pick(self.unfulfilled)
        if held is not None:

            def hold() -> None:
                fo = _fulfillment_order(plain, held.id, status.OPEN)
                plain.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="differential")

            def release() -> None:
                plain.fulfillments.release_hold(
                    _fulfillment_order(plain, held.id, status.ON_HOLD).id
                )

            yield Write("a hold", hold, fulfillment_orders_only=True)
            yield Write("its release", release, fulfillment_orders_only=True)
        moved = self.pick(self.unfulfilled)
        if moved is not None:

            def move() -> None:
                fo = _fulfillment_order(plain, moved.id, status.OPEN)
                others = [x for x in plain.fulfillments.available_locations(fo.id)]
                others = [x for x in others if x.id != fo.location_id]
                if not others:
                    raise uo.UnsupportedOperation(plain.platform, "move", "one location only")
                plain.fulfillments.move(fo.id, others[0].id)

            yield Write("a move", move, fulfillment_orders_only=True)
        requested = self.pick(self.unfulfilled)
        if requested is not None:

            def request() -> None:
                fo = _fulfillment_order(plain, requested.id, status.OPEN)
                plain.fulfillments.request_fulfillment(fo.id, message="differential")

            yield Write("a fulfillment request", request, fulfillment_orders_only=True)

            def accept() -> None:
                fo = next(
                    (
                        x
                        for x in plain.fulfillments.list(requested.id)
                        if (x.request_status or "").lower() in ("requested", "submitted")
                    ),
                    None,
                )
                if fo is None or not self.accept_as_service(fo.id):
                    raise uo.UnsupportedOperation(plain.platform, "accept", "no service side")

            def request_cancellation() -> None:
                fo = _fulfillment_order(plain, requested.id, status.IN_PROGRESS)
                plain.fulfillments.request_cancellation(fo.id, message="differential")

            yield Write("its acceptance by the service", accept, fulfillment_orders_only=True)
            yield Write(
                "a cancellation request", request_cancellation, fulfillment_orders_only=True
            )
        canceled = self.pick(self.unfulfilled)
        if canceled is not None:

            def cancel() -> None:
                plain.fulfillments.cancel(_fulfillment_order(plain, canceled.id, status.OPEN).id)

            yield Write("a fulfillment order canceled", cancel, fulfillment_orders_only=True)
        fulfilled = self.pick(self.unfulfilled)
        if fulfilled is not None:

            def fulfil() -> None:
                fo = _fulfillment_order(plain, fulfilled.id, status.OPEN)
                plain.fulfillments.create(fo.id)

            yield Write("a fulfillment", fulfil)
        tracked = self.pick(lambda o: bool(o.fulfillments))
        if tracked is not None:
            tracking = uo.Tracking(number="1Z999AA10123456784")
            yield Write(
                "a tracking change",
                lambda: plain.fulfillments.update_tracking(tracked.fulfillments[0].id, tracking),
            )

    def orders(self) -> Iterator[Write]:
        plain = self.plain
        moved = self.pick(lambda o: o.status is uo.OrderStatus.OPEN and bool(o.shipping_address))
        if moved is not None and moved.shipping_address is not None:
            address = moved.shipping_address.model_copy(update={"line1": "1 Differential Way"})
            yield Write(
                "an address change",
                lambda: plain.orders.update_shipping_address(moved.id, address),
            )
        for refund in (True, False):
            canceled = self.pick(
                lambda o: (
                    o.status is uo.OrderStatus.OPEN
                    and _paid(o)
                    and not o.refunds
                    and o.fulfillment_status is uo.FulfillmentStatus.UNFULFILLED
                )
            )
            if canceled is not None:
                yield Write(
                    f"a cancellation {'with' if refund else 'without'} a refund",
                    lambda o=canceled, r=refund: plain.orders.cancel(  # type: ignore[misc]
                        o.id, reason="customer", refund=r
                    ),
                )
        gone = self.pick(lambda o: True)
        if gone is not None:
            yield Write("a deleted order", lambda: self.delete(gone.id))

    def accept_as_service(self, fo_id: str) -> bool:
        """As the fulfillment service does (not the merchant's API): take the request on."""
        emulator = self.emulator
        if hasattr(emulator, "accept_fulfillment_request"):  # Next Commerce's handler
            emulator.accept_fulfillment_request(None, fo_id)
            return True
        state = getattr(emulator, "state", None)
        if hasattr(state, "accept_fulfillment_request"):  # Shopify's store state
            state.accept_fulfillment_request(fo_id)
            return True
        return False

    def delete(self, order_id: str) -> None:
        """As a merchant does in the admin (Shopify keeps a destroy event; Shopware's Admin API
        keeps no tombstone; Next Commerce has no deletion)."""
        if hasattr(self.emulator, "delete_order"):
            self.emulator.delete_order(order_id)
        elif hasattr(self.emulator, "table"):
            del self.emulator.table("order")[order_id]
            self.emulator.changed()
        else:
            raise uo.UnsupportedOperation(self.plain.platform, "delete", "no deletion")
        self.deleted.add(order_id)


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_incremental_sync_ends_where_a_full_sync_does(case: str, tmp_path: Path) -> None:
    platform, settings = CASES[case]
    made = sandbox(platform)
    store = uo.connect_async(platform, sandbox=True, **settings) if settings else made
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    blind = FULFILLMENT_ORDER_CHANGES in store.adapter.unseen_changes
    incremental = tmp_path / "incremental.duckdb"
    window = {} if settings.get("scan_updates") else {"window_days": EVERY_DAY}
    assert run_sync({"s": store}, incremental, **window).ok
    plain = unwrapped(store)
    writes = Writes(plain, store.sandbox)
    taken, refused = [], []
    for step, write in enumerate(writes):
        if blind and write.fulfillment_orders_only:
            refused.append(f"{write.label}: declared unseen")
            continue
        try:
            write.apply()
        except REFUSED as error:
            refused.append(f"{write.label}: {type(error).__name__}")
            continue
        taken.append(write.label)
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
        assert not missed, f"{case}: the incremental sync after {write.label} differs: {missed}"
        assert deleted_ids(incremental) == writes.deleted
    assert len(taken) >= AT_LEAST, f"{case} took {taken}; refused {refused}"
    asyncio.run(store.aclose())
    if store is not made:
        asyncio.run(made.aclose())


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_full_sync_into_an_existing_database_finds_fulfillment_order_changes(
    case: str, tmp_path: Path
) -> None:
    """``--full`` into a database that already holds the orders ends where a full sync into a
    fresh one does after each change to fulfillment orders alone (so ``--full`` finds the
    ``FULFILLMENT_ORDER_CHANGES`` a platform declares): where the listing brings them they are
    hashed in, Next Commerce compares the open ones, and elsewhere a full run reads every
    order's."""
    platform, settings = CASES[case]
    made = sandbox(platform)
    store = uo.connect_async(platform, sandbox=True, **settings) if settings else made
    store.sandbox.seed_orders(30)  # type: ignore[union-attr]
    existing = tmp_path / "existing.duckdb"
    assert run_sync({"s": store}, existing).ok
    taken = []
    for step, write in enumerate(Writes(unwrapped(store), store.sandbox)):
        if not write.fulfillment_orders_only:
            continue
        try:
            write.apply()
        except REFUSED:
            continue
        taken.append(write.label)
        assert run_sync({"s": store}, existing, full=True).ok
        fresh = tmp_path / f"fresh-{step}.duckdb"
        assert run_sync({"s": store}, fresh, full=True).ok
        assert live_rows(existing) == live_rows(fresh), f"{case}: after {write.label}"
    if not taken:
        pytest.skip(f"{case} takes no change to fulfillment orders alone")
    asyncio.run(store.aclose())
    if store is not made:
        asyncio.run(made.aclose())
