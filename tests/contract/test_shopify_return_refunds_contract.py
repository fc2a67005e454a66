"""Returns that end in money on Shopify GraphQL, against the 2026-04 schema: every request of a
calculate / process (with dispositions and the refund) / refunds.get run is a registered document
whose variables coerce to the schema's inputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_client_schema, parse
from graphql.execution.values import get_variable_values
from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS

import unified_orders as uo
from unified_orders.testing import RecordingTransport, instrumented_sandbox


@pytest.fixture(scope="module")
def schema(shared: Path) -> GraphQLSchema:
    with gzip.open(shared / "specs" / "shopify" / "admin_2026-04.json.gz") as handle:
        data = json.load(handle)["data"]
    built = build_client_schema(data)
    built._validation_errors = []  # Shopify's own interface inconsistency (see the documents test)
    return built


def _requests() -> list[dict[str, Any]]:
    kept: list[RecordingTransport] = []

    def record(transport: Any) -> RecordingTransport:
        kept.append(RecordingTransport(transport))
        return kept[-1]

    store = instrumented_sandbox("shopify", record, api="graphql")
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "#1001")
    line = order.lines[0]
    for restock in (uo.Restock.RETURN, uo.Restock.NO_RESTOCK):
        request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
        ret = store.returns.create(order.id, request)
        store.returns.calculate(ret.id)
        _, refund = store.returns.process(ret.id, restock=restock, note="inspected")
        assert refund is not None
        store.refunds.get(refund.id)
    return [x.body for x in kept[0].exchanges]


def test_return_refund_requests_send_variables_the_schema_takes(schema: GraphQLSchema) -> None:
    bodies = _requests()
    sent = {body["operationName"] for body in bodies}
    assert {"SuggestedRefund", "ReturnReverseLines", "ReturnProcess", "RefundGet"} <= sent
    for body in bodies:
        assert body["query"] == DOCUMENTS[body["operationName"]]
        document = parse(body["query"])
        [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        coerced = get_variable_values(
            schema, operation.variable_definitions or [], body["variables"]
        )
        assert not isinstance(coerced, list), (body["operationName"], [e.message for e in coerced])
    processes = [b["variables"]["input"] for b in bodies if b["operationName"] == "ReturnProcess"]
    kinds = [p["returnLineItems"][0]["dispositions"][0]["dispositionType"] for p in processes]
    assert kinds == ["RESTOCKED", "NOT_RESTOCKED"]
    assert all(p["note"].startswith("inspected [uo:") for p in processes)
    assert all(p["financialTransfer"]["issueRefund"]["orderTransactions"] for p in processes)
    assert "@idempotent" not in DOCUMENTS["ReturnProcess"]  # returnProcess does not document it
