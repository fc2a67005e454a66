"""The refunds agencies issue, on every platform's sandbox (and both Shopify dialects): an
amount-only refund, a line refunded for less, and everything left, as each platform takes them
(the request written) and as they read back (lines, adjustments, totals), with bad input refused
before any request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import unified_orders as uo
from unified_orders.models.identities import calculation_discrepancies, refund_discrepancies
from unified_orders.testing import RecordingTransport, instrumented_sandbox, unwrapped

TARGETS = [
    ("nextcommerce", {}),
    ("shopify", {"api": "graphql"}),
    ("shopify", {"api": "rest"}),
    ("shopware", {}),
]
IDS = ["nextcommerce", "shopify-graphql", "shopify-rest", "shopware"]
#: Platforms that record a line refunded for less at its price plus a discrepancy adjustment
#: (Shopware positions carry the money paid back instead).
RECORDS_DISCREPANCY = {"nextcommerce", "shopify"}


def recorded(platform: str, dialect: dict[str, Any]) -> tuple[uo.Store, RecordingTransport]:
    transports: list[RecordingTransport] = []

    def keep(transport: Any) -> RecordingTransport:
        transports.append(RecordingTransport(transport))
        return transports[-1]

    store = instrumented_sandbox(platform, keep, **dialect)
    assert isinstance(store, uo.Store)
    return store, transports[0]


def paid_order(store: uo.Store) -> uo.Order:
    """The first order with a captured payment and every line still refundable."""
    for candidate in store.orders.list():
        lines = candidate.lines
        if (
            candidate.captured_payments
            and not candidate.refunds
            and lines
            and all(x.refundable_quantity for x in lines)
            and candidate.shipping.amount > 0
        ):
            return candidate
    raise AssertionError("the sandbox has no paid, unrefunded order with shipping")


def writes(transport: RecordingTransport) -> list[Any]:
    return [
        e
        for e in transport.exchanges
        if e.method == "POST"
        and ("graphql" not in e.path or "mutation" in str((e.body or {}).get("query", "")))
        and "search" not in e.path
        and "calculate" not in e.path
        and "oauth" not in e.path
    ]


def refund_write(platform: str, transport: RecordingTransport) -> Any:
    """The body of the write that created the refund."""
    for exchange in writes(transport):
        if platform == "nextcommerce" and exchange.path.endswith("/refund/"):
            return exchange.body
        if platform == "shopify" and exchange.path.endswith("refunds.json"):
            return exchange.body["refund"]
        if platform == "shopify" and "refundCreate" in exchange.body.get("query", ""):
            return exchange.body["variables"]["input"]
        if platform == "shopware" and exchange.path.endswith("order-transaction-capture-refund"):
            return exchange.body
    raise AssertionError("no refund was written")


def paid_back(order: uo.Order) -> Decimal:
    return sum(
        (r.total.amount for r in order.refunds if r.status is uo.RefundStatus.SUCCESS), Decimal(0)
    )


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_an_amount_only_refund(platform: str, dialect: dict[str, Any]) -> None:
    store, transport = recorded(platform, dialect)
    order = paid_order(store)
    preview = store.refunds.calculate(order.id, uo.RefundRequest(amount=Decimal("5.00")))
    assert (preview.lines, preview.shipping, preview.total.amount) == ([], None, Decimal("5.00"))
    assert sum(a.amount.amount for a in preview.transactions) == Decimal("5.00")
    # nothing for the platform to calculate: no calculate request, no suggestedRefund query
    assert not [
        e
        for e in transport.exchanges
        if "calculate" in e.path or "suggestedRefund" in str((e.body or {}).get("query", ""))
    ]
    refund = store.refunds.create(order.id, preview, idempotency_key="goodwill-1")
    body = refund_write(platform, transport)
    if platform == "nextcommerce":
        assert body["refund_lines"] == []
        assert "refund_shipping" not in body
        assert [t["amount"] for t in body["transactions"]] == ["5.00"]
    elif platform == "shopify":
        assert not body.get("refund_line_items")
        assert not body.get("refundLineItems")
        assert "shipping" not in body
        assert [Decimal(str(t["amount"])) for t in body["transactions"]] == [Decimal("5.00")]
    else:
        assert "positions" not in body or body["positions"] == []
        assert body["customFields"] == {"unified_orders_shipping": "0.00"}
    assert (refund.lines, refund.shipping, refund.total.amount) == ([], None, Decimal("5.00"))
    assert [(a.kind, a.amount.amount) for a in refund.adjustments] == [
        ("refund_discrepancy", Decimal("5.00"))
    ]
    after = unwrapped(store).orders.get(order.id)
    [read] = after.refunds
    assert (read.id, read.idempotency_key, read.total) == (refund.id, "goodwill-1", refund.total)
    assert [(a.kind, a.amount.amount) for a in read.adjustments] == [
        ("refund_discrepancy", Decimal("5.00"))
    ]
    assert after.shipping_refunded.amount == 0  # an amount-only refund is not shipping
    assert [x.refunded_quantity for x in after.lines] == [x.refunded_quantity for x in order.lines]


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_a_line_refunded_for_less_than_its_price(platform: str, dialect: dict[str, Any]) -> None:
    store, transport = recorded(platform, dialect)
    order = paid_order(store)
    target = order.lines[0]
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=target.id, quantity=1, amount=Decimal("3.00"))]
    )
    preview = store.refunds.calculate(order.id, request)
    [line] = preview.lines
    assert (line.line_id, line.quantity, line.total.amount) == (target.id, 1, Decimal("3.00"))
    assert line.subtotal.amount + line.tax.amount in (Decimal("3.00"), line.subtotal.amount)
    assert preview.total.amount == Decimal("3.00")
    refund = store.refunds.create(order.id, preview)
    body = refund_write(platform, transport)
    paid = (
        [Decimal(str(t["amount"])) for t in body["transactions"]]
        if platform != "shopware"
        else [Decimal(str(body["amount"]["totalPrice"]))]
    )
    assert paid == [Decimal("3.00")]
    assert refund.total.amount == Decimal("3.00")
    [refunded] = refund.lines
    assert (refunded.line_id, refunded.quantity) == (target.id, 1)
    if platform in RECORDS_DISCREPANCY:
        # the line at its price, the difference as a (negative) discrepancy
        [discrepancy] = [a for a in refund.adjustments if a.kind == "refund_discrepancy"]
        assert refunded.total.amount + discrepancy.amount.amount == Decimal("3.00")
        assert discrepancy.amount.amount < 0
    else:
        assert refunded.total.amount == Decimal("3.00")
        assert refund.adjustments == []
    if platform == "shopify":
        assert (body.get("discrepancy_reason") or body.get("discrepancyReason")) in (
            "other",
            "OTHER",
        )
    after = unwrapped(store).orders.get(order.id)
    assert after.lines[0].refunded_quantity == target.refunded_quantity + 1


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_everything_left_after_a_goodwill_refund(platform: str, dialect: dict[str, Any]) -> None:
    store, _ = recorded(platform, dialect)
    order = paid_order(store)
    captured = sum((t.amount.amount for t in order.captured_payments), Decimal(0))
    store.refunds.create(order.id, uo.RefundRequest(amount=Decimal("10.00")))
    preview = store.refunds.calculate(order.id, uo.RefundRequest.everything_left())
    assert preview.request.remaining is False  # written out: what is previewed is what is sent
    assert {x.line_id for x in preview.request.lines} == {x.id for x in order.lines}
    assert preview.total.amount <= captured - Decimal("10.00")
    refund = store.refunds.create(order.id, preview)
    assert refund.total == preview.total
    after = unwrapped(store).orders.get(order.id)
    assert all(x.refundable_quantity == 0 for x in after.lines)
    assert after.shipping_refunded.amount == after.shipping.amount
    assert paid_back(after) <= captured
    with pytest.raises(uo.InvalidRequest, match="nothing is left to refund"):
        store.refunds.calculate(order.id, uo.RefundRequest.everything_left())


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_everything_left_then_the_money_that_stayed(platform: str, dialect: dict[str, Any]) -> None:
    store, _ = recorded(platform, dialect)
    order = paid_order(store)
    target = order.lines[0]
    captured = sum((t.amount.amount for t in order.captured_payments), Decimal(0))
    # one unit refunded for 1.00: the rest of its price stays on the payment
    store.refunds.create(
        order.id,
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=target.id, quantity=1, amount=Decimal("1.00"))]
        ),
    )
    store.refunds.create(order.id, uo.RefundRequest.everything_left())
    rest = store.refunds.calculate(order.id, uo.RefundRequest.everything_left())
    assert rest.lines == []
    assert rest.request.amount is not None
    assert rest.request.amount > 0
    store.refunds.create(order.id, rest)
    after = unwrapped(store).orders.get(order.id)
    assert paid_back(after) == captured
    with pytest.raises(uo.InvalidRequest, match="nothing is left to refund"):
        store.refunds.create(after, uo.RefundRequest.everything_left())


BAD = [
    (uo.RefundRequest(amount=Decimal("0.001")), "amount"),
    (uo.RefundRequest(amount=Decimal("999999")), "amount"),
    (uo.RefundRequest(amount=Decimal("1"), shipping=uo.ShippingRefund(full=True)), "amount"),
    (uo.RefundRequest(remaining=True, amount=Decimal("1")), "remaining"),
]


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
@pytest.mark.parametrize(("request_", "path"), BAD, ids=["decimals", "too-much", "mixed", "all+"])
def test_bad_input_is_refused_before_any_request(
    platform: str, dialect: dict[str, Any], request_: uo.RefundRequest, path: str
) -> None:
    store, transport = recorded(platform, dialect)
    order = paid_order(store)
    first = order.lines[0]
    seen = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest) as caught:
        store.refunds.create(order, request_)
    assert path in [p.path for p in caught.value.problems]
    too_much = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=first.id, quantity=1, amount=first.total.amount + 1)]
    )
    with pytest.raises(uo.InvalidRequest, match="never more"):
        store.refunds.create(order, too_much)
    assert len(transport.exchanges) == seen, "a request was sent for bad input"


def test_next_commerce_refunds_a_line_with_both_states_as_two_refund_lines() -> None:
    store, transport = recorded("nextcommerce", {})
    order = store.orders.get("10003")  # 2 unshipped mugs, payment only authorized
    [fo] = store.fulfillments.list(order.id)
    status, _, _ = store.sandbox.handle(  # type: ignore[union-attr]
        "POST",
        f"/api/admin/fulfillment-orders/{fo.id}/fulfillments/",
        {},
        {"authorization": "Bearer t", "x-29next-api-version": "2024-04-01"},
        {"fulfillment_order_line_items": [{"id": int(fo.lines[0].id), "quantity": 1}]},
    )
    assert status in (200, 201)
    order = store.orders.get("10003")
    assert order.lines[0].fulfilled_quantity == 1
    preview = store.refunds.calculate(order.id, uo.RefundRequest.everything_left())
    assert [(x.quantity, x.restock) for x in preview.lines] == [
        (1, uo.Restock.CANCEL),
        (1, uo.Restock.NO_RESTOCK),
    ]
    refund = store.refunds.create(order.id, preview)  # everything: the authorization is voided
    body = refund_write("nextcommerce", transport)
    assert [(x["quantity"], x["restock_type"]) for x in body["refund_lines"]] == [
        (1, "cancel"),
        (1, "no_restock"),
    ]
    assert sorted(x.restock.value for x in refund.lines) == ["cancel", "no_restock"]
    assert unwrapped(store).orders.get("10003").lines[0].refundable_quantity == 0


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_shopify_takes_a_line_item_once_per_refund(api: str) -> None:
    store, transport = recorded("shopify", {"api": api})
    order = paid_order(store)
    target = order.lines[0]
    split = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id=target.id, quantity=1, restock=uo.Restock.NO_RESTOCK),
            uo.RefundLineRequest(line_id=target.id, quantity=1, restock=uo.Restock.RETURN),
        ]
    )
    seen = len(transport.exchanges)
    with pytest.raises(uo.InvalidRequest, match="once per refund"):
        store.refunds.calculate(order, split)
    assert len(transport.exchanges) == seen


@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_previews_and_refunds_of_every_kind_add_up(platform: str, dialect: dict[str, Any]) -> None:
    """The amount identities hold for each kind, previewed and read back: a line for less, the
    rest of the order, then the money that line left on the payment, then a goodwill amount is
    refused (nothing is left)."""
    store, _ = recorded(platform, dialect)
    order = paid_order(store)
    first = order.lines[0]
    kinds = [
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=first.id, quantity=1, amount=Decimal("3.00"))]
        ),
        uo.RefundRequest.everything_left(),
        uo.RefundRequest.everything_left(),
    ]
    for request in kinds:
        preview = store.refunds.calculate(order.id, request)
        assert calculation_discrepancies(preview) == []
        refund = store.refunds.create(order.id, preview)
        assert refund_discrepancies(refund) == []
        [read] = [r for r in unwrapped(store).refunds.list(order.id) if r.id == refund.id]
        assert refund_discrepancies(read) == []
    with pytest.raises(uo.InvalidRequest, match="more than the order's payments can still refund"):
        store.refunds.calculate(order.id, uo.RefundRequest(amount=Decimal("0.01")))
