"""The REST dialect end to end against the sandbox: refunds, cancel, address, fulfillment orders,
pagination, limits, errors, and bad input refused before any request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from unified_orders_adapters.shopify.rest import translate
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.sandbox.origin import FIRST_ID

import unified_orders as uo
from unified_orders.adapter import Response
from unified_orders.http import RecordingTransport, emulator_transport

TOKEN = "test-token-not-a-real-secret"


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def recorded(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, RecordingTransport]]:
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect(
        "shopify", shop="acme.myshopify.com", access_token=TOKEN, api="rest", transport=transport
    )
    yield store, transport
    store.close()


def by_number(store: uo.Store, number: str) -> uo.Order:
    return next(o for o in store.orders.list() if o.number == number)


def writes(transport: RecordingTransport) -> list[Any]:
    return [e for e in transport.exchanges if e.method != "GET"]


# --- orders ---------------------------------------------------------------------------------------
def test_ids_beyond_2_53_survive_end_to_end(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    assert int(order.id) > 2**53
    assert int(order.id) >= FIRST_ID
    assert store.orders.get(order.id) == order
    assert f"/orders/{order.id}.json" in {
        e.path.removeprefix("/admin/api/2026-07") for e in transport.exchanges
    }
    assert transport.exchanges[0].headers["x-shopify-access-token"] == TOKEN


def test_multi_currency_order_has_shop_money(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, _ = recorded
    order = by_number(store, "#1002")
    assert (order.currency, order.shop_currency) == ("EUR", "USD")
    assert order.total.amount == Decimal("124.90")
    assert order.total.currency == "EUR"
    assert order.total.shop is not None
    assert (order.total.shop.amount, order.total.shop.currency) == (Decimal("135.52"), "USD")
    assert order.taxes_included


def test_list_paginates_with_page_info(emulator: ShopifyEmulator) -> None:
    emulator.seed_orders(600)
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect("shopify", sandbox=True, api="rest", transport=transport)
    ids = [o.id for o in store.orders.list()]
    assert len(ids) == 605
    assert len(set(ids)) == 605
    pages = [e for e in transport.exchanges if e.path.endswith("/orders.json")]
    assert [e.query.get("limit") for e in pages] == ["250"] * 3
    assert pages[0].query["status"] == "any"
    assert "page_info" not in pages[0].query
    assert set(pages[1].query) == {"limit", "page_info"}  # page_info may carry only limit


def test_list_filters_by_created_and_updated(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    from datetime import UTC, datetime

    recent = list(store.orders.list(created_since=datetime(2026, 6, 10, tzinfo=UTC)))
    assert [o.number for o in recent] == ["#1002", "#1004", "#1005"]
    first = next(e for e in transport.exchanges if e.path.endswith("/orders.json"))
    assert first.query["created_at_min"] == "2026-06-10T00:00:00+00:00"
    updated = list(store.orders.list(updated_since=datetime(2030, 1, 1, tzinfo=UTC)))
    assert updated == []


def test_an_unreadable_order_is_named_and_never_fails_the_page(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, _ = recorded
    broken = emulator.state.orders()[1]
    broken["line_items"][0]["quantity"] = "lots"
    [page] = list(store.orders.pages())
    assert [o.number for o in page.items] == ["#1001", "#1003", "#1004", "#1005"]
    [failure] = page.failures
    assert failure.id == str(broken["id"])
    with pytest.raises(uo.PlatformError, match=str(broken["id"])):
        list(store.orders.list())


def test_seed_orders_is_deterministic() -> None:
    one, two = ShopifyEmulator(), ShopifyEmulator()
    assert one.seed_orders(25) == two.seed_orders(25)
    assert one.dump_state() == two.dump_state()
    three = ShopifyEmulator(seed=False)
    three.load_state(one.dump_state())
    assert three.dump_state() == one.dump_state()


def test_update_shipping_address(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    changed = store.orders.update_shipping_address(
        order.id, uo.Address(line1="123 Ship Street", city="Shipsville")
    )
    assert changed.shipping_address is not None
    assert (changed.shipping_address.line1, changed.shipping_address.city) == (
        "123 Ship Street",
        "Shipsville",
    )
    assert changed.shipping_address.postal_code == "40202"
    [put] = writes(transport)
    assert put.method == "PUT"
    assert put.body == {
        "order": {"shipping_address": {"address1": "123 Ship Street", "city": "Shipsville"}}
    }


def test_create_order_for_migration(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    source = by_number(store, "#1001")
    created = store.orders.create(source)
    assert created.id != source.id
    assert created.total == source.total.model_copy(update={"shop": created.total.shop})
    assert [(x.sku, x.quantity) for x in created.lines] == [
        (x.sku, x.quantity) for x in source.lines
    ]
    assert [t.kind for t in created.transactions] == [uo.TransactionKind.SALE]
    [post] = writes(transport)
    assert post.body["order"]["send_receipt"] is False
    assert post.body["order"]["inventory_behaviour"] == "bypass"


# --- refunds --------------------------------------------------------------------------------------
def test_refund_unfulfilled_line_restocks_with_assigned_location(
    recorded: tuple[uo.Store, RecordingTransport], emulator: ShopifyEmulator
) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    sneakers = order.lines[1]
    calc = store.refunds.calculate(
        order, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=sneakers.id, quantity=1)])
    )
    assert calc.lines[0].restock is uo.Restock.CANCEL  # inferred: unfulfilled
    assert calc.total.amount == Decimal("200.34")  # 199.00 - 10.00 + 11.34 tax
    refund = store.refunds.create(order.id, calc, note="customer changed mind")
    assert refund.total.amount == Decimal("200.34")
    post = next(e for e in writes(transport) if e.path.endswith("/refunds.json"))
    body = post.body["refund"]
    assert "restock" not in body
    assert body["currency"] == "USD"
    assert body["notify"] is False
    # the key travels as a marker at the end of the note (issue 14); callers never see it
    assert body["note"] == f"customer changed mind [uo:{refund.idempotency_key}]"
    assert refund.note == "customer changed mind"
    assert body["refund_line_items"] == [
        {
            "line_item_id": int(sneakers.id),
            "quantity": 1,
            "restock_type": "cancel",
            "location_id": int(sneakers.location_id or 0),
        }
    ]
    assert [t["kind"] for t in body["transactions"]] == ["refund"]
    after = store.orders.get(order.id)
    line = after.line(sneakers.id)
    assert line is not None
    assert line.refunded_quantity == 1
    assert line.current_quantity == 1
    assert after.financial_status is uo.FinancialStatus.PARTIALLY_REFUNDED
    assert all(
        sneakers.id not in {x.line_id for x in fo.lines}
        for fo in store.fulfillments.list(order.id)
        if fo.status.value == "open"
    )
    assert refund.id in {r.id for r in store.refunds.list(order.id)}
    single = store.adapter.get_order_refund(order.id, refund.id)  # type: ignore[attr-defined]
    assert store._driver.run(single).id == refund.id


def test_refund_fulfilled_line_with_return_and_shipping(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")
    hoodie = order.lines[0]
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=hoodie.id, quantity=1, restock=uo.Restock.RETURN)],
        shipping=uo.ShippingRefund(full=True),
    )
    refund = store.refunds.create(order, request)
    assert refund.total.amount == Decimal("52.70")  # 45.00 + 2.70 tax + 5.00 shipping
    assert refund.shipping is not None
    assert refund.shipping.amount.amount == Decimal("5.00")
    assert [a.kind for a in refund.adjustments] == ["shipping_refund"]
    assert refund.lines[0].restock is uo.Restock.RETURN
    assert refund.lines[0].location_id == hoodie.location_id


def test_refund_in_presentment_currency(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1002")
    refund = store.refunds.create(
        order, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)])
    )
    assert refund.total == uo.Money.of("40.00", "EUR")
    calc = next(e for e in transport.exchanges if e.path.endswith("calculate.json"))
    assert calc.body["refund"]["currency"] == "EUR"
    assert refund.lines[0].subtotal.shop is not None
    assert refund.lines[0].subtotal.shop.currency == "USD"


def test_refund_paying_less_records_a_discrepancy(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = by_number(store, "#1005")
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1)])
    calc = store.refunds.calculate(order, request)
    lower = calc.model_copy(
        update={
            "transactions": [
                calc.transactions[0].model_copy(update={"amount": uo.Money.of("100.00", "USD")})
            ],
            "total": uo.Money.of("100.00", "USD"),
        }
    )
    refund = store.refunds.create(order.id, lower)
    post = next(e for e in writes(transport) if e.path.endswith("/refunds.json"))
    assert post.body["refund"]["discrepancy_reason"] == "other"
    assert refund.total.amount == Decimal("100.00")
    [adjustment] = refund.adjustments
    assert (adjustment.kind, adjustment.amount.amount) == ("refund_discrepancy", Decimal("-20.00"))


def test_historic_legacy_restock_refund_reads(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1003")
    [refund] = store.refunds.list(order.id)
    assert refund.lines[0].raw["restock_type"] == "legacy_restock"
    assert order.lines[0].refundable_quantity == 0
    assert order.financial_status is uo.FinancialStatus.PARTIALLY_REFUNDED


def test_sandbox_enforces_shopify_refund_rules(emulator: ShopifyEmulator) -> None:
    state = emulator.state
    order = next(o for o in state.orders() if o["name"] == "#1001")
    sale = state.transactions(order["id"])[0]
    hoodie, sneakers = order["line_items"]

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        status, payload, _ = emulator.handle(
            "POST",
            f"/admin/api/2026-07/orders/{order['id']}/refunds.json",
            {},
            {},
            {"refund": body},
        )
        return status, payload

    line = {"line_item_id": sneakers["id"], "quantity": 1}
    txn = {"parent_id": sale["id"], "amount": "1.00", "gateway": "bogus"}
    assert post({**line, "restock": True} | {"refund_line_items": [line]})[1] == {
        "error": "restock is no longer supported. Please use restock_type on refund_line_items."
    }
    status, body = post({"refund_line_items": [{**line, "restock_type": "cancel"}]})
    assert status == 422
    assert "location_id" in body["errors"]
    status, body = post({"refund_line_items": [{**line, "restock_type": "legacy_restock"}]})
    assert status == 422
    assert "legacy_restock" in body["errors"]["restock_type"][0]
    status, body = post({"refund_line_items": [{**line, "quantity": 2}]})
    assert status == 422
    assert "refundable quantity 1" in body["errors"]["refund_line_items"][0]
    status, body = post(
        {
            "refund_line_items": [
                {
                    "line_item_id": hoodie["id"],
                    "quantity": 1,
                    "restock_type": "cancel",
                    "location_id": state.data["locations"][0]["id"],
                }
            ]
        }
    )
    assert status == 422
    assert "only unfulfilled" in body["errors"]["restock_type"][0]
    status, body = post(
        {"refund_line_items": [line], "transactions": [{**txn, "kind": "suggested_refund"}]}
    )
    assert status == 422
    assert "suggested_refund" in body["errors"]["transactions"][0]
    status, body = post(
        {
            "refund_line_items": [line],
            "transactions": [{**txn, "kind": "refund", "amount": "999.00"}],
        }
    )
    assert status == 422
    assert "exceeds" in body["errors"]["transactions"][0]
    status, body = post({})
    assert status == 400
    status, body = emulator.handle(
        "POST", f"/admin/api/2026-07/orders/{order['id']}/refunds.json", {}, {}, {"line": 1}
    )[:2]
    assert status == 400
    assert body == {"errors": {"refund": "Required parameter missing or invalid"}}


# --- cancel ---------------------------------------------------------------------------------------
def test_cancel_authorized_order_voids(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1004")
    canceled = store.orders.cancel(order.id, reason="customer")
    assert canceled.status is uo.OrderStatus.CANCELED
    assert canceled.cancel_reason == "customer"
    assert canceled.financial_status is uo.FinancialStatus.VOIDED
    [post] = writes(transport)
    assert post.body == {"reason": "customer", "email": False}
    assert all(
        fo.status is uo.FulfillmentOrderStatus.CANCELED for fo in store.fulfillments.list(order.id)
    )


def test_cancel_with_refund_and_restock(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1002")
    canceled = store.orders.cancel(
        order.id, reason="inventory", refund=True, restock=True, notify=True
    )
    assert canceled.status is uo.OrderStatus.CANCELED
    assert canceled.financial_status is uo.FinancialStatus.REFUNDED
    [refund] = canceled.refunds
    assert refund.total == uo.Money.of("124.90", "EUR")
    cancel = next(e for e in writes(transport) if e.path.endswith("cancel.json"))
    body = cancel.body
    assert body["reason"] == "inventory"
    assert body["email"] is True
    assert body["refund"]["refund_line_items"][0]["restock_type"] == "cancel"
    assert body["refund"]["refund_line_items"][0]["location_id"] == int(
        order.lines[0].location_id or 0
    )
    assert body["refund"]["shipping"] == {"full_refund": True}
    assert "restock" not in body
    assert "restock" not in body["refund"]


def test_cancel_refused_by_shopify_is_a_typed_error(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1001")  # has a successful fulfillment
    with pytest.raises(uo.PlatformError) as caught:
        store.orders.cancel(order.id, reason="customer")
    assert caught.value.status == 422
    assert caught.value.problems[0].path == "base"


# --- fulfillment orders ---------------------------------------------------------------------------
def test_hold_release_move(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1002")
    [fo] = store.fulfillments.list(order.id)
    assert fo.supported_actions == ["create_fulfillment", "move", "hold"]
    held = store.fulfillments.hold(fo.id, reason=uo.HoldReason.INCORRECT_ADDRESS, note="flat no.")
    assert held.status is uo.FulfillmentOrderStatus.ON_HOLD
    assert held.holds[0].reason is uo.HoldReason.INCORRECT_ADDRESS
    assert held.holds[0].note == ("flat no.")
    hold_post = writes(transport)[-1]
    assert hold_post.body == {
        "fulfillment_hold": {
            "reason": "incorrect_address",
            "reason_notes": "flat no.",
            "notify_merchant": False,
        }
    }
    released = store.fulfillments.release_hold(fo.id)
    assert released.status is uo.FulfillmentOrderStatus.OPEN
    assert released.holds == []
    locations = store.fulfillments.available_locations(fo.id)
    assert {x.name for x in locations} == {"Main Warehouse", "Example Fulfillment Co."}
    target = next(x for x in locations if x.name == "Main Warehouse")
    moved = store.fulfillments.move(fo.id, target.id)
    assert moved.location_id == target.id
    assert moved.id != fo.id
    assert store.orders.get(order.id).lines[0].location_id == target.id


def test_partial_move_leaves_a_remaining_fulfillment_order(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    order = by_number(store, "#1002")
    [fo] = store.fulfillments.list(order.id)
    target = store.fulfillments.available_locations(fo.id)[0]
    moved = store.fulfillments.move(fo.id, target.id, lines={fo.lines[0].id: 1})
    assert moved.lines[0].quantity == 1
    assert moved.replaced_by == [fo.id]
    remaining = next(x for x in store.fulfillments.list(order.id) if x.id == fo.id)
    assert remaining.lines[0].quantity == 2


def test_fulfillment_and_cancellation_requests(
    recorded: tuple[uo.Store, RecordingTransport], emulator: ShopifyEmulator
) -> None:
    store, transport = recorded
    waiting = by_number(store, "#1004")
    [fo] = store.fulfillments.list(waiting.id)
    submitted = store.fulfillments.request_fulfillment(fo.id, message="asap", notify=False)
    assert submitted.request_status == "submitted"
    assert submitted.supported_actions == ["cancel_fulfillment_order"]
    assert writes(transport)[-1].body == {
        "fulfillment_request": {"message": "asap", "notify_customer": False}
    }
    accepted = next(
        x
        for x in store.fulfillments.list(by_number(store, "#1003").id)
        if x.status is uo.FulfillmentOrderStatus.IN_PROGRESS
    )
    asked = store.fulfillments.request_cancellation(accepted.id, message="customer changed mind")
    assert asked.request_status == "cancellation_requested"


def test_unsupported_action_refused_before_the_write(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = by_number(store, "#1002")
    [fo] = store.fulfillments.list(order.id)
    before = len(transport.exchanges)
    with pytest.raises(uo.IllegalTransition) as caught:
        store.fulfillments.release_hold(fo.id)
    message = str(caught.value)
    assert "does not support 'release_hold'" in message
    assert "create_fulfillment, move, hold" in message
    assert [e.method for e in transport.exchanges[before:]] == ["GET"]


# --- bad input: nothing sent ------------------------------------------------------------------------
def test_bad_input_sends_nothing(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    sent = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest, match="not a Shopify id"):
        store.orders.get("not-a-number")
    with pytest.raises(uo.InvalidRequest, match="not a Shopify id"):
        store.fulfillments.move("123", "somewhere")
    hoodie = order.lines[0]
    with pytest.raises(uo.InvalidRequest) as caught:
        store.refunds.create(
            order,
            uo.RefundRequest(
                lines=[
                    uo.RefundLineRequest(line_id=hoodie.id, quantity=1, restock=uo.Restock.CANCEL)
                ]
            ),
        )
    assert "restock 'cancel' cannot cover" in str(caught.value)  # hoodie units are fulfilled
    with pytest.raises(uo.InvalidRequest):
        store.refunds.calculate(
            order, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=hoodie.id, quantity=3)])
        )
    with pytest.raises(uo.InvalidRequest):
        store.fulfillments.hold("1", reason="lunch")  # type: ignore[arg-type]
    with pytest.raises(uo.UnsupportedOperation, match="GraphQL Admin API"):
        store.returns.list(order.id)
    assert len(transport.exchanges) == sent


def test_restock_without_location_is_refused_before_any_request(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = by_number(store, "#1001")
    stripped = order.model_copy(
        update={"lines": [line.model_copy(update={"location_id": None}) for line in order.lines]}
    )
    sent = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest) as caught:
        store.refunds.calculate(
            stripped,
            uo.RefundRequest(
                lines=[
                    uo.RefundLineRequest(
                        line_id=order.lines[1].id, quantity=1, restock=uo.Restock.CANCEL
                    )
                ]
            ),
        )
    assert caught.value.problems[0].path == "lines[0].location_id"
    assert len(transport.exchanges) == sent


def test_bad_cancel_sends_no_write(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    order = by_number(store, "#1004")
    with pytest.raises(uo.InvalidRequest, match="reason"):
        store.orders.cancel(order.id, reason="bored")
    with pytest.raises(uo.InvalidRequest, match="refund=True"):
        store.orders.cancel(order.id, reason="other", restock=True)
    assert writes(transport) == []


def test_settings_are_checked() -> None:
    with pytest.raises(uo.ConfigurationError, match="access_token required"):
        uo.connect("shopify", shop="acme")
    with pytest.raises(uo.ConfigurationError, match="API version"):
        uo.connect("shopify", sandbox=True, api_version="2026-05")
    with pytest.raises(uo.ConfigurationError, match="api"):
        uo.connect("shopify", sandbox=True, api="soap")
    store = uo.connect("shopify", shop="acme", access_token=TOKEN, api="rest")
    assert store.adapter.base_url == "https://acme.myshopify.com/admin/api/2026-07/"
    store.close()


# --- limits and errors ------------------------------------------------------------------------------
def test_sandbox_leaky_bucket() -> None:
    now = [0.0]
    emulator = ShopifyEmulator(rate_limit=True, clock=lambda: now[0])
    path = "/admin/api/2026-07/orders.json"
    for used in range(1, 41):
        status, _, headers = emulator.handle("GET", path, {}, {}, None)
        assert status == 200
        assert headers["X-Shopify-Shop-Api-Call-Limit"] == f"{used}/40"
    status, body, headers = emulator.handle("GET", path, {}, {}, None)
    assert status == 429
    assert headers["Retry-After"] == "0.5"
    assert "Exceeded" in body["errors"]
    now[0] = 0.5
    assert emulator.handle("GET", path, {}, {}, None)[0] == 200


def test_observe_syncs_the_bucket_from_the_header() -> None:
    store = uo.connect("shopify", shop="acme", access_token=TOKEN, api="rest")
    adapter: Any = store.adapter
    assert (
        adapter.observe(Response(200, {"x-shopify-shop-api-call-limit": "32/80"}, {}, "")) is None
    )
    assert adapter.bucket.capacity == 80
    assert adapter.bucket.level <= 48.5
    wait = adapter.observe(Response(429, {"retry-after": "2.5"}, {"errors": "x"}, ""))
    assert wait == 2.5
    assert adapter.bucket.level <= 0.5
    assert adapter.observe(Response(429, {}, None, "")) == 1.0
    store.close()


def test_pacing_keeps_the_bucket_from_overflowing_under_concurrency() -> None:
    emulator = ShopifyEmulator(rate_limit=True)
    emulator.bucket_size, emulator.leak_rate = 10, 40.0
    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        api="rest",
        rate_limit=True,
        bucket_size=10,
        leak_rate=40.0,
        transport=emulator_transport(emulator),
    )
    order_id = next(iter(emulator.state.data["orders"]))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                store.refunds.list(order_id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert emulator.throttled == 0
    assert emulator.peak <= 10
    store.close()


def test_429_is_retried_after_retry_after(emulator: ShopifyEmulator) -> None:
    calls = {"n": 0}
    inner = emulator_transport(emulator)

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(429, headers={"retry-after": "0"}, json={"errors": "slow"})
        return inner.handle_request(request)

    store = uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        api="rest",
        transport=httpx.MockTransport(handler),
    )
    order_id = next(iter(emulator.state.data["orders"]))
    assert store.orders.get(order_id).id == order_id
    store.close()


def test_deprecation_header_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    store = uo.connect("shopify", sandbox=True, api="rest", api_version="2025-01")
    with caplog.at_level(logging.WARNING, logger="unified_orders.shopify"):
        list(store.orders.list())
        list(store.orders.list())
    notes = [r for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(notes) == 1
    assert "2025-01" in notes[0].getMessage()


@pytest.mark.parametrize(
    ("status", "body", "kind", "message", "paths"),
    [
        (404, {"errors": "Not Found"}, uo.NotFound, "Not Found", []),
        (401, {"errors": "[API] Invalid API key"}, uo.AuthenticationError, "Invalid API key", []),
        (422, {"errors": ["a", "b"]}, uo.PlatformError, "a; b", ["", ""]),
        (
            422,
            {"errors": {"line_items": ["is bad"], "base": "oops"}},
            uo.PlatformError,
            "line_items: is bad",
            ["line_items", "base"],
        ),
        (422, {"error": "restock is no longer supported."}, uo.PlatformError, "restock", []),
        (
            422,
            {"errors": ["Cannot hold this fulfillment order: status closed"]},
            uo.IllegalTransition,
            "Cannot hold",
            [""],
        ),
        (429, {"errors": "Exceeded"}, uo.RateLimited, "Exceeded", []),
        (502, None, uo.PlatformError, "HTTP 502", []),
    ],
)
def test_error_bodies_become_typed_errors(
    status: int, body: Any, kind: type[uo.PlatformError], message: str, paths: list[str]
) -> None:
    error = translate.error_from_rest(Response(status, {}, body, ""))
    assert type(error) is kind
    assert message in str(error)
    assert error.status == status
    assert [p.path for p in error.problems] == paths
    assert error.details == body


def test_missing_token_is_an_authentication_error() -> None:
    emulator = ShopifyEmulator(require_token=True)
    store = uo.connect("shopify", sandbox=True, api="rest", transport=emulator_transport(emulator))
    with pytest.raises(uo.AuthenticationError, match="Invalid API key"):
        list(store.orders.list())
    store.close()
