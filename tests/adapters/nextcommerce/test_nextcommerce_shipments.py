"""Shipping on Next Commerce: ship with tracking (partial lines honoured), read shipments back on
the order, cancel a fulfillment order, no tracking update; exactly once under injected faults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from unified_orders_adapters.nextcommerce.translate.fulfillments import (
    carrier_of,
    fulfillment_body,
    tracking_from_platform,
)

import unified_orders as uo
from unified_orders.http import Fault, FaultInjectingTransport, RecordingTransport
from unified_orders.testing import instrumented_sandbox, unwrapped

# Demo store: order 10003 has one open fulfillment order 303 with line 3004 (order line 1006, 2
# units); 10002's 302 is processing (with its fulfillment service); 10005's 305 is on hold.


@pytest.fixture
def recorded() -> Iterator[tuple[uo.Store, RecordingTransport]]:
    holder: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        holder.append(RecordingTransport(transport))
        return holder[0]

    store = instrumented_sandbox("nextcommerce", wrap)
    assert isinstance(store, uo.Store)
    yield store, holder[0]
    store.close()


def _posts(transport: RecordingTransport) -> list[str]:
    return [e.path for e in transport.exchanges if e.method == "POST"]


# --- translation ---------------------------------------------------------------------------------
def test_companies_become_the_carrier_enum_or_other_with_the_name() -> None:
    assert carrier_of("UPS") == ("ups", None)
    assert carrier_of("Royal Mail") == ("royal_mail", None)
    assert carrier_of("dhl-ecommerce") == ("dhl_ecommerce", None)
    assert carrier_of("Acme Post") == ("other", "Acme Post")
    assert carrier_of(None) == ("other", None)
    assert carrier_of("other") == ("other", "other")


def test_the_body_sends_exactly_the_lines_asked_and_one_tracking_info_per_parcel() -> None:
    body = fulfillment_body(
        {"3004": 1},
        [
            uo.Tracking(company="USPS", number="94001"),
            uo.Tracking(company="Acme", url="https://acme.example/t/1"),
        ],
        notify=False,
    )
    assert body == {
        "notify": False,
        "fulfillment_order_line_items": [{"id": 3004, "quantity": 1}],
        "tracking_info": [
            {"carrier": "usps", "tracking_code": "94001"},
            {
                "carrier": "other",
                "carrier_other_name": "Acme",
                "tracking_link": "https://acme.example/t/1",
            },
        ],
    }
    assert fulfillment_body(None, [], notify=True) == {"notify": True}  # all that is left
    with pytest.raises(uo.InvalidRequest, match="http"):
        fulfillment_body(None, [uo.Tracking(number="1", url="ftp://x")], notify=False)


def test_tracking_is_read_from_the_plural_fields_in_order() -> None:
    body = {
        "tracking_code": "A1",
        "tracking_codes": "A1, B2",
        "tracking_link": "",
        "tracking_links": ", https://b.example/B2",
        "tracking_carrier": "ups",
        "tracking_carriers": "ups, other",
    }
    assert tracking_from_platform(body) == [
        uo.Tracking(company="ups", number="A1"),
        uo.Tracking(number="B2", url="https://b.example/B2"),
    ]
    single = {"tracking_code": "Z9", "tracking_codes": "", "tracking_carrier": "dhl"}
    assert tracking_from_platform(single) == [uo.Tracking(company="dhl", number="Z9")]
    assert tracking_from_platform({"tracking_code": "", "tracking_codes": ""}) == []


# --- shipping ------------------------------------------------------------------------------------
def test_a_partial_shipment_ships_exactly_the_units_asked_with_every_parcel(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    shipment = store.fulfillments.create(
        "303",
        lines={"3004": 1},
        tracking=[
            uo.Tracking(company="UPS", number="1Z001"),
            uo.Tracking(company="Acme Post", number="AP2", url="https://acme.example/AP2"),
        ],
        idempotency_key="ship-1",
    )
    assert _posts(transport) == ["/api/admin/fulfillment-orders/303/fulfillments/"]
    sent = next(e.body for e in transport.exchanges if e.method == "POST")
    assert sent["fulfillment_order_line_items"] == [{"id": 3004, "quantity": 1}]
    assert sent["notify"] is False
    assert shipment.fulfillment_order_id == "303"
    assert [(x.line_id, x.quantity, x.fo_line_id) for x in shipment.lines] == [("1006", 1, "3004")]
    assert shipment.tracking == [
        uo.Tracking(company="ups", number="1Z001"),
        uo.Tracking(company="Acme Post", number="AP2", url="https://acme.example/AP2"),
    ]
    order = store.orders.get("10003")
    assert order.lines[0].fulfilled_quantity == 1
    assert order.platform_fulfillment_status == "partially_fulfilled"
    read = next(f for f in order.fulfillments if f.id == shipment.id)
    assert (read.status, read.tracking) == (uo.FulfillmentShipmentStatus.SUCCESS, shipment.tracking)
    fo = store.fulfillments.list("10003")[0]
    assert (fo.status, fo.lines[0].fulfillable_quantity) == (uo.FulfillmentOrderStatus.OPEN, 1)


def test_shipping_what_is_left_closes_the_fulfillment_order() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    store.fulfillments.create("303", lines={"3004": 1})
    store.fulfillments.create("303", tracking=uo.Tracking(company="usps", number="9400"))
    order = store.orders.get("10003")
    assert order.lines[0].fulfilled_quantity == 2
    assert order.platform_fulfillment_status == "fulfilled"
    assert store.fulfillments.list("10003")[0].status is uo.FulfillmentOrderStatus.CLOSED
    assert [sum(x.quantity for x in f.lines) for f in order.fulfillments] == [1, 1]


def test_more_units_than_are_left_or_a_foreign_line_are_refused_before_any_write(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    with pytest.raises(uo.InvalidRequest, match="left to ship"):
        store.fulfillments.create("303", lines={"3004": 3})
    with pytest.raises(uo.InvalidRequest, match="lines"):
        store.fulfillments.create("303", lines={"3001": 1})
    assert _posts(transport) == []
    assert store.orders.get("10003").fulfillments == []


def test_a_held_fulfillment_order_does_not_ship() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    with pytest.raises(uo.IllegalTransition, match="on_hold"):
        store.fulfillments.create("305")


def test_a_processing_fulfillment_order_ships_for_its_service() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    shipment = store.fulfillments.create("302", lines={"3002": 1})
    assert [x.line_id for x in shipment.lines] == ["1004"]


def test_tracking_cannot_be_changed_and_says_why() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    assert uo.Capability.FULFILLMENTS_UPDATE_TRACKING not in store.capabilities
    assert {uo.Capability.FULFILLMENTS_CREATE, uo.Capability.FULFILLMENTS_CANCEL} <= (
        store.capabilities
    )
    with pytest.raises(uo.UnsupportedOperation, match="no endpoint that changes") as caught:
        store.fulfillments.update_tracking("401", uo.Tracking(number="X"))
    assert "tracking=[" in caught.value.hint


# --- cancel --------------------------------------------------------------------------------------
def test_cancel_cancels_and_names_the_replacement_holding_what_is_left() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    store.fulfillments.create("303", lines={"3004": 1})
    canceled = store.fulfillments.cancel("303")
    assert canceled.status is uo.FulfillmentOrderStatus.CANCELED
    assert len(canceled.replaced_by) == 1
    listed = {fo.id: fo for fo in store.fulfillments.list("10003")}
    replacement = listed[canceled.replaced_by[0]]
    assert replacement.status is uo.FulfillmentOrderStatus.OPEN
    assert [(x.line_id, x.fulfillable_quantity) for x in replacement.lines] == [("1006", 1)]


def test_a_fulfillment_order_with_its_service_needs_a_cancellation_request_first() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    with pytest.raises(uo.IllegalTransition, match="cancellation request") as caught:
        store.fulfillments.cancel("302")
    assert caught.value.possible == ["request_cancellation"]


# --- exactly once --------------------------------------------------------------------------------
def _faulty(suffix: str, fault: Fault) -> Any:
    done: list[str] = []

    def plan(method: str, path: str) -> Fault | None:
        if method == "POST" and path.endswith(suffix) and not done:
            done.append(path)
            return fault
        return None

    return lambda transport: FaultInjectingTransport(transport, plan)


def test_a_lost_shipment_answer_is_never_adopted_nor_repeated() -> None:
    """Next Commerce keeps no key on a shipment: the shipment the re-read finds may be someone
    else's, so it is not adopted, and it is not sent again either."""
    store = instrumented_sandbox("nextcommerce", _faulty("/fulfillments/", Fault.DROP_AFTER_APPLY))
    assert isinstance(store, uo.Store)
    with pytest.raises(uo.AmbiguousWrite) as caught:
        store.fulfillments.create(
            "303", lines={"3004": 1}, tracking=uo.Tracking(number="T1"), idempotency_key="k-lost"
        )
    shipments = unwrapped(store).orders.get("10003").fulfillments
    assert len(shipments) == 1
    assert list(caught.value.candidates) == [shipments[0].id]
    with pytest.raises(uo.AmbiguousWrite, match="was started earlier"):  # the same key later
        unwrapped(store).fulfillments.create("303", lines={"3004": 1}, idempotency_key="k-lost")
    assert len(unwrapped(store).orders.get("10003").fulfillments) == 1


@pytest.mark.parametrize("fault", [Fault.TIMEOUT_BEFORE_APPLY, Fault.THROTTLE_429])
def test_a_shipment_that_never_arrived_is_sent_once_more(fault: Fault) -> None:
    store = instrumented_sandbox("nextcommerce", _faulty("/fulfillments/", fault))
    assert isinstance(store, uo.Store)
    shipment = store.fulfillments.create("303", lines={"3004": 2}, tracking=uo.Tracking(number="T"))
    assert [sum(x.quantity for x in f.lines) for f in store.orders.get("10003").fulfillments] == [2]
    assert shipment.tracking == [uo.Tracking(company=None, number="T")]


def test_a_lost_cancel_answer_is_found_by_reading_the_fulfillment_order() -> None:
    store = instrumented_sandbox("nextcommerce", _faulty("/cancel/", Fault.DROP_AFTER_APPLY))
    assert isinstance(store, uo.Store)
    canceled = store.fulfillments.cancel("303")
    assert canceled.status is uo.FulfillmentOrderStatus.CANCELED
    assert len(unwrapped(store).fulfillments.list("10003")) == 2  # one replacement, not two


def test_the_key_is_kept_in_the_order_metadata_so_the_same_key_ships_once(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    store.sandbox.backend.order("10003")["metadata"] = {"crm": "A-1"}  # type: ignore[union-attr]
    first = store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="same-key")
    again = store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="same-key")
    assert again.id == first.id
    assert _posts(transport).count("/api/admin/fulfillment-orders/303/fulfillments/") == 1
    order = store.orders.get("10003")
    assert order.raw["metadata"] == {"crm": "A-1", f"uo_shipment_{first.id}": "same-key"}
    assert [(f.id, f.idempotency_key) for f in order.fulfillments] == [(first.id, "same-key")]
    assert order.lines[0].fulfilled_quantity == 1


def test_a_shipment_made_is_returned_even_when_its_key_cannot_be_kept() -> None:
    """The key's write after the shipment fails every time: the shipment is still returned; the
    intent left in the metadata makes a same-key retry refuse, never ship a second time."""
    patches: list[str] = []

    def plan(method: str, path: str) -> Fault | None:
        if method == "PATCH":
            patches.append(path)
            if len(patches) > 1:  # the intent is written; every write of the key times out
                return Fault.TIMEOUT_BEFORE_APPLY
        return None

    store = instrumented_sandbox(
        "nextcommerce", lambda t: FaultInjectingTransport(t, plan), retry_backoff=0
    )
    assert isinstance(store, uo.Store)
    shipment = store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="k-meta")
    assert shipment.idempotency_key == "k-meta"
    fresh = unwrapped(store)
    order = fresh.orders.get("10003")
    assert [(f.id, f.idempotency_key) for f in order.fulfillments] == [(shipment.id, None)]
    assert order.raw["metadata"] == {"uo_shipment_intent_k-meta": "303;"}
    with pytest.raises(uo.AmbiguousWrite) as caught:
        fresh.fulfillments.create("303", lines={"3004": 1}, idempotency_key="k-meta")
    assert caught.value.candidates == [shipment.id]
    assert len(fresh.orders.get("10003").fulfillments) == 1


def test_a_started_shipment_that_was_never_made_is_made_by_the_same_key() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    store.sandbox.backend.order("10003")["metadata"] = {  # type: ignore[union-attr]
        "uo_shipment_intent_k-start": "303;"
    }
    shipment = store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="k-start")
    order = store.orders.get("10003")
    assert order.raw["metadata"] == {f"uo_shipment_{shipment.id}": "k-start"}
    assert [f.idempotency_key for f in order.fulfillments] == ["k-start"]


def test_a_link_that_is_no_url_is_refused_without_io() -> None:
    adapter: Any = uo.connect("nextcommerce", sandbox=True).adapter
    with pytest.raises(uo.InvalidRequest, match="tracking links"):
        adapter.check_tracking_support([uo.Tracking(url="t/1")], "fulfillments.create")
    adapter.check_tracking_support([uo.Tracking(url="https://t/1")], "fulfillments.create")


def _retry(store: uo.Store) -> uo.Fulfillment | uo.AmbiguousWrite:
    try:
        return store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="rk")
    except uo.AmbiguousWrite as refused:
        return refused


def test_a_shipment_is_never_doubled_under_random_faults() -> None:
    """Random faults on every exchange (lost, late, 5xx, 429, unreadable answers), then the same
    key from a new store, as a new process would: never two shipments. A returned shipment
    exists; a typed error other than AmbiguousWrite shipped nothing; the retry finds the shipment
    by its key, ships once if nothing was shipped, or refuses a shipment it cannot prove ours."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(sequence=st.lists(st.one_of(st.none(), st.sampled_from(list(Fault))), max_size=12))
    def run(sequence: list[Fault | None]) -> None:
        plan = iter(sequence)
        store = instrumented_sandbox(
            "nextcommerce",
            lambda t: FaultInjectingTransport(t, lambda m, p: next(plan, None)),
            max_attempts=4,
            retry_backoff=0,  # the faults, not the back-off waits, are what is tested
        )
        assert isinstance(store, uo.Store)
        fresh = unwrapped(store)
        outcome = "done"
        try:
            store.fulfillments.create("303", lines={"3004": 1}, idempotency_key="rk")
        except uo.AmbiguousWrite:
            outcome = "ambiguous"
        except uo.UnifiedOrdersError:
            outcome = "error"
        made = fresh.orders.get("10003").fulfillments
        assert len(made) == (1 if outcome == "done" else 0 if outcome == "error" else len(made))
        assert len(made) <= 1
        again = _retry(fresh)
        if isinstance(again, uo.AmbiguousWrite):
            assert again.candidates == [made[0].id]
        else:
            assert again.idempotency_key == "rk"
        after = fresh.orders.get("10003").fulfillments
        assert len(after) == 1
        assert sum(x.quantity for x in after[0].lines) == 1

    run()
