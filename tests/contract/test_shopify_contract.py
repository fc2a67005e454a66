"""Shopify REST "contract": there is no REST spec in ../shared, so the documented requests in
../shared/fixtures/shopify/requests.json are the contract. A validator of endpoint paths and
body fields is checked against every documented request, then run over every cassette request
and response in cassettes/shopify/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = sorted((ROOT / "cassettes" / "shopify").glob("*.yaml"))
ID = r"\d+"
LINE_FIELDS = {"line_item_id", "quantity", "restock_type", "location_id"}
TXN_FIELDS = {"parent_id", "amount", "kind", "gateway"}
FO_LINE_FIELDS = {"id", "quantity"}
REFUND_FIELDS = {
    "currency",
    "notify",
    "note",
    "shipping",
    "refund_line_items",
    "transactions",
    "discrepancy_reason",
    "refund_duties",
}

# (method, path pattern, body wrapper, fields allowed inside it, response wrapper)
ENDPOINTS: list[tuple[str, str, str | None, set[str] | None, str]] = [
    ("GET", "orders", None, None, "orders"),
    ("POST", "orders", "order", None, "order"),
    ("GET", f"orders/{ID}", None, None, "order"),
    ("PUT", f"orders/{ID}", "order", {"shipping_address", "email", "note", "tags"}, "order"),
    (
        "POST",
        f"orders/{ID}/cancel",
        "",
        {"reason", "email", "refund", "amount", "currency"},
        "order",
    ),
    ("GET", f"orders/{ID}/transactions", None, None, "transactions"),
    ("GET", f"orders/{ID}/refunds", None, None, "refunds"),
    ("GET", f"orders/{ID}/refunds/{ID}", None, None, "refund"),
    (
        "POST",
        f"orders/{ID}/refunds/calculate",
        "refund",
        {"currency", "shipping", "refund_line_items", "refund_duties"},
        "refund",
    ),
    ("POST", f"orders/{ID}/refunds", "refund", REFUND_FIELDS, "refund"),
    ("GET", f"orders/{ID}/fulfillment_orders", None, None, "fulfillment_orders"),
    ("GET", f"fulfillment_orders/{ID}", None, None, "fulfillment_order"),
    ("GET", f"fulfillment_orders/{ID}/locations_for_move", None, None, "locations_for_move"),
    (
        "POST",
        f"fulfillment_orders/{ID}/hold",
        "fulfillment_hold",
        {"reason", "reason_notes", "notify_merchant", "fulfillment_order_line_items"},
        "fulfillment_order",
    ),
    ("POST", f"fulfillment_orders/{ID}/release_hold", "", {"hold_ids"}, "fulfillment_order"),
    (
        "POST",
        f"fulfillment_orders/{ID}/fulfillment_request",
        "fulfillment_request",
        {"message", "fulfillment_order_line_items", "notify_customer"},
        "submitted_fulfillment_order",
    ),
    (
        "POST",
        f"fulfillment_orders/{ID}/cancellation_request",
        "cancellation_request",
        {"message"},
        "fulfillment_order",
    ),
    (
        "POST",
        f"fulfillment_orders/{ID}/move",
        "fulfillment_order",
        {"new_location_id", "fulfillment_order_line_items"},
        "moved_fulfillment_order",
    ),
    # Shipping (shopify.dev REST Fulfillment and FulfillmentOrder resources, 2026-04; no fixture).
    ("POST", f"fulfillment_orders/{ID}/cancel", "", set(), "fulfillment_order"),
    (
        "POST",
        "fulfillments",
        "fulfillment",
        {
            "line_items_by_fulfillment_order",
            "tracking_info",
            "notify_customer",
            "message",
            "origin_address",
        },
        "fulfillment",
    ),
    (
        "POST",
        f"fulfillments/{ID}/update_tracking",
        "fulfillment",
        {"tracking_info", "notify_customer"},
        "fulfillment",
    ),
]
#: REST ``tracking_info`` takes one parcel.
TRACKING_FIELDS = {"number", "url", "company"}


def endpoint(method: str, path: str) -> tuple[str, str | None, set[str] | None, str]:
    match = re.fullmatch(r"/admin/api/\d{4}-\d{2}/(.+)\.json", path)
    assert match, f"{path} is not a REST Admin API path"
    for verb, pattern, wrapper, fields, answer in ENDPOINTS:
        if verb == method and re.fullmatch(pattern, match.group(1)):
            return pattern, wrapper, fields, answer
    raise AssertionError(f"{method} {path} is not a documented REST endpoint")


def check_refund(refund: dict[str, Any]) -> None:
    assert "restock" not in refund, "the legacy refund-level restock flag must never be sent"
    for line in refund.get("refund_line_items", []):
        assert set(line) <= LINE_FIELDS
        assert line.get("restock_type", "no_restock") in {"no_restock", "cancel", "return"}
        if line.get("restock_type") in ("cancel", "return"):
            assert isinstance(line.get("location_id"), int)
        assert isinstance(line["line_item_id"], int)
    for txn in refund.get("transactions", []):
        assert set(txn) <= TXN_FIELDS
        assert txn["kind"] == "refund"
        assert isinstance(txn["parent_id"], int)


def check_request(method: str, path: str, body: Any) -> None:
    _pattern, wrapper, fields, _ = endpoint(method, path)
    if wrapper is None:
        assert body is None, f"{method} {path} takes no body"
        return
    assert isinstance(body, dict)
    inner = body if wrapper == "" else body[wrapper]
    if wrapper:
        assert set(body) == {wrapper}, f"{path}: the body must be wrapped in {wrapper!r} only"
    if fields is not None:
        assert set(inner) <= fields, f"{path}: unexpected fields {set(inner) - fields}"
    if wrapper == "refund":
        check_refund(inner)
    if "refund" in inner and wrapper == "":
        assert "restock" not in inner
        check_refund(inner["refund"])
    for item in inner.get("fulfillment_order_line_items", []):
        assert set(item) == FO_LINE_FIELDS
        assert isinstance(item["id"], int)
    if "tracking_info" in inner:
        assert set(inner["tracking_info"]) <= TRACKING_FIELDS
    for group in inner.get("line_items_by_fulfillment_order", []):
        assert set(group) <= {"fulfillment_order_id", "fulfillment_order_line_items"}
        assert isinstance(group["fulfillment_order_id"], int)
        for item in group.get("fulfillment_order_line_items", []):
            assert set(item) == FO_LINE_FIELDS
            assert isinstance(item["id"], int)


def test_validator_accepts_every_documented_request(shared: Path) -> None:
    exchanges = json.loads((shared / "fixtures/shopify/requests.json").read_text())["exchanges"]
    assert len(exchanges) == 14
    for doc in exchanges.values():
        check_request(doc["method"], doc["path"], doc["request_body"])


def test_validator_refuses_what_shopify_refuses() -> None:
    path = "/admin/api/2026-07/orders/1/refunds.json"
    for bad in (
        {"currency": "USD"},  # unwrapped
        {"refund": {"restock": True}},
        {"refund": {"transactions": [{"parent_id": 1, "amount": 1, "kind": "suggested_refund"}]}},
        {
            "refund": {
                "refund_line_items": [{"line_item_id": 1, "quantity": 1, "restock_type": "cancel"}]
            }
        },
        {
            "refund": {
                "refund_line_items": [
                    {"line_item_id": 1, "quantity": 1, "restock_type": "legacy_restock"}
                ]
            }
        },
    ):
        with pytest.raises((AssertionError, KeyError)):
            check_request("POST", path, bad)


@pytest.mark.parametrize("cassette", CASSETTES, ids=[c.stem for c in CASSETTES])
def test_cassette_requests_and_responses(cassette: Path) -> None:
    data = yaml.safe_load(cassette.read_text())
    assert data["interactions"], f"{cassette.name} is empty"
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        url = re.sub(r"\?.*$", "", request["uri"])
        path = re.sub(r"^https://[^/]+", "", url)
        body = json.loads(request["body"]) if request.get("body") else None
        check_request(request["method"], path, body)
        *_, answer = endpoint(request["method"], path)
        if 200 <= response["status"]["code"] < 300:
            payload = json.loads(response["body"]["string"])
            assert answer in payload, f"{request['method']} {path}: no {answer!r} in the response"


def test_shipping_requests_are_documented_requests() -> None:
    """Ship, track and cancel on the REST sandbox: every request the adapter sends passes the
    validator (tracking_info keeps one parcel; lines by fulfillment order, ids as integers)."""
    from unified_orders_adapters.shopify.graphql.documents import DOCUMENTS
    from unified_orders_adapters.shopify.key_ledger import KEY_DOCUMENTS

    import unified_orders as uo
    from unified_orders.testing import RecordingTransport, instrumented_sandbox

    assert set(KEY_DOCUMENTS) <= set(DOCUMENTS)
    kept: list[RecordingTransport] = []

    def record(transport: Any) -> RecordingTransport:
        kept.append(RecordingTransport(transport))
        return kept[-1]

    store = instrumented_sandbox("shopify", record, api="rest")
    assert isinstance(store, uo.Store)
    order = next(o for o in store.orders.list() if o.number == "#1001")
    fo = next(
        f
        for f in store.fulfillments.list(order.id)
        if f.status is uo.FulfillmentOrderStatus.OPEN and f.lines
    )
    ups = uo.Tracking(company="UPS", number="1Z1", url="https://ups.example/1Z1")
    shipped = store.fulfillments.create(fo.id, lines={fo.lines[0].id: 1}, tracking=ups)
    store.fulfillments.update_tracking(shipped.id, uo.Tracking(company="DHL", number="JD1"))
    waiting = next(o for o in store.orders.list() if o.number == "#1004")
    [service] = store.fulfillments.list(waiting.id)
    store.fulfillments.request_fulfillment(service.id)
    store.fulfillments.cancel(service.id)
    # the key ledger goes through graphql.json (REST has no compare-and-set); the rest is REST
    rest = [x for x in kept[0].exchanges if not x.path.endswith("/graphql.json")]
    ledger = [x for x in kept[0].exchanges if x.path.endswith("/graphql.json")]
    posts = [x for x in rest if x.method == "POST"]
    paths = [re.sub(r"\d+", "N", x.path) for x in posts]
    assert paths[-4:] == [
        "/admin/api/N-N/fulfillments.json",
        "/admin/api/N-N/fulfillments/N/update_tracking.json",
        "/admin/api/N-N/fulfillment_orders/N/fulfillment_request.json",
        "/admin/api/N-N/fulfillment_orders/N/cancel.json",
    ]
    for exchange in rest:
        check_request(exchange.method, exchange.path, exchange.body)
    # looked up by key, read to claim, the intent, the shipment: registered documents (checked
    # against the GraphQL schema by test_shopify_graphql_documents.py)
    names = [x.body["operationName"] for x in ledger]
    assert names == ["ShipmentKeys", "ShipmentKeys", "ShipmentKeysSet", "ShipmentKeysSet"]
    for exchange in ledger:
        assert exchange.body["query"] == DOCUMENTS[exchange.body["operationName"]]
    intent = ledger[2].body["variables"]["metafields"][0]
    assert (intent["namespace"], intent["key"], intent["type"]) == (
        "unified_orders",
        "shipments",
        "json",
    )
    assert intent["compareDigest"] is None  # the metafield must not exist yet
    assert isinstance(ledger[3].body["variables"]["metafields"][0]["compareDigest"], str)
    [create] = [x for x in posts if x.path.endswith("/fulfillments.json")]
    assert create.body["fulfillment"]["tracking_info"] == {
        "company": "UPS",
        "number": "1Z1",
        "url": "https://ups.example/1Z1",
    }
