"""The refunds agencies issue, planned: an amount-only (goodwill) refund, a line refunded for less
than its price, and "everything left" (``RefundRequest.remaining``), on canonical orders.

Everything here is pure planning (no platform): validation before any request, the amounts, the
allocation over payments, and how "everything left" is written out. The sandboxes are in
``test_refund_kinds_sandboxes.py``, faults in ``test_refund_kinds_exactly_once.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy import ORDER

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


def usd(amount: str) -> uo.Money:
    return uo.Money.of(amount, "USD")


def line(
    line_id: str, quantity: int, unit: str, *, fulfilled: int = 0, tax: str | None = None
) -> uo.LineItem:
    return uo.LineItem(
        id=line_id,
        quantity=quantity,
        current_quantity=quantity,
        fulfilled_quantity=fulfilled,
        unit_price=usd(unit),
        total=usd(unit) * quantity,
        total_tax=usd(tax) if tax is not None else None,
    )


def order(
    lines: list[uo.LineItem],
    *,
    shipping: str = "10.00",
    payments: list[str] | None = None,
    captured: bool = True,
    refunds: list[uo.Refund] | None = None,
) -> uo.Order:
    subtotal = uo.Money.sum((item.total for item in lines), "USD")
    total = subtotal + usd(shipping)
    paid = payments or [str(total.amount)]
    return uo.Order(
        id="1001",
        platform="test",
        currency="USD",
        status=uo.OrderStatus.OPEN,
        lines=lines,
        shipping=usd(shipping),
        subtotal=subtotal,
        tax=uo.Money.zero("USD"),
        total=total,
        transactions=[
            uo.Transaction(
                id=f"t{index + 1}",
                kind=uo.TransactionKind.SALE if captured else uo.TransactionKind.AUTHORIZATION,
                status=uo.TransactionStatus.SUCCESS,
                amount=usd(amount),
                created_at=datetime(2026, 1, 1 + index, tzinfo=UTC),
            )
            for index, amount in enumerate(paid)
        ],
        refunds=refunds or [],
    )


def goodwill(amount: str, parent: str = "t1", refund_id: str = "r1") -> uo.Refund:
    """An earlier amount-only refund of ``amount`` through payment ``parent``."""
    return uo.Refund(
        id=refund_id,
        order_id="1001",
        status=uo.RefundStatus.SUCCESS,
        transactions=[
            uo.RefundTransaction(
                id=f"{refund_id}-t",
                status=uo.TransactionStatus.SUCCESS,
                amount=usd(amount),
                parent_id=parent,
            )
        ],
        total=usd(amount),
    )


def problems(
    order_: uo.Order, request: uo.RefundRequest, policy: uo.RestockPolicy = NEXTCOMMERCE
) -> dict[str, str]:
    with pytest.raises(uo.InvalidRequest) as caught:
        planning.prepare(order_, request, policy)
    return {p.path: p.message for p in caught.value.problems}


# --- amount-only -------------------------------------------------------------------------------
def test_an_amount_only_refund_is_paid_back_oldest_payment_first() -> None:
    o = order([line("a", 2, "20.00")], shipping="0.00", payments=["15.00", "25.00"])
    prepared = planning.prepare(o, uo.RefundRequest(amount=Decimal("18.50")), NEXTCOMMERCE)
    assert (prepared.amount, prepared.lines, prepared.shipping) == (Decimal("18.50"), [], None)
    calc = planning.calculate(o, prepared)
    assert (calc.lines, calc.shipping, calc.total) == ([], None, usd("18.50"))
    assert [(a.transaction_id, a.amount) for a in calc.transactions] == [
        ("t1", usd("15.00")),
        ("t2", usd("3.50")),
    ]
    assert (calc.subtotal, calc.tax) == (usd("0.00"), usd("0.00"))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "must be greater than zero"),
        ("-1.00", "must be greater than zero"),
        ("1.234", "more decimals than USD allows"),
        ("50.01", "more than the order's payments can still refund (50.00 USD)"),
    ],
)
def test_a_bad_amount_is_refused_with_the_figures(amount: str, message: str) -> None:
    found = problems(order([line("a", 2, "20.00")]), uo.RefundRequest(amount=Decimal(amount)))
    assert message in found["amount"]


def test_an_amount_counts_what_earlier_refunds_paid_back() -> None:
    o = order([line("a", 2, "20.00")], refunds=[goodwill("45.00")])
    assert "(5.00 USD)" in problems(o, uo.RefundRequest(amount=Decimal("6")))["amount"]
    assert planning.prepare(o, uo.RefundRequest(amount=Decimal("5")), NEXTCOMMERCE).amount == 5


def test_an_amount_takes_no_lines_or_shipping() -> None:
    o = order([line("a", 2, "20.00")])
    found = problems(
        o,
        uo.RefundRequest(
            amount=Decimal("5"),
            lines=[uo.RefundLineRequest(line_id="a", quantity=1)],
            shipping=uo.ShippingRefund(full=True),
        ),
    )
    assert "give that line its own amount" in found["amount"]


def test_an_amount_against_authorized_payments_is_refused_like_a_partial_refund() -> None:
    o = order([line("a", 1, "20.00")], captured=False)
    found = problems(o, uo.RefundRequest(amount=Decimal("5")))
    assert "no captured payment" in found[""]
    assert "amount" not in found  # the capture problem says why; no "0.00 left" noise


def test_amounts_are_exact_decimals_never_floats() -> None:
    with pytest.raises(ValueError, match="float"):
        uo.RefundRequest(amount=5.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="float"):
        uo.RefundLineRequest(line_id="a", quantity=1, amount=0.1)  # type: ignore[arg-type]
    assert uo.RefundRequest(amount="5.50").amount == Decimal("5.50")  # type: ignore[arg-type]


# --- a line refunded for less -------------------------------------------------------------------
def test_a_line_amount_refunds_the_units_for_less_with_its_tax_in_proportion() -> None:
    o = order([line("a", 2, "50.00", tax="10.00")], shipping="0.00")
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="a", quantity=1, amount=Decimal("22.00"))]
    )
    prepared = planning.prepare(o, request, NEXTCOMMERCE)
    assert prepared.lines[0].restock is R.CANCEL  # restock rules unchanged
    calc = planning.calculate(o, prepared)
    [refunded] = calc.lines
    # full: 50.00 + 5.00 tax = 55.00; 22.00 is 40 % of it
    assert (refunded.subtotal, refunded.tax, refunded.total) == (
        usd("20.00"),
        usd("2.00"),
        usd("22.00"),
    )
    assert calc.total == usd("22.00")
    assert [a.amount for a in calc.transactions] == [usd("22.00")]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("55.01", "more than the 55.00 USD that 1 unit(s) of line a come to"),
        ("0", "must be greater than zero"),
        ("1.001", "more decimals than USD allows"),
    ],
)
def test_a_bad_line_amount_is_refused(amount: str, message: str) -> None:
    o = order([line("a", 2, "50.00", tax="10.00")])
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="a", quantity=1, amount=Decimal(amount))]
    )
    assert message in problems(o, request)["lines[0].amount"]


def test_a_line_amount_makes_a_refund_partial() -> None:
    o = order([line("a", 1, "20.00")], shipping="0.00", captured=False)
    whole = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="a", quantity=1)])
    assert planning.prepare(o, whole, NEXTCOMMERCE).lines[0].quantity == 1  # voids it all
    less = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="a", quantity=1, amount=Decimal("19.99"))]
    )
    assert "no captured payment" in problems(o, less)[""]


def test_a_line_given_once_per_restock_type_is_checked_part_by_part() -> None:
    o = order([line("a", 3, "10.00", fulfilled=1)])
    split = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="a", quantity=1, restock=R.RETURN),
            uo.RefundLineRequest(line_id="a", quantity=2, restock=R.CANCEL, amount=Decimal("5")),
        ]
    )
    prepared = planning.prepare(o, split, NEXTCOMMERCE)
    assert [(x.quantity, x.restock) for x in prepared.lines] == [(1, R.RETURN), (2, R.CANCEL)]
    calc = planning.calculate(o, prepared)
    assert [x.total for x in calc.lines] == [usd("10.00"), usd("5.00")]
    too_many = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="a", quantity=3, restock=R.CANCEL),
            uo.RefundLineRequest(line_id="a", quantity=1, restock=R.RETURN),
        ]
    )
    assert "cannot cover 3 unit(s)" in problems(o, too_many)["lines[0].restock"]
    same = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="a", quantity=1, restock=R.CANCEL),
            uo.RefundLineRequest(line_id="a", quantity=1, restock=R.CANCEL),
        ]
    )
    assert set(problems(o, same)) == {"lines[0].line_id", "lines[1].line_id"}


# --- a platform's calculation with line amounts on it -------------------------------------------
def _platform_calculation(o: uo.Order, request: uo.RefundRequest) -> uo.RefundCalculation:
    """What a calculating platform answers: full prices, its own suggested transactions."""
    full = planning.calculate(
        o,
        request.model_copy(
            update={"lines": [x.model_copy(update={"amount": None}) for x in request.lines]}
        ),
    )
    return full.model_copy(update={"raw": {"from": "platform"}})


def test_line_amounts_go_onto_a_platform_calculation_and_its_suggested_transactions() -> None:
    o = order([line("a", 2, "30.00"), line("b", 1, "40.00")], payments=["50.00", "60.00"])
    request = planning.prepare(
        o,
        uo.RefundRequest(
            lines=[
                uo.RefundLineRequest(line_id="a", quantity=2, amount=Decimal("45.00")),
                uo.RefundLineRequest(line_id="b", quantity=1),
            ],
            shipping=uo.ShippingRefund(full=True),
        ),
        NEXTCOMMERCE,
    )
    platform = _platform_calculation(o, request)
    assert platform.total == usd("110.00")
    calc = planning.apply_line_amounts(platform, request)
    assert [x.total for x in calc.lines] == [usd("45.00"), usd("40.00")]
    assert calc.total == usd("95.00")  # 45 + 40 + 10 shipping
    assert [(a.transaction_id, a.amount) for a in calc.transactions] == [
        ("t1", usd("50.00")),
        ("t2", usd("45.00")),
    ]
    assert calc.raw == {"from": "platform"}
    planning.cross_check(calc, request, "test")  # still answers the request, adds up


def test_a_line_amount_above_the_platforms_figure_is_refused() -> None:
    o = order([line("a", 1, "30.00")])
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id="a", quantity=1, restock=R.CANCEL, amount=Decimal("29"))
        ]
    )
    platform = _platform_calculation(o, request)
    cheaper = platform.model_copy(
        update={"lines": [platform.lines[0].model_copy(update={"total": usd("28.00")})]}
    )
    with pytest.raises(uo.InvalidRequest, match="the 28.00 USD the platform calculated"):
        planning.apply_line_amounts(cheaper, request)


def test_a_platform_suggesting_less_than_the_refund_is_refused_not_underpaid() -> None:
    o = order([line("a", 1, "30.00")], shipping="0.00")
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id="a", quantity=1, restock=R.CANCEL)]
    )
    platform = _platform_calculation(o, request)
    short = platform.model_copy(
        update={
            "transactions": [platform.transactions[0].model_copy(update={"amount": usd("20.00")})]
        }
    )
    with pytest.raises(uo.InvalidRequest, match="more than the order's payments can refund"):
        planning.apply_line_amounts(short, request)


# --- everything left ------------------------------------------------------------------------------
def test_everything_left_is_every_refundable_unit_by_state_and_the_shipping() -> None:
    o = order([line("open", 2, "10.00"), line("mixed", 3, "5.00", fulfilled=1)])
    prepared = planning.prepare(o, uo.RefundRequest.everything_left(), NEXTCOMMERCE)
    assert prepared.remaining is False
    assert [(x.line_id, x.quantity, x.restock) for x in prepared.lines] == [
        ("open", 2, R.CANCEL),
        ("mixed", 2, R.CANCEL),  # Next Commerce cancels unfulfilled units ...
        ("mixed", 1, R.NO_RESTOCK),  # ... and does not restock shipped ones by default
    ]
    assert prepared.shipping == uo.ShippingRefund(full=True)
    calc = planning.calculate(o, prepared)
    assert calc.total == o.total == usd("45.00")


def test_everything_left_on_shopify_needs_no_split_and_no_location() -> None:
    o = order([line("mixed", 3, "5.00", fulfilled=1)])
    prepared = planning.prepare(o, uo.RefundRequest(remaining=True), SHOPIFY)
    # no_restock fits both states; cancel would need a location the line does not have
    assert [(x.quantity, x.restock) for x in prepared.lines] == [(3, R.NO_RESTOCK)]


def test_everything_left_after_lines_and_shipping_is_the_money_the_payments_hold() -> None:
    refunded = uo.Refund(
        id="r0",
        order_id="1001",
        lines=[
            uo.RefundLine(
                line_id="a",
                quantity=1,
                restock=R.CANCEL,
                subtotal=usd("5.00"),
                tax=usd("0"),
                total=usd("5.00"),
            )
        ],
        shipping=uo.RefundShipping(amount=usd("10.00")),
        transactions=[
            uo.RefundTransaction(
                id="x", status=uo.TransactionStatus.SUCCESS, amount=usd("15.00"), parent_id="t1"
            )
        ],
        total=usd("15.00"),
    )
    # the line was refunded for 5.00 of its 20.00: 15.00 stays on the payment
    a = line("a", 1, "20.00").model_copy(update={"refunded_quantity": 1})
    o = order([a], refunds=[refunded])
    prepared = planning.prepare(o, uo.RefundRequest.everything_left(), NEXTCOMMERCE)
    assert (prepared.lines, prepared.shipping, prepared.amount) == ([], None, Decimal("15.00"))


def test_everything_left_shares_what_the_payments_hold_when_it_is_less() -> None:
    o = order(
        [line("a", 1, "60.00"), line("b", 1, "30.00", fulfilled=1)],
        refunds=[goodwill("40.00")],
    )
    # payments hold 100.00 - 40.00 = 60.00 of the 90.00 + 10.00 left: shipping in full, the
    # lines share 50.00 in proportion (2:1), never more than they come to
    prepared = planning.prepare(o, uo.RefundRequest.everything_left(), NEXTCOMMERCE)
    assert [(x.line_id, x.amount) for x in prepared.lines] == [
        ("a", Decimal("33.33")),
        ("b", Decimal("16.67")),
    ]
    assert prepared.shipping == uo.ShippingRefund(full=True)
    calc = planning.calculate(o, prepared)
    assert calc.total == usd("60.00")
    assert sum(a.amount.amount for a in calc.transactions) == Decimal("60.00")


def test_everything_left_shares_the_shipping_too_when_the_payments_hold_less_than_it() -> None:
    o = order([line("a", 1, "10.00")], shipping="20.00", refunds=[goodwill("25.00")])
    prepared = planning.prepare(o, uo.RefundRequest.everything_left(), NEXTCOMMERCE)
    assert prepared.lines[0].amount == Decimal("1.67")
    assert prepared.shipping == uo.ShippingRefund(amount=Decimal("3.33"))


@pytest.mark.parametrize(
    ("o", "message"),
    [
        (
            order([line("a", 1, "10.00")], refunds=[goodwill("20.00")]),
            "its payments hold no money to pay back",
        ),
        (
            order([line("a", 1, "10.00")], shipping="0.00", refunds=[goodwill("10.00")]),
            "its payments hold no money to pay back",
        ),
        (
            order(
                [line(f"l{i}", 1, "100.00") for i in range(3)],
                shipping="0.00",
                refunds=[goodwill("299.98")],
            ),
            "too little to give each of them a share",
        ),
    ],
)
def test_everything_left_never_pays_more_than_the_payments_hold(o: uo.Order, message: str) -> None:
    assert message in problems(o, uo.RefundRequest.everything_left())["remaining"]


def test_nothing_left_and_mixed_kinds_are_refused() -> None:
    done = order(
        [line("a", 1, "10.00").model_copy(update={"refunded_quantity": 1})], shipping="0.00"
    )
    done = done.model_copy(update={"refunds": [goodwill("10.00")]})
    assert (
        "nothing is left to refund"
        in problems(done, uo.RefundRequest.everything_left())["remaining"]
    )
    mixed = uo.RefundRequest(
        remaining=True, amount=Decimal("1"), shipping=uo.ShippingRefund(full=True)
    )
    assert "give no shipping or amount with it" in problems(order([]), mixed)["remaining"]


@settings(max_examples=150, deadline=None)
@given(
    units=st.lists(
        st.tuples(st.integers(1, 4), st.integers(0, 4), st.integers(1, 9999)),
        min_size=1,
        max_size=4,
    ),
    shipping=st.integers(0, 2000),
    earlier=st.integers(0, 100),
)
def test_everything_left_adds_up_and_never_overpays(
    units: list[tuple[int, int, int]], shipping: int, earlier: int
) -> None:
    lines = [
        line(f"l{i}", quantity, str(Decimal(cents) / 100), fulfilled=min(shipped, quantity))
        for i, (quantity, shipped, cents) in enumerate(units)
    ]
    o = order(lines, shipping=str(Decimal(shipping) / 100))
    spent = (o.total.amount * earlier / 100).quantize(Decimal("0.01"))
    if spent > 0:
        o = o.model_copy(update={"refunds": [goodwill(str(spent))]})
    held = o.total.amount - spent
    refused: list[str] = []
    try:
        prepared = planning.prepare(o, uo.RefundRequest.everything_left(), NEXTCOMMERCE)
    except uo.InvalidRequest as error:
        refused = [p.path for p in error.problems]
    if refused:  # only ever because the payments cannot give every part a share
        assert refused == ["remaining"]
        assert held < o.total.amount
        return
    calc = planning.calculate(o, prepared)
    assert calc.total.amount <= held
    assert sum(a.amount.amount for a in calc.transactions) == calc.total.amount
    assert sum(x.quantity for x in prepared.lines) == sum(x.refundable_quantity for x in o.lines)


# --- an adapter that cannot write refunds by amount ---------------------------------------------
def test_an_adapter_without_refunds_by_amount_refuses_them_with_a_hint(toy: None) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json=ORDER)

    store = uo.connect("toy", transport=httpx.MockTransport(handler))
    order = store.orders.get("7")
    assert store.adapter.refunds_by_amount is False
    asked = len(sent)
    for request in (
        uo.RefundRequest(amount=Decimal("100")),
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id="70", quantity=1, amount=Decimal("100"))]
        ),
    ):
        with pytest.raises(uo.UnsupportedOperation) as caught:
            store.refunds.calculate(order, request)
        assert caught.value.operation == "refunds by amount"
        assert "--line LINE_ID:QTY" in caught.value.hint.cli  # type: ignore[attr-defined]
    assert len(sent) == asked  # refused before any request
    # everything left at the lines' prices needs no amount: it is planned as usual
    left = store.refunds.calculate(order, uo.RefundRequest.everything_left())
    assert left.total == order.total
