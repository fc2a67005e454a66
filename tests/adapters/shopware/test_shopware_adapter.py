"""The Shopware adapter end to end against its sandbox, through ``uo.connect``-built stores."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware import platform
from unified_orders_adapters.shopware import states as machines
from unified_orders_adapters.shopware import translate as t
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport

SECRET = "test-token-not-a-real-secret"


def connect(emulator: ShopwareEmulator, **extra: object) -> tuple[uo.Store, RecordingTransport]:
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect(
        "shopware",
        base_url="https://shop.example",
        client_id="SWIAEXAMPLEKEY",
        client_secret=SECRET,
        transport=transport,
        **extra,
    )
    return store, transport


def real_emulator(**kw: object) -> ShopwareEmulator:
    return ShopwareEmulator(client_id="SWIAEXAMPLEKEY", client_secret=SECRET, **kw)  # type: ignore[arg-type]


# --- packaging ----------------------------------------------------------------------------------
SANDBOX_PROBE = """
import sys
import unified_orders as uo
import unified_orders_adapters.shopware

store = uo.connect(
    "shopware", base_url="https://shop.example", client_id="SWIAEXAMPLEKEY", client_secret="x"
)
print("before", *sorted(m for m in sys.modules if ".shopware.sandbox" in m))
store.adapter.emulator()
print("after", *sorted(m for m in sys.modules if ".shopware.sandbox" in m))
"""


def test_the_sandbox_is_imported_only_when_an_emulator_is_asked_for() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SANDBOX_PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    assert before == "before"
    assert "unified_orders_adapters.shopware.sandbox" in after.split()


# --- settings and auth --------------------------------------------------------------------------
def test_settings_need_credentials_unless_sandbox() -> None:
    with pytest.raises(uo.ConfigurationError, match="client_id, client_secret required"):
        uo.connect("shopware", base_url="https://shop.example")
    with pytest.raises(uo.ConfigurationError, match="page_size"):
        uo.connect("shopware", sandbox=True, page_size=501)
    store = uo.connect("shopware", sandbox=True)
    assert store.adapter.base_url == "https://sandbox.shopware.example/api/"


def test_secret_is_a_secretstr_and_never_in_repr() -> None:
    store, _ = connect(real_emulator())
    assert SECRET not in repr(store.adapter.settings)
    assert store.adapter.base_url == "https://shop.example/api/"


def test_token_is_cached_and_renewed_before_expiry() -> None:
    now = [1000.0]
    emulator = real_emulator(clock=lambda: now[0])
    store, transport = connect(emulator)
    store.adapter.clock = lambda: now[0]  # type: ignore[attr-defined]
    order_id = next(iter(emulator.table("order")))
    store.orders.get(order_id)
    store.orders.get(order_id)
    tokens = [e for e in transport.exchanges if e.path == "/api/oauth/token"]
    assert len(tokens) == 1
    assert tokens[0].body == {
        "grant_type": "client_credentials",
        "client_id": "SWIAEXAMPLEKEY",
        "client_secret": SECRET,
    }
    assert "authorization" not in tokens[0].headers
    first = [
        e.headers["authorization"] for e in transport.exchanges if e.path != "/api/oauth/token"
    ]
    assert len(set(first)) == 1
    now[0] += 545  # inside the renewal margin, before the 600 s expiry
    store.orders.get(order_id)
    tokens = [e for e in transport.exchanges if e.path == "/api/oauth/token"]
    assert len(tokens) == 2
    assert transport.exchanges[-1].headers["authorization"] != first[0]
    assert all(e.status != 401 for e in transport.exchanges)
    assert transport.exchanges[-1].headers["accept"] == "application/json"


def test_a_401_forgets_the_token_and_authenticates_again() -> None:
    emulator = real_emulator()
    store, transport = connect(emulator)
    order_id = next(iter(emulator.table("order")))
    store.orders.get(order_id)
    emulator.state["tokens"].clear()  # the shop revoked every token
    order = store.orders.get(order_id)
    assert order.id == order_id
    statuses = [(e.path, e.status) for e in transport.exchanges]
    assert statuses.count(("/api/oauth/token", 200)) == 2
    assert ("/api/search/order", 401) in statuses


def test_bad_credentials_raise_authentication_error_without_the_secret() -> None:
    emulator = ShopwareEmulator(client_id="SWIAEXAMPLEKEY", client_secret="another-secret")
    store, _ = connect(emulator)
    with pytest.raises(uo.AuthenticationError) as caught:
        store.orders.get("0" * 32)
    assert SECRET not in str(caught.value)
    assert SECRET in store.adapter.secrets()


# --- orders -------------------------------------------------------------------------------------
def test_every_page_is_followed_with_the_limit() -> None:
    store = Recorded(page_size=5)
    store.emulator.seed_orders(12)
    orders = list(store.store.orders.list())
    assert len(orders) == 22  # the ten demo orders and twelve generated ones
    assert len({o.id for o in orders}) == 22
    searches = [e.body for e in store.transport.exchanges if e.path == "/api/search/order"]
    assert [b["page"] for b in searches] == [1, 2, 3, 4, 5]
    assert all(b["limit"] == 5 for b in searches)
    assert searches[0]["associations"]["transactions"]["associations"]["captures"]


def test_created_and_updated_filters(sw: Recorded) -> None:
    orders = list(sw.store.orders.list())
    third = orders[2]
    assert third.created_at is not None
    later = list(sw.store.orders.list(created_since=third.created_at))
    assert [o.id for o in later] == [o.id for o in orders[2:]]
    body = sw.transport.exchanges[-1].body
    assert body["filter"] == [
        {
            "type": "range",
            "field": "createdAt",
            "parameters": {"gte": t.storage_time(third.created_at)},
        }
    ]
    assert list(sw.store.orders.list(updated_since=datetime(2030, 1, 1, tzinfo=UTC))) == []
    sw.store.orders.cancel(orders[3].id, reason="test")
    changed = list(sw.store.orders.list(updated_since=datetime(2025, 6, 1, tzinfo=UTC)))
    assert orders[3].id in {o.id for o in changed}
    untouched = list(sw.store.orders.list(updated_until=datetime(2025, 3, 1, tzinfo=UTC)))
    assert orders[3].id not in {o.id for o in untouched}
    assert orders[0].id in {o.id for o in untouched}


def test_create_order_migrates_and_fills_primary_delivery_and_transaction(sw: Recorded) -> None:
    source = sw.order("10001")
    migrated = source.model_copy(
        update={"platform": "shopify", "id": "gid-1001", "number": "#1001", "refunds": []}
    )
    created = sw.store.orders.create(migrated)
    assert created.number == "#1001"
    assert created.total == source.total
    assert [(line.title, line.quantity, line.total) for line in created.lines] == [
        (line.title, line.quantity, line.total) for line in source.lines
    ]
    assert created.financial_status is uo.FinancialStatus.PAID
    assert created.fulfillment_status is uo.FulfillmentStatus.FULFILLED
    assert created.taxes_included
    raw = created.raw
    assert raw["primaryOrderDeliveryId"] == raw["deliveries"][0]["id"]
    assert raw["primaryOrderTransactionId"] == raw["transactions"][0]["id"]
    kinds = [txn.kind for txn in created.transactions]
    assert kinds == [uo.TransactionKind.SALE]  # no capture invented: it is the PSP's record
    with pytest.raises(uo.PlatformError) as caught:  # the same source order twice
        sw.store.orders.create(migrated)
    assert caught.value.code == "FRAMEWORK__WRITE_TYPE_INTEND_ERROR"


def test_create_order_on_6_6_leaves_out_the_primary_fields(sw66: Recorded) -> None:
    source = sw66.order("10002")
    created = sw66.store.orders.create(
        source.model_copy(update={"platform": "other", "id": "o-2", "refunds": []})
    )
    assert "primaryOrderDeliveryId" not in created.raw
    assert created.total == source.total
    assert not created.taxes_included


def test_create_order_bad_input_sends_nothing(sw: Recorded) -> None:
    source = sw.order("10001")
    before = len(sw.transport.exchanges)
    with pytest.raises(uo.InvalidRequest) as caught:
        sw.store.orders.create(
            source.model_copy(
                update={"email": None, "billing_address": None, "shipping_address": None}
            )
        )
    assert {p.path for p in caught.value.problems} == {"email", "billing_address"}
    assert len(sw.transport.exchanges) == before


def test_update_shipping_address_keeps_a_shared_billing_address(sw: Recorded) -> None:
    order = sw.order("10002")
    new = uo.Address(line1="9 Example Road", city="Munich", country_code="DE", province_code="BY")
    updated = sw.store.orders.update_shipping_address(order.id, new)
    assert updated.shipping_address is not None
    assert updated.shipping_address.line1 == "9 Example Road"
    assert updated.shipping_address.province_code == "BY"
    assert updated.shipping_address.first_name == "Jane"  # unchanged fields kept
    assert updated.billing_address == order.billing_address
    assert ("POST", "/api/order-address") in sw.sent
    again = sw.store.orders.update_shipping_address(order.id, uo.Address(city="Hamburg"))
    assert again.shipping_address is not None
    assert again.shipping_address.city == "Hamburg"
    assert sw.sent[-2][0] == "PATCH"
    assert sw.sent[-2][1].startswith("/api/order-address/")


def test_bad_ids_are_refused_before_any_request(sw: Recorded) -> None:
    # an order reference that is no id is an order number (issue 15): looked up, not refused
    with pytest.raises(uo.InvalidRequest, match="not a Shopware id"):
        sw.store.fulfillments.request_fulfillment("1001")
    with pytest.raises(uo.InvalidRequest):
        sw.store.fulfillments.request_fulfillment("not-an-id")
    assert sw.transport.exchanges == []


def test_unknown_order_is_not_found(sw: Recorded) -> None:
    with pytest.raises(uo.NotFound):
        sw.store.orders.get("f" * 32)


# --- transitions: 6.6 and 6.7 action sets -----------------------------------------------------------
def _posted_actions(recorded: Recorded, entity: str) -> list[str]:
    prefix = f"/api/_action/{entity}/"
    return [p.rsplit("/", 1)[1] for m, p in recorded.sent if m == "POST" and p.startswith(prefix)]


@pytest.mark.parametrize(("version", "expected"), [("6.6", "do_pay"), ("6.7", "process")])
def test_target_state_picks_the_shops_own_action(version: str, expected: str) -> None:
    recorded = Recorded(sandbox_version=version)
    order = recorded.order("10004")
    txn = order.transactions[0].id
    adapter = recorded.store.adapter
    run = recorded.store._driver.run
    reached = run(adapter.transition("order_transaction", txn, "in_progress", current="open"))  # type: ignore[attr-defined]
    assert reached == "in_progress"
    assert _posted_actions(recorded, "order_transaction") == [expected]


@pytest.mark.parametrize(
    ("version", "expected"), [("6.6", ["remind", "pay"]), ("6.7", ["remind", "paid"])]
)
def test_reminded_to_paid_on_both_versions(version: str, expected: list[str]) -> None:
    recorded = Recorded(sandbox_version=version)
    txn = recorded.order("10004").transactions[0].id
    run = recorded.store._driver.run
    adapter = recorded.store.adapter
    run(adapter.transition("order_transaction", txn, "reminded", current="open"))  # type: ignore[attr-defined]
    run(adapter.transition("order_transaction", txn, "paid", current="reminded"))  # type: ignore[attr-defined]
    assert _posted_actions(recorded, "order_transaction") == expected
    bodies = [
        e.body for e in recorded.transport.exchanges if "/state/" in e.path and e.method == "POST"
    ]
    assert all(b == {"sendMail": False} for b in bodies)


def test_multi_step_paths_are_walked(sw: Recorded) -> None:
    order = sw.order("10004")
    run = sw.store._driver.run
    run(sw.store.adapter.transition("order", order.id, "completed", current="open"))  # type: ignore[attr-defined]
    assert _posted_actions(sw, "order") == ["process", "complete"]
    assert sw.store.orders.get(order.id).status is uo.OrderStatus.CLOSED
    cancelled = sw.store.orders.cancel(order.id, reason="changed mind")  # 6.7: reopen, then cancel
    assert cancelled.status is uo.OrderStatus.CANCELED
    assert _posted_actions(sw, "order")[-2:] == ["reopen", "cancel"]


def test_no_path_is_an_illegal_transition_naming_the_state(sw: Recorded) -> None:
    order = sw.order("10001")
    sw.store.refunds.create(
        order.id,
        uo.RefundRequest(
            lines=[
                uo.RefundLineRequest(line_id=line.id, quantity=line.quantity)
                for line in order.lines
            ],
            shipping=uo.ShippingRefund(full=True),
        ),
    )
    txn = sw.store.orders.get(order.id).transactions[0]
    assert txn.platform_status == "refunded"
    with pytest.raises(uo.IllegalTransition) as caught:
        sw.store._driver.run(
            sw.store.adapter.transition("order_transaction", txn.id, "paid", current=None)
        )  # type: ignore[attr-defined]
    assert caught.value.state == "refunded"


class _Raced(httpx.BaseTransport):
    """Sends ``first`` just before the first request to ``path``: another user moved the entity
    between the adapter's read of its transitions and its post."""

    def __init__(self, inner: httpx.BaseTransport, path: str, first: str) -> None:
        self.inner, self.path, self.first = inner, path, first

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == self.path and self.first:
            other = request.url.copy_with(path=self.first)
            self.first = ""
            ahead = self.inner.handle_request(
                httpx.Request("POST", other, headers=request.headers, json={"sendMail": False})
            )
            assert ahead.status_code == 200
        return self.inner.handle_request(request)


def _state_reads(sw: Recorded) -> int:
    return sw.sent.count(("POST", "/api/search/state-machine-state"))


def test_a_transition_refused_by_the_shop_names_the_state_not_its_id(sw: Recorded) -> None:
    order = sw.order("10004")  # open: process, then complete, reaches completed
    base = f"/api/_action/order/{order.id}/state"
    sw.transport.inner = _Raced(sw.transport.inner, f"{base}/process", f"{base}/cancel")
    before = _state_reads(sw)
    run = sw.store._driver.run  # type: ignore[attr-defined]
    with pytest.raises(uo.IllegalTransition) as caught:
        run(sw.store.adapter.transition("order", order.id, "completed", current="open"))  # type: ignore[attr-defined]
    # Shopware gives the state's id; the adapter read the machine's states to name it
    assert caught.value.state == "cancelled"
    assert caught.value.possible == ["reopen"]
    assert caught.value.code == "SYSTEM__ILLEGAL_STATE_TRANSITION"
    assert "'cancelled'" in str(caught.value)
    assert _state_reads(sw) == before + 1
    # the machine's states are kept: the next refusal is named without reading them again
    other = sw.order("10007")
    base = f"/api/_action/order/{other.id}/state"
    sw.transport.inner = _Raced(sw.transport.inner, f"{base}/process", f"{base}/cancel")
    with pytest.raises(uo.IllegalTransition) as again:
        run(sw.store.adapter.transition("order", other.id, "completed", current="open"))  # type: ignore[attr-defined]
    assert again.value.state == "cancelled"
    assert _state_reads(sw) == before + 1


def test_a_refusal_whose_state_cannot_be_named_keeps_the_id(sw: Recorded) -> None:
    order = sw.order("10004")
    base = f"/api/_action/order/{order.id}/state"
    sw.transport.inner = _Raced(sw.transport.inner, f"{base}/process", f"{base}/cancel")
    cancelled = next(
        state_id
        for state_id, row in sw.emulator.table("state_machine_state").items()
        if row["technicalName"] == "cancelled"
    )
    inner = sw.transport.inner

    def refusing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/search/state-machine-state":
            return httpx.Response(403, json={"errors": [{"status": "403", "detail": "no"}]})
        return inner.handle_request(request)

    sw.transport.inner = httpx.MockTransport(refusing)
    with pytest.raises(uo.IllegalTransition) as caught:
        sw.store._driver.run(  # type: ignore[attr-defined]
            sw.store.adapter.transition("order", order.id, "completed", current="open")  # type: ignore[attr-defined]
        )
    assert caught.value.state == cancelled  # the shop's refusal stands, as it gave it
    assert caught.value.possible == ["reopen"]


def test_notify_sends_mail(sw: Recorded) -> None:
    order = sw.order("10004")
    sw.store.orders.cancel(order.id, reason="x", notify=True)
    bodies = [e.body for e in sw.transport.exchanges if e.method == "POST" and "/state/" in e.path]
    assert bodies
    assert all(b["sendMail"] is True for b in bodies)
    assert bodies[-1]["internalComment"] == "x"


# --- refunds ------------------------------------------------------------------------------------
def test_refund_writes_capture_refund_processes_it_and_books_the_payment(sw: Recorded) -> None:
    order = sw.order("10002")  # net order
    chair = next(line for line in order.lines if line.title == "Office chair")
    refund = sw.store.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=chair.id, quantity=1)]),
        note="scratched",
        idempotency_key="refund-1",
    )
    assert refund.total == uo.Money.of("119.00", "EUR")  # 100 net + 19 % tax
    assert refund.lines[0].tax == uo.Money.of("19.00", "EUR")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.note == "scratched"
    assert refund.idempotency_key == "refund-1"
    writes = [
        e
        for e in sw.transport.exchanges
        if e.method in ("POST", "PATCH") and "search" not in e.path and "oauth" not in e.path
    ]
    paths = [e.path for e in writes]
    assert paths[0] == "/api/order-transaction-capture-refund"
    assert paths[1] == f"/api/_action/order_transaction_capture_refund/{refund.id}"
    assert paths[2].endswith("/state/refund_partially")
    body = writes[0].body
    assert body["externalReference"] == "unified-orders:refund-1"
    assert body["captureId"] == order.captured_payments[0].id
    assert body["positions"][0]["orderLineItemId"] == chair.id
    assert body["amount"]["totalPrice"] == Decimal("119.00")
    after = sw.store.orders.get(order.id)
    assert after.financial_status is uo.FinancialStatus.PARTIALLY_REFUNDED
    assert after.captured_payments[0].refundable == order.total - refund.total
    assert sw.store.refunds.list(order.id) == [refund]


def test_gross_refund_amounts_include_tax(sw: Recorded) -> None:
    order = sw.order("10001")
    shirt = order.lines[0]
    calc = sw.store.refunds.calculate(
        order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=shirt.id, quantity=1)])
    )
    assert calc.total == uo.Money.of("19.99", "EUR")
    assert calc.lines[0].tax + calc.lines[0].subtotal == calc.total
    assert calc.lines[0].restock is uo.Restock.NO_RESTOCK


def test_restock_other_than_no_restock_is_refused(sw: Recorded) -> None:
    order = sw.order("10001")
    before = len(sw.transport.exchanges)
    with pytest.raises(uo.InvalidRequest, match="allowed here: no_restock"):
        sw.store.refunds.create(
            order,
            uo.RefundRequest(
                lines=[
                    uo.RefundLineRequest(
                        line_id=order.lines[0].id, quantity=1, restock=uo.Restock.RETURN
                    )
                ]
            ),
        )
    assert len(sw.transport.exchanges) == before


def test_order_without_capture_gets_a_clear_error_and_nothing_is_written(sw: Recorded) -> None:
    order = sw.order("10003")
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)])
    for attempt in (sw.store.refunds.calculate, sw.store.refunds.create):
        with pytest.raises(uo.InvalidRequest) as caught:
            attempt(order.id, request)
        reasons = " ".join(p.message for p in caught.value.problems)
        assert "never creates captures" in reasons
        assert "payment extension" in reasons
    assert not [
        e for e in sw.transport.exchanges if e.method in ("PATCH",) or "capture-refund" in e.path
    ]
    assert sw.emulator.table("order_transaction_capture_refund") == {}


def test_handler_refusal_cancels_the_unprocessed_refund(sw: Recorded) -> None:
    order = sw.order("10003")
    txn = sw.emulator.table("order_transaction")[order.transactions[0].id]
    sw.emulator.table("order_transaction_capture")["c" * 32] = {
        "id": "c" * 32,
        "orderTransactionId": txn["id"],
        "orderTransactionVersionId": platform.LIVE_VERSION,
        "stateId": sw.emulator.state_id(machines.CAPTURE_MACHINE, "completed"),
        "amount": dict(txn["amount"]),
        "createdAt": "2025-01-07T00:00:00.000+00:00",
    }
    with pytest.raises(uo.PlatformError) as caught:
        sw.store.refunds.create(
            order.id,
            uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
        )
    assert caught.value.code == "CHECKOUT__REFUND_UNKNOWN_HANDLER_ERROR"
    assert "now cancelled" in str(caught.value)
    after = sw.store.orders.get(order.id)
    assert after.refunds[0].status is uo.RefundStatus.FAILURE
    assert after.lines[0].refunded_quantity == 0
    assert after.platform_financial_status == "paid"


def test_lost_refund_response_is_reconciled_not_duplicated() -> None:
    from unified_orders.http import Fault, FaultInjectingTransport
    from unified_orders.testing import instrumented_sandbox

    lost: list[bool] = []

    def plan(method: str, path: str) -> Fault | None:
        if path == "/api/order-transaction-capture-refund" and not lost:
            lost.append(True)
            return Fault.DROP_AFTER_APPLY
        return None

    store = instrumented_sandbox("shopware", lambda tr: FaultInjectingTransport(tr, plan))
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "10001")
    refund = store.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
    )
    assert lost == [True]
    assert store.sandbox is not None
    assert len(store.sandbox.table("order_transaction_capture_refund")) == 1  # type: ignore[attr-defined]
    assert refund.status is uo.RefundStatus.SUCCESS


# --- cancel -------------------------------------------------------------------------------------
def test_cancel_unpaid_cancels_payment_delivery_and_order(sw: Recorded) -> None:
    order = sw.order("10004")
    cancelled = sw.store.orders.cancel(order.id, reason="customer asked")
    assert cancelled.status is uo.OrderStatus.CANCELED
    assert cancelled.financial_status is uo.FinancialStatus.VOIDED
    assert cancelled.fulfillment_status is uo.FulfillmentStatus.CANCELED
    assert sw.store.orders.cancel(order.id, reason="again") == cancelled  # idempotent


def test_cancel_paid_with_refund_refunds_the_capture(sw: Recorded) -> None:
    order = sw.order("10002")
    cancelled = sw.store.orders.cancel(order.id, reason="out of stock", refund=True)
    assert cancelled.platform_financial_status == "refunded"
    assert cancelled.refunds[0].total == order.total
    assert cancelled.status is uo.OrderStatus.CANCELED


def test_cancel_paid_without_refund_leaves_the_payment(sw: Recorded) -> None:
    order = sw.order("10002")
    cancelled = sw.store.orders.cancel(order.id, reason="refund later")
    assert cancelled.platform_financial_status == "paid"
    assert cancelled.refunds == []


def test_cancel_with_refund_without_capture_is_refused_before_any_write(sw: Recorded) -> None:
    order = sw.order("10003")
    with pytest.raises(uo.UnsupportedOperation, match="never creates captures"):
        sw.store.orders.cancel(order.id, reason="x", refund=True)
    assert sw.store.orders.get(order.id).status is uo.OrderStatus.OPEN


# --- fulfillment --------------------------------------------------------------------------------
def test_delivery_is_a_fulfillment_order_shipped_partially_then_fully(sw: Recorded) -> None:
    order = sw.order("10002")
    [fo] = sw.store.fulfillments.list(order.id)
    assert fo.status is uo.FulfillmentOrderStatus.OPEN
    assert fo.supported_actions == ["cancel", "ship", "ship_partially"]
    first = fo.lines[0]
    partial = sw.store.fulfillments.request_fulfillment(fo.id, lines={first.id: 1})
    assert partial.platform_status == "shipped_partially"
    assert partial.lines[0].fulfillable_quantity == first.quantity - 1
    assert sw.store.orders.get(order.id).line(first.line_id).fulfilled_quantity == 1  # type: ignore[union-attr]
    with pytest.raises(uo.InvalidRequest):
        sw.store.fulfillments.request_fulfillment(fo.id, lines={first.id: 99})
    done = sw.store.fulfillments.request_fulfillment(fo.id)
    assert done.status is uo.FulfillmentOrderStatus.CLOSED
    assert _posted_actions(sw, "order_delivery") == ["ship_partially", "ship"]


@pytest.mark.parametrize(
    ("call", "capability"),
    [
        (lambda s: s.fulfillments.hold("a" * 32, reason=uo.HoldReason.OTHER), "fulfillments.hold"),
        (lambda s: s.fulfillments.move("a" * 32, "b" * 32), "fulfillments.move"),
        (
            lambda s: s.fulfillments.request_cancellation("a" * 32),
            "fulfillments.request_cancellation",
        ),
        (
            lambda s: s.fulfillments.available_locations("a" * 32),
            "fulfillments.available_locations",
        ),
        (lambda s: s.returns.decline("a" * 32), "returns.decline"),
    ],
)
def test_refused_with_a_hint_and_no_request(sw: Recorded, call, capability: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(uo.UnsupportedOperation) as caught:
        call(sw.store)
    assert caught.value.operation == capability
    assert caught.value.hint
    assert sw.transport.exchanges == []


# --- returns --------------------------------------------------------------------------------------
def test_return_lifecycle_with_the_licence(sw: Recorded) -> None:
    order = sw.order("10005")
    bag, tag = order.lines
    created = sw.store.returns.create(
        order.id,
        uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=tag.id, quantity=2, note="torn")]),
    )
    assert created.status is uo.ReturnStatus.OPEN
    assert created.platform_status == "in_progress"
    assert [(x.line_id, x.quantity, x.note) for x in created.lines] == [(tag.id, 2, "torn")]
    assert created.name == "RET-10001"
    run = sw.store._driver.run
    more = run(sw.store.adapter.add_return_lines(order.id, created.id, {bag.id: 1}))  # type: ignore[attr-defined]
    assert sorted((x.line_id, x.quantity) for x in more.lines) == sorted([(tag.id, 2), (bag.id, 1)])
    assert ("POST", f"/api/_action/order/return/{created.id}/calculate") in sw.sent
    closed = sw.store.returns.close(created.id, note="received")
    assert closed.status is uo.ReturnStatus.CLOSED
    items = sw.emulator.table("order_return_line_item")
    assert {
        sw.emulator.table("state_machine_state")[i["stateId"]]["technicalName"]
        for i in items.values()
    } == {"returned"}
    with pytest.raises(uo.IllegalTransition) as caught:
        sw.store.returns.approve(created.id)
    assert caught.value.state == "done"
    reopened = sw.store.returns.reopen(created.id)
    assert reopened.status is uo.ReturnStatus.REQUESTED
    cancelled = sw.store.returns.cancel(created.id)
    assert cancelled.status is uo.ReturnStatus.CANCELED
    assert [r.id for r in sw.store.returns.list(order.id)] == [created.id]


def test_requested_return_then_approve(sw: Recorded) -> None:
    order = sw.order("10001")
    created = sw.store.returns.create(
        order.id,
        uo.ReturnRequest(
            lines=[uo.ReturnLineRequest(line_id=order.lines[0].id, quantity=1)], requested=True
        ),
    )
    assert created.status is uo.ReturnStatus.REQUESTED
    approved = sw.store.returns.approve(created.id)
    assert approved.status is uo.ReturnStatus.OPEN
    assert sw.store.returns.get(created.id) == approved


def test_unshipped_lines_cannot_be_returned(sw: Recorded) -> None:
    order = sw.order("10002")
    with pytest.raises(uo.InvalidRequest, match="fulfilled"):
        sw.store.returns.create(
            order,
            uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=order.lines[0].id, quantity=1)]),
        )
    assert sw.transport.exchanges[-1].path == "/api/search/order"  # only the listing before


def test_without_the_licence_returns_are_unsupported_and_capabilities_drop() -> None:
    recorded = Recorded(sandbox_commercial=False)
    store = recorded.store
    assert uo.Capability.RETURNS_CREATE in store.capabilities  # not probed yet
    order = recorded.order("10005")
    with pytest.raises(uo.UnsupportedOperation) as caught:
        store.returns.create(
            order.id,
            uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=order.lines[0].id, quantity=1)]),
        )
    assert "RETURNS_MANAGEMENT" in caught.value.hint
    assert "404" in caught.value.hint
    assert not any(c.value.startswith("returns.") for c in store.capabilities)
    sent = len(recorded.transport.exchanges)
    with pytest.raises(uo.UnsupportedOperation):
        store.returns.list(order.id)
    assert len(recorded.transport.exchanges) == sent  # refused by the gate now


def test_commercial_false_setting_drops_returns_up_front() -> None:
    store = uo.connect("shopware", sandbox=True, commercial_returns=False)
    assert not any(c.value.startswith("returns.") for c in store.capabilities)


def test_async_store_runs_the_same_operations() -> None:
    import asyncio

    async def main() -> uo.Order:
        async with uo.connect_async("shopware", sandbox=True) as store:
            orders = [o async for o in store.orders.list()]
            return await store.orders.get(orders[0].id)

    assert asyncio.run(main()).platform == "shopware"


def test_transport_injection_works_with_mock_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth/token":
            return httpx.Response(
                200, json={"token_type": "Bearer", "expires_in": 600, "access_token": "abc-token-x"}
            )
        return httpx.Response(
            400,
            json={
                "errors": [
                    {
                        "status": "400",
                        "code": "FRAMEWORK__INVALID_UUID",
                        "title": "Bad Request",
                        "detail": "Value is not a valid uuid.",
                        "source": {"pointer": "/0/id"},
                    }
                ]
            },
        )

    store = uo.connect(
        "shopware",
        base_url="https://shop.example",
        client_id="a",
        client_secret="b",
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(uo.PlatformError) as caught:
        store.orders.get("a" * 32)
    assert caught.value.code == "FRAMEWORK__INVALID_UUID"
    assert [str(p) for p in caught.value.problems] == ["[0].id: Value is not a valid uuid."]
    assert "abc-token-x" not in str(caught.value)
