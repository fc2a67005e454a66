"""Finding the order a support ticket names (issue 15): every call taking an order takes its
number (``#1001``, ``10001``), its id, or its Shopify GID, on every platform and dialect; listings
filter by number, email and status on the platform where it can, and exactly in every case."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

import unified_orders as uo
from unified_orders.namespaces import base as store_module
from unified_orders.testing import RecordingTransport, instrumented_sandbox

DIALECTS = {
    "nextcommerce": ("nextcommerce", {}),
    "shopify-graphql": ("shopify", {"api": "graphql"}),
    "shopify-rest": ("shopify", {"api": "rest"}),
    "shopware": ("shopware", {}),
}


def recorded(dialect: str) -> tuple[uo.Store, RecordingTransport]:
    platform, settings = DIALECTS[dialect]
    recorders: list[RecordingTransport] = []

    def wrap(transport: Any) -> RecordingTransport:
        recorders.append(RecordingTransport(transport))
        return recorders[-1]

    store = instrumented_sandbox(platform, wrap, **settings)
    assert isinstance(store, uo.Store)
    return store, recorders[0]


@pytest.fixture(params=list(DIALECTS))
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def bare(number: str) -> str:
    return number.removeprefix("#")


# --- one order, every spelling -------------------------------------------------------------
def test_every_order_is_found_by_number_with_or_without_hash_and_by_id(dialect: str) -> None:
    store, _ = recorded(dialect)
    orders = list(store.orders.list())
    assert len(orders) >= 5
    for order in orders:
        assert order.number is not None
        for ref in (order.id, order.number, f"#{bare(order.number)}", f" {bare(order.number)} "):
            assert store.orders.get(ref).id == order.id, ref
    if dialect.startswith("shopify"):
        assert store.orders.get(f"gid://shopify/Order/{orders[0].id}").id == orders[0].id


def test_every_call_taking_an_order_takes_its_number(dialect: str) -> None:
    store, _ = recorded(dialect)
    orders = list(store.orders.list())
    target = next(o for o in orders if any(line.refundable_quantity for line in o.lines))
    number = f"#{bare(target.number or '')}"
    line = next(line for line in target.lines if line.refundable_quantity)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
    assert store.refunds.calculate(number, request) == store.refunds.calculate(target.id, request)
    assert store.refunds.list(number) == store.refunds.list(target.id)
    assert store.fulfillments.list(number) == store.fulfillments.list(target.id)
    if uo.Capability.RETURNS_LIST in store.capabilities:
        assert store.returns.list(number) == store.returns.list(target.id)
    refund = store.refunds.create(number, request, idempotency_key="lookup-by-number")
    assert refund.order_id == target.id
    again = store.refunds.create(number, request, idempotency_key="lookup-by-number")
    assert again.id == refund.id  # the key found the refund: the number named the same order
    assert [r.id for r in store.refunds.list(number)].count(refund.id) == 1
    other = next(o for o in orders if o.id != target.id and o.status is uo.OrderStatus.OPEN)
    changed = store.orders.update_shipping_address(
        f"#{bare(other.number or '')}",
        (other.shipping_address or uo.Address()).model_copy(update={"city": "Springfield"}),
    )
    assert changed.id == other.id
    assert changed.shipping_address is not None
    assert changed.shipping_address.city == "Springfield"


def test_cancel_takes_a_number(dialect: str) -> None:
    store, _ = recorded(dialect)
    for order in store.orders.list(status="open"):
        try:
            canceled = store.orders.cancel(f"#{bare(order.number or '')}", reason="customer")
        except (uo.IllegalTransition, uo.PlatformError):
            continue  # the platform refuses this one (shipped, ...): try another
        assert canceled.id == order.id
        assert canceled.status is uo.OrderStatus.CANCELED
        return
    pytest.fail(f"{dialect}: no open order could be canceled")


def test_the_async_store_takes_numbers_too(dialect: str) -> None:
    platform, settings = DIALECTS[dialect]
    astore = instrumented_sandbox(platform, asynchronous=True, **settings)
    assert isinstance(astore, uo.AsyncStore)

    async def scenario() -> tuple[uo.Order, uo.Order, list[uo.Order], list[Any], list[Any]]:
        listed = [order async for order in astore.orders.list()]
        number = listed[0].number or ""
        by_number = await astore.orders.get(f"#{bare(number)}")
        filtered = [order async for order in astore.orders.list(number=number)]
        refunds = await astore.refunds.list(number)
        fos = await astore.fulfillments.list(f"#{bare(number)}")
        return listed[0], by_number, filtered, refunds, fos

    first, found, filtered, refunds, fos = asyncio.run(scenario())
    assert found.id == first.id
    assert [o.id for o in filtered] == [first.id]
    assert refunds == first.refunds
    assert all(fo.order_id == first.id for fo in fos)


# --- what cannot be found, or found twice ----------------------------------------------------
def test_an_unknown_number_is_not_found_naming_what_was_tried(dialect: str) -> None:
    store, _ = recorded(dialect)
    with pytest.raises(uo.NotFound, match="number '#99999'"):
        store.orders.get("#99999")
    with pytest.raises(uo.NotFound):
        store.refunds.list("#99999")


def test_shopify_digits_are_an_id_first_then_a_number() -> None:
    for dialect in ("shopify-graphql", "shopify-rest"):
        store, transport = recorded(dialect)
        order = store.orders.get("#1003")
        sent = len(transport.exchanges)
        assert store.orders.get("1003").id == order.id
        first = transport.exchanges[sent]
        if dialect == "shopify-rest":
            assert first.path.endswith("/orders/1003.json")
            assert first.status == 404
        else:
            assert first.body["variables"]["id"] == "gid://shopify/Order/1003"
        with pytest.raises(uo.NotFound, match="the id '99999' or the number '99999'"):
            store.orders.get("99999")


def test_a_number_several_orders_have_is_refused_listing_them() -> None:
    source = uo.connect("nextcommerce", sandbox=True).orders.get("10001")
    store, _ = recorded("shopware")
    own = store.orders.get("10001")
    migrated = store.orders.create(source)  # migration keeps the order number: two 10001s
    assert migrated.number == "10001"
    with pytest.raises(uo.InvalidRequest) as caught:
        store.orders.get("#10001")
    message = str(caught.value)
    assert "2 orders have the number '#10001'" in message
    assert own.id in message
    assert migrated.id in message
    assert store.orders.get(migrated.id).id == migrated.id  # the id still names one


def test_a_reference_that_can_be_nothing_is_refused_before_any_request() -> None:
    for dialect, ref in (
        ("shopify-graphql", "gid://shopify/LineItem/1"),
        ("shopify-rest", "EU1001"),
        ("nextcommerce", "abc"),
        ("nextcommerce", "#abc"),
    ):
        store, transport = recorded(dialect)
        with pytest.raises(uo.InvalidRequest):
            store.orders.get(ref)
        assert transport.exchanges == [], (dialect, ref)


# --- writes lock the order the reference names ------------------------------------------------
@contextlib.contextmanager
def lock_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    keys: list[str] = []
    real = store_module.order_lock

    @contextlib.contextmanager
    def recording(store: str, order_id: str) -> Iterator[None]:
        keys.append(order_id)
        with real(store, order_id):
            yield

    monkeypatch.setattr(store_module, "order_lock", recording)
    yield keys


def test_a_write_locks_the_order_its_number_names(monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = recorded("shopify-graphql")
    order = store.orders.get("#1003")
    line = next(line for line in order.lines if line.refundable_quantity)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
    with lock_keys(monkeypatch) as keys:
        store.refunds.create("#1003", request, idempotency_key="lock-1")
        assert keys == [order.id]
        keys.clear()
        # "1003" is tried as an id first (locked as such); it names #1003, which is locked then
        refund = store.refunds.create("1003", request, idempotency_key="lock-2")
        assert keys == ["1003", order.id]
    assert refund.order_id == order.id
    refunds = store.refunds.list(order.id)
    assert sorted(r.idempotency_key for r in refunds if r.idempotency_key) == [
        "lock-1",
        "lock-2",
    ]


# --- Shopify GIDs wherever an id is taken -------------------------------------------------------
@pytest.mark.parametrize("dialect", ["shopify-graphql", "shopify-rest"])
def test_shopify_gids_are_taken_wherever_an_id_is(dialect: str) -> None:
    store, _ = recorded(dialect)
    order = store.orders.get("#1001")
    line = next(line for line in order.lines if line.refundable_quantity)

    def request(line_id: str) -> uo.RefundRequest:
        return uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line_id, quantity=1)])

    plain = store.refunds.calculate(order.id, request(line.id))
    assert store.refunds.calculate(order.id, request(f"gid://shopify/LineItem/{line.id}")) == plain
    fo = next(fo for fo in store.fulfillments.list(order.id) if fo.status.value == "open")
    held = store.fulfillments.hold(
        f"gid://shopify/FulfillmentOrder/{fo.id}", reason=uo.HoldReason.OTHER
    )
    assert held.id == fo.id
    assert held.status is uo.FulfillmentOrderStatus.ON_HOLD
    released = store.fulfillments.release_hold(f"gid://shopify/FulfillmentOrder/{fo.id}")
    locations = store.fulfillments.available_locations(f"gid://shopify/FulfillmentOrder/{fo.id}")
    assert released.status is uo.FulfillmentOrderStatus.OPEN
    if locations:
        first = released.lines[0]
        moved = store.fulfillments.move(
            f"gid://shopify/FulfillmentOrder/{fo.id}",
            f"gid://shopify/Location/{locations[0].id}",
            lines={f"gid://shopify/FulfillmentOrderLineItem/{first.id}": first.quantity},
        )
        assert locations[0].id in [moved.location_id, *moved.replaced_by] or moved.replaced_by


def test_shopify_return_and_line_gids_open_and_read_a_return() -> None:
    store, _ = recorded("shopify-graphql")
    for order in store.orders.list():
        line = next((x for x in order.lines if x.fulfilled_quantity), None)
        if line is None:
            continue
        request = uo.ReturnRequest(
            lines=[uo.ReturnLineRequest(line_id=f"gid://shopify/LineItem/{line.id}", quantity=1)]
        )
        opened = store.returns.create(f"gid://shopify/Order/{order.id}", request)
        assert opened.lines[0].line_id == line.id
        assert store.returns.get(f"gid://shopify/Return/{opened.id}").id == opened.id
        return
    pytest.fail("no Shopify demo order has a fulfilled line")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.fulfillments.hold("gid://shopify/Order/5", reason=uo.HoldReason.OTHER),
        lambda s: s.fulfillments.move("1", "gid://shopify/FulfillmentOrder/2"),
        lambda s: s.fulfillments.request_fulfillment("1", lines={"gid://shopify/LineItem/3": 1}),
        lambda s: s.refunds.calculate(
            "gid://shopify/Order/1",
            uo.RefundRequest(
                lines=[uo.RefundLineRequest(line_id="gid://shopify/Location/1", quantity=1)]
            ),
        ),
        lambda s: s.returns.get("gid://shopify/Refund/1"),
    ],
)
def test_a_gid_of_another_kind_is_refused_before_any_request(call: Any) -> None:
    store, transport = recorded("shopify-graphql")
    with pytest.raises(uo.InvalidRequest, match="is not a Shopify"):
        call(store)
    assert transport.exchanges == []


# --- listing filters ----------------------------------------------------------------------------
def _ids(orders: Any) -> list[str]:
    return [order.id for order in orders]


def test_listing_filters_answer_exactly_the_matching_orders(dialect: str) -> None:
    store, _ = recorded(dialect)
    for order in store.orders.list(status="open"):
        with contextlib.suppress(uo.PlatformError):
            store.orders.cancel(order.id, reason="customer")
            break
    everything = list(store.orders.list())
    statuses = {order.status for order in everything}
    assert uo.OrderStatus.CANCELED in statuses
    for order in everything:
        key = bare(order.number or "").casefold()
        expected = [o.id for o in everything if bare(o.number or "").casefold() == key]
        assert _ids(store.orders.list(number=order.number)) == expected
        assert _ids(store.orders.list(number=f"#{bare(order.number or '')}")) == expected
    for email in {order.email for order in everything if order.email}:
        expected = [o.id for o in everything if (o.email or "").casefold() == email.casefold()]
        assert _ids(store.orders.list(email=email.upper())) == expected
    for status in (uo.OrderStatus.OPEN, uo.OrderStatus.CLOSED, uo.OrderStatus.CANCELED):
        expected = [o.id for o in everything if o.status is status]
        assert _ids(store.orders.list(status=status)) == expected, status
        assert _ids(store.orders.list(status=status.value.upper())) == expected
    first = everything[0]
    both = store.orders.list(email=first.email, status=first.status)
    assert first.id in _ids(both)
    assert not _ids(store.orders.list(email=first.email, number="#99999"))


def test_cancelled_is_read_as_canceled() -> None:
    store, _ = recorded("shopware")
    assert _ids(store.orders.list(status="cancelled")) == _ids(store.orders.list(status="canceled"))


def test_listing_filters_are_sent_to_the_platform_where_it_has_them(dialect: str) -> None:
    store, transport = recorded(dialect)
    order = store.orders.get("#1003" if dialect.startswith("shopify") else "10003")
    sent = len(transport.exchanges)
    found = list(store.orders.list(number=order.number, status="open", email=order.email))
    assert _ids(found) == [order.id]
    first = transport.exchanges[sent]
    if dialect == "nextcommerce":
        assert first.query["order_number"] == "10003"
        assert first.query["status"] == "open"
        assert "email" not in str(first.query)  # no such filter: checked on each order read
    elif dialect == "shopify-graphql":
        terms = first.body["variables"]["query"]
        assert 'name:"#1003"' in terms
        assert f'email:"{order.email}"' in terms
        assert "status:open" in terms
    elif dialect == "shopify-rest":
        assert first.query["status"] == "open"
        # no number or email filter on orders.json: the page's items are checked first, so only
        # the matching order is read in full (its transactions)
        reads = [e for e in transport.exchanges[sent:] if e.path.endswith("/transactions.json")]
        assert len(reads) == 1
    else:
        filters = first.body["filter"]
        assert {"type": "equals", "field": "orderNumber", "value": "10003"} in filters
        assert {"type": "equals", "field": "orderCustomer.email", "value": order.email} in filters
        assert {
            "type": "equalsAny",
            "field": "stateMachineState.technicalName",
            "value": ["open", "in_progress"],
        } in filters


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"status": "shipped"}, "status"),
        ({"email": "not-an-email"}, "email"),
        ({"number": " # "}, "number"),
        ({"email": ""}, "email"),
    ],
)
def test_bad_filters_are_refused_before_any_request(filters: dict[str, str], field: str) -> None:
    for dialect in DIALECTS:
        store, transport = recorded(dialect)
        with pytest.raises(uo.InvalidRequest) as caught:
            list(store.orders.list(**filters))  # type: ignore[arg-type]
        assert [p.path for p in caught.value.problems] == [field]
        assert transport.exchanges == []


def test_async_writes_take_numbers_and_ids_tried_first() -> None:
    astore = instrumented_sandbox("shopify", asynchronous=True, api="graphql")
    assert isinstance(astore, uo.AsyncStore)

    async def scenario() -> tuple[uo.Order, uo.Refund, uo.Order]:
        order = await astore.orders.get("#1003")
        line = next(line for line in order.lines if line.refundable_quantity)
        request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
        refund = await astore.refunds.create("1003", request, idempotency_key="async-1")
        canceled = await astore.orders.cancel("#1004", reason="customer")
        return order, refund, canceled

    order, refund, canceled = asyncio.run(scenario())
    assert refund.order_id == order.id
    assert canceled.number == "#1004"
    assert canceled.status is uo.OrderStatus.CANCELED
