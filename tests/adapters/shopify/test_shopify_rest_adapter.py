"""The request the REST adapter builds for every documented request in
../shared/fixtures/shopify/requests.json (the fixtures' translation is in
test_shopify_rest_translate)."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from shopify_helpers import (
    ORDER_ID,
    check_request,
    documented,
    drive,
    fixture_order,
    load,
    usd,
    wire,
)
from unified_orders_adapters.shopify.rest import translate
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopify.settings import ShopifySettings

import unified_orders as uo
from unified_orders.adapter import CancelOptions, RefundOptions, Request


@pytest.fixture
def adapter() -> ShopifyRestAdapter:
    return ShopifyRestAdapter(
        ShopifySettings(shop="jsmith.myshopify.com", access_token="test-token-not-a-real-secret")
    )


@pytest.fixture
def order(shared: Path) -> uo.Order:
    return fixture_order(shared)


# --- documented requests -> the requests the adapter builds -----------------------------------------
def test_get_order_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    answers = {
        f"orders/{ORDER_ID}.json": load(shared, "order.json"),
        f"orders/{ORDER_ID}/transactions.json": load(shared, "transactions.json"),
        f"orders/{ORDER_ID}/fulfillment_orders.json": load(shared, "fulfillment_orders.json"),
    }
    sent, order = drive(adapter.get_order(ORDER_ID), lambda r: answers[r.url])
    check_request(sent[0], documented(shared, "order.json"))
    check_request(sent[1], documented(shared, "transactions.json"))
    check_request(sent[2], documented(shared, "fulfillment_orders.json"))
    assert all(r.json is None for r in sent)
    assert order.line("518995019") is not None


def test_list_refunds_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    def answer(request: Request) -> Any:
        if request.url.endswith("refunds.json"):
            return load(shared, "refunds.json")
        return {"order": {"id": 450789469, "currency": "USD", "presentment_currency": "USD"}}

    sent, refunds = drive(adapter.list_refunds(ORDER_ID), answer)
    check_request(sent[1], documented(shared, "refunds.json"))
    assert refunds[0].id == "509562969"


def test_list_fulfillment_orders_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    sent, fos = drive(
        adapter.list_fulfillment_orders(ORDER_ID), lambda r: load(shared, "fulfillment_orders.json")
    )
    check_request(sent[0], documented(shared, "fulfillment_orders.json"))
    assert [fo.id for fo in fos] == ["1046000780"]


def test_calculate_request_line_item_full_shipping(
    shared: Path, adapter: ShopifyRestAdapter, order: uo.Order
) -> None:
    doc = documented(shared, "refund_calculate_line_item_full_shipping.json")
    # As prepared by the planner (the whole path, planning included, is in
    # test_shopify_rest_exactly_once: full shipping on this free-shipping order is 0.00).
    prepared = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(
                line_id="518995019",
                quantity=1,
                restock=uo.Restock.NO_RESTOCK,
                location_id="24826418",
            )
        ],
        shipping=uo.ShippingRefund(full=True),
        currency="USD",
    )
    sent, _ = drive(
        adapter.calculate_refund(order, prepared),
        lambda r: load(shared, "refund_calculate_line_item_full_shipping.json"),
    )
    [request] = sent
    check_request(request, doc)
    # no location_id for no_restock, although the line has one
    assert wire(request.json) == doc["request_body"]


def test_calculate_request_shipping_amount(
    shared: Path, adapter: ShopifyRestAdapter, order: uo.Order
) -> None:
    # Not through planning.prepare: order.json has free shipping, while the calculate example
    # was captured on an order with 5.00 shipping (the examples are not mutually consistent).
    doc = documented(shared, "refund_calculate_shipping_amount.json")
    request = uo.RefundRequest(shipping=uo.ShippingRefund(amount="2.0"), currency="USD")
    sent, calc = drive(
        adapter.calculate_refund(order, request),
        lambda r: load(shared, "refund_calculate_shipping_amount.json"),
    )
    check_request(sent[0], doc)
    assert wire(sent[0].json) == doc["request_body"]
    assert calc.total == usd("2.00")


def test_create_request_return_restock(
    shared: Path, adapter: ShopifyRestAdapter, order: uo.Order
) -> None:
    doc = documented(shared, "refund_create_return_restock.json")
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(
                line_id="518995019", quantity=1, restock=uo.Restock.RETURN, location_id="487838322"
            )
        ],
        shipping=uo.ShippingRefund(full=True),
        currency="USD",
    )
    calc = translate.calculation_from_rest(
        load(shared, "refund_calculate_line_item_full_shipping.json"), order, request
    )
    sent, refund = drive(
        adapter.create_refund(order, calc, RefundOptions(note="wrong size", notify=True)),
        lambda r: load(shared, "refund_create_return_restock.json"),
    )
    check_request(sent[0], doc)
    body = wire(sent[0].json)
    assert body == doc["request_body"]
    assert "restock" not in body["refund"]  # the legacy flag is never sent
    assert refund.id == "929361472"


def test_create_request_shipping_amount(
    shared: Path, adapter: ShopifyRestAdapter, order: uo.Order
) -> None:
    doc = documented(shared, "refund_create_shipping_amount.json")
    request = uo.RefundRequest(shipping=uo.ShippingRefund(amount="5.0"), currency="USD")
    calc = uo.RefundCalculation(
        order_id=ORDER_ID,
        request=request,
        shipping=uo.RefundShipping(amount=uo.Money.of("5.0", "USD")),
        transactions=[
            uo.TransactionAllocation(
                transaction_id="801038806", amount=uo.Money.of("5.0", "USD"), gateway="web"
            )
        ],
        subtotal=uo.Money.of("5.0", "USD"),
        tax=uo.Money.zero("USD"),
        total=uo.Money.of("5.0", "USD"),
    )
    sent, refund = drive(
        adapter.create_refund(order, calc, RefundOptions()),
        lambda r: load(shared, "refund_create_shipping_amount.json"),
    )
    check_request(sent[0], doc)
    # The documented body plus "notify": false, which is always sent (notifications default off).
    expected = copy.deepcopy(doc["request_body"])
    expected["refund"]["notify"] = False
    assert wire(sent[0].json) == expected
    assert refund.total == usd("5.00")


def test_create_request_sends_discrepancy_reason_when_paying_less(
    shared: Path, adapter: ShopifyRestAdapter, order: uo.Order
) -> None:
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="518995019", quantity=1, restock=uo.Restock.NO_RESTOCK)
        ],
        currency="USD",
    )
    calc = translate.calculation_from_rest(
        load(shared, "refund_calculate_line_item_full_shipping.json"), order, request
    )
    lower = calc.model_copy(
        update={
            "transactions": [calc.transactions[0].model_copy(update={"amount": usd("30.00")})],
            "total": usd("30.00"),
        }
    )
    sent, _ = drive(
        adapter.create_refund(order, lower, RefundOptions()),
        lambda r: load(shared, "refund_create_return_restock.json"),
    )
    body = sent[0].json["refund"]
    assert body["discrepancy_reason"] == "other"
    assert body["transactions"][0]["amount"] == Decimal("30.00")
    sent, _ = drive(
        adapter.create_refund(order, calc, RefundOptions()),
        lambda r: load(shared, "refund_create_return_restock.json"),
    )
    assert "discrepancy_reason" not in sent[0].json["refund"]


def _amounts_exact(value: Any) -> Any:
    """Money written as strings in one example and numbers in another: compare as Decimals."""
    if isinstance(value, dict):
        return {
            k: Decimal(str(v)) if k == "amount" else _amounts_exact(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_amounts_exact(v) for v in value]
    return value


def test_cancel_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "order_cancel_with_refund.json")
    raw = load(shared, "order.json")["order"]
    green = copy.deepcopy(raw["line_items"][0])  # 466157049: make it unrefunded and unfulfilled
    green.update(current_quantity=1, fulfillable_quantity=1)
    raw.update(line_items=[green], refunds=[], fulfillments=[])
    raw["shipping_lines"][0]["discounted_price_set"] = {
        "shop_money": {"amount": "5.00", "currency_code": "USD"},
        "presentment_money": {"amount": "5.00", "currency_code": "USD"},
    }
    fos = load(shared, "fulfillment_order_fulfillment_request.json")["original_fulfillment_order"]
    transactions = [
        {
            "id": 1068278485,
            "kind": "sale",
            "status": "success",
            "amount": "10.00",
            "currency": "USD",
            "gateway": "bogus",
        },
        {
            "id": 1068278486,
            "kind": "sale",
            "status": "success",
            "amount": "100.00",
            "currency": "USD",
            "gateway": "gift_card",
        },
    ]
    order = translate.order_from_rest(raw, transactions=transactions, fulfillment_orders=[fos])
    assert order.line("466157049") is not None
    calculated = {
        "refund": {
            "currency": "USD",
            "shipping": {"amount": "5.00", "tax": "0.00", "maximum_refundable": "5.00"},
            "refund_line_items": [
                {
                    "quantity": 1,
                    "line_item_id": 466157049,
                    "location_id": 24826418,
                    "restock_type": "cancel",
                    "subtotal": "100.00",
                    "total_tax": "5.00",
                }
            ],
            "transactions": [
                {
                    "order_id": 450789469,
                    "kind": "suggested_refund",
                    "gateway": "bogus",
                    "parent_id": 1068278485,
                    "amount": "10.00",
                    "maximum_refundable": "10.00",
                },
                {
                    "order_id": 450789469,
                    "kind": "suggested_refund",
                    "gateway": "gift_card",
                    "parent_id": 1068278486,
                    "amount": "100.00",
                    "maximum_refundable": "100.00",
                },
            ],
        }
    }

    def answer(request: Request) -> Any:
        if request.url.endswith("calculate.json"):
            return calculated
        if request.url.endswith("cancel.json"):
            return load(shared, "order_cancel_with_refund.json")
        return {"transactions": [], "fulfillment_orders": []}

    options = CancelOptions(reason="customer", refund=True, restock=True)
    sent, result = drive(adapter.cancel_order(order, options), answer)
    cancel = next(r for r in sent if r.url.endswith("cancel.json"))
    check_request(cancel, doc)
    body = wire(cancel.json)
    # The documented body, plus what we always send (reason, email=notify, and the refund's
    # currency and notify) and minus the refund note (canonical cancel has no note).
    expected = copy.deepcopy(doc["request_body"])
    del expected["refund"]["note"]
    expected.update(reason="customer", email=False)
    expected["refund"].update(currency="USD", notify=False)
    assert _amounts_exact(body) == _amounts_exact(expected)
    assert "restock" not in body
    assert "restock" not in body["refund"]
    assert result.status is uo.OrderStatus.CANCELED


def test_update_shipping_address_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "order_update_shipping_address.json")
    order = translate.order_from_rest(load(shared, "order.json"))

    def answer(request: Request) -> Any:
        if request.method == "PUT":
            return load(shared, "order_update_shipping_address.json")
        return {"transactions": [], "fulfillment_orders": []}

    address = uo.Address(line1="123 Ship Street", city="Shipsville")
    sent, result = drive(adapter.update_shipping_address(order, address), answer)
    check_request(sent[0], doc)
    assert wire(sent[0].json) == doc["request_body"]
    assert result.shipping_address is not None
    assert result.shipping_address.city == "Shipsville"


def _gate_then(shared: Path, fixture: str, actions: list[str]) -> Any:
    readable = load(shared, "fulfillment_orders.json")["fulfillment_orders"][0]
    readable["supported_actions"] = actions

    def answer(request: Request) -> Any:
        if request.method == "GET":
            return {"fulfillment_order": readable}
        return load(shared, fixture)

    return answer


def test_hold_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "fulfillment_order_hold.json")
    op = adapter.hold_fulfillment_order(
        "1046000782",
        uo.HoldReason.INVENTORY_OUT_OF_STOCK,
        "Not enough inventory to complete this work.",
        lines={"1072503279": 1},
    )
    sent, fo = drive(op, _gate_then(shared, "fulfillment_order_hold.json", ["hold"]))
    assert sent[0].method == "GET"
    assert sent[0].url == "fulfillment_orders/1046000782.json"
    check_request(sent[1], doc)
    expected = copy.deepcopy(doc["request_body"])
    expected["fulfillment_hold"]["notify_merchant"] = False  # always sent, default off
    assert wire(sent[1].json) == expected
    assert fo.status is uo.FulfillmentOrderStatus.ON_HOLD


def test_move_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "fulfillment_order_move.json")
    op = adapter.move_fulfillment_order("1046000786", "655441491", {"1072503283": 1})
    sent, fo = drive(op, _gate_then(shared, "fulfillment_order_move.json", ["move"]))
    check_request(sent[1], doc)
    assert wire(sent[1].json) == doc["request_body"]
    assert (fo.id, fo.location_id, fo.replaced_by) == ("1046000787", "655441491", [])


def test_cancellation_request_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "fulfillment_order_cancellation_request.json")
    op = adapter.request_fulfillment_cancellation("1046000803", "The customer changed his mind.")
    answer = _gate_then(
        shared, "fulfillment_order_cancellation_request.json", ["request_cancellation"]
    )
    sent, fo = drive(op, answer)
    check_request(sent[1], doc)
    assert wire(sent[1].json) == doc["request_body"]
    assert fo.request_status == "cancellation_requested"


def test_fulfillment_request_request(shared: Path, adapter: ShopifyRestAdapter) -> None:
    doc = documented(shared, "fulfillment_order_fulfillment_request.json")
    op = adapter.request_fulfillment(
        "1046000807", {"1072503307": 1, "1072503308": 1}, "Fulfill this ASAP please.", True
    )
    answer = _gate_then(
        shared, "fulfillment_order_fulfillment_request.json", ["request_fulfillment"]
    )
    sent, fo = drive(op, answer)
    check_request(sent[1], doc)
    assert wire(sent[1].json) == doc["request_body"]
    assert fo.id == "1046000807"
    assert fo.replaced_by == ["1046000808"]


def test_unsupported_action_is_refused_before_sending(
    shared: Path, adapter: ShopifyRestAdapter
) -> None:
    op = adapter.hold_fulfillment_order("1046000780", uo.HoldReason.OTHER, None)
    fo = load(shared, "fulfillment_orders.json")["fulfillment_orders"][0]
    sent: list[Request] = []

    def answer(request: Request) -> Any:
        sent.append(request)
        return {"fulfillment_order": fo}

    with pytest.raises(uo.IllegalTransition) as caught:
        drive(op, answer)
    assert "does not support 'hold'" in str(caught.value)
    assert "cancel_fulfillment_order" in str(caught.value)
    assert caught.value.possible == ["cancel_fulfillment_order"]
    assert [r.method for r in sent] == ["GET"]
