"""The GraphQL dialect against the sandbox: returns, idempotent refunds, cancel jobs, holds,
errors and cost-based throttling (and bad input refused with no request sent)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from unified_orders_adapters.shopify.graphql.documents import (
    DOCUMENTS,
    ORDERS_READ_PAGE,
    requested_cost,
)
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.http import RecordingTransport, emulator_transport

TOKEN = "test-token-not-a-real-secret"
PATH = "/admin/api/2026-04/graphql.json"


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def recorded(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, RecordingTransport]]:
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        job_poll_interval=0,
        rate_limit=False,
        transport=transport,
    )
    yield store, transport
    store.close()


def by_number(store: uo.Store, number: str) -> uo.Order:
    return next(o for o in store.orders.list() if o.number == number)


def operations(transport: RecordingTransport) -> list[str]:
    return [e.body["operationName"] for e in transport.exchanges]


def ask(emulator: ShopifyEmulator, name: str, variables: dict[str, Any], **extra: Any) -> Any:
    body = {"query": DOCUMENTS[name], "variables": variables, "operationName": name, **extra}
    status, payload, _ = emulator.handle("POST", PATH, {}, {}, jsonutil.loads(jsonutil.dumps(body)))
    assert status == 200
    return payload


# --- returns -------------------------------------------------------------------------------------
def test_customer_request_lifecycle(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    shipped = order.lines[0]
    assert shipped.fulfilled_quantity == 2
    request = uo.ReturnRequest(
        lines=[uo.ReturnLineRequest(line_id=shipped.id, quantity=1, reason="too small")],
        requested=True,
    )
    sent = len(transport.exchanges)
    created = store.returns.create(order.id, request)
    assert operations(transport)[sent:][-1] == "ReturnRequest"
    assert (created.status, created.platform_status) == (uo.ReturnStatus.REQUESTED, "REQUESTED")
    assert [(x.line_id, x.quantity, x.note) for x in created.lines] == [
        (shipped.id, 1, "too small")
    ]
    assert store.returns.get(created.id) == created
    assert store.returns.approve(created.id).status is uo.ReturnStatus.OPEN
    assert store.returns.close(created.id).status is uo.ReturnStatus.CLOSED
    assert store.returns.reopen(created.id).status is uo.ReturnStatus.OPEN
    with pytest.raises(uo.IllegalTransition) as caught:
        store.returns.approve(created.id)
    assert caught.value.state == "open"
    assert set(caught.value.possible) == {"close", "cancel"}
    assert [r.id for r in store.returns.list(order.id)] == [created.id]


def test_merchant_return_opens_and_declines_only_requests(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")
    line = order.lines[0]
    opened = store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=2)])
    )
    assert opened.status is uo.ReturnStatus.OPEN
    with pytest.raises(uo.IllegalTransition):
        store.returns.decline(opened.id, note="too late")
    assert store.returns.cancel(opened.id).status is uo.ReturnStatus.CANCELED
    requested = store.returns.create(
        order.id,
        uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)], requested=True),
    )
    declined = store.returns.decline(requested.id, note="final sale")
    assert declined.status is uo.ReturnStatus.DECLINED
    assert declined.raw["decline"] == {"reason": "OTHER", "note": "final sale"}


def test_return_lines_need_fulfilled_units_not_already_returned(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    shipped, waiting = order.lines
    store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=shipped.id, quantity=2)])
    )
    with pytest.raises(uo.InvalidRequest) as caught:
        store.returns.create(
            order.id,
            uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=shipped.id, quantity=1)]),
        )
    [problem] = caught.value.problems
    assert problem.path == "lines[0].quantity"
    assert "has nothing fulfilled to return" in problem.message
    with pytest.raises(uo.InvalidRequest, match="were fulfilled"):
        store.returns.create(
            order.id,
            uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=waiting.id, quantity=1)]),
        )
    assert operations(transport).count("ReturnCreate") == 1, "refused lines send no write"


def test_process_return_refunds_the_returned_units(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")
    line = order.lines[0]
    opened = store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
    )
    processed, made = store.returns.process(opened.id, idempotency_key="process-1")
    assert processed.raw["returnLineItems"]["nodes"][0]["processedQuantity"] == 1
    assert made is not None
    after = store.orders.get(order.id)
    [refund] = after.refunds
    assert refund.raw["return"] == {"id": f"gid://shopify/Return/{opened.id}"}
    assert [(x.line_id, x.quantity, x.restock) for x in refund.lines] == [
        (line.id, 1, uo.Restock.NO_RESTOCK)
    ]
    assert refund.total.amount == Decimal("47.70")  # 45.00 + 2.70 tax
    assert processed.status is uo.ReturnStatus.CLOSED
    with pytest.raises(uo.IllegalTransition, match="not cancel"):
        store.returns.cancel(opened.id)
    with pytest.raises(uo.InvalidRequest):  # another key: nothing left to process
        store.returns.process(opened.id, idempotency_key="process-2")


def test_active_returns_block_cancel(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, _ = recorded
    order = by_number(store, "#1005")
    store.returns.create(
        order.id,
        uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=order.lines[0].id, quantity=1)]),
    )
    with pytest.raises(uo.PlatformError, match="active returns") as caught:
        store.orders.cancel(order.id, reason="customer")
    assert caught.value.problems[0].path == "orderId"
    assert store.orders.get(order.id).status is uo.OrderStatus.OPEN


# --- refunds and idempotency ------------------------------------------------------------------
def test_refund_create_sends_the_key_and_replays_the_first_result(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1)])
    refund = store.refunds.create(order.id, request, idempotency_key="key-1")
    [sent] = [e for e in transport.exchanges if e.body["operationName"] == "RefundCreate"]
    assert sent.body["variables"]["idempotencyKey"] == "key-1"
    data = sent.body["variables"]["input"]
    assert data["transactions"][0]["kind"] == "REFUND"
    assert data["transactions"][0]["orderId"] == f"gid://shopify/Order/{order.id}"
    assert data["currency"] == "USD"
    assert data["notify"] is False
    # The same write again with the same key: Shopify answers with the first result.
    replay = ask(emulator, "RefundCreate", sent.body["variables"])
    assert replay["data"]["refundCreate"]["refund"]["id"] == f"gid://shopify/Refund/{refund.id}"
    assert len(store.orders.get(order.id).refunds) == 1
    # A different request under a used key is refused.
    other = dict(sent.body["variables"], input=dict(data, note="changed"))
    conflict = ask(emulator, "RefundCreate", other)
    assert conflict["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CONFLICT"


def test_refund_create_without_the_directive_is_refused_from_2026_04(
    emulator: ShopifyEmulator,
) -> None:
    text = DOCUMENTS["RefundCreate"].replace(" @idempotent(key: $idempotencyKey)", "")
    body = {"query": text, "variables": {"input": {"orderId": "gid://shopify/Order/1"}}}
    _, payload, _ = emulator.handle("POST", PATH, {}, {}, body)
    assert "@idempotent" in payload["errors"][0]["message"]


def test_refund_user_errors_become_typed_errors_with_paths(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")
    variables = {
        "idempotencyKey": "k",
        "input": {
            "orderId": f"gid://shopify/Order/{order.id}",
            "refundLineItems": [
                {
                    "lineItemId": f"gid://shopify/LineItem/{order.lines[1].id}",
                    "quantity": 1,
                    "restockType": "RETURN",
                    "locationId": "gid://shopify/Location/1",
                }
            ],
        },
    }
    payload = ask(emulator, "RefundCreate", variables)
    [error] = payload["data"]["refundCreate"]["userErrors"]
    assert error["field"] == ["input", "restockType"]
    assert "return can restock only fulfilled units" in error["message"]


# --- orders -----------------------------------------------------------------------------------
def test_cancel_polls_its_job_until_done(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    emulator.graphql.cancel_job_polls = 3
    order = by_number(store, "#1004")
    start = len(transport.exchanges)
    canceled = store.orders.cancel(order.id, reason="inventory")
    names = operations(transport)[start:]
    assert names.count("OrderCancel") == 1
    assert names.count("JobPoll") == 3
    assert canceled.status is uo.OrderStatus.CANCELED
    assert canceled.cancel_reason == "inventory"
    assert canceled.financial_status is uo.FinancialStatus.VOIDED
    [cancel] = [e for e in transport.exchanges if e.body["operationName"] == "OrderCancel"]
    assert cancel.body["variables"] == {
        "orderId": f"gid://shopify/Order/{order.id}",
        "reason": "INVENTORY",
        "restock": False,
        "refundMethod": {"originalPaymentMethodsRefund": False},
        "notifyCustomer": False,
    }


def test_cancel_gives_up_after_the_bounded_wait(emulator: ShopifyEmulator) -> None:
    emulator.graphql.cancel_job_polls = 10_000
    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        job_poll_interval=0,
        job_wait_seconds=0,
        rate_limit=False,
        transport=emulator_transport(emulator),
    )
    order = by_number(store, "#1004")
    with pytest.raises(uo.PlatformError) as caught:
        store.orders.cancel(order.id, reason="other")
    assert caught.value.code == "job_pending"


def test_list_filters_by_updated_at_and_pages(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    emulator.seed_orders(55)
    everything = list(store.orders.list())
    assert len(everything) == 60
    assert len({o.id for o in everything}) == 60
    pages = [e for e in transport.exchanges if e.body["operationName"] == "OrdersPage"]
    assert [p.body["variables"]["after"] is None for p in pages] == [True] + [False] * (
        -(-60 // ORDERS_READ_PAGE) - 1
    )
    newest = max(o.updated_at for o in everything if o.updated_at is not None)
    recent = list(store.orders.list(updated_since=newest))
    assert [o.updated_at for o in recent] == [newest]
    last = [e for e in transport.exchanges if e.body["operationName"] == "OrdersPage"][-1]
    assert last.body["variables"]["query"].startswith("updated_at:>='")


def test_update_shipping_address_sends_mailing_address_input(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = by_number(store, "#1002")
    changed = store.orders.update_shipping_address(
        order.id, uo.Address(line1="2 Example Road", country_code="us", province_code="KY")
    )
    assert changed.shipping_address is not None
    assert changed.shipping_address.line1 == "2 Example Road"
    [sent] = [
        e for e in transport.exchanges if e.body["operationName"] == "OrderUpdateShippingAddress"
    ]
    assert sent.body["variables"]["input"]["shippingAddress"] == {
        "address1": "2 Example Road",
        "provinceCode": "KY",
        "countryCode": "US",
    }


def test_create_order_migrates_and_refuses_line_discounts(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    source = by_number(store, "#1002")
    created = store.orders.create(source)
    assert created.id != source.id
    assert (created.total.amount, created.currency) == (source.total.amount, "EUR")
    assert [(x.sku, x.quantity) for x in created.lines] == [
        (x.sku, x.quantity) for x in source.lines
    ]
    assert created.captured_payments
    discounted = by_number(store, "#1001")
    sent = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest, match="line discount"):
        store.orders.create(discounted)
    assert len(transport.exchanges) == sent


# --- fulfillment orders -------------------------------------------------------------------------
def test_release_hold_names_the_hold_ids(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1005")
    [fo] = [
        f
        for f in store.fulfillments.list(order.id)
        if f.status is uo.FulfillmentOrderStatus.ON_HOLD
    ]
    held_again = store.fulfillments.hold(fo.id, reason=uo.HoldReason.AWAITING_PAYMENT)
    assert len(held_again.holds) == 2
    released = store.fulfillments.release_hold(fo.id)
    assert released.status is uo.FulfillmentOrderStatus.OPEN
    assert released.holds == []
    [sent] = [
        e for e in transport.exchanges if e.body["operationName"] == "FulfillmentOrderReleaseHold"
    ]
    assert sent.body["variables"]["holdIds"] == [
        f"gid://shopify/FulfillmentHold/{h.id}" for h in held_again.holds
    ]
    with pytest.raises(uo.IllegalTransition, match="does not support 'release_hold'"):
        store.fulfillments.release_hold(fo.id)


def test_sandbox_releases_only_the_named_holds(emulator: ShopifyEmulator) -> None:
    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        rate_limit=False,
        transport=emulator_transport(emulator),
    )
    order = by_number(store, "#1005")
    [fo] = [f for f in store.fulfillments.list(order.id) if f.holds]
    store.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER)
    first = fo.holds[0].id
    payload = ask(
        emulator,
        "FulfillmentOrderReleaseHold",
        {
            "id": f"gid://shopify/FulfillmentOrder/{fo.id}",
            "holdIds": [f"gid://shopify/FulfillmentHold/{first}"],
        },
    )
    left = payload["data"]["fulfillmentOrderReleaseHold"]["fulfillmentOrder"]
    assert left["status"] == "ON_HOLD"
    assert [h["reason"] for h in left["fulfillmentHolds"]] == ["OTHER"]


def test_partial_moves_and_requests_split(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")
    [fo] = [
        f for f in store.fulfillments.list(order.id) if f.status is uo.FulfillmentOrderStatus.OPEN
    ]
    [target, *_] = store.fulfillments.available_locations(fo.id)
    moved = store.fulfillments.move(fo.id, target.id)
    assert moved.location_id == target.id
    assert moved.replaced_by == []
    waiting = by_number(store, "#1004")
    [service] = store.fulfillments.list(waiting.id)
    submitted = store.fulfillments.request_fulfillment(service.id, message="gift wrap")
    assert submitted.request_status == "submitted"
    assert "request_fulfillment" not in submitted.supported_actions
    with pytest.raises(uo.IllegalTransition):
        store.fulfillments.request_cancellation(service.id)


# --- errors, limits and bad input -------------------------------------------------------------
def test_bad_input_is_refused_before_any_request(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    for call in (
        lambda: store.orders.get("not-an-id"),
        lambda: store.returns.get("gid://shopify/Order/1"),
        lambda: store.returns.close("123", note="a note Shopify cannot store"),
        lambda: store.fulfillments.move("123", "not-a-location"),
        lambda: store.fulfillments.hold("gid://shopify/Order/5", reason=uo.HoldReason.OTHER),
        lambda: store.fulfillments.request_fulfillment("123", lines={"456": 0}),
    ):
        with pytest.raises(uo.InvalidRequest):
            call()
    assert transport.exchanges == []


def test_top_level_errors_are_typed(emulator: ShopifyEmulator) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = {
            "errors": [
                {
                    "message": "Access denied for order field.",
                    "path": ["order"],
                    "extensions": {"code": "ACCESS_DENIED"},
                }
            ]
        }
        return httpx.Response(200, json=body)

    store = uo.connect(
        "shopify", shop="acme", access_token=TOKEN, transport=httpx.MockTransport(answer)
    )
    with pytest.raises(uo.AuthenticationError) as caught:
        store.orders.get("1")
    assert caught.value.code == "ACCESS_DENIED"
    assert caught.value.problems[0].path == "order"
    missing = uo.connect("shopify", sandbox=True, transport=emulator_transport(emulator))
    with pytest.raises(uo.NotFound):
        missing.orders.get("1")


def test_throttled_answers_are_retried_after_the_restore_time(emulator: ShopifyEmulator) -> None:
    inner = emulator_transport(emulator)
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            body = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {
                    "cost": {
                        "requestedQueryCost": 518,
                        "actualQueryCost": None,
                        "throttleStatus": {
                            "maximumAvailable": 2000.0,
                            "currentlyAvailable": 508,
                            "restoreRate": 1000.0,
                        },
                    }
                },
            }
            return httpx.Response(200, json=body)
        return inner.handle_request(request)

    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        rate_limit=True,
        transport=httpx.MockTransport(answer),
    )
    order_id = next(iter(emulator.state.data["orders"]))
    assert store.orders.get(order_id).id == order_id
    assert len(calls) == 2  # OrderGet (throttled), OrderGet again
    adapter: Any = store.adapter
    assert adapter.bucket.capacity == 2000.0


def test_observe_syncs_the_bucket_and_waits_for_the_restore(emulator: ShopifyEmulator) -> None:
    store = uo.connect("shopify", shop="acme", access_token=TOKEN)
    adapter: Any = store.adapter
    throttled = uo.adapter.Response(
        200,
        {},
        {
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": {
                "cost": {
                    "requestedQueryCost": 300,
                    "throttleStatus": {
                        "maximumAvailable": 1000.0,
                        "currentlyAvailable": 100,
                        "restoreRate": 50.0,
                    },
                }
            },
        },
        "",
    )
    assert adapter.observe(throttled) == pytest.approx(4.0)  # (300 - 100) / 50
    assert adapter.bucket.capacity == 1000.0
    assert adapter.bucket.refill_per_second == 50.0
    assert adapter.bucket.level == pytest.approx(100, abs=1)
    assert requested_cost("OrderGet") < 1000


def test_sandbox_enforces_the_cost_limit_when_asked() -> None:
    now = [0.0]
    emulator = ShopifyEmulator(rate_limit=True, clock=lambda: now[0])
    order = next(iter(emulator.state.data["orders"]))
    variables = {"id": f"gid://shopify/Order/{order}"}
    answers = [ask(emulator, "OrderGet", variables) for _ in range(40)]
    throttled = [a for a in answers if "errors" in a]
    assert throttled, "the bucket should run dry without time passing"
    first = answers.index(throttled[0])
    assert all("errors" not in a for a in answers[:first])
    cost = answers[0]["extensions"]["cost"]
    assert cost["requestedQueryCost"] == requested_cost("OrderGet")
    assert 0 < cost["actualQueryCost"] < cost["requestedQueryCost"]
    status = throttled[0]["extensions"]["cost"]["throttleStatus"]
    assert throttled[0]["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled[0]["extensions"]["cost"]["actualQueryCost"] is None
    wait = (requested_cost("OrderGet") - status["currentlyAvailable"]) / status["restoreRate"]
    now[0] = wait + 0.01
    assert "errors" not in ask(emulator, "OrderGet", variables)
