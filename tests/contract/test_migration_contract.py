"""Issue 19's migration requests against the specs: every order create carrying a source marker
and every marker search, on each platform, as the adapters send them to the sandboxes."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values
from test_nextcommerce_contract import Spec, ValidatingEmulator, spec
from test_shopify_contract import check_request
from test_shopify_graphql_documents import RULES, schema
from test_shopware_contract import Capturing, check_exchange, specs
from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS

import unified_orders as uo
from unified_orders.http import emulator_transport
from unified_orders.migrate import ProductMap, marker_for
from unified_orders.migrate.plan import plan_order

__all__ = ["schema", "spec", "specs"]  # the fixtures, shared with their own modules


class Recording(httpx.BaseTransport):
    """Passes requests on, keeping each one's method, path and JSON body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.sent.append((request.method, request.url.path, json.loads(body) if body else None))
        return self.inner.handle_request(request)


def _migrate(target: uo.Store, platform: str, products: ProductMap | None = None) -> None:
    """Create one source order on ``target`` with its marker, then find it by the marker."""
    source = uo.connect("nextcommerce", sandbox=True)
    order = source.orders.get("10002")
    marker = marker_for("nextcommerce", "nc", order)
    plan = plan_order(order, platform, products or ProductMap())
    assert plan.order is not None
    made = target.orders.create(plan.order, source_marker=marker)
    assert [o.id for o in target.orders.find_by_marker(marker)] == [made.id]


def test_shopify_graphql_create_and_marker_search_match_the_schema(schema: GraphQLSchema) -> None:
    emulator = uo.connect("shopify", sandbox=True).sandbox
    recording = Recording(emulator_transport(emulator))
    _migrate(uo.connect("shopify", sandbox=True, transport=recording), "shopify")
    names = []
    for _, _, body in recording.sent:
        names.append(body["operationName"])
        assert body["query"] == DOCUMENTS[body["operationName"]]
        document = parse(body["query"])
        assert validate(schema, document, RULES) == []
        [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        coerced = get_variable_values(
            schema, operation.variable_definitions or [], body["variables"]
        )
        assert not isinstance(coerced, list), [e.message for e in coerced]
        if body["operationName"] == "OrderCreate":
            assert body["variables"]["order"]["sourceIdentifier"].startswith("uo-src-")
        if body["operationName"] == "OrdersPage":
            assert body["variables"]["query"].startswith("source_identifier:'uo-src-")
    assert {"OrderCreate", "OrdersPage"} <= set(names)


def test_shopify_rest_create_and_marker_scan_are_documented_requests() -> None:
    emulator = uo.connect("shopify", sandbox=True, api="rest").sandbox
    recording = Recording(emulator_transport(emulator))
    _migrate(uo.connect("shopify", sandbox=True, api="rest", transport=recording), "shopify")
    for method, path, body in recording.sent:
        check_request(method, path, body)
    [create] = [b for m, p, b in recording.sent if m == "POST" and p.endswith("/orders.json")]
    assert create["order"]["source_identifier"].startswith("uo-src-")
    assert create["order"]["tags"] == "uo-migrated"


def test_nextcommerce_create_and_marker_search_match_the_spec(spec: Spec) -> None:
    emulator = ValidatingEmulator(spec)
    store = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    _migrate(store, "nextcommerce", ProductMap({"HOODIE-GRY-L": "1104", "TSHIRT-BLK-M": "1101"}))
    assert {"ordersCreate", "ordersList", "ordersRetrieve"} <= emulator.operations
    assert not emulator.problems, "\n".join(emulator.problems[:30])


def test_shopware_create_and_marker_search_match_the_spec(
    specs: dict[str, dict[str, Any]],
) -> None:
    from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

    emulator = ShopwareEmulator(client_id="SWIAEXAMPLEKEY", client_secret="secret-x")
    capturing = Capturing(emulator_transport(emulator))
    store = uo.connect(
        "shopware",
        base_url="https://shop.example",
        client_id="SWIAEXAMPLEKEY",
        client_secret="secret-x",
        transport=capturing,
    )
    _migrate(store, "shopware")
    sent = {
        re.sub(r"[0-9a-f]{32}", "{id}", url.split("/api", 1)[1]) for _, url, *_ in capturing.seen
    }
    assert {"/order", "/search/order"} <= sent
    for method, url, status, body, answer in capturing.seen:
        if url.endswith("/oauth/token"):
            body = {**body, "client_id": "filtered", "client_secret": "filtered"}
        check_exchange(specs, method, url, status, body, answer)
