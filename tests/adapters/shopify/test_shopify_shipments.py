"""Shipping on Shopify, both dialects, on the sandbox: exactly the units asked (never widened),
tracking kept and read back on the order the same way through GraphQL and REST, refusals before
any request, fulfillment-order cancels, and exactly-once under injected faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shopify_helpers import find

import unified_orders as uo
from unified_orders.http import emulator_transport
from unified_orders.testing import (
    Fault,
    FaultInjectingTransport,
    RecordingTransport,
    instrumented_sandbox,
    unwrapped,
)

DIALECTS = [
    pytest.param({"api": "graphql"}, id="graphql"),
    pytest.param({"api": "rest"}, id="rest"),
]
UPS = uo.Tracking(company="UPS", number="1Z999", url="https://ups.example/1Z999")


class Faults(httpx.BaseTransport):
    """A :class:`FaultInjectingTransport` whose plan sees the request body too, so a fault can
    hit one GraphQL mutation (every GraphQL request goes to ``graphql.json``)."""

    def __init__(self, inner: Any, plan: Callable[[str, str, bytes], Fault | None]) -> None:
        self.body = b""
        self.faults = FaultInjectingTransport(inner, lambda m, p: plan(m, p, self.body))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.body = request.read()
        return self.faults.handle_request(request)


def sandbox(dialect: dict[str, Any], wrap: Callable[[Any], Any] = lambda t: t) -> uo.Store:
    store = instrumented_sandbox(
        "shopify", wrap, settle_seconds=(0.0, 0.0, 0.0), retry_backoff=0, **dialect
    )
    assert isinstance(store, uo.Store)
    return store


def open_fo(store: uo.Store) -> tuple[uo.Order, uo.FulfillmentOrder, uo.FulfillmentOrderLine]:
    """The first order with an open fulfillment order holding a line with 3 units left."""
    for order in store.orders.list():
        for fo in store.fulfillments.list(order.id):
            lines = [x for x in fo.lines if x.fulfillable_quantity >= 3]
            if fo.status is uo.FulfillmentOrderStatus.OPEN and lines and not fo.holds:
                return order, fo, lines[0]
    raise AssertionError("the sandbox has no open fulfillment order with 3 units on a line")


def shipments_of(store: uo.Store, order_id: str) -> list[uo.Fulfillment]:
    return unwrapped(store).orders.get(order_id).fulfillments


def _same(a: uo.Fulfillment, b: uo.Fulfillment) -> bool:
    keep = {"id", "order_id", "status", "lines", "tracking", "location_id", "created_at"}
    return bool(a.model_dump(include=keep) == b.model_dump(include=keep))


# --- what a shipment does -----------------------------------------------------------------------
@pytest.mark.parametrize("dialect", DIALECTS)
def test_partial_shipment_ships_exactly_the_units_asked(dialect: dict[str, Any]) -> None:
    store = sandbox(dialect)
    order, fo, line = open_fo(store)
    left = line.fulfillable_quantity
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS)
    assert [(x.line_id, x.quantity) for x in shipped.lines] == [(line.line_id, 1)]
    assert shipped.tracking == [UPS]
    assert shipped.status is uo.FulfillmentShipmentStatus.SUCCESS
    assert shipped.fulfillment_order_id == fo.id
    after = store.orders.get(order.id)
    assert after.fulfillment_status is uo.FulfillmentStatus.PARTIALLY_FULFILLED
    assert {x.id: x.fulfilled_quantity for x in after.lines}[line.line_id] == 1
    [read] = [f for f in after.fulfillments if f.id == shipped.id]
    assert _same(read, shipped)
    [again] = [f for f in store.fulfillments.list(order.id) if f.id == fo.id]
    assert again.status is uo.FulfillmentOrderStatus.IN_PROGRESS
    assert {x.id: x.fulfillable_quantity for x in again.lines}[line.id] == left - 1


@pytest.mark.parametrize("dialect", DIALECTS)
def test_shipping_what_is_left_closes_the_fulfillment_order(dialect: dict[str, Any]) -> None:
    store = sandbox(dialect)
    order, fo, line = open_fo(store)
    store.fulfillments.create(fo.id, lines={line.id: 1})
    rest = store.fulfillments.create(fo.id)  # None: what is left, not the whole order
    units = {x.id: x.fulfillable_quantity for x in fo.lines}
    units[line.id] -= 1
    by_line = {x.line_id: x.id for x in fo.lines}
    assert sorted((by_line[x.line_id], x.quantity) for x in rest.lines) == sorted(
        (k, v) for k, v in units.items() if v
    )
    [closed] = [f for f in store.fulfillments.list(order.id) if f.id == fo.id]
    assert closed.status is uo.FulfillmentOrderStatus.CLOSED
    with pytest.raises(uo.InvalidRequest, match="closed"):
        store.fulfillments.create(fo.id)


def test_both_dialects_read_the_same_shipments() -> None:
    graphql = sandbox({"api": "graphql"})
    order, fo, line = open_fo(graphql)
    graphql.fulfillments.create(fo.id, lines={line.id: 2}, tracking=UPS)
    rest = uo.connect(
        "shopify",
        shop="acme",
        access_token="test-token-not-a-real-secret",
        api="rest",
        rate_limit=False,
        transport=emulator_transport(graphql.sandbox),
    )
    ours = graphql.orders.get(order.id).fulfillments
    theirs = rest.orders.get(order.id).fulfillments
    assert len(ours) == len(theirs) >= 1
    assert all(_same(a, b) for a, b in zip(ours, theirs, strict=True))


# --- refusals before any request ----------------------------------------------------------------
@pytest.mark.parametrize("dialect", DIALECTS)
def test_bad_input_is_refused_before_any_request(dialect: dict[str, Any]) -> None:
    recorder: list[RecordingTransport] = []

    def record(transport: Any) -> RecordingTransport:
        recorder.append(RecordingTransport(transport))
        return recorder[-1]

    store = sandbox(dialect, record)
    with pytest.raises(uo.InvalidRequest) as refused:
        store.fulfillments.create("1", lines={"2": 0}, tracking=uo.Tracking(company="UPS"))
    assert {p.path for p in refused.value.problems} == {"lines[2]", "tracking[0]"}
    with pytest.raises(uo.InvalidRequest):
        store.fulfillments.update_tracking("5", [])
    with pytest.raises(uo.InvalidRequest):
        store.fulfillments.create("1", idempotency_key="no spaces allowed")
    assert recorder[0].exchanges == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_more_units_than_left_are_refused_before_any_write(dialect: dict[str, Any]) -> None:
    store = sandbox(dialect)
    order, fo, line = open_fo(store)
    with pytest.raises(uo.InvalidRequest) as refused:
        store.fulfillments.create(fo.id, lines={line.id: line.fulfillable_quantity + 1})
    assert "left to ship" in str(refused.value)
    with pytest.raises(uo.InvalidRequest, match="not a line"):
        store.fulfillments.create(fo.id, lines={"999999": 1})
    assert shipments_of(store, order.id) == []


def test_rest_takes_one_tracking_number_graphql_several() -> None:
    parcels = [uo.Tracking(company="UPS", number=n) for n in ("1Z1", "1Z2")]
    rest = sandbox({"api": "rest"})
    order, fo, line = open_fo(rest)
    with pytest.raises(uo.UnsupportedOperation, match="2 tracking numbers"):
        rest.fulfillments.create(fo.id, lines={line.id: 1}, tracking=parcels)
    graphql = sandbox({"api": "graphql"})
    order, fo, line = open_fo(graphql)
    shipped = graphql.fulfillments.create(fo.id, lines={line.id: 1}, tracking=parcels)
    assert shipped.tracking == parcels
    assert graphql.orders.get(order.id).fulfillments[-1].tracking == parcels
    mixed = [uo.Tracking(company="UPS", number="1"), uo.Tracking(company="DHL", number="2")]
    with pytest.raises(uo.UnsupportedOperation, match="several carriers"):
        graphql.fulfillments.create(fo.id, lines={line.id: 1}, tracking=mixed)


# --- tracking updates and cancels ---------------------------------------------------------------
@pytest.mark.parametrize("dialect", DIALECTS)
def test_update_tracking_replaces_it(dialect: dict[str, Any]) -> None:
    store = sandbox(dialect)
    order, fo, line = open_fo(store)
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS)
    dhl = uo.Tracking(company="DHL", number="JD01")
    updated = store.fulfillments.update_tracking(f"gid://shopify/Fulfillment/{shipped.id}", dhl)
    assert updated.id == shipped.id
    assert updated.order_id == order.id
    assert updated.tracking == [dhl]
    assert store.orders.get(order.id).fulfillments[-1].tracking == [dhl]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_cancel_a_submitted_fulfillment_order(dialect: dict[str, Any]) -> None:
    store = sandbox(dialect)
    waiting = find(store, "#1004")
    [fo] = store.fulfillments.list(waiting.id)
    with pytest.raises(uo.IllegalTransition):  # not submitted: Shopify has nothing to cancel
        store.fulfillments.cancel(fo.id)
    store.fulfillments.request_fulfillment(fo.id)
    cancelled = store.fulfillments.cancel(fo.id)
    assert cancelled.status is uo.FulfillmentOrderStatus.CLOSED
    [replacement] = cancelled.replaced_by
    fos = {f.id: f for f in store.fulfillments.list(waiting.id)}
    assert fos[replacement].status is uo.FulfillmentOrderStatus.OPEN
    assert sum(x.fulfillable_quantity for x in fos[replacement].lines) == sum(
        x.fulfillable_quantity for x in fo.lines
    )


# --- exactly once ---------------------------------------------------------------------------------
def _ship_write(method: str, path: str, body: bytes) -> bool:
    return path.endswith("/fulfillments.json") or b"mutation FulfillmentCreate" in body


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_lost_shipment_answer_is_never_adopted_nor_repeated(dialect: dict[str, Any]) -> None:
    """Shopify keeps no key on a fulfillment: the new look-alike is named, not adopted."""
    once = iter([Fault.DROP_AFTER_APPLY])
    store = sandbox(
        dialect,
        lambda t: Faults(t, lambda m, p, b: next(once, None) if _ship_write(m, p, b) else None),
    )
    order, fo, line = open_fo(store)
    with pytest.raises(uo.AmbiguousWrite) as ambiguous:
        store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS, idempotency_key="s-1")
    [made] = shipments_of(store, order.id)
    assert list(ambiguous.value.candidates) == [made.id]
    assert ambiguous.value.idempotency_key == "s-1"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_shipment_lost_before_it_landed_is_sent_once_more(dialect: dict[str, Any]) -> None:
    once = iter([Fault.TIMEOUT_BEFORE_APPLY])
    store = sandbox(
        dialect,
        lambda t: Faults(t, lambda m, p, b: next(once, None) if _ship_write(m, p, b) else None),
    )
    order, fo, line = open_fo(store)
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS)
    [made] = shipments_of(store, order.id)
    assert made.id == shipped.id


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_lost_cancel_answer_is_found_by_re_reading(dialect: dict[str, Any]) -> None:
    def cancel(m: str, p: str, b: bytes) -> bool:
        return p.endswith("/cancel.json") or b"mutation FulfillmentOrderCancel" in b

    once = iter([Fault.DROP_AFTER_APPLY])
    store = sandbox(
        dialect, lambda t: Faults(t, lambda m, p, b: next(once, None) if cancel(m, p, b) else None)
    )
    waiting = find(store, "#1004")
    [fo] = store.fulfillments.list(waiting.id)
    store.fulfillments.request_fulfillment(fo.id)
    cancelled = store.fulfillments.cancel(fo.id)
    assert cancelled.status is uo.FulfillmentOrderStatus.CLOSED
    assert len(unwrapped(store).fulfillments.list(waiting.id)) == 2  # one replacement, not two


faults = st.lists(st.one_of(st.none(), st.sampled_from(list(Fault))), max_size=8)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_shipments_are_exactly_once_under_random_faults(dialect: dict[str, Any]) -> None:
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(sequence=faults)
    def run(sequence: list[Fault | None]) -> None:
        plan = iter(sequence)
        kept: list[Faults] = []

        def wrap(transport: Any) -> Faults:
            kept.append(Faults(transport, lambda m, p, b: next(plan, None)))
            return kept[-1]

        store = sandbox(dialect, wrap)
        order, fo, line = open_fo(unwrapped(store))
        outcome: uo.Fulfillment | Exception
        try:
            outcome = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS)
        except uo.UnifiedOrdersError as error:
            outcome = error
        kept[0].faults.settle()  # a write applied late lands now
        made = shipments_of(store, order.id)
        assert len(made) <= 1, f"{len(made)} shipments for one request under {sequence}"
        if isinstance(outcome, uo.Fulfillment):
            assert [f.id for f in made] == [outcome.id]
        elif isinstance(outcome, uo.AmbiguousWrite):
            assert set(outcome.candidates) <= {f.id for f in made}
        for shipment in made:
            assert [(x.line_id, x.quantity) for x in shipment.lines] == [(line.line_id, 1)]

    run()


def test_the_awaitable_store_ships_tracks_and_cancels() -> None:
    import asyncio

    async def run() -> None:
        store = instrumented_sandbox("shopify", asynchronous=True, settle_seconds=())
        assert isinstance(store, uo.AsyncStore)
        _, fo, line = open_fo(unwrapped(store))
        shipped = await store.fulfillments.create(fo.id, lines={line.id: 2}, tracking=UPS)
        assert [(x.line_id, x.quantity) for x in shipped.lines] == [(line.line_id, 2)]
        dhl = uo.Tracking(company="DHL", number="JD02")
        assert (await store.fulfillments.update_tracking(shipped.id, dhl)).tracking == [dhl]
        waiting = find(unwrapped(store), "#1004")
        [service] = await store.fulfillments.list(waiting.id)
        await store.fulfillments.request_fulfillment(service.id)
        cancelled = await store.fulfillments.cancel(service.id)
        assert cancelled.status is uo.FulfillmentOrderStatus.CLOSED

    asyncio.run(run())
