"""The core rules of returns that end in money, on a tiny depot platform: bad input refused before
any write, add items checked and settled by re-reading, calculate cross-checked, and process
exactly once (found by key, resent once, never adopting a refund without our key)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from toy_ledger import ANY_RESTOCK, four_unit_order, usd

import unified_orders as uo
from unified_orders import planning
from unified_orders.adapter import Op, Request, ReturnProcessOptions
from unified_orders.http import Fault, FaultInjectingTransport, SyncDriver, emulator_transport
from unified_orders.keys import check_key
from unified_orders.operations.returns import process_key, unprocessed
from unified_orders.store import Store


class Depot(uo.Emulator):
    """One order of four shipped 25.00 units and one open return of one unit."""

    def __init__(self) -> None:
        self.refunds: list[dict[str, Any]] = []
        self.ret: dict[str, Any] = {
            "status": "open",
            "lines": [{"id": "RL1", "line_id": "L", "quantity": 1, "processed": 0}],
        }
        self.keyless = False
        self.writes: list[str] = []

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
        if method == "GET" and path == "/returns/R1":
            return 200, self.ret, {}
        if method == "GET" and path == "/orders/1/returns":
            return 200, [self.ret], {}
        if method == "POST" and path == "/returns/R1/items":
            self.writes.append("items")
            for wanted in body["lines"]:
                line = next(
                    (x for x in self.ret["lines"] if x["line_id"] == wanted["line_id"]), None
                )
                if line is None:
                    line = {"id": f"RL{len(self.ret['lines']) + 1}", "line_id": wanted["line_id"]}
                    line |= {"quantity": 0, "processed": 0}
                    self.ret["lines"].append(line)
                line["quantity"] += wanted["quantity"]
            return 200, self.ret, {}
        if method == "POST" and path == "/returns/R1/process":
            self.writes.append("process")
            units = sum(x["quantity"] - x["processed"] for x in self.ret["lines"])
            for line in self.ret["lines"]:
                line["processed"] = line["quantity"]
            self.ret["status"] = "closed"
            refund = None
            if body.get("amount") is not None:
                refund = {
                    "id": str(len(self.refunds) + 1),
                    "quantity": units,
                    "amount": body["amount"],
                    "key": None if self.keyless else body["key"],
                    "return_id": "R1",
                }
                self.refunds.append(refund)
            return 200, {"return": self.ret, "refund": refund}, {}
        return 404, {"error": "no route"}, {}


class DepotAdapter(uo.Adapter):
    platform = "depot"
    restock_policy = ANY_RESTOCK
    calculates_refunds = False
    stores_idempotency_keys = True
    capabilities = frozenset(  # type: ignore[assignment]
        {
            uo.Capability.ORDERS_GET,
            uo.Capability.RETURNS_GET,
            uo.Capability.RETURNS_LIST,
            uo.Capability.RETURNS_ADD_ITEMS,
            uo.Capability.RETURNS_CALCULATE,
            uo.Capability.RETURNS_PROCESS,
        }
    )
    base_url = "https://depot.example/"  # type: ignore[assignment]

    @staticmethod
    def _return(body: Mapping[str, Any]) -> uo.Return:
        return uo.Return(
            id="R1",
            order_id="1",
            status=uo.ReturnStatus.OPEN if body["status"] == "open" else uo.ReturnStatus.CLOSED,
            lines=[
                uo.ReturnLine(
                    id=x["id"],
                    line_id=x["line_id"],
                    quantity=x["quantity"],
                    processed_quantity=x["processed"],
                )
                for x in body["lines"]
            ],
        )

    @staticmethod
    def _refund(r: Mapping[str, Any]) -> uo.Refund:
        return uo.Refund(
            id=r["id"],
            order_id="1",
            status=uo.RefundStatus.SUCCESS,
            idempotency_key=r["key"],
            return_id=r["return_id"],
            total=usd(r["amount"]),
            lines=[
                uo.RefundLine(
                    line_id="L",
                    quantity=r["quantity"],
                    restock=uo.Restock.RETURN,
                    subtotal=usd(r["amount"]),
                    tax=usd(0),
                    total=usd(r["amount"]),
                )
            ],
        )

    def get_order(self, order_id: str) -> Op[uo.Order]:
        body = (yield Request("GET", f"orders/{order_id}")).body
        refunds = [self._refund(r) for r in body["refunds"]]
        return four_unit_order("depot", refunds, sum(r.lines[0].quantity for r in refunds))

    def get_return(self, return_id: str) -> Op[uo.Return]:
        return self._return((yield Request("GET", f"returns/{return_id}")).body)

    def list_returns(self, order_id: str) -> Op[list[uo.Return]]:
        return [self._return(r) for r in (yield Request("GET", f"orders/{order_id}/returns")).body]

    def add_return_items(self, ret: uo.Return, lines: Any) -> Op[uo.Return]:
        body = {"lines": [{"line_id": x.line_id, "quantity": x.quantity} for x in lines]}
        answer = yield Request("POST", f"returns/{ret.id}/items", json=body)
        return self._return(answer.body)

    def calculate_return(self, ret: uo.Return, order: uo.Order) -> Op[uo.RefundCalculation]:
        request = uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=k, quantity=n) for k, n in unprocessed(ret).items()]
        )
        return planning.calculate(order, planning.prepare(order, request, self.restock_policy))
        yield  # a generator, like every operation

    def process_return(
        self,
        ret: uo.Return,
        order: uo.Order,
        calculation: uo.RefundCalculation | None,
        options: ReturnProcessOptions,
    ) -> Op[tuple[uo.Return, uo.Refund | None]]:
        body = {
            "key": options.idempotency_key,
            "amount": None if calculation is None else str(calculation.total.amount),
        }
        answer = (yield Request("POST", f"returns/{ret.id}/process", json=body)).body
        refund = answer["refund"]
        return self._return(answer["return"]), None if refund is None else self._refund(refund)


def depot(faults: dict[str, Fault] | None = None) -> tuple[Store, Depot]:
    """A store on a fresh depot; ``faults`` by write path (each injected once)."""
    platform = Depot()
    left = dict(faults or {})

    def plan(method: str, path: str) -> Fault | None:
        return left.pop(path, None) if method == "POST" else None

    transport = FaultInjectingTransport(emulator_transport(platform), plan)
    settings = uo.AdapterSettings(
        max_attempts=3, retry_backoff=0, sandbox=True, settle_seconds=(0.0,)
    )
    adapter = DepotAdapter(settings)
    return Store(adapter, SyncDriver(adapter, transport)), platform


PROCESS = "/returns/R1/process"
ITEMS = "/returns/R1/items"


def test_the_default_key_is_derived_from_the_return_and_travels() -> None:
    key = process_key("depot", "R1")
    check_key(key)
    assert key == process_key("depot", "R1") != process_key("depot", "R2")
    store, platform = depot()
    ret, refund = store.returns.process("R1")
    assert refund is not None
    assert (refund.idempotency_key, refund.return_id, refund.total) == (key, "R1", usd("25.00"))
    assert ret.status is uo.ReturnStatus.CLOSED
    # the same call again (another process, no key given): the first refund, not a second
    assert store.returns.process("R1") == (ret, refund)
    assert platform.writes == ["process"]


@pytest.mark.parametrize(
    "fault", [Fault.DROP_AFTER_APPLY, Fault.ERROR_5XX_AFTER_APPLY, Fault.HTML_AFTER_APPLY]
)
def test_a_lost_answer_is_found_by_key(fault: Fault) -> None:
    store, platform = depot({PROCESS: fault})
    ret, refund = store.returns.process("R1", idempotency_key="k-1")
    assert refund is not None
    assert refund.idempotency_key == "k-1"
    assert ret.lines[0].processed_quantity == 1
    assert platform.writes == ["process"]
    assert len(platform.refunds) == 1


def test_a_write_that_never_arrived_is_sent_once_more() -> None:
    store, platform = depot({PROCESS: Fault.TIMEOUT_BEFORE_APPLY})
    _, refund = store.returns.process("R1", idempotency_key="k-2")
    assert refund is not None
    assert platform.writes == ["process"]  # the first never reached it


def test_a_refund_without_our_key_is_never_adopted() -> None:
    store, platform = depot({PROCESS: Fault.DROP_AFTER_APPLY})
    platform.keyless = True
    with pytest.raises(uo.AmbiguousWrite) as caught:
        store.returns.process("R1", idempotency_key="k-3")
    assert list(caught.value.candidates) == ["1"]
    assert platform.writes == ["process"]


def test_processing_without_a_refund_is_settled_by_the_return() -> None:
    store, platform = depot({PROCESS: Fault.DROP_AFTER_APPLY})
    ret, refund = store.returns.process("R1", refund=False)
    assert refund is None
    assert ret.status is uo.ReturnStatus.CLOSED
    assert platform.refunds == []
    assert store.returns.process("R1", refund=False) == (ret, None)
    assert platform.writes == ["process"]


def test_bad_input_is_refused_before_any_write() -> None:
    store, platform = depot()
    with pytest.raises(uo.InvalidRequest) as caught:
        store.returns.add_items(
            "R1",
            [
                uo.ReturnLineRequest(line_id="nope", quantity=1),
                uo.ReturnLineRequest(line_id="L", quantity=4),  # 1 of 4 is in the return
            ],
        )
    assert {p.path for p in caught.value.problems} == {"lines[0].line_id", "lines[1].quantity"}
    with pytest.raises(uo.InvalidRequest, match="at least one line"):
        store.returns.add_items("R1", [])
    with pytest.raises(uo.InvalidRequest, match="idempotency_key"):
        store.returns.process("R1", idempotency_key="not a key")
    platform.ret["status"] = "closed"
    with pytest.raises(uo.InvalidRequest, match="only an open return"):
        store.returns.calculate("R1")
    with pytest.raises(uo.InvalidRequest, match="only an open return"):
        store.returns.process("R1")
    assert platform.writes == []


def test_add_items_grows_the_return_and_a_lost_answer_is_found() -> None:
    store, platform = depot({ITEMS: Fault.DROP_AFTER_APPLY})
    ret = store.returns.add_items("R1", [uo.ReturnLineRequest(line_id="L", quantity=2)])
    assert [(x.line_id, x.quantity) for x in ret.lines] == [("L", 3)]
    assert platform.writes == ["items"]
    calculation = store.returns.calculate("R1")
    assert [(x.line_id, x.quantity) for x in calculation.lines] == [("L", 3)]
    assert calculation.total == usd("75.00")


def test_a_calculation_for_other_units_is_refused() -> None:
    store, platform = depot()
    adapter = store.adapter
    assert isinstance(adapter, DepotAdapter)

    def wrong(ret: uo.Return, order: uo.Order) -> Op[uo.RefundCalculation]:
        request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="L", quantity=2)])
        return planning.calculate(order, planning.prepare(order, request, adapter.restock_policy))
        yield

    adapter.calculate_return = wrong  # type: ignore[method-assign]
    with pytest.raises(uo.PlatformError, match="does not match"):
        store.returns.process("R1")
    assert platform.writes == []


def test_unprocessed_units_skip_settled_lines() -> None:
    ret = uo.Return(
        id="R",
        order_id="1",
        status=uo.ReturnStatus.OPEN,
        lines=[
            uo.ReturnLine(id="a", line_id="L", quantity=3, processed_quantity=1),
            uo.ReturnLine(id="b", line_id="L", quantity=1),
            uo.ReturnLine(id="c", line_id="M", quantity=2, status=uo.ReturnLineStatus.CANCELED),
        ],
    )
    assert unprocessed(ret) == {"L": 3}


def test_a_key_another_return_used_is_refused() -> None:
    store, platform = depot()
    platform.refunds.append(
        {"id": "9", "quantity": 1, "amount": "25.00", "key": "taken", "return_id": "R0"}
    )
    with pytest.raises(uo.InvalidRequest, match="another key"):
        store.returns.process("R1", idempotency_key="taken")
    assert platform.writes == []
