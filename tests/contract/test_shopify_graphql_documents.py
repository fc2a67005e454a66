"""Every GraphQL document the shopify adapter can send validates against the shipped schema.

The documents live in one registry (``unified_orders_adapters.shopify.graphql.documents.DOCUMENTS``);
the adapter sends nothing else. Each is validated with graphql-core's standard rules plus
``NoDeprecatedCustomRule`` (no deprecated field, argument, input field or enum value), against
../shared/specs/shopify/admin_2026-04.json.gz. Every GraphQL request recorded in
cassettes/shopify/graphql/ must be a registry document, and its variables must coerce to the schema's
input types. Nothing is read partially: every connection (per the schema) asks for its
``pageInfo { hasNextPage endCursor }`` and has a page document reading the rest, and the only plain
lists asked with ``first`` are the three on ``Order`` the adapter reads again whole when cut short.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from graphql import (
    FieldNode,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    get_named_type,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoDeprecatedCustomRule
from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS, FIRST_PAGES, LISTED_FIRST
from unified_orders_adapters.shopify.graphql.paging import FOLLOW_UPS
from unified_orders_adapters.shopify.graphql.shipments import SHIPMENT_DOCUMENTS  # registers them
from unified_orders_adapters.shopify.key_ledger import KEY_DOCUMENTS

ROOT = Path(__file__).resolve().parents[2]
# GraphQL cassettes sit in their own folder (the REST contract test reads cassettes/shopify/*.yaml).
CASSETTES = sorted((ROOT / "cassettes" / "shopify" / "graphql").glob("*.yaml"))
RULES = [*specified_rules, NoDeprecatedCustomRule]


@pytest.fixture(scope="module")
def schema(shared: Path) -> GraphQLSchema:
    with gzip.open(shared / "specs" / "shopify" / "admin_2026-04.json.gz") as handle:
        data = json.load(handle)["data"]
    built = build_client_schema(data)
    # graphql-core's validate() first checks the schema itself, and Shopify's 2026-04
    # introspection breaks a strict interface rule (an implementation field is deprecated where
    # the interface field is not). That is the schema's own inconsistency, not our documents',
    # so the schema's validation errors are cleared and the documents are validated normally.
    built._validation_errors = []
    return built


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_validates_without_deprecations(schema: GraphQLSchema, name: str) -> None:
    document = parse(DOCUMENTS[name])
    errors = validate(schema, document, RULES)
    assert [e.message for e in errors] == []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert [o.name.value for o in operations if o.name] == [name], "one operation, named as keyed"


def test_the_rule_catches_deprecated_fields(schema: GraphQLSchema) -> None:
    document = parse('query { order(id: "gid://shopify/Order/1") { totalPrice } }')
    messages = [e.message for e in validate(schema, document, RULES)]
    assert any("deprecated" in m for m in messages)


def test_refund_create_carries_the_idempotent_directive() -> None:
    text = DOCUMENTS["RefundCreate"]
    assert "refundCreate(input: $input) @idempotent(key: $idempotencyKey)" in text


def graphql_requests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in CASSETTES:
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            request = interaction["request"]
            if request["uri"].endswith("/graphql.json"):
                found.append((f"{path.name}", json.loads(request["body"])))
    return found


def test_cassettes_hold_graphql_flows() -> None:
    assert len({name for name, _ in graphql_requests()}) >= 4


@pytest.mark.parametrize(("cassette", "body"), graphql_requests())
def test_cassette_requests_are_registry_documents_with_valid_variables(
    schema: GraphQLSchema, cassette: str, body: dict[str, Any]
) -> None:
    assert body["query"] == DOCUMENTS[body["operationName"]], f"{cassette}: unregistered document"
    document = parse(body["query"])
    assert validate(schema, document, RULES) == []
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    coerced = get_variable_values(schema, operation.variable_definitions or [], body["variables"])
    assert not isinstance(coerced, list), [e.message for e in coerced]


# --- nothing is read partially ---------------------------------------------------------------------
#: The object each connection's owner is read back by (``root(id:)``) in a follow-up.
ROOTS = {
    "Order": "order",
    "Refund": "refund",
    "Fulfillment": "fulfillment",
    "FulfillmentOrder": "fulfillmentOrder",
    "Return": "return",
    "ReturnableFulfillment": "returnableFulfillment",
    "ReverseFulfillmentOrder": "reverseFulfillmentOrder",
}


def selected_lists(schema: GraphQLSchema, name: str) -> list[tuple[str, str, FieldNode, bool]]:
    """Every field of a document returning a list or a connection asked with ``first``:
    ``(owner type, field, node, is a connection)``."""
    found: list[tuple[str, str, FieldNode, bool]] = []
    info = TypeInfo(schema)

    class Lists(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = info.get_parent_type()
            target = info.get_type()
            if parent is None or target is None:
                return
            arguments = {a.name.value for a in node.arguments or ()}
            named = get_named_type(target)
            connection = named is not None and named.name.endswith("Connection")
            if "first" in arguments:
                found.append((parent.name, node.name.value, node, connection))

    visit(parse(DOCUMENTS[name]), TypeInfoVisitor(info, Lists()))
    return found


def _selects(node: FieldNode, *path: str) -> bool:
    selections = node.selection_set.selections if node.selection_set else ()
    head, *rest = path
    for selection in selections:
        if isinstance(selection, FieldNode) and selection.name.value == head:
            return not rest or _selects(selection, *rest)
    return False


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_connection_asks_for_its_next_page_and_has_one(
    schema: GraphQLSchema, name: str
) -> None:
    for owner, field, node, connection in selected_lists(schema, name):
        if not connection:
            continue
        where = f"{name}: {owner}.{field}"
        assert _selects(node, "pageInfo", "hasNextPage"), where
        assert _selects(node, "pageInfo", "endCursor"), where
        if owner == "QueryRoot":
            arguments = {a.name.value for a in node.arguments or ()}
            assert "after" in arguments, f"{where} is paged with its own $after"
            continue
        follow_up = FOLLOW_UPS.get((ROOTS[owner], field))
        assert follow_up is not None, f"{where} has no page document"
        texts = [(o, f, n) for o, f, n, _ in selected_lists(schema, follow_up)]
        assert any(o == owner and f == field for o, f, _ in texts), f"{follow_up} reads {field}"
        assert "$after" in DOCUMENTS[follow_up]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_plain_list_asked_with_first_is_counted_or_read_again_whole(
    schema: GraphQLSchema, name: str
) -> None:
    for owner, field, node, connection in selected_lists(schema, name):
        if connection:
            continue
        assert (owner, field) in {("Order", f) for f in FIRST_PAGES}, f"{name}: {owner}.{field}"
        [size] = [a.value for a in node.arguments or () if a.name.value == "first"]
        assert isinstance(size, IntValueNode)
        sizes = LISTED_FIRST if name.startswith("OrdersPage") else FIRST_PAGES
        assert int(size.value) == sizes[field]
    whole = {"transactions": "OrderTransactions", "fulfillments": "OrderFulfillmentList"}
    for field, follow_up in {**whole, "refunds": "OrderRefunds"}.items():
        assert not [x for x in selected_lists(schema, follow_up) if x[1] == field], (
            f"{follow_up} asks {field} without first: the whole list"
        )
        assert f"{field} {{" in DOCUMENTS[follow_up]


# --- shipping: the variables the adapter sends coerce to the schema's inputs ---------------------
def _shipping_requests() -> list[dict[str, Any]]:
    """Every GraphQL request of a ship / track / cancel run on the sandbox (several parcels)."""
    import unified_orders as uo
    from unified_orders.testing import RecordingTransport, instrumented_sandbox

    kept: list[RecordingTransport] = []

    def record(transport: Any) -> RecordingTransport:
        kept.append(RecordingTransport(transport))
        return kept[-1]

    store = instrumented_sandbox("shopify", record, api="graphql")
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "#1001")
    fo = next(
        f
        for f in store.fulfillments.list(order.id)
        if f.status is uo.FulfillmentOrderStatus.OPEN and f.lines
    )
    parcels = [
        uo.Tracking(company="UPS", number=n, url=f"https://ups.example/{n}") for n in ("1", "2")
    ]
    shipped = store.fulfillments.create(fo.id, lines={fo.lines[0].id: 1}, tracking=parcels)
    store.fulfillments.update_tracking(shipped.id, uo.Tracking(company="DHL", number="JD1"))
    waiting = next(o for o in store.orders.list() if o.number == "#1004")
    [service] = store.fulfillments.list(waiting.id)
    store.fulfillments.request_fulfillment(service.id)
    store.fulfillments.cancel(service.id)
    return [x.body for x in kept[0].exchanges]


def test_shipping_mutations_send_variables_the_schema_takes(schema: GraphQLSchema) -> None:
    bodies = _shipping_requests()
    sent = {body["operationName"] for body in bodies}
    assert {"FulfillmentCreate", "FulfillmentTrackingInfoUpdate", "FulfillmentOrderCancel"} <= sent
    for body in bodies:
        assert body["query"] == DOCUMENTS[body["operationName"]]
        document = parse(body["query"])
        [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        coerced = get_variable_values(
            schema, operation.variable_definitions or [], body["variables"]
        )
        assert not isinstance(coerced, list), (body["operationName"], [e.message for e in coerced])
    [create] = [b for b in bodies if b["operationName"] == "FulfillmentCreate"]
    info = create["variables"]["fulfillment"]["trackingInfo"]
    assert info == {
        "company": "UPS",
        "numbers": ["1", "2"],
        "urls": ["https://ups.example/1", "https://ups.example/2"],
    }
    assert "@idempotent" not in create["query"]  # fulfillmentCreate does not document it
    # the key ledger: read, intent (compareDigest null: must not exist yet), then the shipment
    assert {"ShipmentKeys", "ShipmentKeysSet"} <= sent
    ledger_writes = [b for b in bodies if b["operationName"] == "ShipmentKeysSet"]
    intent = ledger_writes[0]["variables"]["metafields"][0]
    assert set(intent) == {"ownerId", "namespace", "key", "type", "value", "compareDigest"}
    assert (intent["namespace"], intent["key"], intent["type"]) == (
        "unified_orders",
        "shipments",
        "json",
    )
    assert intent["compareDigest"] is None
    assert isinstance(ledger_writes[1]["variables"]["metafields"][0]["compareDigest"], str)


def test_shipment_key_documents_are_registered() -> None:
    for name, text in {**KEY_DOCUMENTS, **SHIPMENT_DOCUMENTS}.items():
        assert DOCUMENTS[name] == text.strip() + "\n"
