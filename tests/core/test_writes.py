"""The exactly-once rule on a tiny ledger platform: found, resent once, or AmbiguousWrite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

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

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        if method == "GET" and path == "/orders/1":
            return 200, {"refunds": self.refunds}, {}
        if method == "POST" and path == "/orders/1/refunds":
            refund = {
                "id": str(len(self.refunds) + 1),
                "quantity": body["quantity"],
                "amount": body["amount"],
            }
            self.refunds.append(refund)
            return 201, refund, {}
        return 404, {"error": "no route"}, {}


class LedgerAdapter(uo.Adapter):
    platform = "ledger"
    restock_policy = uo.RestockPolicy(
        unfulfilled=frozenset(uo.Restock),
        fulfilled=frozenset(uo.Restock),
        fulfilled_digital=frozenset(uo.Restock),
    )
    calculates_refunds = False
    capabilities = frozenset({uo.Capability.ORDERS_GET, uo.Capability.REFUNDS_CREATE})  # type: ignore[assignment]
    base_url = "https://ledger.example/"  # type: ignore[assignment]

    def get_order(self, order_id: str) -> Op[uo.Order]:
        body = (yield Request("GET", f"orders/{order_id}")).body
        usd = lambda amount: uo.Money.of(amount, "USD")  # noqa: E731
        refunds = [
            uo.Refund(
                id=r["id"],
                order_id="1",
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
        return uo.Order(
            id="1",
            platform="ledger",
            currency="USD",
            status=uo.OrderStatus.OPEN,
            lines=[
                uo.LineItem(
                    id="L",
                    quantity=4,
                    current_quantity=4,
                    fulfilled_quantity=4,
                    refunded_quantity=refunded,
                    unit_price=usd("25.00"),
                    total=usd("100.00"),
                )
            ],
            transactions=[
                uo.Transaction(
                    id="T",
                    kind=uo.TransactionKind.SALE,
                    status=uo.TransactionStatus.SUCCESS,
                    amount=usd("100.00"),
                )
            ],
            refunds=refunds,
            shipping=usd(0),
            subtotal=usd(100),
            tax=usd(0),
            total=usd(100),
        )

    def create_refund(
        self, order: uo.Order, calculation: uo.RefundCalculation, options: RefundOptions
    ) -> Op[uo.Refund]:
        body = {"quantity": calculation.lines[0].quantity, "amount": str(calculation.total.amount)}
        answer = (yield Request("POST", f"orders/{order.id}/refunds", json=body)).body
        return uo.Refund(
            id=answer["id"], order_id=order.id, total=uo.Money.of(answer["amount"], "USD")
        )


def store_with(faults: dict[int, Fault]) -> tuple[Store, Ledger, FaultInjectingTransport]:
    ledger = Ledger()
    counter = iter(range(1000))
    transport = FaultInjectingTransport(
        emulator_transport(ledger), lambda m, p: faults.get(next(counter))
    )
    adapter = LedgerAdapter(uo.AdapterSettings(max_attempts=3, retry_backoff=0))
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
    # write lost before applying, re-read says not applied, resend lost before applying again
    store, ledger, _ = store_with({1: Fault.TIMEOUT_BEFORE_APPLY, 3: Fault.TIMEOUT_BEFORE_APPLY})
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
