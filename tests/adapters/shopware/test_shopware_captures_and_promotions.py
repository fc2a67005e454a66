"""Refunds across several captures and after promotions (issue 13), through the public API
against the sandbox's demo orders 10006-10008 and orders built with its seed builders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from shopware_helpers import Recorded
from unified_orders_adapters.shopware.assign import assign

import unified_orders as uo

CREATE = "/api/order-transaction-capture-refund"


def bodies(sw: Recorded) -> list[dict]:  # type: ignore[type-arg]
    return [e.body for e in sw.transport.exchanges if e.method == "POST" and e.path == CREATE]


def captures(order: uo.Order) -> list[uo.Transaction]:
    return [t for t in order.transactions if t.kind is uo.TransactionKind.CAPTURE]


def whole(order: uo.Order) -> uo.RefundRequest:
    return uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=x.id, quantity=x.quantity) for x in order.lines]
    )


# --- several captures -------------------------------------------------------------------------------
def test_lines_of_30_and_70_on_captures_of_70_and_30(sw: Recorded) -> None:
    order = sw.order("10006")
    cap70, cap30 = captures(order)
    assert (cap70.amount, cap30.amount) == (
        uo.Money.of("70.00", "EUR"),
        uo.Money.of("30.00", "EUR"),
    )
    cap_line, lens = order.lines
    assert (cap_line.total.amount, lens.total.amount) == (Decimal("30.00"), Decimal("70.00"))
    refund = sw.store.refunds.create(order.id, whole(order), idempotency_key="two-captures")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == uo.Money.of("100.00", "EUR")
    assert refund.idempotency_key == "two-captures"
    assert sorted((t.parent_id, t.amount.amount) for t in refund.transactions) == sorted(
        [(cap70.id, Decimal("70.00")), (cap30.id, Decimal("30.00"))]
    )
    # each line whole, on the capture of its size
    by_capture = {
        b["captureId"]: [(p["orderLineItemId"], p["quantity"]) for p in b["positions"]]
        for b in bodies(sw)
    }
    assert by_capture == {cap70.id: [(lens.id, 1)], cap30.id: [(cap_line.id, 1)]}
    assert all(b["externalReference"] == "unified-orders:two-captures" for b in bodies(sw))
    after = sw.store.orders.get(order.id)
    assert [x.refunded_quantity for x in after.lines] == [1, 1]
    assert after.platform_financial_status == "refunded"
    assert [c.refundable for c in captures(after)] == [uo.Money.of("0.00", "EUR")] * 2
    assert sw.store.refunds.list(order.id) == [refund]


def test_one_line_paid_as_a_deposit_and_a_balance_is_refunded_from_both(sw: Recorded) -> None:
    order = sw.order("10007")
    deposit, balance = captures(order)
    assert (deposit.amount.amount, balance.amount.amount) == (Decimal("60.00"), Decimal("40.00"))
    [sofa] = order.lines
    refund = sw.store.refunds.create(order.id, whole(order), idempotency_key="sofa")
    assert refund.status is uo.RefundStatus.SUCCESS
    assert refund.total == uo.Money.of("100.00", "EUR")
    # one refund line: all its units and all its money, though two captures paid it back
    [line] = refund.lines
    assert (line.line_id, line.quantity, line.total, line.tax) == (
        sofa.id,
        1,
        uo.Money.of("100.00", "EUR"),
        uo.Money.of("15.97", "EUR"),
    )
    first, second = bodies(sw)
    assert (first["captureId"], second["captureId"]) == (deposit.id, balance.id)
    [p1], [p2] = first["positions"], second["positions"]
    assert (p1["orderLineItemId"], p1["quantity"], p1["amount"]["totalPrice"]) == (
        sofa.id,
        1,
        Decimal("60.00"),
    )
    # the balance's part of the line carries money only: quantity is optional on a position
    assert (p2["orderLineItemId"], "quantity" in p2, p2["amount"]["totalPrice"]) == (
        sofa.id,
        False,
        Decimal("40.00"),
    )
    taxes = [p["amount"]["calculatedTaxes"]["19"]["tax"] for p in (p1, p2)]
    assert sum(taxes) == Decimal("15.97")
    after = sw.store.orders.get(order.id)
    assert after.lines[0].refunded_quantity == 1
    assert after.platform_financial_status == "refunded"
    with pytest.raises(uo.InvalidRequest, match="only 0 of line"):
        sw.store.refunds.create(order.id, whole(order))


def test_a_later_refund_fills_what_the_first_captures_have_left(sw: Recorded) -> None:
    order = sw.order("10006")
    cap_line, lens = order.lines
    first = sw.store.refunds.create(
        order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=cap_line.id, quantity=1)])
    )
    assert [t.amount.amount for t in first.transactions] == [Decimal("30.00")]  # oldest first
    second = sw.store.refunds.create(
        order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=lens.id, quantity=1)])
    )
    # 40.00 left on the first capture, 30.00 on the second: the 70.00 line is split
    assert sorted(t.amount.amount for t in second.transactions) == [
        Decimal("30.00"),
        Decimal("40.00"),
    ]
    assert [(x.line_id, x.quantity, x.total.amount) for x in second.lines] == [
        (lens.id, 1, Decimal("70.00"))
    ]
    after = sw.store.orders.get(order.id)
    assert [x.refunded_quantity for x in after.lines] == [1, 1]
    assert sum((r.total.amount for r in after.refunds), Decimal(0)) == Decimal("100.00")


def test_whole_lines_are_preferred_and_shipping_rides_on_what_is_left() -> None:
    """The assignment on its own: every capture refund holds exactly its allocation."""
    eur = "EUR"

    def line(line_id: str, total: str) -> uo.RefundLine:
        money = uo.Money.of(total, eur)
        return uo.RefundLine(
            line_id=line_id,
            quantity=1,
            restock=uo.Restock.NO_RESTOCK,
            subtotal=money,
            tax=uo.Money.of("0.00", eur),
            total=money,
        )

    def allocation(txn: str, amount: str) -> uo.TransactionAllocation:
        return uo.TransactionAllocation(transaction_id=txn, amount=uo.Money.of(amount, eur))

    lines = [line("a", "30.00"), line("b", "45.00"), line("c", "25.00")]
    calculation = uo.RefundCalculation(
        order_id="o",
        request=uo.RefundRequest(lines=[]),
        lines=lines,
        transactions=[allocation("x", "55.00"), allocation("y", "50.00")],
        subtotal=uo.Money.of("100.00", eur),
        tax=uo.Money.of("0.00", eur),
        total=uo.Money.of("105.00", eur),
    )
    shares = assign(calculation)
    placed = {a.transaction_id: sorted(p.line_id for p in parts) for a, parts in shares}
    assert placed in ({"x": ["a", "c"], "y": ["b"]}, {"x": ["b"], "y": ["a", "c"]})
    for allocation_, parts in shares:
        assert sum((p.total.amount for p in parts), Decimal(0)) <= allocation_.amount.amount
        assert all(p.quantity == 1 for p in parts)


# --- promotions -------------------------------------------------------------------------------------
def test_a_line_refunds_its_share_after_the_cart_promotion(sw: Recorded) -> None:
    order = sw.order("10008")
    assert order.total == uo.Money.of("90.00", "EUR")
    assert order.discount == uo.Money.of("10.00", "EUR")
    shoes, jacket = order.lines
    assert [(x.total, x.total_discount) for x in order.lines] == [
        (uo.Money.of("45.00", "EUR"), uo.Money.of("5.00", "EUR"))
    ] * 2
    refund = sw.store.refunds.create(
        order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=shoes.id, quantity=1)])
    )
    assert refund.total == uo.Money.of("45.00", "EUR")  # not 50.00
    assert refund.lines[0].tax == uo.Money.of("7.18", "EUR")  # 7.98 less its share of 1.60
    [body] = bodies(sw)
    assert body["positions"][0]["amount"]["totalPrice"] == Decimal("45.00")
    rest = sw.store.refunds.create(
        order.id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=jacket.id, quantity=1)])
    )
    assert rest.total == uo.Money.of("45.00", "EUR")
    after = sw.store.orders.get(order.id)
    assert sum((r.total.amount for r in after.refunds), Decimal(0)) == Decimal("90.00")
    assert after.platform_financial_status == "refunded"


def test_refunding_everything_pays_back_what_was_paid(sw: Recorded) -> None:
    order = sw.order("10008")
    refund = sw.store.refunds.create(order.id, whole(order))
    assert refund.total == uo.Money.of("90.00", "EUR")
    assert [x.total.amount for x in refund.lines] == [Decimal("45.00")] * 2


def test_cancel_with_refund_pays_back_what_was_paid(sw: Recorded) -> None:
    order = sw.order("10008")
    cancelled = sw.store.orders.cancel(order.id, reason="out of stock", refund=True)
    assert cancelled.status is uo.OrderStatus.CANCELED
    [refund] = cancelled.refunds
    assert refund.total == uo.Money.of("90.00", "EUR")
    assert cancelled.platform_financial_status == "refunded"


def test_never_more_than_the_customer_paid_for_a_line(sw: Recorded) -> None:
    """Unit by unit, a 3-unit line after a promotion sums to exactly what was paid for it."""
    order_id = sw.emulator.add_order(
        tax_status="gross",
        lines=[("Socks", 3, "10.00", "19"), ("Belt", 1, "20.00", "19")],
        promotions=[("Spend 50, save 6.67", "6.67")],
        shipping=("4.90", "19"),
        payment="payment_creditcard",
        transaction_state="paid",
        capture=True,
        delivery_state="shipped",
        order_state="in_progress",
    )
    order = sw.store.orders.get(order_id)
    socks, belt = order.lines
    assert (socks.total, belt.total) == (uo.Money.of("26.00", "EUR"), uo.Money.of("17.33", "EUR"))
    assert order.total == uo.Money.of("48.23", "EUR")
    paid = []
    for _ in range(3):
        refund = sw.store.refunds.create(
            order_id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=socks.id, quantity=1)])
        )
        paid.append(refund.total.amount)
    assert paid == [Decimal("8.67"), Decimal("8.67"), Decimal("8.66")]
    assert sum(paid) == socks.total.amount
    with pytest.raises(uo.InvalidRequest, match="only 0 of line"):
        sw.store.refunds.create(
            order_id, uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=socks.id, quantity=1)])
        )
    everything = sw.store.refunds.create(
        order_id,
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=belt.id, quantity=1)],
            shipping=uo.ShippingRefund(full=True),
        ),
    )
    assert everything.total == uo.Money.of("22.23", "EUR")
    after = sw.store.orders.get(order_id)
    assert sum((r.total.amount for r in after.refunds), Decimal(0)) == order.total.amount


def test_a_promotion_without_composition_is_spread_by_line_totals(sw: Recorded) -> None:
    order_id = sw.emulator.add_order(
        tax_status="gross",
        lines=[("Lamp", 1, "60.00", "19"), ("Bulb", 2, "10.00", "19")],
        promotions=[("Eight off", "8.00")],
        shipping=("0.00", None),
        payment="payment_creditcard",
        transaction_state="paid",
        capture=True,
        delivery_state="open",
        order_state="open",
    )
    for row in sw.emulator.table("order_line_item").values():
        if row["orderId"] == order_id and row["type"] == "promotion":
            row["payload"].pop("composition")
    order = sw.store.orders.get(order_id)
    assert [x.total.amount for x in order.lines] == [Decimal("54.00"), Decimal("18.00")]
    assert sum((x.total.amount for x in order.lines), Decimal(0)) == order.total.amount
