"""The exactly-once rule on a tiny ledger platform: found by key, resent once, or AmbiguousWrite."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from toy_ledger import ANY_RESTOCK, four_unit_order, usd

import unified_orders as uo
from unified_orders.adapter import Op, RefundOptions, Request
from unified_orders.http import (
    Fault,
    FaultInjectingTransport,
    RecordingTransport,
    SyncDriver,
    emulator_transport,
)
from unified_orders.store import Store


class Ledger(uo.Emulator):
    """One order of four 25.00 units; refunds are appended to it."""

    def __init__(self) -> None:
        self.refunds: list[dict[str, Any]] = []
        self.status = "success"
        self.reads = 0
        self.finish_after_reads = 10**9

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        if method == "GET" and path == "/orders/1":
            self.reads += 1
            for refund in self.refunds:
                if refund["status"] == "pending" and self.reads > self.finish_after_reads:
                    refund["status"] = "success"  # another caller finished its write
            return 200, {"refunds": self.refunds}, {}
        if method == "POST" and path == "/orders/1/refunds":
            refund = {
                "id": str(len(self.refunds) + 1),
                "quantity": body["quantity"],
                "amount": body["amount"],
                "key": body.get("key"),
                "status": self.status,
            }
            self.refunds.append(refund)
            return 201, refund, {}
        return 404, {"error": "no route"}, {}


class LedgerAdapter(uo.Adapter):
    platform = "ledger"
    restock_policy = ANY_RESTOCK
    calculates_refunds = False
    stores_idempotency_keys = True
    capabilities = frozenset({uo.Capability.ORDERS_GET, uo.Capability.REFUNDS_CREATE})  # type: ignore[assignment]
    base_url = "https://ledger.example/"  # type: ignore[assignment]

    def get_order(self, order_id: str) -> Op[uo.Order]:
        body = (yield Request("GET", f"orders/{order_id}")).body
        refunds = [
            uo.Refund(
                id=r["id"],
                order_id="1",
                status=uo.RefundStatus(r.get("status", "success")),
                idempotency_key=r.get("key") if self.stores_idempotency_keys else None,
                created_at=r.get("created"),
                total=usd(r["amount"]),
                lines=[
                    uo.RefundLine(
                        line_id="L",
                        quantity=r["quantity"],
                        restock=uo.Restock.NO_RESTOCK,
                        subtotal=usd(r["amount"]),
                        tax=usd(0),
                        total=usd(r["amount"]),
                    )
                ],
            )
            for r in body["refunds"]
        ]
        refunded = sum(r["quantity"] for r in body["refunds"])
        return four_unit_order("ledger", refunds, refunded)

    def create_refund(
        self, order: uo.Order, calculation: uo.RefundCalculation, options: RefundOptions
    ) -> Op[uo.Refund]:
        body: dict[str, Any] = {
            "quantity": calculation.lines[0].quantity,
            "amount": str(calculation.total.amount),
        }
        if self.stores_idempotency_keys:
            body["key"] = options.idempotency_key
        answer = (yield Request("POST", f"orders/{order.id}/refunds", json=body)).body
        return uo.Refund(
            id=answer["id"],
            order_id=order.id,
            status=uo.RefundStatus(answer["status"]),
            total=uo.Money.of(answer["amount"], "USD"),
        )


class KeylessLedgerAdapter(LedgerAdapter):
    """The same platform through an adapter with no place for the key."""

    stores_idempotency_keys = False


def store_with(
    faults: dict[int, Fault], adapter_class: type[LedgerAdapter] = LedgerAdapter
) -> tuple[Store, Ledger, FaultInjectingTransport]:
    ledger = Ledger()
    counter = iter(range(1000))
    transport = FaultInjectingTransport(
        emulator_transport(ledger), lambda m, p: faults.get(next(counter))
    )
    adapter = adapter_class(uo.AdapterSettings(max_attempts=3, retry_backoff=0, sandbox=True))
    return Store(adapter, SyncDriver(adapter, transport)), ledger, transport


REQUEST = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="L", quantity=1)])
# Request 0 is the order read before the write; request 1 is the refund POST.
WRITE = 1


def test_a_dropped_response_is_found_by_re_reading() -> None:
    store, ledger, _ = store_with({WRITE: Fault.DROP_AFTER_APPLY})
    refund = store.refunds.create("1", REQUEST)
    assert len(ledger.refunds) == 1
    assert refund.id == "1"
    assert refund.idempotency_key  # generated, and handed back


def test_a_write_that_never_arrived_is_sent_once_more() -> None:
    store, ledger, _ = store_with({WRITE: Fault.TIMEOUT_BEFORE_APPLY})
    store.refunds.create("1", REQUEST, idempotency_key="k1")
    assert len(ledger.refunds) == 1


def test_5xx_after_applying_is_reconciled() -> None:
    store, ledger, _ = store_with({WRITE: Fault.ERROR_5XX_AFTER_APPLY})
    assert store.refunds.create("1", REQUEST).id == "1"
    assert len(ledger.refunds) == 1


def test_lost_twice_without_effect_is_ambiguous() -> None:
    # write lost before applying; the re-read and three settle re-reads (requests 2-5) say not
    # applied; the resend (request 6) is lost before applying again
    store, ledger, _ = store_with({1: Fault.TIMEOUT_BEFORE_APPLY, 6: Fault.TIMEOUT_BEFORE_APPLY})
    with pytest.raises(uo.AmbiguousWrite) as caught:
        store.refunds.create("1", REQUEST, idempotency_key="k2")
    assert caught.value.idempotency_key == "k2"
    assert ledger.refunds == []


def test_a_failed_re_read_is_ambiguous() -> None:
    faults = {WRITE: Fault.DROP_AFTER_APPLY} | {n: Fault.THROTTLE_429 for n in range(2, 10)}
    store, ledger, _ = store_with(faults)
    with pytest.raises(uo.AmbiguousWrite, match="re-reading the platform to check failed"):
        store.refunds.create("1", REQUEST)
    assert len(ledger.refunds) == 1  # it did happen; the caller is told it cannot be sure


def test_429_on_the_write_is_simply_retried() -> None:
    store, ledger, transport = store_with({WRITE: Fault.THROTTLE_429})
    store.refunds.create("1", REQUEST)
    assert len(ledger.refunds) == 1
    assert [f for _, _, f in transport.injected] == [Fault.THROTTLE_429]


def test_invalid_requests_never_reach_the_transport() -> None:
    ledger = Ledger()
    recorder = RecordingTransport(emulator_transport(ledger))
    adapter = LedgerAdapter(uo.AdapterSettings())
    store = Store(adapter, SyncDriver(adapter, recorder))
    order = store.orders.get("1")
    assert len(recorder.exchanges) == 1
    with pytest.raises(uo.InvalidRequest):
        store.refunds.create(
            order, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="L", quantity=5)])
        )
    assert len(recorder.exchanges) == 1
    assert ledger.refunds == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault.HTML_AFTER_APPLY,
        Fault.TRUNCATED_AFTER_APPLY,
        Fault.EMPTY_AFTER_APPLY,
        Fault.NULL_AFTER_APPLY,
        Fault.DEEP_AFTER_APPLY,
    ],
)
def test_an_unreadable_answer_to_an_applied_write_is_found_by_key(fault: Fault) -> None:
    store, ledger, _ = store_with({WRITE: fault})
    refund = store.refunds.create("1", REQUEST, idempotency_key="garbled")
    assert len(ledger.refunds) == 1
    assert refund.id == "1"
    assert refund.idempotency_key == "garbled"


def test_a_write_applied_after_the_timeout_is_found_while_settling() -> None:
    store, ledger, transport = store_with({WRITE: Fault.SLOW_APPLY})
    refund = store.refunds.create("1", REQUEST, idempotency_key="slow")
    transport.settle()
    assert len(ledger.refunds) == 1
    assert refund.id == "1"


def test_the_same_key_again_returns_the_first_refund() -> None:
    store, ledger, _ = store_with({})
    first = store.refunds.create("1", REQUEST, idempotency_key="again")
    for _ in range(3):
        assert store.refunds.create("1", REQUEST, idempotency_key="again").id == first.id
    assert len(ledger.refunds) == 1
    other = store.refunds.create("1", REQUEST, idempotency_key="other")
    assert other.id != first.id
    assert len(ledger.refunds) == 2


def test_a_look_alike_without_our_key_is_never_adopted() -> None:
    store, ledger, _ = store_with({WRITE: Fault.DROP_AFTER_APPLY}, KeylessLedgerAdapter)
    with pytest.raises(uo.AmbiguousWrite, match="none was adopted") as caught:
        store.refunds.create("1", REQUEST, idempotency_key="k3")
    assert caught.value.candidates == ["1"]
    assert len(ledger.refunds) == 1


def test_a_refund_the_platform_recorded_as_failed_is_an_error() -> None:
    store, ledger, _ = store_with({})
    ledger.status = "failure"
    with pytest.raises(uo.RefundFailed, match="failed on the platform") as caught:
        store.refunds.create("1", REQUEST, idempotency_key="declined")
    assert caught.value.refund.id == "1"
    with pytest.raises(uo.RefundFailed):  # the same key names the same failed refund
        store.refunds.create("1", REQUEST, idempotency_key="declined")
    assert len(ledger.refunds) == 1


class BusyLedgerAdapter(LedgerAdapter):
    """As if other callers wrote the store too: a pending refund found by key is waited for."""

    @property
    def in_flight_settle(self) -> tuple[float, ...]:
        return (0.0, 0.0, 0.0)


def pending(ledger: Ledger, key: str, created: datetime | None = None) -> None:
    refund = {"id": "9", "quantity": 1, "amount": "25.00", "key": key, "status": "pending"}
    ledger.refunds.append(refund | ({"created": created} if created else {}))


def test_a_pending_refund_found_by_key_is_waited_for_while_another_caller_finishes_it() -> None:
    store, ledger, _ = store_with({}, BusyLedgerAdapter)
    pending(ledger, "racing")
    ledger.finish_after_reads = 2  # the other caller's write completes after our second read
    refund = store.refunds.create("1", REQUEST, idempotency_key="racing")
    assert (refund.id, refund.status) == ("9", uo.RefundStatus.SUCCESS)
    assert len(ledger.refunds) == 1
    assert ledger.reads == 3


def test_a_refund_still_pending_after_the_wait_is_reported_pending_and_not_made_again() -> None:
    store, ledger, _ = store_with({}, BusyLedgerAdapter)
    pending(ledger, "stuck")
    with pytest.raises(uo.RefundFailed, match="still pending"):
        store.refunds.create("1", REQUEST, idempotency_key="stuck")
    assert len(ledger.refunds) == 1
    assert ledger.reads == 4  # the first read and three waits


def test_an_old_pending_refund_is_the_platforms_own_pending_and_not_waited_for() -> None:
    store, ledger, _ = store_with({}, BusyLedgerAdapter)
    pending(ledger, "old", created=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(uo.RefundFailed, match="still pending"):
        store.refunds.create("1", REQUEST, idempotency_key="old")
    assert ledger.reads == 1


class ResumingLedgerAdapter(BusyLedgerAdapter):
    """A platform where a pending refund of ours can be a write its writer left half done."""

    resumed: ClassVar[list[tuple[str, str | None, bool]]] = []

    @property
    def in_flight_seconds(self) -> float:
        return 120.0  # as on a real shop

    def resume_refund(
        self, order: uo.Order, refund: uo.Refund, options: RefundOptions
    ) -> Op[uo.Refund]:
        self.resumed.append((refund.id, options.idempotency_key, options.notify))
        return refund.model_copy(update={"status": uo.RefundStatus.SUCCESS})
        yield


def test_an_old_pending_refund_of_ours_is_handed_to_the_adapter_to_finish() -> None:
    store, ledger, _ = store_with({}, ResumingLedgerAdapter)
    ResumingLedgerAdapter.resumed.clear()
    pending(ledger, "half", created=datetime.now(UTC) - timedelta(hours=1))
    refund = store.refunds.create("1", REQUEST, idempotency_key="half", notify=True)
    assert (refund.id, refund.status) == ("9", uo.RefundStatus.SUCCESS)
    assert ResumingLedgerAdapter.resumed == [("9", "half", True)]
    assert len(ledger.refunds) == 1


@pytest.mark.parametrize("age", [timedelta(seconds=1), None], ids=["young", "undated"])
def test_a_pending_refund_that_may_be_in_flight_is_never_finished_by_us(
    age: timedelta | None,
) -> None:
    store, ledger, _ = store_with({}, ResumingLedgerAdapter)
    ResumingLedgerAdapter.resumed.clear()
    pending(ledger, "busy", created=None if age is None else datetime.now(UTC) - age)
    with pytest.raises(uo.RefundFailed, match="money may yet move"):
        store.refunds.create("1", REQUEST, idempotency_key="busy")
    assert ResumingLedgerAdapter.resumed == []
    assert ledger.reads == 4  # the first read and three waits


def test_an_in_process_sandbox_has_no_other_writer_to_wait_for() -> None:
    store, ledger, _ = store_with({})
    pending(ledger, "alone")
    with pytest.raises(uo.RefundFailed, match="still pending"):
        store.refunds.create("1", REQUEST, idempotency_key="alone")
    assert ledger.reads == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 65, "[uo:nested]"])
def test_a_key_that_cannot_travel_is_refused_before_any_request(key: str) -> None:
    store, ledger, transport = store_with({})
    with pytest.raises(uo.InvalidRequest, match="idempotency_key"):
        store.refunds.create("1", REQUEST, idempotency_key=key)
    assert transport.injected == []
    assert ledger.refunds == []


def test_concurrent_callers_never_over_refund() -> None:
    import threading

    store, ledger, _ = store_with({})
    outcomes: list[object] = []

    def refund_two() -> None:
        try:
            outcomes.append(
                store.refunds.create(
                    "1", uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="L", quantity=2)])
                )
            )
        except uo.InvalidRequest as error:
            outcomes.append(error)

    threads = [threading.Thread(target=refund_two) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["quantity"] for r in ledger.refunds) == 4  # all four units, never more
    assert sum(isinstance(o, uo.Refund) for o in outcomes) == 2
    assert sum(isinstance(o, uo.InvalidRequest) for o in outcomes) == 4
