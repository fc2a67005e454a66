"""Every Next Commerce operation through ``uo.connect``, recorded once against the sandbox emulator
and replayed from cassettes/nextcommerce/ (record mode "none"). The contract test checks each
recorded exchange against the 2024-04-01 spec.

Re-record with ``pytest tests/adapters/nextcommerce/test_nextcommerce_cassettes.py
--record-mode=rewrite``. Pacing is off (``rate_limit=False``) only to keep recording fast; the
limiter has its own tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders.http import emulator_transport

pytestmark = pytest.mark.vcr


@pytest.fixture
def store() -> Iterator[uo.Store]:
    """A store connected the way a user would, with a fresh emulator as its transport."""
    with uo.connect(
        "nextcommerce",
        store="demo-store",
        access_token="test-token-not-a-real-secret",
        rate_limit=False,
        transport=emulator_transport(NextCommerceEmulator()),
    ) as connected:
        yield connected


def test_get_order(store: uo.Store) -> None:
    order = store.orders.get("10001")
    assert order.id == order.number == "10001"
    assert order.platform == "nextcommerce"
    assert order.fulfillment_status is uo.FulfillmentStatus.PARTIALLY_FULFILLED
    assert order.platform_fulfillment_status == "partially_fulfilled"
    assert order.financial_status is uo.FinancialStatus.PAID
    assert order.total == uo.Money.of("84.24", "USD")
    assert [line.id for line in order.lines] == ["1001", "1002", "1003"]
    shirt, mug, ebook = order.lines
    assert (shirt.fulfilled_quantity, mug.fulfilled_quantity, ebook.fulfilled_quantity) == (2, 0, 1)
    assert ebook.is_digital
    assert not shirt.is_digital
    assert shirt.unit_price == uo.Money.of("27.50", "USD")
    assert order.shipping_address is not None
    assert order.shipping_address.city == "Springfield"


def test_list_orders_follows_every_cursor_page(store: uo.Store) -> None:
    orders = list(store.orders.list())
    assert [o.id for o in orders] == ["10001", "10002", "10003", "10004", "10005"]
    assert all(o.lines for o in orders), "list items omit lines; each order is read in full"


def test_list_orders_created_since_filters_by_date_and_time(store: uo.Store) -> None:
    from datetime import UTC, datetime

    since = datetime(2024, 4, 4, 12, 0, tzinfo=UTC)
    orders = list(store.orders.list(created_since=since))
    assert [o.id for o in orders] == ["10004", "10005"]  # 10003 is on the 4th, before noon


def test_create_order(store: uo.Store) -> None:
    source = store.orders.get("10001")
    created = store.orders.create(source)
    assert created.id not in {"10001", "10002", "10003", "10004", "10005"}
    assert [(line.variant_id, line.quantity) for line in created.lines] == [
        (line.variant_id, line.quantity) for line in source.lines
    ]
    assert created.financial_status is uo.FinancialStatus.PAID
    assert created.raw["source"] == "admin_api"


def test_cancel_order_with_full_refund(store: uo.Store) -> None:
    order = store.orders.cancel("10001", reason="customer changed their mind", refund=True)
    assert order.status is uo.OrderStatus.CANCELED
    assert order.financial_status is uo.FinancialStatus.REFUNDED
    refunds = order.refunds
    assert refunds
    assert refunds[-1].total == uo.Money.of("84.24", "USD")


def test_update_shipping_address(store: uo.Store) -> None:
    address = uo.Address(
        first_name="Jane",
        last_name="Doe",
        line1="7 Example Avenue",
        line2="Apt 3",
        city="Shelbyville",
        province_code="IL",
        postal_code="62565",
        country_code="us",
    )
    order = store.orders.update_shipping_address("10003", address)
    assert order.shipping_address is not None
    assert order.shipping_address.city == "Shelbyville"
    assert order.shipping_address.raw["line4"] == "Shelbyville"
    assert order.shipping_address.country_code == "US"


def test_calculate_refund(store: uo.Store) -> None:
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="1001", quantity=1),
            uo.RefundLineRequest(line_id="1002", quantity=1),
        ],
        shipping=uo.ShippingRefund(amount=Decimal("2.20")),
    )
    calc = store.refunds.calculate("10001", request)
    assert [(x.line_id, x.quantity, x.restock) for x in calc.lines] == [
        ("1001", 1, uo.Restock.NO_RESTOCK),  # fulfilled: inferred no_restock
        ("1002", 1, uo.Restock.CANCEL),  # unfulfilled: must be cancel
    ]
    assert calc.shipping is not None
    assert calc.shipping.amount == uo.Money.of("2.20", "USD")
    assert calc.total == uo.Money.of("43.45", "USD")
    assert [(a.transaction_id, a.amount.amount) for a in calc.transactions] == [
        ("5001", Decimal("43.45"))
    ]


def test_create_refund_returns_what_the_calculation_said(store: uo.Store) -> None:
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1002", quantity=1)])
    refund = store.refunds.create(
        "10001", request, note="damaged in transit", idempotency_key="k-1"
    )
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == uo.Money.of("13.75", "USD")
    # the key travelled as a marker at the end of the note; it is read back, not shown
    assert refund.note == "damaged in transit"
    assert refund.idempotency_key == "k-1"
    assert refund.raw["note"] == "damaged in transit [uo:k-1]"
    assert [(x.line_id, x.quantity, x.restock) for x in refund.lines] == [
        ("1002", 1, uo.Restock.CANCEL)
    ]
    after = store.orders.get("10001")
    assert after.line("1002") is not None
    assert after.line("1002").refunded_quantity == 1


def test_refund_over_two_captured_transactions(store: uo.Store) -> None:
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="1004", quantity=1),
            uo.RefundLineRequest(line_id="1005", quantity=1),
        ],
        shipping=uo.ShippingRefund(full=True),
    )
    calc = store.refunds.calculate("10002", request)
    assert calc.total == uo.Money.of("88.06", "EUR")
    assert [(a.transaction_id, a.amount.amount) for a in calc.transactions] == [
        ("5003", Decimal("68.06")),  # the capture of authorization 5002
        ("5004", Decimal("20.00")),  # the gift-card debit
    ]
    refund = store.refunds.create("10002", calc, idempotency_key="k-two-captures")
    assert (refund.total.amount, refund.total.currency) == (Decimal("88.06"), "EUR")
    assert refund.total.shop == uo.Money.of("95.10", "USD")  # report_values: shop currency
    assert sorted(t.parent_id or "" for t in refund.transactions) == ["5003", "5004"]


def test_return_is_a_refund_with_restock_return(store: uo.Store) -> None:
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="1007", quantity=1, restock=uo.Restock.RETURN)]
    )
    refund = store.refunds.create("10004", request, idempotency_key="k-return")
    assert refund.lines[0].restock is uo.Restock.RETURN
    assert refund.total == uo.Money.of("53.90", "USD")


def test_refund_whose_transaction_failed_says_so(store: uo.Store) -> None:
    """A declined gateway records the refund with a failed transaction: no money moved, so it is
    ``RefundFailed`` carrying the refund (it used to be returned as if it were a refund made)."""
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1008", quantity=1)])
    with pytest.raises(uo.RefundFailed) as caught:
        store.refunds.create("10005", request, idempotency_key="k-declined")
    refund = caught.value.refund
    assert refund.status is uo.RefundStatus.FAILURE
    assert refund.idempotency_key == "k-declined"
    assert refund.transactions[0].platform_status == "failed"
    assert refund.total.amount == 0  # total_refund_amount counts successful transactions only
    # the same key again returns that record, typed the same way: no second attempt is sent
    with pytest.raises(uo.RefundFailed) as again:
        store.refunds.create("10005", request, idempotency_key="k-declined")
    assert again.value.refund.id == refund.id


def test_list_refunds(store: uo.Store) -> None:
    refunds = store.refunds.list("10004")
    assert [r.id for r in refunds] == ["701"]
    assert refunds[0].shipping is not None
    assert refunds[0].shipping.amount == uo.Money.of("8.80", "USD")


def test_list_fulfillment_orders(store: uo.Store) -> None:
    (fo,) = store.fulfillments.list("10002")
    assert fo.id == "302"
    assert fo.status is uo.FulfillmentOrderStatus.IN_PROGRESS
    assert fo.platform_status == "processing"
    assert fo.location_id == "3"
    assert [(x.line_id, x.fulfillable_quantity) for x in fo.lines] == [("1004", 1), ("1005", 1)]


def test_hold_and_release(store: uo.Store) -> None:
    held = store.fulfillments.hold(
        "301", reason=uo.HoldReason.UNKNOWN_DELIVERY_DATE, note="carrier strike"
    )
    assert held.status is uo.FulfillmentOrderStatus.ON_HOLD
    assert held.holds[0].platform_reason == "other"
    assert held.holds[0].note == "unknown_delivery_date: carrier strike"
    released = store.fulfillments.release_hold("301")
    assert released.status is uo.FulfillmentOrderStatus.OPEN
    assert released.holds == []


def test_partial_fulfillment_request_reports_the_new_fulfillment_order(store: uo.Store) -> None:
    fo = store.fulfillments.request_fulfillment("303", lines={"3004": 1}, message="one now")
    assert fo.id == "303"
    assert fo.request_status == "requested"
    assert [(x.id, x.quantity) for x in fo.lines] == [("3004", 1)]
    assert len(fo.replaced_by) == 1
    rest = [f for f in store.fulfillments.list("10003") if f.id == fo.replaced_by[0]]
    assert rest
    assert rest[0].lines[0].fulfillable_quantity == 1


def test_request_cancellation(store: uo.Store) -> None:
    fo = store.fulfillments.request_cancellation("302", message="customer moved")
    assert fo.request_status == "cancel_requested"


def test_available_locations(store: uo.Store) -> None:
    locations = store.fulfillments.available_locations("301")
    assert [(x.id, x.name) for x in locations] == [
        ("2", "EU Fulfillment Centre"),
        ("3", "Dropship Partner (3PL)"),
    ]


def test_move_open_fulfillment_order(store: uo.Store) -> None:
    fo = store.fulfillments.move("301", "2")
    assert fo.id == "301"
    assert fo.status is uo.FulfillmentOrderStatus.CLOSED
    (moved_id,) = fo.replaced_by
    moved = [f for f in store.fulfillments.list("10001") if f.id == moved_id]
    assert moved
    assert moved[0].location_id == "2"


def test_move_processing_fulfillment_order_says_to_request_cancellation(store: uo.Store) -> None:
    with pytest.raises(uo.IllegalTransition) as caught:
        store.fulfillments.move("302", "1")
    assert caught.value.state == "processing"
    assert "cancellation request first" in str(caught.value)


def test_platform_refusal_of_a_transition_is_typed(store: uo.Store) -> None:
    with pytest.raises(uo.IllegalTransition) as caught:
        store.fulfillments.hold("302", reason=uo.HoldReason.OTHER)
    assert caught.value.status == 400
    assert "processing" in str(caught.value)


def test_unknown_order_is_not_found(store: uo.Store) -> None:
    with pytest.raises(uo.NotFound):
        store.orders.get("99999")


def test_field_errors_are_kept_as_problems(store: uo.Store) -> None:
    order = store.orders.get("10001")
    bad = order.model_copy(
        update={"lines": [order.lines[0].model_copy(update={"variant_id": "999"})]}
    )
    with pytest.raises(uo.PlatformError) as caught:
        store.orders.create(bad)
    assert caught.value.status == 400
    assert [p.path for p in caught.value.problems] == ["lines[0].product_id"]
    assert "does not exist" in caught.value.problems[0].message
