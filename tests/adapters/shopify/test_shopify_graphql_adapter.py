"""The GraphQL dialect's adapter: GraphQL is the default dialect, every request it sends is a POST
to ``graphql.json``, and a return moves only as :data:`RETURN_TRANSITIONS` allows."""

from __future__ import annotations

from typing import Any

import pytest
from shopify_helpers import drive
from unified_orders_adapters.shopify.graphql.adapter import ShopifyGraphQLAdapter
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopify.rules import RETURN_MOVES, RETURN_STATUSES, RETURN_TRANSITIONS
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
