"""Large orders through the public API (the GraphQL dialect, the default) against the sandbox,
and the sandbox paging every connection of them.

Each shape (adapters/shopify/sandbox/data/large_orders.json) goes past what one GraphQL read of an
order holds: more than 5 fulfillment orders, 25 lines per fulfillment order, 10 fulfillments, 25
lines per fulfillment, 20 refunds, 25 lines, 5 transactions, 2 shipping lines or 5 adjustments per
refund, 25 order transactions, 5 shipping lines, 10 returns, 25 lines per return and 10
returnable fulfillments. Every figure is asserted exactly: nothing may be dropped, and follow-up
pages are asked only where Shopify says more follow.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS, FIRST_PAGES
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.sync import run_sync

TOKEN = "test-token-not-a-real-secret"
PATH = "/admin/api/2026-04/graphql.json"


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return ShopifyEmulator(shop="acme.myshopify.com")


@pytest.fixture
def recorded(emulator: ShopifyEmulator) -> Iterator[tuple[uo.Store, RecordingTransport]]:
    transport = RecordingTransport(emulator_transport(emulator))
    store = uo.connect("shopify", sandbox=True, rate_limit=False, transport=transport)
    yield store, transport
    store.close()


def asked(transport: RecordingTransport, since: int = 0) -> Counter[str]:
    return Counter(e.body["operationName"] for e in transport.exchanges[since:])


def ask(emulator: ShopifyEmulator, name: str, variables: dict[str, Any]) -> Any:
    """The emulator's answer to a registered document."""
    body = {"query": DOCUMENTS[name], "variables": variables, "operationName": name}
    status, payload, _ = emulator.handle("POST", PATH, {}, {}, jsonutil.loads(jsonutil.dumps(body)))
    assert status == 200
    return payload


def locations(emulator: ShopifyEmulator) -> tuple[str, str]:
    main, downtown = (str(x["id"]) for x in emulator.state.data["locations"][:2])
    return main, downtown


# --- fulfillment orders: 6 of them, 30 lines each ------------------------------------------------
def test_a_warehouse_order_reads_every_line_and_fulfillment_order(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    order_id = emulator.seed_large_order("warehouse")
    order = store.orders.get(order_id)
    assert len(order.lines) == 180
    assert len({line.id for line in order.lines}) == 180
    assert order.total.amount == Decimal("3605.00")  # 180 lines x 2 x 10.00 + 5.00 shipping
    assert sum(line.quantity for line in order.lines) == 360
    main, downtown = locations(emulator)
    # Lines 1-30 wait in the first fulfillment order (main), 31-60 in the second (downtown), ...
    assert [order.lines[i].location_id for i in (0, 27, 29, 30, 120, 179)] == [
        main,
        main,
        main,
        downtown,
        main,
        downtown,
    ]
    # One request per page Shopify says follows, never more: 180 lines are 8 pages of 25, the
    # sixth fulfillment order is on a second page, each fulfillment order's 30 lines on two.
    assert asked(transport) == {
        "OrderGet": 1,
        "OrderLineItemsPage": 7,
        "FulfillmentOrders": 1,
        "FulfillmentOrderLineItemsPage": 6,
    }
    fos = store.fulfillments.list(order_id)
    assert [(len(fo.lines), fo.location_id) for fo in fos] == [
        (30, main),
        (30, downtown),
        (30, main),
        (30, downtown),
        (30, main),
        (30, downtown),
    ]
    assert {line.line_id for fo in fos for line in fo.lines} == {x.id for x in order.lines}


@pytest.mark.parametrize("fulfillment_orders", [1, 6])
def test_a_cancel_restock_of_line_28_is_made_at_its_location(
    emulator: ShopifyEmulator,
    recorded: tuple[uo.Store, RecordingTransport],
    fulfillment_orders: int,
) -> None:
    store, _ = recorded
    order_id = emulator.seed_large_order("warehouse", fulfillment_orders=fulfillment_orders)
    order = store.orders.get(order_id)
    line = order.lines[27]  # the 28th line of the first fulfillment order (30 lines)
    main, _ = locations(emulator)
    assert line.location_id == main
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=line.id, quantity=1, restock=uo.Restock.CANCEL)]
    )
    calculation = store.refunds.calculate(order_id, request)
    assert calculation.total.amount == Decimal("10.00")
    refund = store.refunds.create(order_id, calculation, idempotency_key="cancel-28")
    assert refund.total.amount == Decimal("10.00")
    assert [(x.line_id, x.quantity, x.restock, x.location_id) for x in refund.lines] == [
        (line.id, 1, uo.Restock.CANCEL, main)
    ]
    first = store.fulfillments.list(order_id)[0]
    assert {x.line_id: x.quantity for x in first.lines}[line.id] == 1


# --- fulfillments and returns: 24 fulfillments, 11 returns, 13 still returnable --------------------
def test_a_shipped_order_reads_every_fulfillment_and_return(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    order_id = emulator.seed_large_order("shipped")
    order = store.orders.get(order_id)
    assert len(order.lines) == 30
    assert order.total.amount == Decimal("7205.00")  # 30 x 24 x 10.00 + 5.00
    assert {line.fulfilled_quantity for line in order.lines} == {24}
    assert order.fulfillment_status is uo.FulfillmentStatus.FULFILLED
    fulfillments = order.raw["fulfillments"]
    assert len(fulfillments) == 24
    assert [len(f["fulfillmentLineItems"]["nodes"]) for f in fulfillments] == [30] * 24
    counts = asked(transport)
    assert counts["OrderFulfillmentList"] == 1  # 24 fulfillments counted, 10 read at first
    assert counts["FulfillmentLineItemsPage"] == 24  # 30 lines each: one more page each
    returns = store.returns.list(order_id)
    assert len(returns) == 11
    assert [len(r.lines) for r in returns] == [30] * 11
    assert sum(x.quantity for r in returns for x in r.lines) == 330
    assert {x.line_id for x in returns[10].lines} == {x.id for x in order.lines}


def test_a_return_takes_units_from_every_returnable_fulfillment(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    order_id = emulator.seed_large_order("shipped")
    line = store.orders.get(order_id).lines[29]
    too_many = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=14)])
    with pytest.raises(uo.InvalidRequest, match="only 13 fulfilled unit"):
        store.returns.create(order_id, too_many)
    sent = len(transport.exchanges)
    all_left = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=13)])
    created = store.returns.create(order_id, all_left)
    assert created.status is uo.ReturnStatus.OPEN
    assert [(x.line_id, x.quantity) for x in created.lines] == [(line.id, 1)] * 13
    counts = asked(transport, sent)
    assert counts["ReturnableFulfillments"] == 2  # 13 returnable fulfillments: pages of 10
    assert counts["ReturnableFulfillmentLineItemsPage"] == 13  # 30 lines each
    assert len(store.returns.list(order_id)) == 12


# --- refunds, transactions, shipping lines ---------------------------------------------------------
def test_a_refunded_order_reads_every_refund_and_transaction(
    emulator: ShopifyEmulator, recorded: tuple[uo.Store, RecordingTransport]
) -> None:
    store, transport = recorded
    order_id = emulator.seed_large_order("refunded")
    order = store.orders.get(order_id)
    assert order.total.amount == Decimal("630.00")
    assert order.shipping.amount == Decimal("30.00")  # 6 shipping lines of 5.00
    assert len(order.raw["shippingLines"]["nodes"]) == 6
    kinds = Counter(t.platform_kind for t in order.transactions)
    assert kinds == {"authorization": 1, "capture": 30, "sale": 6, "refund": 55}
    gift_cards = [
        t
        for t in order.transactions
        if t.gateway == "gift_card" and t.kind is not uo.TransactionKind.REFUND
    ]
    assert [t.amount.amount for t in gift_cards] == [Decimal("10.00")] * 6
    refunds = order.refunds
    assert len(refunds) == 25
    assert sum((r.total.amount for r in refunds), Decimal(0)) == Decimal("564.00")
    many_lines = refunds[0]
    assert len(many_lines.lines) == 26
    assert len(many_lines.transactions) == 14  # 260.00 paid back on 13 captures of 19.00 + 13.00
    assert many_lines.total.amount == Decimal("260.00")
    to_gift_cards = refunds[22]
    assert len(to_gift_cards.transactions) == 6
    assert {t.parent_id for t in to_gift_cards.transactions} == {t.id for t in gift_cards}
    assert to_gift_cards.total.amount == Decimal("60.00")
    short = refunds[23]
    assert short.total.amount == Decimal("4.00")
    assert [a.amount.amount for a in short.adjustments] == [Decimal("-1.00")] * 6
    shipping = refunds[24]
    assert shipping.shipping is not None
    assert shipping.shipping.amount.amount == Decimal("30.00")
    assert len([a for a in shipping.adjustments if a.kind == "shipping_refund"]) == 6
    counts = asked(transport)
    assert counts["OrderTransactions"] == 1  # 92 transactions counted, 25 read at first
    assert counts["OrderShippingLinesPage"] == 1
    assert counts["OrderRefunds"] == 1  # as many refunds as read at first: maybe more
    assert counts["RefundLineItemsPage"] == 1
    assert counts["RefundTransactionsPage"] == 2  # 14 and 6 transactions: pages of 5
    assert counts["RefundAdjustmentsPage"] == 1
    assert counts["RefundShippingLinesPage"] == 1  # 6 refund shipping lines
    listed = store.refunds.list(order_id)
    assert [(r.id, r.total) for r in listed] == [(r.id, r.total) for r in refunds]


# --- one order that cannot be read never fails the listing or the sync ------------------------------
def broken_for(emulator: ShopifyEmulator, order_id: str) -> httpx.MockTransport:
    """The emulator, except that reading ``order_id`` fails with a GraphQL error: its listing
    node says more lines follow, and that follow-up read fails."""
    inner = emulator_transport(emulator)
    wanted_gid = f"gid://shopify/Order/{order_id}"

    def answer(request: httpx.Request) -> httpx.Response:
        body: Any = uo.jsonutil.loads(request.content) if request.content else {}
        wanted = (body.get("variables") or {}).get("id")
        if body.get("operationName") in ("OrderGet", "OrderLineItemsPage") and wanted == wanted_gid:
            error = {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
            return httpx.Response(200, json={"errors": [error]})
        response = inner.handle_request(request)
        if body.get("operationName") != "OrdersPage":
            return response
        listed = uo.jsonutil.loads(response.read())
        for node in listed["data"]["orders"]["nodes"]:
            if node["id"] == wanted_gid:
                node["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": "broken"}
        return httpx.Response(
            response.status_code,
            content=uo.jsonutil.dumps(listed),
            headers={"content-type": "application/json"},
        )

    return httpx.MockTransport(answer)


def test_an_unreadable_order_is_a_read_failure_of_its_page(emulator: ShopifyEmulator) -> None:
    large = emulator.seed_large_order("warehouse")
    broken = next(iter(emulator.state.data["orders"]))
    store = uo.connect(
        "shopify", sandbox=True, rate_limit=False, transport=broken_for(emulator, broken)
    )
    pages = list(store.orders.pages())
    failures = [f for page in pages for f in page.failures]
    assert [f.id for f in failures] == [broken]
    assert "Internal error" in failures[0].error
    read = {o.id: o for page in pages for o in page.items}
    assert len(read) == len(emulator.state.data["orders"]) - 1
    assert len(read[large].lines) == 180
    with pytest.raises(uo.PlatformError, match=f"1 order\\(s\\) could not be read: {broken}"):
        list(store.orders.list())


def test_a_sync_of_a_store_with_large_orders_writes_every_row(
    emulator: ShopifyEmulator, tmp_path: Path
) -> None:
    ids = {
        shape: emulator.seed_large_order(shape) for shape in ("warehouse", "shipped", "refunded")
    }
    broken = next(iter(emulator.state.data["orders"]))
    store = uo.connect_async(
        "shopify", sandbox=True, rate_limit=False, transport=broken_for(emulator, broken)
    )
    db = tmp_path / "large.duckdb"
    [result] = run_sync({"s": store}, db).results
    assert result.ok, result.error
    assert result.unreadable == 1
    assert result.orders == len(emulator.state.data["orders"]) - 1

    def count(table: str, shape: str) -> int:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute(
                f"SELECT count(*) FROM {table} WHERE order_id = ?", [ids[shape]]
            ).fetchone()
        assert row is not None
        return int(row[0])

    assert count("order_lines", "warehouse") == 180
    assert count("fulfillment_orders", "warehouse") == 6
    assert count("order_lines", "shipped") == 30
    assert count("returns", "shipped") == 11
    assert count("return_lines", "shipped") == 330
    assert count("refunds", "refunded") == 25
    assert count("refund_lines", "refunded") == 54  # 26 + 21 + 6 + 1
    assert count("transactions", "refunded") == 92
    with duckdb.connect(str(db), read_only=True) as con:
        errors = con.execute("SELECT store, order_id, error FROM sync_errors").fetchall()
        refunded = con.execute(
            "SELECT sum(total) FROM refunds WHERE order_id = ?", [ids["refunded"]]
        ).fetchone()
    assert [(s, o) for s, o, _ in errors] == [("s", broken)]
    assert "Internal error" in errors[0][2]
    assert refunded is not None
    assert Decimal(str(refunded[0])) == Decimal("564.00")


# --- paging: every connection of the large orders, page by page ------------------------------------
def walk(
    emulator: ShopifyEmulator, name: str, variables: dict[str, Any], *path: str
) -> tuple[list[Any], int]:
    """Every node of the connection at ``path`` read with document ``name`` from ``after: null``
    on; and how many pages that took (each page checked: ``hasNextPage`` until the last)."""
    found: list[Any] = []
    pages = 0
    after = None
    while True:
        data = ask(emulator, name, {**variables, "after": after})["data"]
        for key in path:
            data = data[key]
        pages += 1
        found.extend(data["nodes"])
        info = data["pageInfo"]
        if not info["hasNextPage"]:
            return found, pages
        assert data["nodes"], "a page before the last is never empty"
        assert info["endCursor"] != after
        after = info["endCursor"]


def ids(kind: str, values: list[Any]) -> list[str]:
    return [f"gid://shopify/{kind}/{value}" for value in values]


def test_the_sandbox_pages_every_connection() -> None:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    warehouse = emulator.state.order(emulator.seed_large_order("warehouse"))
    shipped = emulator.state.order(emulator.seed_large_order("shipped"))
    refunded = emulator.state.order(emulator.seed_large_order("refunded"))
    state = emulator.state

    def gid(kind: str, value: Any) -> dict[str, Any]:
        return {"id": f"gid://shopify/{kind}/{value}"}

    lines, pages = walk(
        emulator, "OrderLineItemsPage", gid("Order", warehouse["id"]), "order", "lineItems"
    )
    assert [x["id"] for x in lines] == ids("LineItem", [x["id"] for x in warehouse["line_items"]])
    assert pages == 8  # 180 lines, 25 a page
    shipping, _ = walk(
        emulator, "OrderShippingLinesPage", gid("Order", refunded["id"]), "order", "shippingLines"
    )
    assert [x["id"] for x in shipping] == ids(
        "ShippingLine", [x["id"] for x in refunded["shipping_lines"]]
    )
    fos, pages = walk(
        emulator, "FulfillmentOrders", gid("Order", warehouse["id"]), "order", "fulfillmentOrders"
    )
    assert (len(fos), pages) == (6, 1)
    fo = state.fulfillment_orders_of(warehouse["id"])[0]
    fo_lines, pages = walk(
        emulator,
        "FulfillmentOrderLineItemsPage",
        gid("FulfillmentOrder", fo["id"]),
        "fulfillmentOrder",
        "lineItems",
    )
    assert [x["id"] for x in fo_lines] == ids(
        "FulfillmentOrderLineItem", [x["id"] for x in fo["line_items"]]
    )
    assert pages == 1  # 30 lines, 100 a page
    fulfillment = shipped["fulfillments"][23]
    shipped_lines, _ = walk(
        emulator,
        "FulfillmentLineItemsPage",
        gid("Fulfillment", fulfillment["id"]),
        "fulfillment",
        "fulfillmentLineItems",
    )
    numbers = state.data["fulfillment_line_items"][str(fulfillment["id"])]
    assert [x["id"] for x in shipped_lines] == ids("FulfillmentLineItem", list(numbers.values()))
    first, many_transactions, short, shipping_refund = (
        refunded["refunds"][i] for i in (0, 1, 23, 24)
    )
    for name, refund, field, count in (
        ("RefundLineItemsPage", first, "refundLineItems", 26),
        ("RefundTransactionsPage", first, "transactions", 14),
        ("RefundTransactionsPage", many_transactions, "transactions", 2),
        ("RefundAdjustmentsPage", short, "orderAdjustments", 6),
        ("RefundShippingLinesPage", shipping_refund, "refundShippingLines", 6),
    ):
        nodes, _ = walk(emulator, name, gid("Refund", refund["id"]), "refund", field)
        assert len(nodes) == count, (name, refund["id"])
    returns, pages = walk(emulator, "OrderReturns", gid("Order", shipped["id"]), "order", "returns")
    assert (len(returns), pages) == (11, 2)
    ret = returns[10]
    return_lines, _ = walk(
        emulator, "ReturnLineItemsPage", {"id": ret["id"]}, "return", "returnLineItems"
    )
    assert len({x["id"] for x in return_lines}) == 30
    returnable, pages = walk(
        emulator,
        "ReturnableFulfillments",
        {"orderId": f"gid://shopify/Order/{shipped['id']}"},
        "returnableFulfillments",
    )
    assert (len(returnable), pages) == (13, 2)  # 24 fulfillments, 11 of them returned
    units, _ = walk(
        emulator,
        "ReturnableFulfillmentLineItemsPage",
        {"id": returnable[12]["id"]},
        "returnableFulfillment",
        "returnableFulfillmentLineItems",
    )
    assert [x["quantity"] for x in units] == [1] * 30


def test_the_sandbox_truncates_plain_lists_and_counts_them() -> None:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    shipped = emulator.seed_large_order("shipped")
    refunded = emulator.seed_large_order("refunded")
    order = ask(emulator, "OrderGet", {"id": f"gid://shopify/Order/{refunded}"})["data"]["order"]
    assert len(order["transactions"]) == FIRST_PAGES["transactions"]
    assert order["transactionsCount"] == {"count": 92, "precision": "EXACT"}
    assert len(order["refunds"]) == FIRST_PAGES["refunds"]
    whole = ask(emulator, "OrderTransactions", {"id": f"gid://shopify/Order/{refunded}"})
    assert len(whole["data"]["order"]["transactions"]) == 92
    every_refund = ask(emulator, "OrderRefunds", {"id": f"gid://shopify/Order/{refunded}"})
    assert len(every_refund["data"]["order"]["refunds"]) == 25
    shipping = ask(emulator, "OrderGet", {"id": f"gid://shopify/Order/{shipped}"})
    assert len(shipping["data"]["order"]["fulfillments"]) == FIRST_PAGES["fulfillments"]
    assert shipping["data"]["order"]["fulfillmentsCount"] == {"count": 24, "precision": "EXACT"}
    every = ask(emulator, "OrderFulfillmentList", {"id": f"gid://shopify/Order/{shipped}"})
    assert len(every["data"]["order"]["fulfillments"]) == 24


def test_the_sandbox_refuses_a_cursor_it_did_not_give() -> None:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    order = emulator.seed_large_order("warehouse")
    variables = {"id": f"gid://shopify/Order/{order}", "after": "not-a-cursor"}
    answer = ask(emulator, "OrderLineItemsPage", variables)
    assert answer["errors"][0]["message"] == "invalid cursor 'not-a-cursor'"
    last = ask(emulator, "OrderLineItemsPage", {**variables, "after": None})
    while last["data"]["order"]["lineItems"]["pageInfo"]["hasNextPage"]:
        cursor = last["data"]["order"]["lineItems"]["pageInfo"]["endCursor"]
        last = ask(emulator, "OrderLineItemsPage", {**variables, "after": cursor})
    beyond = last["data"]["order"]["lineItems"]["pageInfo"]["endCursor"]
    after_last = ask(emulator, "OrderLineItemsPage", {**variables, "after": beyond})
    assert after_last["data"]["order"]["lineItems"]["nodes"] == []
    assert after_last["data"]["order"]["lineItems"]["pageInfo"]["hasNextPage"] is False
