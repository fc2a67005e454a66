"""Translation both ways, from payloads shaped like the 2024-04-01 schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from unified_orders_adapters.nextcommerce import translate as t

import unified_orders as uo
from unified_orders.adapter import Response

TXN = {
    "id": 11,
    "type": "debit",
    "status": "succeeded",
    "amount": "108.00",
    "currency": "EUR",
    "parent_id": 10,
    "date_created": "2024-04-03T11:30:00Z",
    "payment_method": "card_token",
    "payment_details": {"gateway": {"id": 1, "name": "Card Gateway", "type": "card"}},
    "report_values": {"amount": "116.64", "currency": "USD"},
}


def order_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": "20001",
        "status": "open",
        "payment_status": "paid",
        "fulfillment_status": "partially_fulfilled",
        "currency": "EUR",
        "date_placed": "2024-04-03T11:30:00Z",
        "updated_at": "2024-04-04T08:00:00Z",
        "user": {"id": 1, "email": "jane.doe@example.com"},
        "shipping_excl_tax": "10.00",
        "shipping_incl_tax": "11.90",
        "total_excl_tax": "100.00",
        "total_incl_tax": "119.00",
        "total_tax": "19.00",
        "total_discount": "0.00",
        "report_values": {
            "currency": "USD",
            "total_incl_tax": "128.52",
            "total_excl_tax": "108.00",
            "shipping_incl_tax": "12.85",
            "shipping_excl_tax": "10.80",
            "total_discount": "0.00",
        },
        "lines": [
            {
                "id": 501,
                "product_id": 1101,
                "variant_id": 1101,
                "sku": "TS-1",
                "product_title": "T-Shirt",
                "variant_title": "M",
                "currency": "EUR",
                "price_excl_tax": "30.00",
                "price_incl_tax": "35.70",
                "total_discount": "0.00",
                "quantity": 3,
                "current_quantity": 3,
                "fulfillable_quantity": 1,
                "requires_shipping": True,
                "tax_lines": [{"amount": "17.10", "rate": 0.19}],
                "report_values": {
                    "currency": "USD",
                    "price_incl_tax": "38.56",
                    "price_excl_tax": "32.40",
                },
            },
            {
                "id": 502,
                "product_id": 1103,
                "variant_id": 1103,
                "product_title": "E-book",
                "currency": "EUR",
                "price_excl_tax": "0.00",
                "price_incl_tax": "0.00",
                "quantity": 1,
                "current_quantity": 1,
                "requires_shipping": False,
            },
        ],
        "fulfillments": [
            {
                "status": "success",
                "line_items": [{"order_line_id": 501, "fulfilled_quantity": "2"}],
            },
            {
                "status": "canceled",
                "line_items": [{"order_line_id": 501, "fulfilled_quantity": "1"}],
            },
        ],
        "transactions": [
            {**TXN, "id": 10, "type": "authorize", "parent_id": None},
            TXN,
        ],
        "refunds": [
            {
                "id": 7,
                "order_number": "20001",
                "refund_line_items": [
                    {
                        "id": 1,
                        "line_item_id": 501,
                        "quantity": 1,
                        "restock_type": "return",
                        "location_id": 2,
                        "amount_excl_tax": "30.00",
                        "amount_incl_tax": "35.70",
                    }
                ],
                "adjustments": [],
                "transactions": [
                    {
                        **TXN,
                        "id": 12,
                        "type": "refund",
                        "parent_id": 11,
                        "amount": "35.70",
                        "report_values": None,
                    }
                ],
                "total_refund_amount": "35.70",
            }
        ],
        "shipping_address": {
            "first_name": "Jane",
            "last_name": "Doe",
            "line1": "1 Example St",
            "line4": "Springfield",
            "state": "IL",
            "postcode": "62701",
            "country": "US",
        },
    }
    body.update(over)
    return body


def test_order_translation() -> None:
    order = t.order_from_platform(order_body())
    assert order.id == order.number == "20001"
    assert order.total == uo.Money.of("119.00", "EUR", shop=uo.Money.of("128.52", "USD"))
    assert order.shop_currency == "USD"
    assert order.shipping.amount == Decimal("11.90")
    # issue 15: the subtotal is on the order's (tax-inclusive) basis, the sum of the line totals
    assert order.subtotal.amount == Decimal("107.10")
    assert order.shipping_tax == uo.Money.of("1.90", "EUR", shop=uo.Money.of("2.05", "USD"))
    assert order.tax.shop == uo.Money.of("20.52", "USD")
    line = order.lines[0]
    assert (line.id, line.quantity, line.fulfilled_quantity, line.refunded_quantity) == (
        "501",
        3,
        2,
        1,
    )
    assert line.unit_price.shop == uo.Money.of("38.56", "USD")
    assert line.total.amount == Decimal("107.10")
    assert line.title == "T-Shirt - M"
    assert order.lines[1].is_digital
    assert order.shipping_address is not None
    assert order.shipping_address.city == "Springfield"
    assert order.email == "jane.doe@example.com"
    assert order.raw["number"] == "20001"


@pytest.mark.parametrize(
    ("platform", "canonical"),
    [
        ("partially_fulfilled", uo.FulfillmentStatus.PARTIALLY_FULFILLED),
        ("fulfilled", uo.FulfillmentStatus.FULFILLED),
        ("on_hold", uo.FulfillmentStatus.UNFULFILLED),
        ("incomplete", uo.FulfillmentStatus.UNKNOWN),
        ("brand_new_value", uo.FulfillmentStatus.UNKNOWN),
    ],
)
def test_fulfillment_status_map_has_an_unknown_fallback(
    platform: str, canonical: uo.FulfillmentStatus
) -> None:
    order = t.order_from_platform(order_body(fulfillment_status=platform))
    assert order.fulfillment_status is canonical
    assert order.platform_fulfillment_status == platform


def test_other_status_maps() -> None:
    order = t.order_from_platform(order_body(status="archived", payment_status="partially_voided"))
    assert order.status is uo.OrderStatus.CLOSED
    assert order.financial_status is uo.FinancialStatus.UNKNOWN
    assert order.platform_financial_status == "partially_voided"
    assert t.order_from_platform(order_body(status="weird")).status is uo.OrderStatus.UNKNOWN


def test_transactions() -> None:
    order = t.order_from_platform(order_body())
    auth, capture = order.transactions
    assert auth.kind is uo.TransactionKind.AUTHORIZATION
    assert capture.kind is uo.TransactionKind.CAPTURE
    assert capture.parent_id == "10"
    assert capture.gateway == "Card Gateway"
    sale = t.transaction_from_platform({**TXN, "parent_id": None}, "EUR")
    assert sale.kind is uo.TransactionKind.SALE
    assert sale.is_captured_payment
    assert (
        t.transaction_from_platform({**TXN, "status": ""}, "EUR").status
        is uo.TransactionStatus.UNKNOWN
    )
    assert (
        t.transaction_from_platform({**TXN, "type": "chargeback"}, "EUR").kind
        is uo.TransactionKind.UNKNOWN
    )
    assert order.captured_payments == [capture]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["succeeded"], uo.RefundStatus.SUCCESS),
        (["failed"], uo.RefundStatus.FAILURE),
        (["succeeded", "failed"], uo.RefundStatus.PARTIAL),
        ([""], uo.RefundStatus.PENDING),
        ([], uo.RefundStatus.UNKNOWN),
    ],
)
def test_refund_status_comes_from_its_transactions(
    statuses: list[str], expected: uo.RefundStatus
) -> None:
    body = {
        "id": 1,
        "order_number": "1",
        "total_refund_amount": "0.00",
        "transactions": [
            {**TXN, "id": i, "type": "refund", "status": s} for i, s in enumerate(statuses)
        ],
    }
    assert t.refund_from_platform(body, "EUR").status is expected


def test_refund_translation() -> None:
    refund = t.order_from_platform(order_body()).refunds[0]
    assert refund.id == "7"
    assert refund.order_id == "20001"
    assert refund.lines[0].restock is uo.Restock.RETURN
    assert refund.lines[0].location_id == "2"
    assert refund.lines[0].tax.amount == Decimal("5.70")
    assert refund.transactions[0].parent_id == "11"
    assert refund.total == uo.Money.of("35.70", "EUR")


def test_address_both_ways() -> None:
    address = uo.Address(
        first_name="Jane",
        last_name="Doe",
        line1="1 St",
        city="Paris",
        country_code="fr",
        postal_code="75001",
    )
    body = t.address_to_platform(address)
    assert body == {
        "first_name": "Jane",
        "last_name": "Doe",
        "line1": "1 St",
        "line4": "Paris",
        "country": "FR",
        "postcode": "75001",
    }
    back = t.address_from_platform(body)
    assert back is not None
    assert back.city == "Paris"
    assert back.country_code == "FR"
    with pytest.raises(uo.InvalidRequest) as caught:
        t.address_to_platform(uo.Address(city="Paris"))
    assert {p.path for p in caught.value.problems} == {
        "address.first_name",
        "address.last_name",
        "address.line1",
        "address.country_code",
    }


@pytest.mark.parametrize(
    ("reason", "platform", "message"),
    [
        (uo.HoldReason.INCORRECT_ADDRESS, "address_incorrect", "check"),
        (uo.HoldReason.INVENTORY_OUT_OF_STOCK, "out_of_stock", "check"),
        (uo.HoldReason.HIGH_RISK_OF_FRAUD, "high_risk", "check"),
        (uo.HoldReason.AWAITING_PAYMENT, "awaiting_payment", "check"),
        (uo.HoldReason.OTHER, "other", "check"),
        (uo.HoldReason.AWAITING_RETURN_ITEMS, "other", "awaiting_return_items: check"),
    ],
)
def test_hold_reasons(reason: uo.HoldReason, platform: str, message: str) -> None:
    assert t.hold_body(reason, "check") == {"reason": platform, "reason_message": message}
    if reason is not uo.HoldReason.AWAITING_RETURN_ITEMS:
        assert t.HOLD_REASON_FROM_PLATFORM[platform] is reason


def test_fulfillment_order_coerces_string_quantities_and_reads_every_shape() -> None:
    fo = {
        "id": 9,
        "order_number": "20001",
        "status": "on_hold",
        "assigned_location": {"id": 4},
        "line_items": [
            {
                "id": 90,
                "order_line_id": 501,
                "quantity": 2,
                "fulfillable_quantity": "2",
                "product_id": "1101",
            }
        ],
        "fulfillment_holds": [{"reason": "high_risk", "reason_message": None}],
        "supported_actions": ["release_hold"],
    }
    (one,) = t.fulfillment_orders_from_platform([fo])
    assert (one.id, one.location_id, one.lines[0].line_id, one.lines[0].fulfillable_quantity) == (
        "9",
        "4",
        "501",
        2,
    )
    assert one.status is uo.FulfillmentOrderStatus.ON_HOLD
    assert one.holds[0].reason is uo.HoldReason.HIGH_RISK_OF_FRAUD
    assert t.fulfillment_orders_from_platform(fo) == [one]  # the spec's single-object shape
    assert t.fulfillment_orders_from_platform({"results": [fo], "next": None}) == [one]
    assert (
        t.fulfillment_order_from_platform({**fo, "status": "new"}).status
        is uo.FulfillmentOrderStatus.UNKNOWN
    )


def test_split_response_lists_new_ids() -> None:
    base = {"order_number": "1", "status": "open", "line_items": []}
    body = {
        "original_fulfillment_order": {**base, "id": 1},
        "requested_fulfillment_order": {**base, "id": 1},
        "unrequested_fulfillment_order": {**base, "id": 2},
    }
    fo = t.split_response(
        "1", body, ["requested_fulfillment_order", "unrequested_fulfillment_order"]
    )
    assert fo.id == "1"
    assert fo.replaced_by == ["2"]
    body["unrequested_fulfillment_order"] = None
    assert (
        t.split_response(
            "1", body, ["requested_fulfillment_order", "unrequested_fulfillment_order"]
        ).replaced_by
        == []
    )


def test_available_locations_in_both_documented_shapes() -> None:
    guide = {"available_locations": [{"id": 2, "name": "EU", "fulfillment_order_line_ids": [1]}]}
    assert [(x.id, x.name) for x in t.locations_from_platform(guide)] == [("2", "EU")]
    spec_map = {"available_locations": {"2": {"name": "EU"}, "3": "US"}}
    assert [(x.id, x.name) for x in t.locations_from_platform(spec_map)] == [
        ("2", "EU"),
        ("3", "US"),
    ]
    single = {"available_locations": {"id": 5, "name": "Solo"}}
    assert [(x.id, x.name) for x in t.locations_from_platform(single)] == [("5", "Solo")]


def _response(status: int, body: Any) -> Response:
    return Response(status, {}, body, str(body))


def test_drf_errors_become_typed_errors_with_problems() -> None:
    error = t.error_from_response(
        _response(
            400, {"refund_lines": [{}, {"quantity": ["Too many."]}], "non_field_errors": ["Nope."]}
        )
    )
    assert type(error) is uo.PlatformError
    assert [(p.path, p.message) for p in error.problems] == [
        ("refund_lines[1].quantity", "Too many."),
        ("", "Nope."),
    ]
    nested = t.error_from_response(
        _response(400, {"refund_shipping": {"amount_excl_tax": ["Too much."]}})
    )
    assert nested.problems[0].path == "refund_shipping.amount_excl_tax"
    listed = t.error_from_response(_response(400, ["first", "second"]))
    assert [p.message for p in listed.problems] == ["first", "second"]
    assert isinstance(t.error_from_response(_response(404, {"detail": "Not found."})), uo.NotFound)
    auth = t.error_from_response(_response(401, {"detail": "Invalid token."}))
    assert isinstance(auth, uo.AuthenticationError)
    assert auth.message == "Invalid token."
    assert isinstance(
        t.error_from_response(_response(429, {"detail": "throttled"})), uo.RateLimited
    )
    assert isinstance(
        t.error_from_response(_response(409, {"detail": "state"})), uo.IllegalTransition
    )
    assert t.error_from_response(Response(502, {}, None, "Bad gateway")).message == "Bad gateway"


def _order() -> uo.Order:
    return t.order_from_platform(order_body())


def test_calculation_and_refund_body() -> None:
    order = _order()
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="501", quantity=1, restock=uo.Restock.NO_RESTOCK)],
        shipping=uo.ShippingRefund(amount=Decimal("5.95")),
        currency="EUR",
    )
    assert t.calculate_request(order, request) == {
        "refund_lines": [{"line_id": 501, "quantity": 1, "restock_type": "no_restock"}],
        "refund_shipping": {"amount_excl_tax": "5.00", "full_refund": False},  # 5.95 * 10/11.90
    }
    body = {
        "amount_excl_tax": "35.00",
        "amount_incl_tax": "41.65",
        "total_tax": "6.65",
        "currency": "EUR",
        "refund_lines": [
            {
                "line_id": 501,
                "quantity": 1,
                "restock_type": "no_restock",
                "amount_excl_tax": "30.00",
                "amount_incl_tax": "35.70",
                "total_tax": "5.70",
            }
        ],
        "refund_shipping": {
            "amount_excl_tax": "5.00",
            "amount_incl_tax": "5.95",
            "total_tax": "0.95",
            "refundable_amount": "10.00",
        },
        "transactions": [
            {
                "id": 11,
                "amount": "41.65",
                "refundable_amount": "72.30",
                "gateway_name": "Card Gateway",
            },
            {"id": 13, "amount": "0.00", "refundable_amount": "5.00"},
        ],
    }
    calc = t.calculation_from_platform(body, order, request)
    assert calc.total == uo.Money.of("41.65", "EUR")
    assert [(a.transaction_id, a.amount.amount) for a in calc.transactions] == [
        ("11", Decimal("41.65"))
    ]
    assert calc.shipping is not None
    assert calc.shipping.tax == uo.Money.of("0.95", "EUR")
    assert t.refund_body(calc, None, False) == {
        "transactions": [{"id": 11, "amount": "41.65"}],
        "refund_lines": [{"line_id": 501, "quantity": 1, "restock_type": "no_restock"}],
        "refund_shipping": {"amount_excl_tax": "5.00", "full_refund": False},
        "send_refund_notification": False,
    }
    assert t.refund_body(calc, "note", True)["send_refund_notification"] is True
    del body["transactions"][0]["id"]
    with pytest.raises(uo.PlatformError, match="no id"):
        t.calculation_from_platform(body, order, request)


def test_the_idempotency_key_rides_at_the_end_of_the_refund_note() -> None:
    order = _order()
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="501", quantity=1)])
    calc = uo.RefundCalculation(
        order_id=order.id,
        request=request,
        lines=[],
        transactions=[
            uo.TransactionAllocation(transaction_id="11", amount=uo.Money.of("1.00", "EUR"))
        ],
        subtotal=uo.Money.of("1.00", "EUR"),
        tax=uo.Money.of("0.00", "EUR"),
        total=uo.Money.of("1.00", "EUR"),
    )
    assert t.refund_body(calc, "damaged", False, "k-1")["note"] == "damaged [uo:k-1]"
    assert t.refund_body(calc, None, False, "k-1")["note"] == "[uo:k-1]"
    assert "note" not in t.refund_body(calc, None, False)
    # read back: the key is the refund's, the note is the caller's
    for note, clean, key in [
        ("damaged [uo:k-1]", "damaged", "k-1"),
        ("[uo:k-1]", None, "k-1"),
        ("a merchant's note", "a merchant's note", None),
        (None, None, None),
        ("", None, None),
    ]:
        refund = t.refund_from_platform({"id": 7, "order_number": "1", "note": note}, "EUR")
        assert refund.note == clean
        assert refund.idempotency_key == key


def test_a_required_id_that_is_null_is_refused_not_read_as_none() -> None:
    with pytest.raises(ValueError, match="not an id"):
        t.refund_from_platform({"id": None, "order_number": "1"}, "EUR")
    with pytest.raises(ValueError, match="no currency"):
        t.order_from_platform({**order_body(), "currency": None})


def test_create_order_body_needs_integer_variant_ids() -> None:
    order = _order()
    body = t.create_order_body(order)
    assert body["lines"] == [
        {"product_id": 1101, "quantity": 3, "price": "35.70"},
        {"product_id": 1103, "quantity": 1, "price": "0.00"},
    ]
    assert body["payment_method"] == "external"
    assert body["send_receipt"] is False
    assert body["shipping_address"]["line4"] == "Springfield"
    foreign = order.model_copy(
        update={
            "lines": [
                order.lines[0].model_copy(
                    update={"variant_id": "gid://shopify/ProductVariant/1", "product_id": None}
                )
            ]
        }
    )
    with pytest.raises(uo.InvalidRequest) as caught:
        t.create_order_body(foreign)
    assert caught.value.problems[0].path == "lines[0].variant_id"


def test_cancel_body_defaults_notification_off() -> None:
    assert t.cancel_body("fraud", refund=False, notify=False) == {
        "cancel_reason": "fraud",
        "full_refund": False,
        "send_cancel_notification": False,
    }


def test_updated_order_numbers_name_what_changed_and_what_cannot_be_told() -> None:
    since = datetime(2026, 11, 1, tzinfo=UTC)
    items = [
        {"number": "1", "updated_at": "2026-11-02T00:00:00Z"},
        {"number": "2", "updated_at": "2026-10-31T23:59:59Z"},
        {"number": "3", "updated_at": "yesterday"},  # unreadable: read it again
        {"number": "4"},  # no updated_at: read it again
    ]
    assert t.updated_order_numbers(items, since) == ["1", "3", "4"]
    with pytest.raises(uo.PlatformError, match=r"results\[1\] has no number"):
        t.updated_order_numbers([items[0], {"updated_at": "2026-11-02"}], since)
