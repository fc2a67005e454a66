"""Returns that end in money on Shopware (issue 20): add items, the return calculator, processing
into a capture refund exactly once, return line states, and refunds.get."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.adapter import RefundOptions, ReturnProcessOptions
from unified_orders.testing import Fault, FaultInjectingTransport, instrumented_sandbox, unwrapped

CAPTURE_REFUND = "/api/order-transaction-capture-refund"
WRITES = {"POST", "PATCH", "DELETE"}


def writes(sw: Recorded) -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in sw.sent
        if method in WRITES and not path.startswith("/api/search/") and path != "/api/oauth/token"
    ]


def open_return(sw: Recorded, number: str, title: str, quantity: int) -> uo.Return:
    order = sw.order(number)
    line = next(x for x in order.lines if x.title == title)
    return sw.store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=quantity)])
    )


def item_state(emulator: ShopwareEmulator, item: dict[str, Any]) -> str:
    return str(emulator.table("state_machine_state")[item["stateId"]]["technicalName"])


# --- add items -------------------------------------------------------------------------------------
def test_add_items_adds_a_new_line_and_grows_a_line_already_in_the_return(sw: Recorded) -> None:
    order = sw.order("10001")
    shirt, mug = order.lines
    ret = open_return(sw, "10001", "T-shirt", 1)
    before = sw.emulator.table("order_return")[ret.id]["amountTotal"]
    grown = sw.store.returns.add_items(
        ret.id,
        [
            uo.ReturnLineRequest(line_id=mug.id, quantity=1, note="chipped"),
            uo.ReturnLineRequest(line_id=shirt.id, quantity=1),
        ],
    )
    assert sorted((x.line_id, x.quantity) for x in grown.lines) == sorted(
        [(shirt.id, 2), (mug.id, 1)]
    )
    assert {x.status for x in grown.lines} == {uo.ReturnLineStatus.REQUESTED}
    assert {x.platform_status for x in grown.lines} == {"return_requested"}
    sent = writes(sw)
    add = f"/api/_action/order/{order.id}/order-return/{ret.id}/add-items"
    assert ("POST", add) in sent
    [patch] = [p for m, p in sent if m == "PATCH"]
    assert patch.startswith("/api/order-return-line-item/")
    [body] = [e.body for e in sw.transport.exchanges if e.path == add]
    assert body == {
        "orderLineItems": [{"orderLineItemId": mug.id, "quantity": 1, "internalComment": "chipped"}]
    }
    # the calculator ran after both: the return's price covers the grown line and the new one
    assert sent[-1] == ("POST", f"/api/_action/order/return/{ret.id}/calculate")
    after = sw.emulator.table("order_return")[ret.id]["amountTotal"]
    assert Decimal(str(after)) == Decimal(str(before)) + shirt.unit_price.amount + Decimal("12.50")


def test_add_items_refuses_bad_lines_before_any_write(sw: Recorded) -> None:
    order = sw.order("10001")
    shirt, mug = order.lines
    ret = open_return(sw, "10001", "T-shirt", 2)
    sent = len(writes(sw))
    with pytest.raises(uo.InvalidRequest) as caught:
        sw.store.returns.add_items(
            ret.id,
            [
                uo.ReturnLineRequest(line_id=shirt.id, quantity=1),  # both shirts are in it
                uo.ReturnLineRequest(line_id=mug.id, quantity=0),
            ],
        )
    paths = {p.path for p in caught.value.problems}
    assert {"lines[0].quantity", "lines[1].quantity"} <= paths
    with pytest.raises(uo.InvalidRequest):
        sw.store.returns.add_items(ret.id, [])
    assert len(writes(sw)) == sent


def test_a_line_of_a_type_commercial_returns_do_not_take_is_refused_before_any_write(
    sw: Recorded,
) -> None:
    order = sw.order("10001")
    mug = order.lines[1]
    ret = open_return(sw, "10001", "T-shirt", 1)
    sw.emulator.table("order_line_item")[mug.id]["type"] = "plugin-bundle"
    sw.emulator.changed()
    sent = len(writes(sw))
    with pytest.raises(uo.InvalidRequest, match="plugin-bundle line cannot be returned"):
        sw.store.returns.add_items(ret.id, [uo.ReturnLineRequest(line_id=mug.id, quantity=1)])
    assert len(writes(sw)) == sent


# --- calculate -------------------------------------------------------------------------------------
def test_calculate_is_the_return_calculator_allocated_over_the_captures(sw: Recorded) -> None:
    ret = open_return(sw, "10006", "Camera lens", 1)
    calculation = sw.store.returns.calculate(ret.id)
    assert ("POST", f"/api/_action/order/return/{ret.id}/calculate") in sw.sent
    stored = sw.emulator.table("order_return")[ret.id]
    assert calculation.total.amount == Decimal(str(stored["amountTotal"]))
    [line] = calculation.lines
    assert line.quantity == 1
    assert line.restock is uo.Restock.NO_RESTOCK
    # two captures (70 + 30): the allocation is spread over them and adds up to the total
    assert len(calculation.transactions) >= 1
    assert sum(a.amount.amount for a in calculation.transactions) == calculation.total.amount
    order = sw.order("10006")
    captures = {t.id for t in order.transactions if t.kind is uo.TransactionKind.CAPTURE}
    assert {a.transaction_id for a in calculation.transactions} <= captures


def test_an_item_the_calculator_prices_lower_pays_back_its_own_price(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "T-shirt", 2)
    [item] = [
        i
        for i in sw.emulator.table("order_return_line_item").values()
        if i["orderReturnId"] == ret.id
    ]
    full = Decimal(str(item["price"]["totalPrice"]))
    item["price"]["totalPrice"] = full - Decimal("5.00")
    sw.emulator.changed()
    calculation = sw.store.returns.calculate(ret.id)
    assert calculation.total.amount == full - Decimal("5.00")
    assert calculation.lines[0].total.amount == full - Decimal("5.00")


def test_an_item_priced_above_what_was_paid_pays_what_was_paid(sw: Recorded) -> None:
    # 10008: two 50.00 lines with a 10.00 cart promotion; the calculator prices the line at 50.00
    order = sw.order("10008")
    line = order.lines[0]
    ret = sw.store.returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
    )
    calculation = sw.store.returns.calculate(ret.id)
    stored = sw.emulator.table("order_return")[ret.id]
    assert Decimal(str(stored["amountTotal"])) == Decimal("50.00")
    assert calculation.total.amount == line.total.amount == Decimal("45.00")


class Rewriting(httpx.BaseTransport):
    """Passes requests on; answers of ``search/order-return`` get ``amountTotal`` replaced."""

    def __init__(self, inner: Any, amount: str) -> None:
        self.inner = inner
        self.amount = amount

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not request.url.path.endswith("/search/order-return"):
            return response
        body = json.loads(response.read())
        for hit in body.get("data") or []:
            hit["amountTotal"] = float(self.amount)
        return httpx.Response(response.status_code, json=body, request=request)


def test_a_return_total_that_disagrees_with_its_items_is_a_typed_mismatch() -> None:
    store = instrumented_sandbox("shopware", lambda inner: Rewriting(inner, "999.00"))
    assert isinstance(store, uo.Store)
    ret = _return(store, "10001", "T-shirt", 1)
    with pytest.raises(uo.PlatformError) as caught:
        store.returns.calculate(ret.id)
    assert caught.value.code == "calculation_mismatch"
    assert "999" in str(caught.value)


# --- process ---------------------------------------------------------------------------------------
def test_process_refunds_the_return_then_closes_it_with_its_items_returned(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "T-shirt", 2)
    processed, refund = sw.store.returns.process(
        ret.id, restock=uo.Restock.RETURN, idempotency_key="ret-10001"
    )
    assert processed.status is uo.ReturnStatus.CLOSED
    assert processed.platform_status == "done"
    assert {x.status for x in processed.lines} == {uo.ReturnLineStatus.RETURNED}
    assert refund is not None
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.return_id == ret.id
    assert refund.idempotency_key == "ret-10001"
    assert [(x.line_id, x.quantity) for x in refund.lines] == [(ret.lines[0].line_id, 2)]
    [record] = sw.emulator.table("order_transaction_capture_refund").values()
    assert record["customFields"]["unified_orders_return"] == ret.id
    assert record["externalReference"] == "unified-orders:ret-10001"
    items = [
        i
        for i in sw.emulator.table("order_return_line_item").values()
        if i["orderReturnId"] == ret.id
    ]
    assert [i["restockQuantity"] for i in items] == [2]
    # the refund is first: it is sent before the return's state moves
    sent = writes(sw)
    first_refund = sent.index(("POST", CAPTURE_REFUND))
    closing = [i for i, (_, p) in enumerate(sent) if p.endswith("/state/complete")]
    assert closing
    assert first_refund < closing[0]
    # read back from the platform by a store of its own, as a new process would
    again = unwrapped(sw.store).refunds.get(refund.id)
    assert again.return_id == ret.id
    assert again.total == refund.total


def test_process_again_with_the_key_returns_the_same_refund(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "Coffee mug", 1)
    _, first = sw.store.returns.process(ret.id, idempotency_key="mug")
    _, second = sw.store.returns.process(ret.id, idempotency_key="mug")
    assert first is not None
    assert second is not None
    assert second.id == first.id
    assert len(sw.emulator.table("order_transaction_capture_refund")) == 1


def test_process_without_refund_closes_only(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "Coffee mug", 1)
    processed, refund = sw.store.returns.process(ret.id, refund=False)
    assert refund is None
    assert processed.status is uo.ReturnStatus.CLOSED
    assert sw.emulator.table("order_transaction_capture_refund") == {}


def test_process_refuses_restock_cancel_before_any_write(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "Coffee mug", 1)
    order = sw.order("10001")
    sent = len(writes(sw))
    op = sw.store.adapter.process_return(
        ret, order, None, ReturnProcessOptions(restock=uo.Restock.CANCEL)
    )
    with pytest.raises(uo.InvalidRequest, match="restock"):
        next(op)
    assert len(writes(sw)) == sent


def test_a_refused_refund_leaves_the_return_open(sw: Recorded) -> None:
    ret = open_return(sw, "10005", "Luggage tag", 1)
    # the payment method of the order gets no refund handler: the handler refuses
    for txn in sw.emulator.table("order_transaction").values():
        txn["paymentMethodId"] = next(
            m["id"]
            for m in sw.emulator.table("payment_method").values()
            if m["technicalName"] != "payment_creditcard"
        )
    sw.emulator.changed()
    with pytest.raises(uo.PlatformError):
        sw.store.returns.process(ret.id, idempotency_key="tag")
    assert sw.store.returns.get(ret.id).platform_status == "in_progress"


def _faulty(plan: Any) -> tuple[uo.Store, FaultInjectingTransport]:
    holder: list[FaultInjectingTransport] = []

    def wrap(transport: Any) -> FaultInjectingTransport:
        holder.append(FaultInjectingTransport(transport, plan))
        return holder[0]

    store = instrumented_sandbox("shopware", wrap, max_attempts=3, retry_backoff=0)
    assert isinstance(store, uo.Store)
    return store, holder[0]


def _return(store: uo.Store, number: str, title: str, quantity: int) -> uo.Return:
    order = next(o for o in unwrapped(store).orders.list() if o.number == number)
    line = next(x for x in order.lines if x.title == title)
    return unwrapped(store).returns.create(
        order.id, uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=quantity)])
    )


@pytest.mark.parametrize(
    "fault", [Fault.DROP_AFTER_APPLY, Fault.ERROR_5XX_AFTER_APPLY, Fault.TRUNCATED_AFTER_APPLY]
)
def test_a_lost_answer_after_the_refund_is_settled_by_key_one_refund(fault: Fault) -> None:
    injected: list[str] = []

    def plan(method: str, path: str) -> Fault | None:
        if method == "POST" and path == CAPTURE_REFUND and not injected:
            injected.append(path)
            return fault
        return None

    store, transport = _faulty(plan)
    ret = _return(store, "10001", "T-shirt", 2)
    processed, refund = store.returns.process(ret.id, idempotency_key="lost-1")
    assert transport.injected
    assert refund is not None
    assert refund.idempotency_key == "lost-1"
    assert processed.status is uo.ReturnStatus.CLOSED
    # a re-run with the key, from a store of its own: the same refund, no second one
    _, again = unwrapped(store).returns.process(ret.id, idempotency_key="lost-1")
    assert again is not None
    assert again.id == refund.id
    assert len(store.sandbox.table("order_transaction_capture_refund")) == 1  # type: ignore[union-attr]


def test_a_crash_between_the_refund_and_the_close_is_recovered_by_a_rerun() -> None:
    down: list[bool] = [True]

    def plan(method: str, path: str) -> Fault | None:
        # the shop stops answering once the refund is made: the return cannot be closed
        if down[0] and method == "POST" and "/order_return/" in path:
            return Fault.TIMEOUT_BEFORE_APPLY
        return None

    store, _ = _faulty(plan)
    ret = _return(store, "10001", "T-shirt", 1)
    with pytest.raises(uo.UnifiedOrdersError):
        store.returns.process(ret.id, idempotency_key="crash-1")
    down[0] = False
    refunds = store.sandbox.table("order_transaction_capture_refund")  # type: ignore[union-attr]
    assert len(refunds) == 1
    # a re-run with the key, as a user runs it: the refund carrying the key is found, not made
    # again, and the return still open is closed
    processed, refund = unwrapped(store).returns.process(ret.id, idempotency_key="crash-1")
    assert refund is not None
    assert refund.idempotency_key == "crash-1"
    assert len(refunds) == 1
    assert processed.status is uo.ReturnStatus.CLOSED


# --- refunds.get -----------------------------------------------------------------------------------
def test_refunds_get_reads_a_multi_capture_refund_as_one_by_either_id(sw: Recorded) -> None:
    order = sw.order("10006")
    refund = sw.store.refunds.create(
        order.id,
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=x.id, quantity=1) for x in order.lines]
        ),
        idempotency_key="both",
    )
    assert len(refund.transactions) == 2
    for part in refund.transactions:
        got = sw.store.refunds.get(part.id)
        assert got.id == refund.id
        assert got.total == refund.total
        assert got.idempotency_key == "both"


def test_refunds_get_unknown_and_malformed_ids(sw: Recorded) -> None:
    with pytest.raises(uo.NotFound):
        sw.store.refunds.get("0" * 32)
    sent = len(sw.sent)
    with pytest.raises(uo.InvalidRequest):
        sw.store.refunds.get("not-an-id")
    assert len(sw.sent) == sent


# --- without the licence ---------------------------------------------------------------------------
def test_without_commercial_the_return_money_capabilities_are_refused_with_a_hint() -> None:
    store = uo.connect("shopware", sandbox=True, sandbox_commercial=False, commercial_returns=False)
    try:
        for capability in (
            uo.Capability.RETURNS_ADD_ITEMS,
            uo.Capability.RETURNS_CALCULATE,
            uo.Capability.RETURNS_PROCESS,
        ):
            assert capability not in store.capabilities
            assert "RETURNS_MANAGEMENT" in store.adapter.hint(capability)
        assert uo.Capability.REFUNDS_GET in store.capabilities
        with pytest.raises(uo.UnsupportedOperation):
            store.returns.process("0" * 32)
    finally:
        store.close()


# --- return line states ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("open", uo.ReturnLineStatus.OPEN),
        ("shipped", uo.ReturnLineStatus.SHIPPED),
        ("shipped_partially", uo.ReturnLineStatus.SHIPPED),
        ("return_requested", uo.ReturnLineStatus.REQUESTED),
        ("returned", uo.ReturnLineStatus.RETURNED),
        ("returned_partially", uo.ReturnLineStatus.RETURNED),
        ("cancelled", uo.ReturnLineStatus.CANCELED),
        ("something_new", uo.ReturnLineStatus.UNKNOWN),
    ],
)
def test_return_line_states_are_read(state: str, status: uo.ReturnLineStatus) -> None:
    from unified_orders_adapters.shopware.translate import return_from_platform

    ret = return_from_platform(
        {
            "id": "a" * 32,
            "orderId": "b" * 32,
            "state": {"technicalName": "in_progress"},
            "lineItems": [
                {
                    "id": "c" * 32,
                    "orderLineItemId": "d" * 32,
                    "quantity": 2,
                    "state": {"technicalName": state},
                }
            ],
        }
    )
    [line] = ret.lines
    assert line.status is status
    assert line.platform_status == state
    assert line.processed_quantity is None


def test_a_return_refunded_under_another_key_is_refused_not_refunded_again(sw: Recorded) -> None:
    ret = open_return(sw, "10001", "T-shirt", 1)
    order = sw.order("10001")
    adapter = sw.store.adapter
    run = sw.store._driver.run
    calculation = sw.store.returns.calculate(ret.id)
    options = ReturnProcessOptions(idempotency_key="first")
    # refunded under one key, then interrupted before the close
    run(adapter._refund(order, calculation, RefundOptions(idempotency_key="first"), ret.id))  # type: ignore[attr-defined]
    with pytest.raises(uo.InvalidRequest, match="already refunded"):
        run(
            adapter.process_return(
                ret,
                sw.order("10001"),
                calculation,
                ReturnProcessOptions(idempotency_key="second"),
            )
        )
    assert len(sw.emulator.table("order_transaction_capture_refund")) == 1
    processed, refund = run(adapter.process_return(ret, sw.order("10001"), None, options))
    assert refund is not None
    assert refund.idempotency_key == "first"
    assert processed.status is uo.ReturnStatus.CLOSED
