"""Translation both ways, on payloads shaped like real Admin API responses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from unified_orders_adapters.shopware import platform
from unified_orders_adapters.shopware import states as machines
from unified_orders_adapters.shopware import translate as t

import unified_orders as uo
from unified_orders.adapter import OrderQuery, Response

STATE = "a" * 32


def state(name: str) -> dict[str, Any]:
    return {
        "id": platform.stable_id("state", name),
        "technicalName": name,
        "name": name,
        "stateMachineId": STATE,
    }


def price(unit: str, total: str, qty: int, tax: str | None, rate: str = "19") -> dict[str, Any]:
    taxes = (
        []
        if tax is None
        else [
            {
                "tax": Decimal(tax),
                "taxRate": Decimal(rate),
                "price": Decimal(total),
                "extensions": [],
            }
        ]
    )
    return {
        "unitPrice": Decimal(unit),
        "totalPrice": Decimal(total),
        "quantity": qty,
        "calculatedTaxes": taxes,
        "taxRules": [],
        "referencePrice": None,
        "listPrice": None,
        "extensions": [],
    }


def real_order(tax_status: str = "gross") -> dict[str, Any]:
    """An order as a 6.7 shop returns it: calculatedTaxes as arrays, nulls everywhere."""
    net = tax_status == "net"
    line_total = "100.00"
    line_tax = "19.00" if net else "15.97"
    return {
        "id": "1" * 32,
        "orderNumber": "10042",
        "updatedAt": None,
        "createdAt": "2025-03-01T10:00:00.000+00:00",
        "orderDateTime": "2025-03-01T09:59:00.000+00:00",
        "customerComment": None,
        "primaryOrderTransactionId": None,
        "primaryOrderDeliveryId": None,
        "price": {
            "netPrice": Decimal("108.40") if net else Decimal("88.23"),
            "totalPrice": Decimal("128.99") if net else Decimal("104.99"),
            "positionPrice": Decimal(line_total),
            "rawTotal": Decimal("0"),
            "taxStatus": tax_status,
            "calculatedTaxes": [],
            "taxRules": [],
        },
        "shippingCosts": price("4.99", "4.99", 1, "0.95" if net else "0.80"),
        "currency": {"isoCode": "EUR"},
        "stateMachineState": state("in_progress"),
        "orderCustomer": {"email": "jane@example.com"},
        "billingAddress": {
            "firstName": "Jane",
            "lastName": "Doe",
            "street": "1 Example Street",
            "zipcode": "10115",
            "city": "Berlin",
            "country": {"iso": "DE"},
            "countryState": {"shortCode": "DE-BE"},
            "additionalAddressLine1": "c/o Example",
            "additionalAddressLine2": None,
        },
        "lineItems": [
            {
                "id": "2" * 32,
                "label": "Desk",
                "quantity": 2,
                "type": "product",
                "position": 1,
                "good": True,
                "parentId": None,
                "states": ["is-physical"],
                "payload": {"productNumber": "SW1"},
                "price": price("50.00", line_total, 2, line_tax),
            },
            {
                "id": "3" * 32,
                "label": "Summer sale",
                "quantity": 1,
                "type": "promotion",
                "position": 2,
                "price": price("-5.00", "-5.00", 1, None),
            },
            {
                "id": "4" * 32,
                "label": "Leg",
                "quantity": 4,
                "type": "product",
                "parentId": "2" * 32,
                "price": price("0", "0", 4, None),
            },
        ],
        "deliveries": [
            {
                "id": "5" * 32,
                "stateMachineState": state("shipped_partially"),
                "shippingCosts": price("0", "0", 1, None),
                "customFields": None,
                "positions": [],
            },
            {
                "id": "6" * 32,
                "stateMachineState": state("shipped"),
                "shippingCosts": price("4.99", "4.99", 1, "0.80"),
                "positions": [{"id": "7" * 32, "orderLineItemId": "2" * 32, "quantity": 2}],
                "shippingOrderAddress": {
                    "firstName": "Jane",
                    "lastName": "Doe",
                    "street": "2 Example Street",
                    "city": "Berlin",
                    "country": {"iso": "DE"},
                },
            },
        ],
        "transactions": [
            {
                "id": "8" * 32,
                "createdAt": "2025-03-01T10:00:00.000+00:00",
                "stateMachineState": state("failed"),
                "amount": price("104.99", "104.99", 1, None),
                "captures": [],
            },
            {
                "id": "9" * 32,
                "createdAt": "2025-03-01T10:05:00.000+00:00",
                "stateMachineState": state("refunded_partially"),
                "paymentMethod": {"technicalName": "payment_paypal"},
                "amount": price("104.99", "104.99", 1, None),
                "captures": [
                    {
                        "id": "c" * 32,
                        "stateMachineState": state("completed"),
                        "amount": price("104.99", "104.99", 1, None),
                        "refunds": [
                            {
                                "id": "d" * 32,
                                "externalReference": None,
                                "reason": "broken",
                                "createdAt": "2025-03-02T10:00:00.000+00:00",
                                "stateMachineState": state("completed"),
                                "amount": price("55.00", "55.00", 1, None),
                                "positions": [
                                    {
                                        "orderLineItemId": "2" * 32,
                                        "quantity": 1,
                                        "amount": price("50.00", "50.00", 1, "7.98"),
                                    }
                                ],
                            },
                            {
                                "id": "e" * 32,
                                "externalReference": None,
                                "stateMachineState": state("failed"),
                                "amount": price("10.00", "10.00", 1, None),
                                "positions": [],
                            },
                        ],
                    }
                ],
            },
        ],
    }


def test_gross_order_from_platform() -> None:
    order = t.order_from_platform(real_order())
    assert order.taxes_included
    assert order.status is uo.OrderStatus.OPEN
    assert order.platform_status == "in_progress"
    # before 6.7.1 the primary transaction is the newest one
    assert order.financial_status is uo.FinancialStatus.PARTIALLY_REFUNDED
    # and the primary delivery the one with the highest shipping costs
    assert order.fulfillment_status is uo.FulfillmentStatus.FULFILLED
    assert [line.id for line in order.lines] == ["2" * 32]  # promotion and child lines left out
    line = order.lines[0]
    # issue 13: the line's total is what was paid for it after the 5.00 promotion
    assert (line.total, line.total_discount, line.total_tax, line.tax_rate) == (
        uo.Money.of("95.00", "EUR"),
        uo.Money.of("5.00", "EUR"),
        uo.Money.of("15.97", "EUR"),
        "0.19",
    )
    assert (line.fulfilled_quantity, line.refunded_quantity, line.sku) == (2, 1, "SW1")
    assert order.discount == uo.Money.of("5.00", "EUR")
    assert order.shipping == uo.Money.of("4.99", "EUR")
    assert order.tax == uo.Money.of("16.76", "EUR")
    assert order.billing_address is not None
    assert (order.billing_address.province_code, order.billing_address.line2) == (
        "BE",
        "c/o Example",
    )
    assert order.shipping_address is not None
    assert order.shipping_address.line1 == "2 Example Street"
    capture = next(x for x in order.transactions if x.kind is uo.TransactionKind.CAPTURE)
    assert capture.refundable == uo.Money.of("49.99", "EUR")  # the failed refund does not count
    assert capture.parent_id == "9" * 32
    assert capture.gateway == "payment_paypal"
    [refund, failed] = order.refunds
    assert refund.shipping is not None
    assert refund.shipping.amount == uo.Money.of("5.00", "EUR")
    assert refund.lines[0].tax == uo.Money.of("7.98", "EUR")
    assert refund.lines[0].restock is uo.Restock.NO_RESTOCK
    assert refund.status is uo.RefundStatus.SUCCESS
    assert failed.status is uo.RefundStatus.FAILURE
    assert order.updated_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)  # null updatedAt: createdAt
    assert order.raw["orderNumber"] == "10042"


def test_net_order_keeps_net_totals_with_tax_on_top() -> None:
    order = t.order_from_platform(real_order("net"))
    assert not order.taxes_included
    # issue 15: shipping on the order's (net) basis, its tax beside it; 5.94 with tax
    assert order.shipping == uo.Money.of("4.99", "EUR")
    assert order.shipping_tax == uo.Money.of("0.95", "EUR")
    assert order.shipping_with_tax == uo.Money.of("5.94", "EUR")
    assert order.lines[0].total == uo.Money.of("95.00", "EUR")  # after the 5.00 promotion
    assert order.lines[0].total_tax == uo.Money.of("19.00", "EUR")


def test_planner_amounts_follow_the_tax_status() -> None:
    from unified_orders_adapters.shopware.base import RESTOCK_POLICY

    from unified_orders import planning

    for status, expected in (
        # the line's share after the order's 5.00 promotion (issue 13)
        ("gross", ("79.03", "15.97", "95.00")),
        ("net", ("95.00", "19.00", "114.00")),
    ):
        raw = real_order(status)
        raw["transactions"][1]["captures"][0]["refunds"] = []
        raw["transactions"][1]["captures"][0]["amount"] = price("500", "500", 1, None)
        order = t.order_from_platform(raw)
        request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="2" * 32, quantity=2)])
        calc = planning.calculate(order, planning.prepare(order, request, RESTOCK_POLICY))
        line = calc.lines[0]
        assert (str(line.subtotal.amount), str(line.tax.amount), str(line.total.amount)) == expected


def test_keyed_calculated_taxes_read_like_lists() -> None:
    keyed = {
        "calculatedTaxes": {
            "19": {"tax": Decimal("1.90"), "taxRate": Decimal(19), "price": Decimal(10)}
        }
    }
    listed = {
        "calculatedTaxes": [{"tax": Decimal("1.90"), "taxRate": Decimal(19), "price": Decimal(10)}]
    }
    assert platform.tax_total(keyed) == platform.tax_total(listed) == Decimal("1.90")


def test_refunds_written_together_come_back_as_one() -> None:
    raw = real_order()
    capture = raw["transactions"][1]["captures"][0]
    for refund in capture["refunds"]:
        refund["externalReference"] = "unified-orders:key-1"
    [refund] = t.refunds_from_platform(raw, "EUR")
    assert refund.idempotency_key == "key-1"
    assert refund.total == uo.Money.of("65.00", "EUR")
    assert refund.status is uo.RefundStatus.PARTIAL


def test_order_to_platform_round_trip_fields() -> None:
    order = t.order_from_platform(real_order())
    states = {
        m: {
            s: platform.stable_id(m, s)
            for s in (
                "open",
                "in_progress",
                "completed",
                "cancelled",
                "paid",
                "refunded_partially",
                "shipped",
                "authorized",
                "refunded",
                "paid_partially",
                "shipped_partially",
                "returned",
                "returned_partially",
            )
        }
        for m in (machines.ORDER_MACHINE, machines.DELIVERY_MACHINE, machines.TRANSACTION_MACHINE)
    }
    refs = t.CreateRefs(
        sales_channel={
            "id": "s" * 0 + "5" * 32,
            "languageId": "6" * 32,
            "paymentMethodId": "7" * 32,
            "shippingMethodId": "8" * 32,
        },
        currency_id="9" * 32,
        states=states,
        countries={"DE": "a" * 32},
        country_states={"DE-BE": "b" * 32},
        primary_fields=True,
    )
    body = t.order_to_platform(order, refs)
    assert body["id"] == platform.stable_id("order", "shopware", order.id)
    assert body == t.order_to_platform(order, refs)  # deterministic: a resend reuses the ids
    assert body["price"]["taxStatus"] == "gross"
    assert body["stateId"] == states[machines.ORDER_MACHINE]["open"]
    assert (
        body["transactions"][0]["stateId"]
        == states[machines.TRANSACTION_MACHINE]["refunded_partially"]
    )
    assert body["deliveries"][0]["stateId"] == states[machines.DELIVERY_MACHINE]["shipped"]
    line = body["lineItems"][0]
    assert line["price"]["calculatedTaxes"] == {
        "19": {"tax": Decimal("15.97"), "taxRate": Decimal(19), "price": Decimal("95.00")}
    }  # the line as paid, after the order's promotion
    assert body["addresses"][0]["countryStateId"] == "b" * 32
    assert body["primaryOrderDeliveryId"] == body["deliveries"][0]["id"]
    assert body["itemRounding"] == {"decimals": 2, "interval": Decimal("0.01"), "roundForNet": True}


def test_order_criteria() -> None:
    since = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    body = t.order_criteria(OrderQuery(updated_since=since), 3, 500)
    assert body["page"] == 3
    assert body["limit"] == 500
    assert body["filter"][0]["operator"] == "or"
    assert body["filter"][0]["queries"][0] == {
        "type": "range",
        "field": "updatedAt",
        "parameters": {"gte": "2025-01-02 03:04:05.678"},
    }


@pytest.mark.parametrize(
    ("machine", "current", "target", "offered", "path"),
    [
        (
            machines.ORDER_MACHINE,
            "open",
            "completed",
            ["in_progress", "cancelled"],
            ["in_progress", "completed"],
        ),
        (machines.ORDER_MACHINE, "completed", "cancelled", ["open"], ["open", "cancelled"]),
        (
            machines.TRANSACTION_MACHINE,
            "authorized",
            "refunded",
            ["cancelled", "failed", "paid", "paid_partially"],
            ["cancelled", "refunded"],
        ),
        (machines.TRANSACTION_MACHINE, "refunded", "paid", [], []),
        (
            machines.DELIVERY_MACHINE,
            "open",
            "shipped",
            ["shipped", "shipped_partially", "cancelled"],
            ["shipped"],
        ),
    ],
)
def test_plan_path(
    machine: str, current: str, target: str, offered: list[str], path: list[str]
) -> None:
    assert machines.plan_path(machine, current, target, offered) == path


def test_action_sets_differ_by_version() -> None:
    old = {a for a, _, _ in machines.machine_tables("6.6")[machines.TRANSACTION_MACHINE][2]}
    new = {a for a, _, _ in machines.machine_tables("6.7")[machines.TRANSACTION_MACHINE][2]}
    assert {"pay", "pay_partially", "do_pay"} <= old
    assert not {"pay", "pay_partially", "do_pay"} & new
    assert {"paid", "paid_partially", "process"} <= new


def test_errors_become_typed() -> None:
    state_id = "f" * 32
    body = {
        "errors": [
            {
                "status": "400",
                "code": "SYSTEM__ILLEGAL_STATE_TRANSITION",
                "title": "Bad Request",
                "detail": f'Illegal transition "ship" from state "{state_id}".',
                "meta": {
                    "parameters": {
                        "transition": "ship",
                        "currentState": state_id,
                        "possibleTransitions": ["reopen"],
                    }
                },
            }
        ]
    }
    error = t.error_from_response(Response(400, {}, body, ""), {state_id: "cancelled"})
    assert isinstance(error, uo.IllegalTransition)
    assert (error.state, error.possible) == ("cancelled", ["reopen"])
    assert "'cancelled'" in str(error)
    unknown = t.error_from_response(Response(400, {}, body, ""), {})
    assert unknown.state == state_id  # type: ignore[attr-defined]
    violations = {
        "errors": [
            {
                "status": "400",
                "code": "VIOLATION::IS_BLANK_ERROR",
                "detail": "This value should not be blank.",
                "source": {"pointer": "/0/lineItems/1/label"},
            },
            {
                "status": "400",
                "code": "VIOLATION::IS_BLANK_ERROR",
                "detail": "This value should not be blank.",
                "source": {"pointer": "/0/city"},
            },
        ]
    }
    error = t.error_from_response(Response(400, {}, violations, ""), {})
    assert [p.path for p in error.problems] == ["[0].lineItems[1].label", "[0].city"]
    assert error.code == "VIOLATION::IS_BLANK_ERROR"
    assert isinstance(
        t.error_from_response(
            Response(404, {}, {"errors": [{"status": "404", "detail": "x"}]}, ""), {}
        ),
        uo.NotFound,
    )
    assert isinstance(
        t.error_from_response(Response(401, {}, None, "nope"), {}), uo.AuthenticationError
    )


def test_return_status_map() -> None:
    data = {
        "id": "1" * 32,
        "orderId": "2" * 32,
        "returnNumber": "RET-1",
        "state": state("in_progress"),
        "lineItems": [
            {
                "id": "3" * 32,
                "orderLineItemId": "4" * 32,
                "quantity": 1,
                "reason": {"reasonKey": "damaged"},
            }
        ],
    }
    ret = t.return_from_platform(data)
    assert ret.status is uo.ReturnStatus.OPEN
    assert ret.lines[0].reason == "damaged"
    assert t.RETURN_STATUS["open"] is uo.ReturnStatus.REQUESTED
