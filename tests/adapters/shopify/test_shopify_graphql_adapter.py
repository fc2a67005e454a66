"""The GraphQL dialect's adapter: GraphQL is the default dialect, every request it sends is a POST
to ``graphql.json``, a return moves only as :data:`RETURN_TRANSITIONS` allows, and an order is
read completely (pages only while Shopify says more follow, each charged its requested cost), or
is an error (in a listing, a per-order ``ReadFailure``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from shopify_helpers import drive, wire
from unified_orders_adapters.shopify.graphql.adapter import ShopifyGraphQLAdapter
from unified_orders_adapters.shopify.graphql.documents import FIRST_PAGES, requested_cost
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopify.rules import RETURN_MOVES, RETURN_STATUSES, RETURN_TRANSITIONS
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.settings import ShopifySettings

import unified_orders as uo
from unified_orders.adapter import Capability, Request, ReturnAction
from unified_orders.http import RecordingTransport

TOKEN = "test-token-not-a-real-secret"


def test_graphql_is_the_default_dialect() -> None:
    store = uo.connect("shopify", shop="acme", access_token=TOKEN)
    assert isinstance(store.adapter, ShopifyGraphQLAdapter)
    assert store.adapter.base_url == "https://acme.myshopify.com/admin/api/2026-04/"
    assert Capability.RETURNS_CREATE in store.capabilities
    rest = uo.connect("shopify", shop="acme", access_token=TOKEN, api="rest")
    assert isinstance(rest.adapter, ShopifyRestAdapter)
    assert rest.adapter.base_url == "https://acme.myshopify.com/admin/api/2026-07/"
    assert Capability.RETURNS_CREATE not in rest.capabilities
    pinned = uo.connect("shopify", shop="acme", access_token=TOKEN, api_version="2026-07")
    assert pinned.adapter.base_url.endswith("/2026-07/")
    info = uo.adapters()["shopify"]
    assert Capability.RETURNS_LIST in info.capabilities
    for each in (store, rest, pinned):
        each.close()


def test_every_graphql_request_is_a_post_to_graphql_json(
    stores: tuple[uo.Store, uo.Store, RecordingTransport],
) -> None:
    graphql, _, recorder = stores
    list(graphql.orders.list())
    assert recorder.exchanges
    assert {(e.method, e.path) for e in recorder.exchanges} == {
        ("POST", "/admin/api/2026-04/graphql.json")
    }
    assert all(e.headers["x-shopify-access-token"] == TOKEN for e in recorder.exchanges)


# --- returns: the lifecycle is checked before any mutation ---------------------------------------
def test_return_transitions_follow_the_moves() -> None:
    assert RETURN_TRANSITIONS == {
        "REQUESTED": (ReturnAction.APPROVE, ReturnAction.DECLINE, ReturnAction.CANCEL),
        "OPEN": (ReturnAction.CLOSE, ReturnAction.CANCEL),
        "CLOSED": (ReturnAction.REOPEN,),
        "DECLINED": (),
        "CANCELED": (),
    }
    for action, (sources, target) in RETURN_MOVES.items():
        assert target in RETURN_STATUSES
        assert all(action in RETURN_TRANSITIONS[source] for source in sources)


def test_an_illegal_return_move_is_refused_after_one_read() -> None:
    adapter = ShopifyGraphQLAdapter(ShopifySettings(shop="acme", access_token=TOKEN))
    node = {"id": "gid://shopify/Return/5", "status": "REQUESTED", "returnLineItems": {"nodes": []}}
    sent: list[Request] = []

    def answer(request: Request) -> Any:
        sent.append(request)
        return {"data": {"return": node}}

    with pytest.raises(uo.IllegalTransition) as caught:
        drive(adapter.change_return("5", ReturnAction.CLOSE, None), answer)
    assert [r.json["operationName"] for r in sent] == ["ReturnGet"]
    assert caught.value.state == "requested"
    assert caught.value.possible == ["approve", "decline", "cancel"]


# --- reading orders completely, at an honest cost ------------------------------------------------
PATH = "/admin/api/2026-04/graphql.json"


def sandboxed(emulator: ShopifyEmulator) -> Callable[[Request], Any]:
    """Answers each request from the emulator (what it would send over the wire)."""

    def answer(request: Request) -> Any:
        _, body, _ = emulator.handle("POST", PATH, {}, {}, wire(request.json))
        return body

    return answer


def adapter() -> ShopifyGraphQLAdapter:
    return ShopifyGraphQLAdapter(ShopifySettings(shop="acme", access_token=TOKEN))


def test_a_small_order_costs_its_first_reads_alone_each_charged_its_requested_cost() -> None:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    order = next(o for o in emulator.state.orders() if o["name"] == "#1003")  # one old refund
    sent, read = drive(adapter().get_order(str(order["id"])), sandboxed(emulator))
    assert [r.json["operationName"] for r in sent] == ["OrderGet"]  # one query (issue 16)
    assert [r.cost for r in sent] == [requested_cost(r.json["operationName"]) for r in sent]
    assert all(r.safe_to_retry for r in sent)
    assert len(read.refunds) == 1


def test_every_page_of_a_large_order_is_charged_its_requested_cost() -> None:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    order_id = emulator.seed_large_order("refunded")
    sent, read = drive(adapter().get_order(order_id), sandboxed(emulator))
    assert len(read.refunds) == 25
    assert [r.cost for r in sent] == [requested_cost(r.json["operationName"]) for r in sent]
    pages = [r for r in sent if r.json["operationName"].endswith("Page")]
    assert pages
    assert all(r.json["variables"]["after"] for r in pages), "a page is asked only with a cursor"


def order_node(**fields: Any) -> dict[str, Any]:
    """A minimal ``Order`` answer, its collections complete unless ``fields`` say otherwise."""
    node: dict[str, Any] = {
        "id": "gid://shopify/Order/1",
        "currencyCode": "USD",
        "presentmentCurrencyCode": "USD",
        "lineItems": {"pageInfo": {"hasNextPage": False}, "nodes": []},
        "shippingLines": {"pageInfo": {"hasNextPage": False}, "nodes": []},
        "transactionsCount": {"count": 0, "precision": "EXACT"},
        "transactions": [],
        "refunds": [],
        "fulfillmentsCount": {"count": 0, "precision": "EXACT"},
        "fulfillments": [],
        "fulfillmentOrders": {"pageInfo": {"hasNextPage": False}, "nodes": []},
    }
    node.update(fields)
    return node


def test_a_cursor_that_does_not_move_on_is_an_error_not_a_loop() -> None:
    stuck = {"pageInfo": {"hasNextPage": True, "endCursor": "c1"}, "nodes": []}

    def answer(request: Request) -> Any:
        return {"data": {"order": order_node(lineItems=stuck)}}

    with pytest.raises(uo.PlatformError) as caught:
        drive(adapter().get_order("1"), answer)
    assert caught.value.code == "bad_cursor"
    no_cursor = {"pageInfo": {"hasNextPage": True, "endCursor": None}, "nodes": []}
    with pytest.raises(uo.PlatformError, match="no new cursor"):
        drive(
            adapter().get_order("1"), lambda _: {"data": {"order": order_node(lineItems=no_cursor)}}
        )


def transaction(number: int) -> dict[str, Any]:
    money = {"amount": "1.00", "currencyCode": "USD"}
    return {
        "id": f"gid://shopify/OrderTransaction/{number}",
        "kind": "SALE",
        "status": "SUCCESS",
        "amountSet": {"shopMoney": money, "presentmentMoney": money},
    }


#: The transactions ``OrderGet`` asks for at first.
FIRST = FIRST_PAGES["transactions"]


@pytest.mark.parametrize(
    ("count", "listed", "follow_up"),
    [
        ({"count": FIRST, "precision": "EXACT"}, FIRST, False),  # a full page proved whole
        ({"count": FIRST + 1, "precision": "EXACT"}, FIRST + 1, True),
        ({"count": FIRST, "precision": "AT_LEAST"}, FIRST, True),  # a bound proves nothing
        (None, FIRST, True),
        (None, FIRST - 1, False),  # fewer than asked for: nothing was cut
    ],
)
def test_plain_lists_are_read_again_whole_only_when_cut_short(
    count: Any, listed: int, follow_up: bool
) -> None:
    everything = [transaction(n) for n in range(listed)]

    def answer(request: Request) -> Any:
        name = request.json["operationName"]
        if name == "OrderTransactions":
            return {"data": {"order": {"id": "gid://shopify/Order/1", "transactions": everything}}}
        first = everything[:FIRST]
        return {"data": {"order": order_node(transactionsCount=count, transactions=first)}}

    sent, order = drive(adapter().get_order("1"), answer)
    assert ("OrderTransactions" in [r.json["operationName"] for r in sent]) is follow_up
    assert len(order.transactions) == listed


def test_a_list_shorter_than_its_count_is_an_error() -> None:
    count = {"count": 30, "precision": "EXACT"}

    def answer(request: Request) -> Any:
        node = order_node(transactionsCount=count, transactions=[transaction(n) for n in range(25)])
        return {"data": {"order": node}}

    with pytest.raises(uo.PlatformError, match="counts 30 transactions but lists 25") as caught:
        drive(adapter().get_order("1"), answer)
    assert caught.value.code == "incomplete_read"


def test_an_order_that_cannot_be_read_is_a_read_failure_of_the_page() -> None:
    stuck = {"pageInfo": {"hasNextPage": True, "endCursor": None}, "nodes": []}
    listing = {
        "orders": {
            "pageInfo": {"hasNextPage": False, "endCursor": "c"},
            "nodes": [
                order_node(id="gid://shopify/Order/1"),
                order_node(id="gid://shopify/Order/2", lineItems=stuck),
            ],
        }
    }

    def answer(request: Request) -> Any:
        assert request.json["operationName"] == "OrdersPage"  # the orders come with the page
        return {"data": listing}

    _, page = drive(adapter().list_orders(uo.OrderQuery(), None), answer)
    assert [o.id for o in page.items] == ["1"]
    assert [f.id for f in page.failures] == ["2"]
    assert "no new cursor" in page.failures[0].error


def test_the_feed_names_an_order_whose_fulfillment_order_changed_after_it() -> None:
    def node(order: int, changed: str | None, order_changed: str | None) -> dict[str, Any]:
        return {
            "orderId": f"gid://shopify/Order/{order}",
            "updatedAt": changed,
            "order": {"updatedAt": order_changed},
        }

    nodes = [
        node(1, "2026-07-01T12:05:00Z", "2026-07-01T12:00:00Z"),  # a hold: the order did not move
        node(2, "2026-07-01T12:05:00Z", "2026-07-01T12:05:00Z"),  # moved with it: listed already
        node(3, "2026-07-01T12:05:00Z", "2026-07-01T12:09:00Z"),  # moved later: listed already
        node(4, None, "2026-07-01T12:00:00Z"),  # no time to compare: read it again
        node(5, "not a time", "2026-07-01T12:00:00Z"),
        node(1, "2026-07-01T12:06:00Z", "2026-07-01T12:00:00Z"),  # a second one of order 1
    ]
    fos = {"pageInfo": {"hasNextPage": False}, "nodes": nodes}
    since = datetime(2026, 7, 1, tzinfo=UTC)
    sent, page = drive(
        adapter().order_changes(since, "fulfillment-orders:"),
        lambda _: {"data": {"fulfillmentOrders": fos}},
    )
    assert [r.json["operationName"] for r in sent] == ["FulfillmentOrderChanges"]
    assert "updated_at:>='2026-07-01T00:00:00Z'" in sent[0].json["variables"]["query"]
    assert [(c.order_id, c.deleted) for c in page.items] == [
        ("1", False),
        ("4", False),
        ("5", False),
    ]
    assert page.next_cursor is None
    # the deletions come first, and hand over to the fulfillment orders at their end
    empty = {"pageInfo": {"hasNextPage": False}, "nodes": []}
    _, first = drive(adapter().order_changes(since, None), lambda _: {"data": {"events": empty}})
    assert first.next_cursor == "fulfillment-orders:"
