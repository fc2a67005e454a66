"""The emulator's documented rules, answered straight from ``handle`` (no adapter in between)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

HEADERS = {"authorization": "Bearer test-token", "x-29next-api-version": "2024-04-01"}


def call(
    emulator: NextCommerceEmulator,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    status, payload, _ = emulator.handle(method, f"/api/admin/{path}", {}, headers or HEADERS, body)
    return status, payload


@pytest.fixture
def emu() -> NextCommerceEmulator:
    return NextCommerceEmulator()


def test_needs_a_bearer_token_and_the_version_header(emu: NextCommerceEmulator) -> None:
    assert (
        call(emu, "GET", "orders/10001/", headers={"x-29next-api-version": "2024-04-01"})[0] == 401
    )
    status, body = call(emu, "GET", "orders/10001/", headers={"authorization": "Bearer x"})
    assert status == 400
    assert "X-29next-API-Version" in body["detail"]
    assert call(emu, "GET", "orders/nope/")[0] == 404
    assert call(emu, "DELETE", "orders/10001/")[0] == 405


@pytest.mark.parametrize(
    ("line", "quantity", "restock", "message"),
    [
        (1001, 1, "cancel", "unfulfilled unit(s)"),  # shipped T-shirt cannot be canceled
        (1002, 1, "return", "fulfilled unit(s)"),  # unshipped mug cannot be returned
        (1002, 1, "no_restock", "fulfilled unit(s)"),
        (1003, 1, "return", "digital"),  # delivered e-book: no_restock only
        (1001, 3, "no_restock", "less than or equal to 2"),
    ],
)
def test_refund_restock_and_quantity_rules(
    emu: NextCommerceEmulator, line: int, quantity: int, restock: str, message: str
) -> None:
    status, body = call(
        emu,
        "POST",
        "orders/10001/refund/calculate/",
        {"refund_lines": [{"line_id": line, "quantity": quantity, "restock_type": restock}]},
    )
    assert status == 400
    assert message in json.dumps(body)
    assert "refund_lines" in body


def test_restock_type_is_inferred_by_calculate_and_required_by_create(
    emu: NextCommerceEmulator,
) -> None:
    status, body = call(
        emu,
        "POST",
        "orders/10001/refund/calculate/",
        {"refund_lines": [{"line_id": 1002, "quantity": 1}, {"line_id": 1003, "quantity": 1}]},
    )
    assert status == 200
    assert [x["restock_type"] for x in body["refund_lines"]] == ["cancel", "no_restock"]
    status, body = call(
        emu,
        "POST",
        "orders/10001/refund/",
        {
            "transactions": [{"id": 5001, "amount": "13.75"}],
            "refund_lines": [{"line_id": 1002, "quantity": 1}],
        },
    )
    assert status == 400
    assert body["refund_lines"][0]["restock_type"] == ["This field is required."]


def test_partial_refund_needs_a_captured_payment(emu: NextCommerceEmulator) -> None:
    status, body = call(
        emu,
        "POST",
        "orders/10003/refund/calculate/",
        {"refund_lines": [{"line_id": 1006, "quantity": 1}]},
    )
    assert status == 400
    assert "captured" in body["non_field_errors"][0]
    full = {
        "refund_lines": [{"line_id": 1006, "quantity": 2}],
        "refund_shipping": {"full_refund": True},
    }
    status, calc = call(emu, "POST", "orders/10003/refund/calculate/", full)
    assert status == 200
    assert calc["transactions"][0]["type"] == "authorize"
    status, refund = call(
        emu,
        "POST",
        "orders/10003/refund/",
        {
            **full,
            "refund_lines": [{"line_id": 1006, "quantity": 2, "restock_type": "cancel"}],
            "transactions": [{"id": t["id"], "amount": t["amount"]} for t in calc["transactions"]],
        },
    )
    assert status == 200
    assert refund["transactions"][0]["type"] == "void"
    assert call(emu, "GET", "orders/10003/")[1]["payment_status"] == "voided"


def test_refund_transactions_must_be_the_orders_and_a_difference_is_a_discrepancy(
    emu: NextCommerceEmulator,
) -> None:
    lines = [{"line_id": 1002, "quantity": 1, "restock_type": "cancel"}]
    status, body = call(
        emu,
        "POST",
        "orders/10001/refund/",
        {"transactions": [{"id": 5002, "amount": "13.75"}], "refund_lines": lines},
    )
    assert status == 400
    assert "not a refundable payment" in body["transactions"][0]["id"][0]
    status, body = call(
        emu,
        "POST",
        "orders/10001/refund/",
        {"transactions": [{"id": 5001, "amount": "10.00"}], "refund_lines": lines},
    )
    # issue 15: a line refunded for less than its price; the platform records the difference
    assert status == 200
    assert [(a["type"], a["amount_incl_tax"]) for a in body["adjustments"]] == [
        ("refund_discrepancy", "-3.75")
    ]
    assert body["total_refund_amount"] == body["total_return_incl_tax"] == "10.00"


def test_cancel_refund_takes_units_out_of_the_fulfillment_order(emu: NextCommerceEmulator) -> None:
    status, _ = call(
        emu,
        "POST",
        "orders/10001/refund/",
        {
            "transactions": [{"id": 5001, "amount": "13.75"}],
            "refund_lines": [{"line_id": 1002, "quantity": 1, "restock_type": "cancel"}],
        },
    )
    assert status == 200
    fo = call(emu, "GET", "fulfillment-orders/301/")[1]
    assert fo["status"] == "closed"
    assert fo["line_items"][0]["fulfillable_quantity"] == "0"
    order = call(emu, "GET", "orders/10001/")[1]
    assert order["fulfillment_status"] == "fulfilled"
    assert order["payment_status"] == "partially_refunded"


def test_fulfillment_order_state_machine(emu: NextCommerceEmulator) -> None:
    assert (
        call(emu, "POST", "fulfillment-orders/302/hold/", {"reason": "other"})[0] == 400
    )  # processing
    assert call(emu, "POST", "fulfillment-orders/301/hold/", {"reason": "lost"})[1] == {
        "reason": ['"lost" is not a valid choice.']
    }
    assert call(emu, "POST", "fulfillment-orders/301/release-hold/")[0] == 400  # not on hold
    assert (
        call(emu, "POST", "fulfillment-orders/301/cancellation-request/", {})[0] == 400
    )  # not accepted
    status, body = call(emu, "POST", "fulfillment-orders/302/move/", {"new_location_id": 1})
    assert status == 400
    assert "must be" in body["detail"]
    assert "cancellation request first" in body["detail"]
    assert (
        call(emu, "POST", "fulfillment-orders/302/cancellation-request/", {"message": "stop"})[1][
            "request_status"
        ]
        == "cancel_requested"
    )
    assert (
        call(emu, "POST", "fulfillment-orders/302/cancellation-request/accept/", {})[1]["status"]
        == "open"
    )
    status, body = call(emu, "POST", "fulfillment-orders/302/move/", {"new_location_id": 1})
    assert status == 200
    assert body["original_fulfillment_order"]["status"] == "closed"
    assert body["moved_fulfillment_order"]["assigned_location"]["id"] == 1
    assert call(emu, "POST", "fulfillment-orders/301/move/", {"new_location_id": 1})[1] == {
        "new_location_id": ["The fulfillment order is already assigned to this location."]
    }


def test_fulfillment_request_accept_and_ship(emu: NextCommerceEmulator) -> None:
    status, body = call(
        emu, "POST", "fulfillment-orders/301/fulfillment-request/", {"notify": False}
    )
    assert status == 200
    assert body["unrequested_fulfillment_order"] is None
    assert (
        call(emu, "POST", "fulfillment-orders/301/fulfillment-request/", {})[0] == 400
    )  # already requested
    assert (
        call(emu, "POST", "fulfillment-orders/301/fulfillment-request/accept/", {})[1]["status"]
        == "processing"
    )
    status, shipment = call(
        emu,
        "POST",
        "fulfillment-orders/301/fulfillments/",
        {"tracking_info": [{"carrier": "usps", "tracking_code": "1Z"}]},
    )
    assert status == 201
    assert shipment["tracking_code"] == "1Z"
    assert call(emu, "GET", "orders/10001/")[1]["fulfillment_status"] == "fulfilled"


def test_rate_limit_is_switchable_and_per_token() -> None:
    now = [100.0]
    emu = NextCommerceEmulator(rate_limit=True, clock=lambda: now[0])
    statuses = [call(emu, "GET", "orders/10001/")[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    status, body, headers = emu.handle("GET", "/api/admin/orders/10001/", {}, HEADERS, None)
    assert (status, headers["retry-after"]) == (429, "1")
    assert "throttled" in body["detail"]
    other = {**HEADERS, "authorization": "Bearer another-token"}
    assert call(emu, "GET", "orders/10001/", headers=other)[0] == 200
    now[0] += 1.0
    assert call(emu, "GET", "orders/10001/")[0] == 200
    assert [call(NextCommerceEmulator(), "GET", "orders/10001/")[0] for _ in range(6)] == [200] * 6


def test_state_is_deterministic_and_round_trips(emu: NextCommerceEmulator) -> None:
    assert NextCommerceEmulator().dump_state() == emu.dump_state()
    call(emu, "POST", "fulfillment-orders/301/hold/", {"reason": "other"})
    saved = json.loads(json.dumps(emu.dump_state()))
    fresh = NextCommerceEmulator()
    fresh.load_state(saved)
    assert call(fresh, "GET", "fulfillment-orders/301/")[1]["status"] == "on_hold"


def test_seed_orders_adds_n_orders_deterministically() -> None:
    first, second = NextCommerceEmulator(), NextCommerceEmulator()
    numbers = first.seed_orders(25, seed=7)
    assert numbers == second.seed_orders(25, seed=7)
    assert len(numbers) == len(set(numbers)) == 25
    assert first.dump_state() == second.dump_state()
    third = NextCommerceEmulator()
    third.seed_orders(25, seed=8)
    assert third.dump_state() != first.dump_state()
    first.page_size = 100
    listed = call(first, "GET", "orders/")[1]["results"]
    assert len(listed) == 30
    order = call(first, "GET", f"orders/{numbers[-1]}/")[1]
    assert order["payment_status"] == "paid"
    assert order["lines"]


def test_create_order_validates_lines_drf_style(emu: NextCommerceEmulator) -> None:
    status, body = call(
        emu,
        "POST",
        "orders/",
        {"lines": [{"product_id": 1101, "quantity": 1}, {"product_id": 999, "quantity": 0}]},
    )
    assert status == 400
    assert body == {
        "lines": [
            {},
            {
                "product_id": ['Invalid pk "999" - object does not exist.'],
                "quantity": ["Ensure this value is greater than or equal to 1."],
            },
        ]
    }


def test_refund_notes_are_kept_as_sent(emu: NextCommerceEmulator) -> None:
    """The platform stores a refund's note as given: the key marker comes back verbatim."""
    status, refund = call(
        emu,
        "POST",
        "orders/10001/refund/",
        {
            "transactions": [{"id": 5001, "amount": "13.75"}],
            "refund_lines": [{"line_id": 1002, "quantity": 1, "restock_type": "cancel"}],
            "note": "damaged [uo:k-1]",
        },
    )
    assert (status, refund["note"]) == (200, "damaged [uo:k-1]")
    _, order = call(emu, "GET", "orders/10001/")
    assert [r["note"] for r in order["refunds"]] == ["damaged [uo:k-1]"]


def test_currency_and_unreadable_orders_are_seeded_on_request_only() -> None:
    plain = NextCommerceEmulator()
    assert list(plain.state["orders"]) == ["10001", "10002", "10003", "10004", "10005"]
    extra = NextCommerceEmulator(currency_orders=True, unreadable_order=True)
    assert list(extra.state["orders"]) == [*plain.state["orders"], "20001", "20002", "20003"]
    # the demo orders are untouched: same records, same ids
    assert {n: extra.state["orders"][n] for n in plain.state["orders"]} == plain.state["orders"]
    _, bgn = call(extra, "GET", "orders/20001/")
    assert (bgn["currency"], bgn["total_incl_tax"], bgn["report_values"]) == (
        "BGN",
        "153.00",
        {**bgn["report_values"], "currency": "EUR", "total_incl_tax": "78.23"},
    )
    status, broken = call(extra, "GET", "orders/20003/")
    assert (status, broken["currency"]) == (200, None)
    assert extra.seed_unreadable_order("error") == "20003"  # the same order, now failing
    assert extra.seed_currency_orders() == ["20001", "20002"]  # already there: not added again
    assert len(extra.state["orders"]) == 8
    assert call(extra, "GET", "orders/20003/")[0] == 500
    with pytest.raises(ValueError, match="kind must be one of"):
        extra.seed_unreadable_order("flaky")
