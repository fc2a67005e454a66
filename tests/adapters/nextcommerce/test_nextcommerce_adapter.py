"""The adapter through ``uo.connect``: bad input (typed errors, zero requests), settings, returns,
exactly-once writes, the rate limit and async. Conformance is in test_nextcommerce_conformance.py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from unified_orders_adapters.nextcommerce import translate
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders.http import (
    Fault,
    FaultInjectingTransport,
    RecordingTransport,
    emulator_transport,
)
from unified_orders.testing import instrumented_sandbox, unwrapped

# --- packaging ---------------------------------------------------------------------------------------
SANDBOX_PROBE = """
import sys
import unified_orders as uo
import unified_orders_adapters.nextcommerce

def sandbox_modules():
    return sorted(m for m in sys.modules if m.startswith("unified_orders_adapters.nextcommerce.sandbox"))

store = uo.connect("nextcommerce", store="acme", access_token="tok-123456")
print("before", *sandbox_modules())
uo.connect("nextcommerce", sandbox=True)
print("after", *sandbox_modules())
"""


def test_the_sandbox_is_imported_only_when_an_emulator_is_asked_for() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SANDBOX_PROBE], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.splitlines()
    assert before == "before"
    assert after.startswith("after unified_orders_adapters.nextcommerce.sandbox")


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


# --- settings ----------------------------------------------------------------------------------------
def test_sandbox_needs_no_credentials_and_real_stores_do() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    assert store.sandbox is not None
    assert store.adapter.base_url == "https://sandbox.29next.store/api/admin/"
    with pytest.raises(uo.ConfigurationError, match="store and access_token required"):
        uo.connect("nextcommerce")
    with pytest.raises(uo.ConfigurationError, match="not a store subdomain"):
        uo.connect("nextcommerce", store="bad store!", access_token="x")
    with pytest.raises(uo.ConfigurationError, match="api_version"):
        uo.connect("nextcommerce", sandbox=True, api_version="2023-02-10")
    real = uo.connect("nextcommerce", store="https://acme.29next.store/", access_token="tok-123456")
    assert real.adapter.base_url == "https://acme.29next.store/api/admin/"
    assert real.adapter.static_headers() == {
        "authorization": "Bearer tok-123456",
        "x-29next-api-version": "2024-04-01",
    }
    assert "tok-123456" not in repr(real.adapter.settings)
    assert real.adapter.secrets() == ["tok-123456"]
    assert real.adapter.emulator() is None


def test_one_cached_emulator_per_adapter() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    assert store.adapter.emulator() is store.adapter.emulator() is store.sandbox


def test_rate_limit_bucket_paces_just_under_four_per_second() -> None:
    (bucket,) = uo.connect("nextcommerce", sandbox=True).adapter.rate_limits()
    assert bucket.capacity == 1.0
    assert 3.6 <= bucket.refill_per_second < 4.0


# --- returns -------------------------------------------------------------------------------------------
def test_returns_are_absent_with_a_hint(recorded: tuple[uo.Store, RecordingTransport]) -> None:
    store, transport = recorded
    assert not any(c.value.startswith("returns.") for c in store.capabilities)
    with pytest.raises(uo.UnsupportedOperation) as caught:
        store.returns.create(
            "10004", uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id="1007", quantity=1)])
        )
    assert "restock 'return'" in caught.value.hint
    assert transport.exchanges == []


# --- bad input: typed errors before any request ----------------------------------------------------------
def test_bad_input_is_refused_before_any_request(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    order = store.orders.get("10001")
    authorized = store.orders.get("10003")
    sent = len(transport.exchanges)
    cases = [
        (
            lambda: store.refunds.create(
                order,
                uo.RefundRequest(
                    lines=[
                        uo.RefundLineRequest(line_id="1003", quantity=1, restock=uo.Restock.RETURN)
                    ]
                ),
            ),
            "lines[0].restock",
        ),
        (
            lambda: store.refunds.create(
                order,
                uo.RefundRequest(
                    lines=[
                        uo.RefundLineRequest(line_id="1001", quantity=1, restock=uo.Restock.CANCEL)
                    ]
                ),
            ),
            "lines[0].restock",
        ),
        (
            lambda: store.refunds.calculate(
                authorized,
                uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1006", quantity=1)]),
            ),
            "",
        ),
        (
            lambda: store.orders.update_shipping_address(order, uo.Address(line1="1 Road")),
            "address.city",
        ),
        (
            lambda: store.fulfillments.hold("not-a-number", reason=uo.HoldReason.OTHER),
            "fulfillment_order_id",
        ),
        (lambda: store.fulfillments.move("301", "warehouse-b"), "location_id"),
        (lambda: store.fulfillments.request_fulfillment("303", lines={"3004": 0}), "lines[3004]"),
        (
            lambda: store.orders.create(
                order.model_copy(
                    update={
                        "lines": [
                            order.lines[0].model_copy(
                                update={"variant_id": "sku-1", "product_id": None}
                            )
                        ]
                    }
                )
            ),
            "lines[0].variant_id",
        ),
        (lambda: store.orders.cancel(order, reason=""), "reason"),
    ]
    for call, path in cases:
        with pytest.raises(uo.InvalidRequest) as caught:
            call()
        assert path in {p.path for p in caught.value.problems}, caught.value
    assert len(transport.exchanges) == sent, "nothing may be sent for bad input"


def test_partial_refund_on_authorized_order_says_capture_first(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, _ = recorded
    authorized = store.orders.get("10003")
    with pytest.raises(uo.InvalidRequest, match="capture the payment first"):
        store.refunds.create(
            authorized, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1006", quantity=1)])
        )


def test_move_checks_whole_lines_after_reading_the_fulfillment_order(
    recorded: tuple[uo.Store, RecordingTransport],
) -> None:
    store, transport = recorded
    with pytest.raises(uo.InvalidRequest, match="moves whole lines"):
        store.fulfillments.move("303", "2", lines={"3004": 1})
    assert [e.method for e in transport.exchanges] == ["GET"]


# --- writes: exactly once --------------------------------------------------------------------------------
def _faulty(method: str, suffix: str) -> Any:
    done = []

    def plan(m: str, path: str) -> Fault | None:
        if m == method and path.endswith(suffix) and not done:
            done.append(path)
            return Fault.DROP_AFTER_APPLY
        return None

    return lambda transport: FaultInjectingTransport(transport, plan)


def test_refund_whose_response_is_lost_is_found_not_repeated() -> None:
    """The re-read finds the refund by the key marker in its note (a look-alike without our key
    is no longer adopted: see the next test)."""
    store = instrumented_sandbox("nextcommerce", _faulty("POST", "/refund/"))
    assert isinstance(store, uo.Store)
    refund = store.refunds.create(
        "10001",
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1002", quantity=1)]),
        note="lost reply",
        idempotency_key="k-lost",
    )
    assert refund.total == uo.Money.of("13.75", "USD")
    assert (refund.idempotency_key, refund.note) == ("k-lost", "lost reply")
    assert len(store.refunds.list("10001")) == 1
    # the same key again, from another store over the same platform: the same refund, no second
    again = unwrapped(store).refunds.create(
        "10001",
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1002", quantity=1)]),
        idempotency_key="k-lost",
    )
    assert again.id == refund.id
    assert len(store.refunds.list("10001")) == 1


def test_a_look_alike_refund_without_our_key_is_never_adopted() -> None:
    """Someone else's identical refund, made while our write was lost, is not ours: it used to be
    adopted (same lines, same total); now the re-read looks for our key only, and the resend is
    checked against what is left, so the caller is told the truth instead of "done"."""
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1002", quantity=1)])
    emulator = NextCommerceEmulator()
    other = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    done: list[str] = []

    def plan(method: str, path: str) -> Fault | None:
        if method == "POST" and path.endswith("/10001/refund/") and not done:
            done.append(other.refunds.create("10001", request, idempotency_key="theirs").id)
            return Fault.TIMEOUT_BEFORE_APPLY  # ours never lands; theirs looks just like it
        return None

    transport = FaultInjectingTransport(emulator_transport(emulator), plan)
    store = uo.connect("nextcommerce", sandbox=True, transport=transport)
    with pytest.raises(uo.InvalidRequest, match="lines\\[0\\].quantity"):
        store.refunds.create("10001", request, idempotency_key="mine")
    refunds = other.refunds.list("10001")
    assert [(r.id, r.idempotency_key) for r in refunds] == [(done[0], "theirs")]


def test_cancel_whose_response_is_lost_is_found_not_repeated() -> None:
    store = instrumented_sandbox("nextcommerce", _faulty("POST", "/cancel/"))
    assert isinstance(store, uo.Store)
    order = store.orders.cancel("10003", reason="duplicate order")
    assert order.status is uo.OrderStatus.CANCELED


def test_cancel_with_refund_whose_response_is_lost_refunds_once() -> None:
    """``CancelOrder`` has no note (only cancel_reason, full_refund, send_cancel_notification), so
    no key marker can ride with the refund a cancel makes: the cancel is exactly-once by the
    order's state instead. Found canceled after a lost reply; a second cancel is refused."""
    store = instrumented_sandbox("nextcommerce", _faulty("POST", "/cancel/"))
    assert isinstance(store, uo.Store)
    order = store.orders.cancel("10001", reason="duplicate order", refund=True)
    assert order.status is uo.OrderStatus.CANCELED
    assert [r.total for r in order.refunds] == [uo.Money.of("84.24", "USD")]
    with pytest.raises(uo.PlatformError, match="already canceled"):
        store.orders.cancel("10001", reason="duplicate order", refund=True)
    assert len(store.refunds.list("10001")) == 1


def test_throttle_is_honoured_with_retry_after() -> None:
    emulator = NextCommerceEmulator(rate_limit=True)
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect("nextcommerce", sandbox=True, rate_limit=False, transport=transport)
    for _ in range(5):
        store.orders.get("10001")
    statuses = [e.status for e in transport.exchanges]
    assert statuses.count(429) == 1
    assert statuses[-1] == 200


def test_pacing_spaces_requests_to_the_limit() -> None:
    """Paced at 4/s, eight reads get through; without pacing the same burst is throttled.

    The server's window is sliding (DRF), so a request paced exactly 250 ms after the fourth
    can still land a hair early and get a 429; the Retry-After retry absorbs it.
    """
    paced = RecordingTransport(emulator_transport(NextCommerceEmulator(rate_limit=True)))
    store = uo.connect("nextcommerce", sandbox=True, rate_limit=True, transport=paced)
    for _ in range(8):
        store.orders.get("10001")
    paced_statuses = [e.status for e in paced.exchanges]
    assert paced_statuses.count(200) == 8
    assert paced_statuses.count(429) <= 1
    burst = RecordingTransport(emulator_transport(NextCommerceEmulator(rate_limit=True)))
    unpaced = uo.connect(
        "nextcommerce", sandbox=True, rate_limit=False, max_attempts=1, transport=burst
    )
    for _ in range(4):
        unpaced.orders.get("10001")
    with pytest.raises(uo.RateLimited):
        unpaced.orders.get("10001")


def test_async_store_runs_the_same_operations() -> None:
    async def main() -> tuple[uo.Order, list[uo.FulfillmentOrder]]:
        async with uo.connect_async("nextcommerce", sandbox=True) as store:
            return await store.orders.get("10002"), await store.fulfillments.list("10002")

    order, fos = asyncio.run(main())
    assert order.currency == "EUR"
    assert fos[0].id == "302"


# --- open fulfillment orders (what a sync compares with the stored ones) ------------------------
def _open_pages(store: uo.Store) -> tuple[list[uo.FulfillmentOrder], list[uo.ReadFailure], int]:
    fos: list[uo.FulfillmentOrder] = []
    failures: list[uo.ReadFailure] = []
    cursor, pages = None, 0
    while True:
        page = store.run(store.adapter.open_fulfillment_orders(cursor))
        fos += page.items
        failures += page.failures
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return fos, failures, pages


def test_open_fulfillment_orders_follow_the_cursor_over_many_pages() -> None:
    """(That they are exactly the open ones is the conformance suite's scenario.)"""
    store = uo.connect("nextcommerce", sandbox=True)
    assert isinstance(store, uo.Store)
    assert store.sandbox is not None
    store.sandbox.seed_orders(12)  # type: ignore[attr-defined]
    fos, failures, pages = _open_pages(store)
    assert not failures
    assert pages == -(-len(fos) // 4) > 1  # the sandbox's page size is 4
    assert len({fo.id for fo in fos}) == len(fos)


def test_an_unreadable_open_fulfillment_order_names_its_order_and_one_of_no_order_fails() -> None:
    store = uo.connect("nextcommerce", sandbox=True)
    emulator: Any = store.sandbox
    emulator.seed_orders(3)
    fo = next(
        fo for fo in emulator.backend.data["fulfillment_orders"].values() if fo["status"] == "open"
    )
    fo["lines"][0]["quantity"] = "many"
    fos, failures, _ = _open_pages(store)  # type: ignore[arg-type]
    assert [f.id for f in failures] == [fo["order_number"]]
    assert str(fo["id"]) not in {x.id for x in fos}
    with pytest.raises(uo.PlatformError, match="names no order_number"):
        translate.open_fulfillment_orders([{"id": 7, "status": "open", "order_number": ""}])
