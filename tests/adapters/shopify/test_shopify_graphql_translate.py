"""GraphQL translation units: ids, inputs, return-line resolution, error typing, and the refund
gaps GraphQL leaves that are bridged to read as REST records them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from unified_orders_adapters.shopify.graphql import translate as tg
from unified_orders_adapters.shopify.graphql.documents import (
    DOCUMENTS,
    estimate_cost,
    requested_cost,
)
from unified_orders_adapters.shopify.rest import translate as rest_translate

import unified_orders as uo


def test_gids_map_to_and_from_canonical_ids() -> None:
    big = "820982911946154508"
    assert tg.gid("Order", big) == f"gid://shopify/Order/{big}"
    assert tg.gid("Order", f"gid://shopify/Order/{big}") == f"gid://shopify/Order/{big}"
    assert tg.legacy(f"gid://shopify/Order/{big}") == big
    assert tg.legacy("gid://shopify/InventoryLevel/1?inventory_item_id=2") == "1"
    assert tg.legacy(None) is None
    for bad in ("abc", "gid://shopify/Refund/1", "12.5", ""):
        with pytest.raises(uo.InvalidRequest):
            tg.gid("Order", bad, "order_id")


def test_address_input_uses_no_deprecated_fields() -> None:
    address = uo.Address(first_name="Jane", line1="1 Example Street", country_code="de")
    assert tg.address_input(address) == {
        "firstName": "Jane",
        "address1": "1 Example Street",
        "countryCode": "DE",
    }


def _calculation(order_total: str = "10.00") -> tuple[uo.Order, uo.RefundCalculation]:
    money = uo.Money.of(order_total, "EUR")
    line = uo.LineItem(
        id="11", quantity=1, current_quantity=1, unit_price=money, total=money, location_id="7"
    )
    order = uo.Order(
        id="5",
        platform="shopify",
        currency="EUR",
        status=uo.OrderStatus.OPEN,
        lines=[line],
        shipping=uo.Money.zero("EUR"),
        subtotal=money,
        tax=uo.Money.zero("EUR"),
        total=money,
    )
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(
                line_id="11", quantity=1, restock=uo.Restock.CANCEL, location_id="7"
            )
        ],
        shipping=uo.ShippingRefund(amount="1.50"),
    )
    calculation = uo.RefundCalculation(
        order_id="5",
        request=request,
        lines=[
            uo.RefundLine(
                line_id="11",
                quantity=1,
                restock=uo.Restock.CANCEL,
                location_id="7",
                subtotal=money,
                tax=uo.Money.zero("EUR"),
                total=money,
            )
        ],
        transactions=[
            uo.TransactionAllocation(
                transaction_id="99", amount=uo.Money.of("9.00", "EUR"), gateway="bogus"
            )
        ],
        subtotal=money,
        tax=uo.Money.zero("EUR"),
        total=uo.Money.of("9.00", "EUR"),
        raw={"suggestedTransactions": [{"amountSet": {"presentmentMoney": {"amount": "11.50"}}}]},
    )
    return order, calculation


def test_refund_input_flips_suggestions_to_refund_transactions() -> None:
    order, calculation = _calculation()
    body = tg.refund_input(calculation, order, notify=False, note="n", discrepancy_reason="other")
    assert body == {
        "orderId": "gid://shopify/Order/5",
        "currency": "EUR",
        "notify": False,
        "note": "n",
        "shipping": {"amount": "1.50"},
        "refundLineItems": [
            {
                "lineItemId": "gid://shopify/LineItem/11",
                "quantity": 1,
                "restockType": "CANCEL",
                "locationId": "gid://shopify/Location/7",
            }
        ],
        "transactions": [
            {
                "orderId": "gid://shopify/Order/5",
                "parentId": "gid://shopify/OrderTransaction/99",
                "amount": "9.00",
                "gateway": "bogus",
                "kind": "REFUND",
            }
        ],
        # 9.00 paid back where 11.50 was suggested
        "discrepancyReason": "OTHER",
    }


def test_restocking_lines_need_a_location() -> None:
    order, _ = _calculation()
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="11", quantity=1, restock=uo.Restock.RETURN)]
    )
    order = order.model_copy(
        update={"lines": [order.lines[0].model_copy(update={"location_id": None})]}
    )
    with pytest.raises(uo.InvalidRequest, match="needs a location"):
        tg.suggested_refund_variables(order, request)


def test_return_lines_take_units_from_each_fulfillment_line_item() -> None:
    request = uo.ReturnRequest(
        lines=[uo.ReturnLineRequest(line_id="1", quantity=3, reason="broken", note="box torn")]
    )
    returnable = {
        "1": [
            ("gid://shopify/FulfillmentLineItem/8", 2),
            ("gid://shopify/FulfillmentLineItem/9", 5),
        ]
    }
    assert tg.return_line_inputs(request, returnable, requested=False) == [
        {
            "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/8",
            "quantity": 2,
            "returnReasonNote": "broken; box torn",
        },
        {
            "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/9",
            "quantity": 1,
            "returnReasonNote": "broken; box torn",
        },
    ]
    rows = tg.return_line_inputs(request, returnable, requested=True)
    assert rows[0]["customerNote"] == "broken; box torn"
    with pytest.raises(uo.InvalidRequest) as caught:
        tg.return_line_inputs(
            uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id="2", quantity=1)]),
            returnable,
            requested=False,
        )
    assert caught.value.problems[0].path == "lines[0].quantity"
    assert "line 2 has nothing fulfilled to return" in caught.value.problems[0].message


def test_user_errors_keep_field_paths_and_codes() -> None:
    error = tg.user_errors_error(
        [
            {
                "field": ["input", "refundLineItems", "0", "quantity"],
                "message": "too many",
                "code": "INVALID",
            }
        ],
        "refundCreate",
    )
    assert type(error) is uo.PlatformError
    assert error.code == "INVALID"
    assert error.problems[0].path == "input.refundLineItems[0].quantity"
    state = tg.user_errors_error(
        [{"field": ["id"], "message": "Return is CLOSED", "code": "INVALID_STATE"}],
        "returnClose",
        state="closed",
    )
    assert isinstance(state, uo.IllegalTransition)
    assert state.state == "closed"
    missing = tg.user_errors_error(
        [{"field": ["id"], "message": "gone", "code": "FULFILLMENT_ORDER_NOT_FOUND"}], "hold"
    )
    assert isinstance(missing, uo.NotFound)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("ACCESS_DENIED", 200, uo.AuthenticationError),
        ("THROTTLED", 200, uo.RateLimited),
        ("MAX_COST_EXCEEDED", 200, uo.PlatformError),
        (None, 401, uo.AuthenticationError),
        (None, 404, uo.NotFound),
    ],
)
def test_top_level_errors_are_typed(code: str | None, status: int, kind: type) -> None:
    error = {"message": "nope", "path": ["order", "lineItems"]}
    if code:
        error["extensions"] = {"code": code}  # type: ignore[assignment]
    typed = tg.graphql_errors_error({"errors": [error]}, status)
    assert type(typed) is kind
    assert typed.code == code
    assert typed.problems[0].path == "order.lineItems"
    assert tg.graphql_errors_error({"errors": "[API] Invalid API key"}, 401).message.startswith(
        "[API]"
    )


def test_costs_follow_page_sizes_and_stay_under_the_single_query_maximum() -> None:
    assert estimate_cost("query { shop { name } }") == 1
    assert estimate_cost("query { orders(first: 10) { nodes { id } } }") == 12
    assert estimate_cost("mutation { returnClose(id: 1) { return { id } } }") == 11
    assert all(requested_cost(name) <= 1000 for name in DOCUMENTS)
    assert Decimal(requested_cost("OrderGet")) > 0


def test_page_documents_cost_their_page_and_whole_lists_one_object_each() -> None:
    # A page of 100 fulfillment order lines (each node costs its line item object): 2 + 100 x 1,
    # plus the fulfillment order holding them.
    assert requested_cost("FulfillmentOrderLineItemsPage") == 1 + 2 + 100 * 1
    # INFERRED: a plain list without ``first`` is estimated as one object (its size is unknown).
    assert estimate_cost("query { order(id: 1) { refunds { id } } }") == 2  # order + list


def _bag(amount: str) -> dict[str, Any]:
    money = {"amount": amount, "currencyCode": "EUR"}
    return {"shopMoney": money, "presentmentMoney": money}


def _set(amount: str) -> dict[str, Any]:
    money = {"amount": amount, "currency_code": "EUR"}
    return {"shop_money": money, "presentment_money": money}


def test_refund_gaps_are_bridged_as_rest_records_them() -> None:
    shipping_row = {"subtotalAmountSet": _bag("4.20"), "taxAmountSet": _bag("0.80")}
    node = {
        "id": "gid://shopify/Refund/7",
        "note": "late",
        "refundLineItems": {"nodes": []},
        "refundShippingLines": {"nodes": [shipping_row]},
        "orderAdjustments": {
            "nodes": [
                {
                    "id": "gid://shopify/OrderAdjustment/3",
                    "amountSet": _bag("-1.00"),
                    "taxAmountSet": _bag("0.00"),
                    "reason": "REFUND_DISCREPANCY",
                }
            ]
        },
        "transactions": {
            "nodes": [
                {
                    "id": "gid://shopify/OrderTransaction/9",
                    "kind": "REFUND",
                    "status": "SUCCESS",
                    "amountSet": _bag("5.00"),
                    "gateway": "manual",
                    "parentTransaction": {"id": "gid://shopify/OrderTransaction/8"},
                }
            ]
        },
    }
    rest = {
        "id": 7,
        "order_id": 5,
        "note": "late",
        "refund_line_items": [],
        "refund_shipping_lines": [{"subtotal_amount_set": _set("4.20")}],
        "order_adjustments": [
            {
                "kind": "shipping_refund",
                "amount_set": _set("-4.20"),
                "tax_amount_set": _set("-0.80"),
                "reason": "Shipping refund",
            },
            {
                "id": 3,
                "kind": "refund_discrepancy",
                "amount_set": _set("-1.00"),
                "tax_amount_set": _set("0.00"),
                "reason": "refund_discrepancy",
            },
        ],
        "transactions": [
            {
                "id": 9,
                "kind": "refund",
                "status": "success",
                "amount": "5.00",
                "currency": "EUR",
                "gateway": "manual",
                "parent_id": 8,
            }
        ],
    }
    refund = tg.refund_from_graphql(node, "5", "EUR", taxes_included=False)
    assert refund == rest_translate.refund_from_rest(rest, "EUR")
    shipping, discrepancy = refund.adjustments
    assert (shipping.kind, shipping.amount, shipping.tax) == (
        "shipping_refund",
        uo.Money.of("-4.20", "EUR", shop=uo.Money.of("-4.20", "EUR")),
        uo.Money.of("-0.80", "EUR", shop=uo.Money.of("-0.80", "EUR")),
    )
    assert str(discrepancy.tax.amount) == "0.00"  # zero stays unsigned
    assert discrepancy.reason == "refund_discrepancy"
    assert refund.shipping == uo.RefundShipping(
        amount=uo.Money.of("5.00", "EUR"), tax=uo.Money.of("0.80", "EUR")
    )
    # raw keeps the GraphQL payload, down to the derived adjustment's shipping line
    assert refund.raw["id"] == "gid://shopify/Refund/7"
    assert shipping.raw == shipping_row
    assert refund.transactions[0].raw["id"] == "gid://shopify/OrderTransaction/9"
