"""Shipping on Shopware: a delivery shipped (partially: units kept in customFields) with tracking
codes, read back as Order.fulfillments, codes replaced, an open delivery canceled; exactly once
through the shipment records keyed by idempotency key, under injected faults."""

from __future__ import annotations

from typing import Any

import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware.translate.fulfillments import SHIPMENTS_FIELD
from unified_orders_adapters.shopware.translate.values import SHIPPED_FIELD

import unified_orders as uo
from unified_orders.http import Fault, FaultInjectingTransport
from unified_orders.testing import instrumented_sandbox, unwrapped

# Demo store: 10002's delivery is open with two positions (2 units, 1 unit); 10003's is open with
# one position of 3 units; 10001's is shipped.


def _delivery(sw: Recorded, number: str) -> uo.FulfillmentOrder:
    return sw.store.fulfillments.list(sw.order(number).id)[0]


def _writes(sw: Recorded) -> list[tuple[str, str]]:
    return [(m, p) for m, p in sw.sent if m == "PATCH" or ("/state/" in p and m == "POST")]


def test_a_partial_shipment_ships_exactly_the_units_asked(sw: Recorded) -> None:
    fo = _delivery(sw, "10002")
    big, small = sorted(fo.lines, key=lambda x: -x.quantity)
    shipment = sw.store.fulfillments.create(
        fo.id, lines={big.id: 1}, tracking=uo.Tracking(number="TRK-1"), idempotency_key="s-1"
    )
    assert shipment.id == fo.id == shipment.fulfillment_order_id
    assert shipment.platform_status == "shipped_partially"
    assert [(x.line_id, x.quantity, x.fo_line_id) for x in shipment.lines] == [
        (big.line_id, 1, big.id)
    ]
    assert shipment.tracking == [uo.Tracking(number="TRK-1")]
    assert shipment.idempotency_key == "s-1"
    order = sw.store.orders.get(fo.order_id)
    assert {x.id: x.fulfilled_quantity for x in order.lines} == {big.line_id: 1, small.line_id: 0}
    assert order.fulfillments == [shipment.model_copy(update={"raw": order.fulfillments[0].raw})]
    row = sw.emulator.table("order_delivery")[fo.id]
    assert row["trackingCodes"] == ["TRK-1"]
    assert row["customFields"][SHIPPED_FIELD] == {big.id: 1, small.id: 0}
    assert set(row["customFields"][SHIPMENTS_FIELD]) == {"s-1"}
    left = {x.id: x.fulfillable_quantity for x in _delivery(sw, "10002").lines}
    assert left == {big.id: 1, small.id: 1}


def test_shipments_add_up_until_the_delivery_is_shipped(sw: Recorded) -> None:
    fo = _delivery(sw, "10002")
    big, small = sorted(fo.lines, key=lambda x: -x.quantity)
    sw.store.fulfillments.create(fo.id, lines={big.id: 1}, tracking=uo.Tracking(number="A"))
    second = sw.store.fulfillments.create(
        fo.id, lines={big.id: 1}, tracking=[uo.Tracking(number="B"), uo.Tracking(number="A")]
    )
    assert second.platform_status == "shipped_partially"  # no second step: the record ships
    assert [x.quantity for x in second.lines] == [2]
    last = sw.store.fulfillments.create(fo.id, tracking=uo.Tracking(number="C"))
    assert last.platform_status == "shipped"
    assert sorted((x.line_id, x.quantity) for x in last.lines) == sorted(
        [(big.line_id, 2), (small.line_id, 1)]
    )
    assert [t.number for t in last.tracking] == ["A", "B", "C"]
    order = sw.store.orders.get(fo.order_id)
    assert order.platform_fulfillment_status == "shipped"
    assert all(x.fulfilled_quantity == x.quantity for x in order.lines)
    with pytest.raises(uo.InvalidRequest):
        sw.store.fulfillments.create(fo.id)  # nothing left


def test_the_same_key_again_returns_the_shipment_without_writing(sw: Recorded) -> None:
    fo = _delivery(sw, "10003")
    first = sw.store.fulfillments.create(
        fo.id, lines={fo.lines[0].id: 1}, tracking=uo.Tracking(number="K"), idempotency_key="same"
    )
    writes = len(_writes(sw))
    again = sw.store.fulfillments.create(
        fo.id, lines={fo.lines[0].id: 1}, tracking=uo.Tracking(number="K"), idempotency_key="same"
    )
    assert len(_writes(sw)) == writes
    assert (again.id, again.lines, again.idempotency_key) == (first.id, first.lines, "same")
    assert sw.store.orders.get(fo.order_id).lines[0].fulfilled_quantity == 1


def test_bad_lines_and_what_shopware_cannot_keep_are_refused_before_any_write(
    sw: Recorded,
) -> None:
    fo = _delivery(sw, "10003")
    with pytest.raises(uo.InvalidRequest, match="left to ship"):
        sw.store.fulfillments.create(fo.id, lines={fo.lines[0].id: 4})
    with pytest.raises(uo.UnsupportedOperation, match="tracking numbers only") as caught:
        sw.store.fulfillments.create(fo.id, tracking=uo.Tracking(company="DHL", number="1"))
    assert "tracking[0].company" in caught.value.operation
    with pytest.raises(uo.UnsupportedOperation, match="tracking URL template"):
        sw.store.fulfillments.create(fo.id, tracking=uo.Tracking(url="https://t.example/1"))
    assert _writes(sw) == []
    assert sw.store.orders.get(fo.order_id).fulfillments == []


def test_update_tracking_replaces_the_codes_of_a_shipped_delivery(sw: Recorded) -> None:
    fo = _delivery(sw, "10003")
    with pytest.raises(uo.IllegalTransition, match="nothing was shipped"):
        sw.store.fulfillments.update_tracking(fo.id, uo.Tracking(number="X"))
    sw.store.fulfillments.create(fo.id, tracking=uo.Tracking(number="OLD"))
    updated = sw.store.fulfillments.update_tracking(
        fo.id, [uo.Tracking(number="N1"), uo.Tracking(number="N2")]
    )
    assert [t.number for t in updated.tracking] == ["N1", "N2"]
    assert sw.emulator.table("order_delivery")[fo.id]["trackingCodes"] == ["N1", "N2"]
    assert sw.store.orders.get(fo.order_id).fulfillments[0].tracking == updated.tracking
    with pytest.raises(uo.UnsupportedOperation, match="no mail"):
        sw.store.fulfillments.update_tracking(fo.id, uo.Tracking(number="N3"), notify=True)


def test_cancel_cancels_an_open_delivery_only(sw: Recorded) -> None:
    fo = _delivery(sw, "10003")
    canceled = sw.store.fulfillments.cancel(fo.id)
    assert (canceled.status, canceled.platform_status) == (
        uo.FulfillmentOrderStatus.CANCELED,
        "cancelled",
    )
    shipped = _delivery(sw, "10001")
    with pytest.raises(uo.IllegalTransition, match="shipped units included"):
        sw.store.fulfillments.cancel(shipped.id)
    assert _delivery(sw, "10001").platform_status == "shipped"


def test_shipped_deliveries_are_read_as_fulfillments(sw: Recorded) -> None:
    order = sw.order("10001")
    [shipment] = order.fulfillments
    assert shipment.status is uo.FulfillmentShipmentStatus.SUCCESS
    assert sorted((x.line_id, x.quantity) for x in shipment.lines) == sorted(
        (x.id, x.quantity) for x in order.lines
    )
    assert sw.order("10003").fulfillments == []


# --- exactly once --------------------------------------------------------------------------------
def _faulty(test: Any, fault: Fault, times: int = 1) -> Any:
    done: list[str] = []

    def plan(method: str, path: str) -> Fault | None:
        if test(method, path) and len(done) < times:
            done.append(path)
            return fault
        return None

    return lambda transport: FaultInjectingTransport(transport, plan)


def _is_ship(method: str, path: str) -> bool:
    return method == "POST" and "/_action/order_delivery/" in path


def _is_record(method: str, path: str) -> bool:
    return method == "PATCH" and "/order-delivery/" in path


@pytest.mark.parametrize(
    ("test", "fault"),
    [
        (_is_ship, Fault.DROP_AFTER_APPLY),
        (_is_ship, Fault.ERROR_5XX_AFTER_APPLY),
        (_is_ship, Fault.TIMEOUT_BEFORE_APPLY),
        (_is_record, Fault.DROP_AFTER_APPLY),
        (_is_record, Fault.TRUNCATED_AFTER_APPLY),
    ],
)
def test_a_lost_answer_ships_once(test: Any, fault: Fault) -> None:
    store = instrumented_sandbox("shopware", _faulty(test, fault))
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "10003")
    fo = store.fulfillments.list(order.id)[0]
    shipment = store.fulfillments.create(
        fo.id, lines={fo.lines[0].id: 2}, tracking=uo.Tracking(number="T"), idempotency_key="k"
    )
    assert (shipment.idempotency_key, shipment.platform_status) == ("k", "shipped_partially")
    row = store.sandbox.table("order_delivery")[fo.id]  # type: ignore[union-attr]
    assert row["trackingCodes"] == ["T"]
    assert row["customFields"][SHIPPED_FIELD] == {fo.lines[0].id: 2}
    assert unwrapped(store).orders.get(order.id).lines[0].fulfilled_quantity == 2


def test_a_shipment_cut_off_before_its_transition_is_finished_by_the_same_key() -> None:
    """Recorded, then every transition lost before it reached the shop: the call fails; the
    same key from a new store finishes that shipment (the record says what), not a second one."""
    store = instrumented_sandbox("shopware", _faulty(_is_ship, Fault.TIMEOUT_BEFORE_APPLY, 99))
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "10003")
    fo = store.fulfillments.list(order.id)[0]
    with pytest.raises(uo.UnifiedOrdersError):
        store.fulfillments.create(
            fo.id, lines={fo.lines[0].id: 1}, tracking=uo.Tracking(number="T"), idempotency_key="k"
        )
    fresh = unwrapped(store)
    assert fresh.orders.get(order.id).fulfillments == []  # recorded, not shipped
    shipment = fresh.fulfillments.create(
        fo.id, lines={fo.lines[0].id: 1}, tracking=uo.Tracking(number="T"), idempotency_key="k"
    )
    assert shipment.platform_status == "shipped_partially"
    row = store.sandbox.table("order_delivery")[fo.id]  # type: ignore[union-attr]
    assert (row["trackingCodes"], row["customFields"][SHIPPED_FIELD]) == (
        ["T"],
        {fo.lines[0].id: 1},
    )
    assert fresh.orders.get(order.id).lines[0].fulfilled_quantity == 1


def test_a_lost_cancel_answer_is_found_by_reading_the_delivery() -> None:
    store = instrumented_sandbox("shopware", _faulty(_is_ship, Fault.DROP_AFTER_APPLY))
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "10003")
    fo = store.fulfillments.list(order.id)[0]
    assert store.fulfillments.cancel(fo.id).platform_status == "cancelled"


def test_the_sandbox_takes_tracking_codes_as_a_list_of_strings_only(sw: Recorded) -> None:
    from test_shopware_sandbox import call

    fo = _delivery(sw, "10003")
    for body in ({"trackingCodes": "T1"}, {"trackingCodes": [1]}, {"customFields": []}):
        status, payload = call(sw.emulator, "PATCH", f"/api/order-delivery/{fo.id}", body)
        assert status == 400, body
        assert payload["errors"][0]["code"] == "VIOLATION::TYPE_ERROR"
    status, _ = call(sw.emulator, "PATCH", f"/api/order-delivery/{fo.id}", {"trackingCodes": ["T"]})
    assert status == 204


def test_tracking_shopware_cannot_keep_is_refused_before_any_request(sw: Recorded) -> None:
    fo_id = _delivery(sw, "10003").id
    before = len(sw.sent)
    with pytest.raises(uo.UnsupportedOperation, match="url"):
        sw.store.fulfillments.create(fo_id, tracking=uo.Tracking(url="https://t/1"))
    with pytest.raises(uo.UnsupportedOperation, match="company"):
        sw.store.fulfillments.update_tracking(fo_id, uo.Tracking(company="DHL", number="1"))
    assert len(sw.sent) == before


def test_a_shipment_is_exactly_once_under_random_faults() -> None:
    """Random faults on every exchange (lost, late, 5xx, 429, unreadable answers), then the same
    key from a new store, as a new process would: one shipment, its units and codes once."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(sequence=st.lists(st.one_of(st.none(), st.sampled_from(list(Fault))), max_size=12))
    def run(sequence: list[Fault | None]) -> None:
        plan = iter(sequence)
        store = instrumented_sandbox(
            "shopware",
            lambda t: FaultInjectingTransport(t, lambda m, p: next(plan, None)),
            max_attempts=4,
            retry_backoff=0,  # the faults, not the back-off waits, are what is tested
        )
        assert isinstance(store, uo.Store)
        fresh = unwrapped(store)
        order = next(o for o in fresh.orders.list() if o.number == "10003")
        fo = fresh.fulfillments.list(order.id)[0]
        ask = {"lines": {fo.lines[0].id: 2}, "tracking": uo.Tracking(number="T")}
        try:
            shipment = store.fulfillments.create(fo.id, idempotency_key="rk", **ask)  # type: ignore[arg-type]
            assert shipment.idempotency_key == "rk"
        except uo.UnifiedOrdersError:
            pass
        again = fresh.fulfillments.create(fo.id, idempotency_key="rk", **ask)  # type: ignore[arg-type]
        assert (again.idempotency_key, again.platform_status) == ("rk", "shipped_partially")
        row = store.sandbox.table("order_delivery")[fo.id]  # type: ignore[union-attr]
        assert row["trackingCodes"] == ["T"]
        assert list(row["customFields"][SHIPMENTS_FIELD]) == ["rk"]
        assert fresh.orders.get(order.id).lines[0].fulfilled_quantity == 2

    run()
