"""Exactly-once refunds on Shopware (issue 14): the key on the platform, answers that cannot be
read, refusals that are not refusals, and concurrent callers on one order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.testing import instrumented_sandbox, unwrapped

REFUND_SEARCH = "/api/search/order-transaction-capture-refund"
CREATE = "/api/order-transaction-capture-refund"
PROCESS = "/api/_action/order_transaction_capture_refund/"


class Tampering(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Passes requests to the sandbox; ``tamper(request, forward)`` may answer instead."""

    def __init__(
        self,
        inner: Any,
        tamper: Callable[[httpx.Request, Callable[[], httpx.Response]], httpx.Response | None],
    ) -> None:
        self.inner = inner
        self.tamper = tamper
        self.sent: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path))
        answer = self.tamper(request, lambda: self.inner.handle_request(request))
        return answer if answer is not None else self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


def tampered(tamper: Any, **settings: Any) -> tuple[uo.Store, Tampering, ShopwareEmulator]:
    holder: list[Tampering] = []

    def wrap(transport: Any) -> Tampering:
        holder.append(Tampering(transport, tamper))
        return holder[0]

    store = instrumented_sandbox("shopware", wrap, max_attempts=3, retry_backoff=0, **settings)
    assert isinstance(store, uo.Store)
    assert isinstance(store.sandbox, ShopwareEmulator)
    return store, holder[0], store.sandbox


def demo(store: uo.Store, number: str) -> uo.Order:
    return next(o for o in unwrapped(store).orders.list() if o.number == number)


def one_shirt(order: uo.Order) -> uo.RefundRequest:
    shirt = next(line for line in order.lines if line.title == "T-shirt")
    return uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=shirt.id, quantity=1)])


# --- the key travels in externalReference ----------------------------------------------------------
def test_the_key_is_the_capture_refunds_external_reference_and_a_retry_returns_it(
    sw: Recorded,
) -> None:
    assert sw.store.adapter.stores_idempotency_keys
    order = sw.order("10001")
    refund = sw.store.refunds.create(order.id, one_shirt(order), idempotency_key="order-1001-a")
    [body] = [e.body for e in sw.transport.exchanges if e.path == CREATE]
    assert body["externalReference"] == "unified-orders:order-1001-a"
    [record] = sw.emulator.table("order_transaction_capture_refund").values()
    assert record["externalReference"] == "unified-orders:order-1001-a"
    # read back from the platform by a store of its own, as a new process would
    [listed] = unwrapped(sw.store).refunds.list(order.id)
    assert (listed.id, listed.idempotency_key) == (refund.id, "order-1001-a")
    sent = len(sw.transport.exchanges)
    again = sw.store.refunds.create(order.id, one_shirt(order), idempotency_key="order-1001-a")
    assert again.id == refund.id
    assert again.total == uo.Money.of("19.99", "EUR")
    assert [e.path for e in sw.transport.exchanges[sent:] if e.method == "POST"] == [
        "/api/search/order"
    ]  # found by key: nothing written
    assert len(sw.emulator.table("order_transaction_capture_refund")) == 1


# --- a refusal of the process call is judged by the record -----------------------------------------
def test_a_refund_that_completed_is_never_reported_as_refused() -> None:
    """The process call reached the shop twice (a late duplicate); the answer we see is the
    second one's 400, but the refund completed: it is a refund, not "refund through the PSP"."""

    def twice(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path.startswith(PROCESS):
            forward()  # the first copy: the demo handler completes the refund
            return None  # the copy we hear back from: 400, the refund is no longer open
        return None

    store, _, emulator = tampered(twice)
    order = demo(store, "10001")
    refund = store.refunds.create(order.id, one_shirt(order), idempotency_key="late-twin")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == uo.Money.of("19.99", "EUR")
    after = unwrapped(store).orders.get(order.id)
    assert after.platform_financial_status == "refunded_partially"
    assert after.line(order.lines[0].id).refunded_quantity == 1  # type: ignore[union-attr]
    assert len(emulator.table("order_transaction_capture_refund")) == 1


def test_a_real_refusal_cancels_the_record_and_says_so(sw: Recorded) -> None:
    order = sw.order("10003")  # paid by invoice: no refund handler
    txn = sw.emulator.table("order_transaction")[order.transactions[0].id]
    from unified_orders_adapters.shopware import platform
    from unified_orders_adapters.shopware import states as machines

    sw.emulator.table("order_transaction_capture")["c" * 32] = {
        "id": "c" * 32,
        "orderTransactionId": txn["id"],
        "orderTransactionVersionId": platform.LIVE_VERSION,
        "stateId": sw.emulator.state_id(machines.CAPTURE_MACHINE, "completed"),
        "amount": dict(txn["amount"]),
        "createdAt": "2025-01-07T00:00:00.000+00:00",
    }
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)])
    with pytest.raises(uo.PlatformError, match="Refund through the payment provider") as caught:
        sw.store.refunds.create(order.id, request)
    assert caught.value.code == "CHECKOUT__REFUND_UNKNOWN_HANDLER_ERROR"
    [record] = sw.emulator.table("order_transaction_capture_refund").values()
    assert sw.emulator.state_row(record["stateId"])["technicalName"] == "cancelled"


# --- "does the refund exist?" that cannot be read is never "no" --------------------------------------
@pytest.mark.parametrize(
    "garbled",
    [b"<html><body>502 Bad Gateway</body></html>", b"{}", b'{"data": "none"}', b"null"],
    ids=["html", "empty-object", "data-not-a-list", "null"],
)
def test_an_unreadable_existence_check_is_an_ambiguous_write(garbled: bytes) -> None:
    lost: list[bool] = []

    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path == CREATE and not lost:
            lost.append(True)
            forward()  # applied, and the answer is lost
            raise httpx.ReadTimeout("answer lost", request=request)
        if request.url.path == REFUND_SEARCH:
            return httpx.Response(200, content=garbled, headers={"content-type": "text/html"})
        return None

    store, transport, emulator = tampered(tamper)
    order = demo(store, "10001")
    with pytest.raises(uo.AmbiguousWrite) as caught:
        store.refunds.create(order.id, one_shirt(order), idempotency_key="cannot-tell")
    assert not isinstance(caught.value, uo.PlatformError)
    [record_id] = emulator.table("order_transaction_capture_refund")
    assert record_id in caught.value.candidates
    assert transport.sent.count(("POST", CREATE)) == 1  # never resent on "cannot tell"
    assert not [p for m, p in transport.sent if p.startswith(PROCESS)]


def test_a_garbled_state_list_is_an_error_and_is_not_kept() -> None:
    """One garbled answer to the state lookup used to be cached as ``{}``, so every later refund
    on the store raised KeyError('open')."""
    garbled: list[bool] = []

    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.url.path == "/api/search/state-machine-state" and not garbled:
            garbled.append(True)
            return httpx.Response(200, json={"total": 0, "data": []})
        return None

    store, _, emulator = tampered(tamper)
    order = demo(store, "10001")
    with pytest.raises(uo.PlatformError, match="states of order_transaction_capture_refund"):
        store.refunds.create(order.id, one_shirt(order), idempotency_key="first")
    assert emulator.table("order_transaction_capture_refund") == {}
    refund = store.refunds.create(order.id, one_shirt(order), idempotency_key="second")
    assert refund.status is uo.RefundStatus.SUCCESS


def test_states_without_names_are_an_error(sw: Recorded) -> None:
    from unified_orders_adapters.shopware import states as machines
    from unified_orders_adapters.shopware.sandbox.state import sandbox_id

    sw.emulator.table("state_machine_state")["f" * 32] = {
        "id": "f" * 32,
        "stateMachineId": sandbox_id("machine", machines.REFUND_MACHINE),
    }  # a state without its technical name
    order = sw.order("10001")
    with pytest.raises(uo.PlatformError, match="could not be read"):
        sw.store.refunds.create(order.id, one_shirt(order))
    assert sw.emulator.table("order_transaction_capture_refund") == {}


# --- concurrent callers on one 2-unit line ------------------------------------------------------------
def _shirt_order(store: uo.Store) -> tuple[uo.Order, uo.LineItem, uo.Money]:
    order = demo(store, "10001")
    shirt = next(line for line in order.lines if line.title == "T-shirt")
    assert shirt.refundable_quantity == 2
    [capture] = [t for t in order.transactions if t.kind is uo.TransactionKind.CAPTURE]
    return order, shirt, capture.amount


def _paid_back(emulator: ShopwareEmulator) -> Decimal:
    states = emulator.table("state_machine_state")
    return sum(
        (
            Decimal(r["amount"]["totalPrice"])
            for r in emulator.table("order_transaction_capture_refund").values()
            if states[r["stateId"]]["technicalName"] not in ("failed", "cancelled")
        ),
        Decimal(0),
    )


def _check_outcomes(
    outcomes: list[uo.Refund | BaseException],
    store: uo.Store,
    order: uo.Order,
    shirt: uo.LineItem,
    captured: uo.Money,
) -> None:
    made = [o for o in outcomes if isinstance(o, uo.Refund)]
    refused = [o for o in outcomes if isinstance(o, uo.InvalidRequest)]
    assert len(made) == 2, outcomes
    assert len(made) + len(refused) == len(outcomes), outcomes
    assert all("only 0 of line" in str(r) for r in refused)
    after = unwrapped(store).orders.get(order.id)
    assert after.line(shirt.id).refunded_quantity == 2  # type: ignore[union-attr]
    paid_back = sum((r.total.amount for r in after.refunds), Decimal(0))
    assert paid_back == Decimal("39.98")
    assert isinstance(store.sandbox, ShopwareEmulator)
    assert _paid_back(store.sandbox) == paid_back
    assert paid_back <= captured.amount


def test_threads_refund_at_most_the_two_units_of_a_line() -> None:
    store = uo.connect("shopware", sandbox=True)
    order, shirt, captured = _shirt_order(store)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=shirt.id, quantity=1)])
    outcomes: list[uo.Refund | BaseException] = []
    start = threading.Barrier(8)

    def refund(index: int) -> None:
        start.wait()
        try:
            outcomes.append(store.refunds.create(order.id, request, idempotency_key=f"t-{index}"))
        except uo.UnifiedOrdersError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=refund, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 8
    _check_outcomes(outcomes, store, order, shirt, captured)


def test_asyncio_tasks_refund_at_most_the_two_units_of_a_line() -> None:
    store = uo.connect_async("shopware", sandbox=True)
    order, shirt, captured = _shirt_order(unwrapped(store))
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=shirt.id, quantity=1)])

    async def main() -> list[uo.Refund | BaseException]:
        tasks = [
            store.refunds.create(order.id, request, idempotency_key=f"task-{i}") for i in range(20)
        ]
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    outcomes = asyncio.run(main())
    assert len(outcomes) == 20
    _check_outcomes(outcomes, unwrapped(store), order, shirt, captured)


# --- after the money moved --------------------------------------------------------------------------
def test_a_payment_that_cannot_be_booked_still_returns_the_refund(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path.endswith("/state/refund_partially"):
            return httpx.Response(
                400,
                json={
                    "errors": [
                        {
                            "status": "400",
                            "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                            "title": "Bad Request",
                            "detail": "locked by another process",
                        }
                    ]
                },
            )
        return None

    store, _, emulator = tampered(tamper)
    order = demo(store, "10001")
    with caplog.at_level("WARNING", logger="unified_orders.shopware"):
        refund = store.refunds.create(order.id, one_shirt(order), idempotency_key="unbooked")
    assert refund.status is uo.RefundStatus.SUCCESS  # the money moved: it is a refund
    assert "could not be booked as refunded_partially" in caplog.text
    assert unwrapped(store).orders.get(order.id).platform_financial_status == "paid"
    # the next refund books the payment from the refunds it reads
    unwrapped(store).refunds.create(order.id, one_shirt(order), idempotency_key="next")
    assert unwrapped(store).orders.get(order.id).platform_financial_status == "refunded_partially"
    assert len(emulator.table("order_transaction_capture_refund")) == 2


def test_a_refund_whose_read_back_fails_is_found_by_its_key() -> None:
    processed: list[bool] = []
    garbled: list[bool] = []

    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path.startswith(PROCESS):
            processed.append(True)
        if request.url.path == "/api/search/order" and processed and len(garbled) < 3:
            garbled.append(True)  # every attempt of the read-back after processing
            return httpx.Response(200, content=b"<html>504 Gateway Time-out</html>")
        return None

    store, transport, emulator = tampered(tamper)
    order = demo(store, "10001")
    refund = store.refunds.create(order.id, one_shirt(order), idempotency_key="read-back")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.idempotency_key == "read-back"
    assert len(garbled) == 3
    assert transport.sent.count(("POST", CREATE)) == 1
    assert len(emulator.table("order_transaction_capture_refund")) == 1


def test_an_unreadable_list_of_transitions_is_an_error_not_no_way_out() -> None:
    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "GET" and request.url.path.startswith("/api/_action/state-machine/"):
            return httpx.Response(200, json={"data": []})  # JSON, but no transitions list
        return None

    store, _, _ = tampered(tamper)
    order = demo(store, "10004")
    with pytest.raises(uo.PlatformError, match="transitions of order_transaction .* could not"):
        store.orders.cancel(order.id, reason="customer asked")
    assert unwrapped(store).orders.get(order.id).status is uo.OrderStatus.OPEN


# --- a writer that stopped between writing a capture refund and processing it ------------------------
class Killed(BaseException):
    """The process dying: not an error anything in the library may catch."""


def dies_at_process(nth: int = 1) -> Callable[..., Any]:
    """A tamper: the writer dies as it sends its ``nth`` process call, which never arrives."""
    calls: list[str] = []

    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path.startswith(PROCESS):
            calls.append(request.url.path)
            if len(calls) == nth:
                raise Killed
        return None

    return tamper


def killed_before_processing(
    key: str,
    now: bool = False,
    number: str = "10001",
    request: Any = one_shirt,
    nth: int = 1,
    **settings: Any,
) -> tuple[uo.Store, ShopwareEmulator, uo.Order]:
    """A refund under ``key`` whose writer died as it sent its ``nth`` process call (which never
    arrived): the shop holds that capture refund ``open`` (dated now, with ``now``; else by the
    sandbox's logical clock, long ago)."""
    store, _, emulator = tampered(dies_at_process(nth), **settings)
    if now:
        emulator.wall_clock = lambda: datetime.now(UTC)
    order = demo(store, number)
    with pytest.raises(Killed):
        store.refunds.create(order.id, request(order), idempotency_key=key)
    states = [
        emulator.state_row(record["stateId"])["technicalName"]
        for record in emulator.table("order_transaction_capture_refund").values()
    ]
    assert states == ["completed"] * (nth - 1) + ["open"]
    return store, emulator, order


def test_the_same_key_finishes_a_refund_whose_writer_died_before_processing_it() -> None:
    store, emulator, order = killed_before_processing("died")
    again = unwrapped(store)  # a new process
    refund = again.refunds.create(order.id, one_shirt(order), idempotency_key="died")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.idempotency_key == "died"
    assert refund.total == uo.Money.of("19.99", "EUR")
    [record] = emulator.table("order_transaction_capture_refund").values()
    assert emulator.state_row(record["stateId"])["technicalName"] == "completed"
    after = again.orders.get(order.id)
    assert after.platform_financial_status == "refunded_partially"  # booked too
    assert after.line(order.lines[0].id).refunded_quantity == 1  # type: ignore[union-attr]
    # once finished, the key names it: nothing is written or processed again
    assert again.refunds.create(order.id, one_shirt(order), idempotency_key="died").id == refund.id
    assert len(emulator.table("order_transaction_capture_refund")) == 1


def test_an_open_refund_that_may_still_be_processing_is_never_processed_again() -> None:
    """On a real shop an open record made in the last two minutes may be in its payment
    handler's hands: processing it again could pay twice, so it is reported pending (the
    store's ``in_flight_seconds`` setting gives the sandbox a real shop's window)."""
    store, emulator, order = killed_before_processing("in-flight", now=True, in_flight_seconds=120)
    assert store.adapter.in_flight_seconds == 120
    with pytest.raises(uo.RefundFailed, match="money may yet move") as caught:
        unwrapped(store).refunds.create(order.id, one_shirt(order), idempotency_key="in-flight")
    assert caught.value.refund.status is uo.RefundStatus.PENDING
    assert "do not issue a new refund" in str(caught.value)
    [record] = emulator.table("order_transaction_capture_refund").values()
    assert emulator.state_row(record["stateId"])["technicalName"] == "open"


def whole(order: uo.Order) -> uo.RefundRequest:
    return uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=x.id, quantity=x.quantity) for x in order.lines]
    )


def test_a_refund_over_two_captures_killed_before_the_second_is_processed_is_finished() -> None:
    # 10007: one line paid as a 60.00 deposit and a 40.00 balance, a capture refund on each
    store, emulator, order = killed_before_processing("sofa", number="10007", request=whole, nth=2)
    again = unwrapped(store)
    refund = again.refunds.create(order.id, whole(order), idempotency_key="sofa")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == uo.Money.of("100.00", "EUR")
    states = [
        emulator.state_row(record["stateId"])["technicalName"]
        for record in emulator.table("order_transaction_capture_refund").values()
    ]
    assert states == ["completed", "completed"]
    assert again.orders.get(order.id).platform_financial_status == "refunded"


def test_a_refund_over_two_captures_killed_while_writing_them_moves_no_money() -> None:
    """Every capture refund is written before any is processed, and each says how many the
    request writes: a set cut short is cancelled by the same key, never paid in part."""
    creates: list[str] = []

    def tamper(request: httpx.Request, forward: Callable[[], httpx.Response]) -> Any:
        if request.method == "POST" and request.url.path == CREATE:
            creates.append(request.url.path)
            if len(creates) == 2:
                raise Killed
        return None

    store, _, emulator = tampered(tamper)
    order = demo(store, "10007")
    with pytest.raises(Killed):
        store.refunds.create(order.id, whole(order), idempotency_key="cut")
    [record] = emulator.table("order_transaction_capture_refund").values()
    assert emulator.state_row(record["stateId"])["technicalName"] == "open"
    assert record["customFields"]["unified_orders_parts"] == 2
    again = unwrapped(store)
    with pytest.raises(uo.RefundFailed, match="no money has moved") as caught:
        again.refunds.create(order.id, whole(order), idempotency_key="cut")
    assert caught.value.refund.status is uo.RefundStatus.FAILURE
    assert emulator.state_row(record["stateId"])["technicalName"] == "cancelled"
    assert again.orders.get(order.id).platform_financial_status == "paid"
    # a new key refunds the whole line, from both captures
    refund = again.refunds.create(order.id, whole(order), idempotency_key="cut-2")
    assert refund.total == uo.Money.of("100.00", "EUR")


def test_a_cancel_killed_before_its_refund_was_processed_refunds_once_when_run_again() -> None:
    """Before, the open record counted as refunded: the cancel ran again refunded nothing, and
    the order was cancelled with the customer's money never paid back."""
    store, _, emulator = tampered(dies_at_process())
    order = demo(store, "10001")
    with pytest.raises(Killed):
        store.orders.cancel(order.id, reason="out of stock", refund=True, idempotency_key="c1")
    again = unwrapped(store)
    cancelled = again.orders.cancel(
        order.id, reason="out of stock", refund=True, idempotency_key="c1"
    )
    assert cancelled.status is uo.OrderStatus.CANCELED
    [refund] = cancelled.refunds
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == order.total
    [record] = emulator.table("order_transaction_capture_refund").values()
    assert emulator.state_row(record["stateId"])["technicalName"] == "completed"


def test_a_return_whose_refund_was_left_unprocessed_is_finished_by_the_same_key() -> None:
    store, _, emulator = tampered(dies_at_process())
    order = demo(store, "10001")
    shirt = next(line for line in order.lines if line.title == "T-shirt")
    ret = store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=shirt.id, quantity=1)])
    )
    with pytest.raises(Killed):
        store.returns.process(ret.id, restock=uo.Restock.RETURN, idempotency_key="ret-k")
    processed, refund = unwrapped(store).returns.process(
        ret.id, restock=uo.Restock.RETURN, idempotency_key="ret-k"
    )
    assert refund is not None
    assert (refund.status, refund.return_id) == (uo.RefundStatus.SUCCESS, ret.id)
    assert processed.status is uo.ReturnStatus.CLOSED
    [record] = emulator.table("order_transaction_capture_refund").values()
    assert emulator.state_row(record["stateId"])["technicalName"] == "completed"
