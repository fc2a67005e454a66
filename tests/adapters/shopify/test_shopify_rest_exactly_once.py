"""The REST dialect's part in exactly-once refunds and full shipping, on Shopify's documented
payloads (../shared/fixtures/shopify): the key marker in the refund note, refusals and lost
answers told apart, refund statuses, and ``shipping.full_refund`` on a free-shipping order.

The flows go through the public operations (planning included) with the fixtures as answers.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from shopify_helpers import ORDER_ID, check_request, documented, drive, load, usd, wire
from unified_orders_adapters.shopify.rest import translate
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopify.settings import ShopifySettings

import unified_orders as uo
from unified_orders import operations as ops
from unified_orders.adapter import RefundOptions, Request, Response
from unified_orders.errors import ResponseLost

LINE = "518995019"  # IPod Nano, the line of the documented refund examples


@pytest.fixture
def adapter() -> ShopifyRestAdapter:
    return ShopifyRestAdapter(
        ShopifySettings(shop="jsmith.myshopify.com", access_token="test-token-not-a-real-secret")
    )


def answers(shared: Path, **more: Any) -> Any:
    """Answers as Shopify documents them: the order, its transactions and fulfillment orders, the
    calculate example, plus ``more`` (by URL)."""
    table = {
        f"orders/{ORDER_ID}.json": load(shared, "order.json"),
        f"orders/{ORDER_ID}/transactions.json": load(shared, "transactions.json"),
        f"orders/{ORDER_ID}/fulfillment_orders.json": load(shared, "fulfillment_orders.json"),
        f"orders/{ORDER_ID}/refunds/calculate.json": load(
            shared, "refund_calculate_line_item_full_shipping.json"
        ),
        **more,
    }
    return lambda request: table[request.url]


def documented_request() -> uo.RefundRequest:
    """The documented calculate: one IPod, no restock, ``shipping: {"full_refund": true}``."""
    return uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=LINE, quantity=1, restock=uo.Restock.NO_RESTOCK)],
        shipping=uo.ShippingRefund(full=True),
    )


# --- full shipping on a free-shipping order (issue 13) ---------------------------------------------
def test_documented_full_shipping_calculate_on_a_free_shipping_order(
    shared: Path, adapter: ShopifyRestAdapter
) -> None:
    """Shopify's own example: order 450789469 ships free, calculate sends ``full_refund`` and gets
    ``maximum_refundable 0.00``. Through planning, it is a 0.00 shipping refund, not a refusal."""
    doc = documented(shared, "refund_calculate_line_item_full_shipping.json")
    sent, calc = drive(
        ops.calculate_refund(adapter, ORDER_ID, documented_request()), answers(shared)
    )
    order = translate.order_from_rest(load(shared, "order.json"))
    assert order.shipping == usd("0.00")
    [calculate] = [r for r in sent if r.url.endswith("calculate.json")]
    check_request(calculate, doc)
    assert wire(calculate.json) == doc["request_body"]
    assert calc.shipping is not None
    assert calc.shipping.amount == usd("0.00")
    assert calc.shipping.maximum_refundable == usd("0.00")
    assert calc.total == usd("41.94")
    assert [(x.line_id, x.quantity) for x in calc.lines] == [(LINE, 1)]


def test_documented_full_shipping_create_on_a_free_shipping_order(
    shared: Path, adapter: ShopifyRestAdapter
) -> None:
    created = load(shared, "refund_create_return_restock.json")
    created["refund"]["note"] = "wrong size [uo:doc-1]"
    sent, refund = drive(
        ops.create_refund(
            adapter,
            ORDER_ID,
            documented_request(),
            RefundOptions(note="wrong size", notify=True, idempotency_key="doc-1"),
        ),
        answers(shared, **{f"orders/{ORDER_ID}/refunds.json": created}),
    )
    [post] = [r for r in sent if r.url.endswith("/refunds.json")]
    body = wire(post.json)["refund"]
    expected = copy.deepcopy(documented(shared, "refund_create_return_restock.json"))[
        "request_body"
    ]
    assert body["shipping"] == expected["refund"]["shipping"] == {"full_refund": True}
    assert body["transactions"] == expected["refund"]["transactions"]
    assert body["note"] == "wrong size [uo:doc-1]"
    assert (refund.id, refund.note, refund.idempotency_key) == ("929361472", "wrong size", "doc-1")
    assert refund.total == usd("41.94")
    assert refund.shipping is None


# --- the key marker --------------------------------------------------------------------------------
def test_the_documented_create_body_gets_the_marker_only_with_a_key(
    shared: Path, adapter: ShopifyRestAdapter
) -> None:
    order = translate.order_from_rest(load(shared, "order.json"))
    calc = translate.calculation_from_rest(
        load(shared, "refund_calculate_line_item_full_shipping.json"), order, documented_request()
    )
    answer = load(shared, "refund_create_return_restock.json")
    for key, note in ((None, "wrong size"), ("k-1", "wrong size [uo:k-1]")):
        options = RefundOptions(note="wrong size", notify=True, idempotency_key=key)
        [post], _ = drive(adapter.create_refund(order, calc, options), lambda _: answer)
        assert post.json["refund"]["note"] == note
    options = RefundOptions(idempotency_key="k-2")
    [post], _ = drive(adapter.create_refund(order, calc, options), lambda _: answer)
    assert post.json["refund"]["note"] == "[uo:k-2]"


@pytest.mark.parametrize(
    ("note", "read", "key"),
    [
        ("wrong size [uo:k-1]", "wrong size", "k-1"),
        ("[uo:5f0c2d6e-1b7a-4c9e-9d1e-3f2a1b0c9d8e]", None, "5f0c2d6e-1b7a-4c9e-9d1e-3f2a1b0c9d8e"),
        ("wrong size", "wrong size", None),
        ("[uo:k-1] and more", "[uo:k-1] and more", None),
        (None, None, None),
    ],
)
def test_refunds_read_the_marker_back(
    shared: Path, note: str | None, read: str | None, key: str | None
) -> None:
    data = load(shared, "refunds.json")["refunds"][0]
    data["note"] = note
    refund = translate.refund_from_rest(data, "USD")
    assert (refund.note, refund.idempotency_key) == (read, key)


# --- statuses: a declined refund is a failure, a pending one pending (issue 14) ----------------------
@pytest.mark.parametrize(
    ("statuses", "status", "total"),
    [
        (["success"], uo.RefundStatus.SUCCESS, "41.94"),
        (["failure"], uo.RefundStatus.FAILURE, "0.00"),
        (["error"], uo.RefundStatus.FAILURE, "0.00"),
        (["pending"], uo.RefundStatus.PENDING, "0.00"),
        (["success", "failure"], uo.RefundStatus.PARTIAL, "41.94"),
        (["success", "pending"], uo.RefundStatus.PENDING, "41.94"),
    ],
)
def test_refund_status_follows_its_transactions(
    shared: Path, statuses: list[str], status: uo.RefundStatus, total: str
) -> None:
    data = load(shared, "refund_create_return_restock.json")["refund"]
    [paid] = data["transactions"]
    data["transactions"] = [
        dict(paid, id=int(paid["id"]) + i, status=s) for i, s in enumerate(statuses)
    ]
    refund = translate.refund_from_rest(data, "USD")
    assert refund.status is status
    assert refund.total == usd(total)


# --- refusals and lost answers ---------------------------------------------------------------------
def test_calculate_is_a_read_and_create_a_write(shared: Path, adapter: ShopifyRestAdapter) -> None:
    sent, _ = drive(ops.calculate_refund(adapter, ORDER_ID, documented_request()), answers(shared))
    assert [r.is_write for r in sent] == [False] * len(sent)  # calculate changes nothing
    order = translate.order_from_rest(load(shared, "order.json"))
    calc = translate.calculation_from_rest(
        load(shared, "refund_calculate_line_item_full_shipping.json"), order, documented_request()
    )
    answer = load(shared, "refund_create_return_restock.json")
    [post], _ = drive(adapter.create_refund(order, calc, RefundOptions()), lambda _: answer)
    assert (post.is_write, post.safe_to_retry) == (True, False)


@pytest.mark.parametrize("answer", [{}, {"refund": None}, {"errors": []}, []])
def test_a_create_answer_without_the_refund_is_a_lost_response(
    shared: Path, adapter: ShopifyRestAdapter, answer: Any
) -> None:
    order = translate.order_from_rest(load(shared, "order.json"))
    calc = translate.calculation_from_rest(
        load(shared, "refund_calculate_line_item_full_shipping.json"), order, documented_request()
    )

    def reply(request: Request) -> Any:
        return answer

    with pytest.raises(ResponseLost):
        drive(adapter.create_refund(order, calc, RefundOptions(idempotency_key="k")), reply)


def test_a_refusal_with_a_body_is_a_typed_error(adapter: ShopifyRestAdapter) -> None:
    refused = Response(
        422,
        {},
        {"errors": {"refund_line_items": ["quantity 1 exceeds the refundable quantity 0"]}},
        "",
        "https://jsmith.myshopify.com/admin/api/2026-07/orders/1/refunds.json",
    )
    error = adapter.error_for(refused)
    assert type(error) is uo.PlatformError
    assert (error.status, error.code) == (422, "unprocessable")
    assert error.problems[0].path == "refund_line_items"
