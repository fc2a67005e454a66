"""Refund planning: every problem at once, platform restock rules, exact amounts and allocation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import unified_orders as uo
from unified_orders import planning
from unified_orders.models import Restock as R

NEXTCOMMERCE = uo.RestockPolicy(
    unfulfilled=frozenset({R.CANCEL}),
    fulfilled=frozenset({R.RETURN, R.NO_RESTOCK}),
    fulfilled_digital=frozenset({R.NO_RESTOCK}),
)
SHOPIFY = uo.RestockPolicy(
    unfulfilled=frozenset({R.NO_RESTOCK, R.CANCEL}),
    fulfilled=frozenset({R.NO_RESTOCK, R.RETURN}),
    fulfilled_digital=frozenset({R.NO_RESTOCK, R.RETURN}),
    location_required=frozenset({R.RETURN, R.CANCEL}),
)


def money(amount: str | int, currency: str = "USD") -> uo.Money:
    return uo.Money.of(amount, currency)


def line(
    line_id: str,
    quantity: int,
    unit: str,
    *,
    fulfilled: int = 0,
    refunded: int = 0,
    removed: int = 0,
    tax: str | None = None,
    digital: bool = False,
    currency: str = "USD",
    location_id: str | None = None,
) -> uo.LineItem:
    return uo.LineItem(
        id=line_id,
        quantity=quantity,
        current_quantity=quantity - removed,
        fulfilled_quantity=fulfilled,
        refunded_quantity=refunded,
        unit_price=money(unit, currency),
        total=money(unit, currency) * quantity,
        total_tax=money(tax, currency) if tax is not None else None,
        is_digital=digital,
        requires_shipping=not digital,
        location_id=location_id,
    )


def order(
    lines: list[uo.LineItem],
    *,
    shipping: str = "10.00",
    payments: list[tuple[str, str]] | None = None,
    captured: bool = True,
    currency: str = "USD",
    refunds: list[uo.Refund] | None = None,
    taxes_included: bool = False,
) -> uo.Order:
    subtotal = uo.Money.sum((item.total for item in lines), currency)
    total = subtotal + money(shipping, currency)
    payments = payments or [("t1", str(total.amount))]
    transactions = [
        uo.Transaction(
            id=txn_id,
            kind=uo.TransactionKind.SALE if captured else uo.TransactionKind.AUTHORIZATION,
            status=uo.TransactionStatus.SUCCESS,
            amount=money(amount, currency),
            created_at=datetime(2026, 1, 1 + index, tzinfo=UTC),
        )
        for index, (txn_id, amount) in enumerate(payments)
    ]
    return uo.Order(
        id="1001",
        platform="test",
        currency=currency,
        status=uo.OrderStatus.OPEN,
        lines=lines,
        shipping=money(shipping, currency),
        subtotal=subtotal,
        tax=uo.Money.zero(currency),
        total=total,
        transactions=transactions,
        refunds=refunds or [],
        taxes_included=taxes_included,
    )


def request(
    *lines: tuple[str, int] | tuple[str, int, R | None], shipping: uo.ShippingRefund | None = None
) -> uo.RefundRequest:
    return uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(
                line_id=item[0], quantity=item[1], restock=item[2] if len(item) > 2 else None
            )  # type: ignore[misc]
            for item in lines
        ],
        shipping=shipping,
    )


def problems(
    order_: uo.Order, request_: uo.RefundRequest, policy: uo.RestockPolicy = NEXTCOMMERCE
) -> dict[str, str]:
    with pytest.raises(uo.InvalidRequest) as caught:
        planning.prepare(order_, request_, policy)
    return {p.path: p.message for p in caught.value.problems}


def test_every_problem_is_reported_at_once() -> None:
    o = order([line("a", 2, "5.00"), line("b", 1, "3.00", fulfilled=1)])
    found = problems(
        o,
        uo.RefundRequest(
            lines=[
                uo.RefundLineRequest(line_id="zzz", quantity=1),
                uo.RefundLineRequest(line_id="a", quantity=3),
                uo.RefundLineRequest(line_id="b", quantity=0),
            ],
            shipping=uo.ShippingRefund(amount=Decimal("11.00")),
            currency="EUR",
        ),
    )
    assert set(found) == {
        "lines[0].line_id",
        "lines[1].quantity",
        "lines[2].quantity",
        "shipping.amount",
        "currency",
    }
    assert "its lines: a, b" in found["lines[0].line_id"]
    assert "only 2 of line a" in found["lines[1].quantity"]
    assert "10.00 USD of shipping remains" in found["shipping.amount"]


def test_duplicate_lines_are_refused() -> None:
    found = problems(order([line("a", 2, "5")]), request(("a", 1), ("a", 1)))
    assert set(found) == {"lines[0].line_id", "lines[1].line_id"}


def test_restock_is_inferred_the_next_commerce_way() -> None:
    o = order([line("open", 2, "5"), line("shipped", 2, "5", fulfilled=2)])
    prepared = planning.prepare(o, request(("open", 2), ("shipped", 1)), NEXTCOMMERCE)
    assert [x.restock for x in prepared.lines] == [R.CANCEL, R.NO_RESTOCK]


@pytest.mark.parametrize(
    ("kwargs", "restock", "ok"),
    [
        ({}, R.CANCEL, True),
        ({}, R.RETURN, False),  # nothing shipped, nothing to return
        ({}, R.NO_RESTOCK, False),  # Next Commerce: unfulfilled lines are cancelled
        ({"fulfilled": 1}, R.RETURN, True),
        ({"fulfilled": 1}, R.CANCEL, False),
        ({"fulfilled": 1, "digital": True}, R.RETURN, False),
        ({"fulfilled": 1, "digital": True}, R.NO_RESTOCK, True),
    ],
)
def test_next_commerce_restock_rules(kwargs: dict[str, object], restock: R, ok: bool) -> None:
    o = order([line("a", 1, "5", **kwargs)])  # type: ignore[arg-type]
    req = request(("a", 1, restock))
    if ok:
        assert planning.prepare(o, req, NEXTCOMMERCE).lines[0].restock is restock
    else:
        assert "lines[0].restock" in problems(o, req)


def test_shopify_restock_needs_a_location_for_return_and_cancel() -> None:
    o = order([line("a", 2, "5", fulfilled=1)])
    found = problems(o, request(("a", 1, R.RETURN)), SHOPIFY)
    assert "location" in found["lines[0].location_id"]
    located = order([line("a", 2, "5", fulfilled=1, location_id="loc-1")])
    assert (
        planning.prepare(located, request(("a", 1, R.RETURN)), SHOPIFY).lines[0].location_id
        == "loc-1"
    )
    assert (
        planning.prepare(o, request(("a", 2, R.NO_RESTOCK)), SHOPIFY).lines[0].restock
        is R.NO_RESTOCK
    )


def test_shopify_cancel_only_covers_unfulfilled_units() -> None:
    o = order([line("a", 3, "5", fulfilled=2, location_id="loc")])
    found = problems(o, request(("a", 2, R.CANCEL)), SHOPIFY)
    assert "1 unfulfilled" in found["lines[0].restock"]


def test_units_already_refunded_or_removed_are_not_refundable() -> None:
    o = order([line("a", 5, "5", refunded=2, removed=1)])
    found = problems(o, request(("a", 3)))
    assert (
        "only 2 of line a can be refunded (ordered 5, removed 1, refunded 2)"
        in found["lines[0].quantity"]
    )


def test_partial_refund_of_authorized_only_payment_is_refused() -> None:
    o = order([line("a", 2, "5")], captured=False)
    found = problems(o, request(("a", 1)))
    assert "capture the payment first" in found[""]


def test_shipping_refunded_in_full_cannot_be_refunded_again() -> None:
    earlier = uo.Refund(
        id="r1",
        order_id="1001",
        total=money("10.00"),
        shipping=uo.RefundShipping(amount=money("10.00")),
    )
    o = order([line("a", 1, "5")], refunds=[earlier])
    assert (
        "already refunded"
        in problems(o, request(shipping=uo.ShippingRefund(full=True)))["shipping.full"]
    )


def test_calculation_splits_tax_and_shipping() -> None:
    o = order([line("a", 3, "10.00", tax="2.00", fulfilled=3)], shipping="4.99")
    prepared = planning.prepare(
        o, request(("a", 2), shipping=uo.ShippingRefund(full=True)), NEXTCOMMERCE
    )
    calc = planning.calculate(o, prepared)
    assert calc.lines[0].subtotal == money("20.00")
    assert calc.lines[0].tax == money("1.34")  # 2.00 over 3 units: 0.67, 0.67, 0.66
    assert calc.subtotal == money("20.00")
    assert calc.shipping is not None
    assert calc.shipping.amount == money("4.99")
    assert calc.total == money("26.33")
    assert [(t.transaction_id, t.amount) for t in calc.transactions] == [("t1", money("26.33"))]


def test_allocation_takes_oldest_payments_first_within_their_refundable() -> None:
    o = order(
        [line("a", 2, "50.00", fulfilled=2)],
        shipping="0",
        payments=[("old", "30.00"), ("new", "70.00")],
    )
    allocations = planning.allocate(o, money("45.00"))
    assert [(a.transaction_id, a.amount.amount) for a in allocations] == [
        ("old", Decimal("30.00")),
        ("new", Decimal("15.00")),
    ]


def test_allocation_refuses_more_than_the_payments_hold() -> None:
    o = order([line("a", 1, "10.00")], shipping="0")
    with pytest.raises(uo.InvalidRequest, match="more than the order's payments can refund"):
        planning.allocate(o, money("10.01"))


@settings(max_examples=150, deadline=None)
@given(
    quantity=st.integers(1, 9),
    unit=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2),
    tax=st.decimals(min_value=Decimal("0"), max_value=Decimal("99.99"), places=2),
    parts=st.lists(st.integers(1, 3), min_size=1, max_size=9),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
    included=st.booleans(),
)
def test_refunding_a_line_in_parts_never_creates_or_loses_a_minor_unit(
    quantity: int, unit: Decimal, tax: Decimal, parts: list[int], currency: str, included: bool
) -> None:
    unit = uo.Money.of(unit, currency).rounded().amount
    tax = uo.Money.of(tax, currency).rounded().amount
    item = line("a", quantity, str(unit), tax=str(tax), fulfilled=quantity, currency=currency)
    o = order(
        [item],
        shipping="0",
        currency=currency,
        taxes_included=included,
        payments=[("t", "1000000")],
    )
    refunded: list[uo.Refund] = []
    total = Decimal(0)
    done = 0
    for part in parts:
        part = min(part, quantity - done)
        if part == 0:
            break
        current = o.model_copy(
            update={
                "refunds": refunded,
                "lines": [item.model_copy(update={"refunded_quantity": done})],
            }
        )
        calc = planning.calculate(
            current, planning.prepare(current, request(("a", part)), NEXTCOMMERCE)
        )
        assert sum(a.amount.amount for a in calc.transactions) == calc.total.amount
        assert calc.lines[0].subtotal + calc.lines[0].tax == calc.lines[0].total
        total += calc.total.amount
        done += part
        refunded.append(
            uo.Refund(id=str(done), order_id="1001", total=calc.total, lines=calc.lines)
        )
    if done == quantity:
        expected = item.total.amount + (Decimal(0) if included else tax)
        assert total == expected


def test_cross_check_catches_a_calculation_for_other_lines() -> None:
    o = order([line("a", 2, "5", fulfilled=2), line("b", 1, "5", fulfilled=1)])
    prepared = planning.prepare(o, request(("a", 1)), NEXTCOMMERCE)
    other = planning.calculate(o, planning.prepare(o, request(("b", 1)), NEXTCOMMERCE))
    with pytest.raises(uo.PlatformError, match="does not match"):
        planning.cross_check(other, prepared, "test")
