"""Contract: every Next Commerce request and response, in the cassettes and straight from the
sandbox, checked against the official 2024-04-01 OpenAPI document in ../shared/specs.

Requests: the path must be an operation of the spec under the server URL
``https://{store}.29next.store/api/admin/``, carry ``X-29next-API-Version: 2024-04-01`` (declared
required on every operation), use only declared query parameters, and have a body valid against the
operation's request schema. Responses: the body must be valid against the declared response schema.

Schemas are checked with openapi-schema-validator's OAS 3.1 validator over ``components/schemas``.
Two readings of the document itself: in requests, ``readOnly`` properties are not required (OpenAPI
semantics: ``ShippingAddress.id`` is required in responses only); and the few ``nullable: true``
left over from OpenAPI 3.0 (``PaginatedOrderListList.next``/``previous``) mean "or null".

Tolerated deviations of the real API from the spec, each one listed in EXCEPTIONS below and
documented in ../shared/platforms/nextcommerce.md §11 unless marked INFERRED:

1. ``ordersFulfillmentOrdersRetrieve`` is declared as one FulfillmentOrder but returns a list
   ("Retrieves a list of fulfillment orders", §11.7): each item is checked as a FulfillmentOrder.
2. ``availableLocationsRetrieve`` declares ``available_locations`` an object; the guide shows a
   list of ``{id, name, fulfillment_order_line_ids}`` (§11.7): checked against that guide shape.
3. ``fulfillment_status`` may be ``partially_fulfilled``, which the response enum omits (it is in
   the list filter's enum, §11.8): accepted in Order/OrderList bodies.
4. ``FulfillmentRequestResponse.unrequested_fulfillment_order`` is null when the whole fulfillment
   order was requested (INFERRED: nothing is left unrequested; the spec marks it required).
5. Error responses: the spec declares none (§2); they are checked to be DRF-shaped bodies.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.http import emulator_transport

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes" / "nextcommerce"
SERVER = re.compile(r"^https://[a-z0-9-]+\.29next\.store/api/admin(/.*)$")
VERSION_HEADER = "x-29next-api-version"

EXCEPTIONS = {
    "ordersFulfillmentOrdersRetrieve": "a list of FulfillmentOrder, not one (notes §11.7)",
    "availableLocationsRetrieve": "guide shape: available_locations is a list (notes §11.7)",
    "partially_fulfilled": "fulfillment_status value missing from the response enum (notes §11.8)",
    "unrequested_null": "unrequested_fulfillment_order null after a full request (INFERRED)",
    "errors": "no error responses declared; DRF shapes checked (notes §2)",
}

GUIDE_LOCATIONS = {
    "type": "object",
    "required": ["available_locations"],
    "properties": {
        "available_locations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "fulfillment_order_line_ids": {"type": "array", "items": {"type": "integer"}},
                },
            },
        }
    },
}

# Operations the adapter uses: every one must appear in the cassettes.
ADAPTER_OPERATIONS = {
    "ordersList",
    "ordersRetrieve",
    "ordersCreate",
    "ordersPartialUpdate",
    "ordersCancelCreate",
    "ordersRefundCalculateCreate",
    "ordersRefundCreate",
    "ordersFulfillmentOrdersRetrieve",
    "fulfillmentOrdersRetrieve",
    "fulfillmentOrdersHold",
    "fulfillmentOrdersReleaseHold",
    "fulfillmentRequestSend",
    "cancellationRequestSend",
    "availableLocationsRetrieve",
    "fulfillmentOrdersMove",
}


def _fix_nullable(node: Any) -> Any:
    if isinstance(node, dict):
        fixed = {key: _fix_nullable(value) for key, value in node.items()}
        if fixed.pop("nullable", False) and isinstance(fixed.get("type"), str):
            fixed["type"] = [fixed["type"], "null"]
        return fixed
    if isinstance(node, list):
        return [_fix_nullable(item) for item in node]
    return node


def _write_view(node: Any) -> Any:
    """Schemas as seen in requests: readOnly properties are not required."""
    if isinstance(node, dict):
        fixed = {key: _write_view(value) for key, value in node.items()}
        props = fixed.get("properties")
        if isinstance(props, dict) and isinstance(fixed.get("required"), list):
            fixed["required"] = [
                name
                for name in fixed["required"]
                if not (isinstance(props.get(name), dict) and props[name].get("readOnly"))
            ]
        return fixed
    if isinstance(node, list):
        return [_write_view(item) for item in node]
    return node


class Spec:
    """The 2024-04-01 document, ready to check exchanges."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        read = _fix_nullable(document["components"])
        self.read_components = read
        self.write_components = _write_view(copy.deepcopy(read))
        self.operations: list[tuple[str, re.Pattern[str], Mapping[str, Any]]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    self.operations.append((method.upper(), pattern, operation))
        # Fixed paths before templated ones (/orders/ before /orders/{number}/).
        self.operations.sort(key=lambda op: op[1].pattern.count("[^/]+"))

    def operation(self, method: str, path: str) -> Mapping[str, Any] | None:
        for verb, pattern, operation in self.operations:
            if verb == method.upper() and pattern.match(path):
                return operation
        return None

    def _errors(self, schema: Mapping[str, Any], instance: Any, *, write: bool) -> list[str]:
        root = dict(schema)
        root["components"] = self.write_components if write else self.read_components
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '<body>'}: {error.message}"
            for error in OAS31Validator(root).iter_errors(instance)
        ]

    @staticmethod
    def _json_schema(container: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        content = (container or {}).get("content") or {}
        return (content.get("application/json") or {}).get("schema")

    def check_request(
        self, method: str, url: str, headers: Mapping[str, str], body: Any
    ) -> tuple[str, list[str]]:
        """(operationId, problems) for one request."""
        parts = urlsplit(url)
        match = SERVER.match(f"{parts.scheme}://{parts.netloc}{parts.path}")
        if match is None:
            return "?", [f"{url} is not under https://{{store}}.29next.store/api/admin/"]
        path = match.group(1)
        operation = self.operation(method, path)
        if operation is None:
            return "?", [f"{method} {path} is no operation of the spec"]
        problems = []
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get(VERSION_HEADER) != "2024-04-01":
            problems.append(f"{VERSION_HEADER} is {lowered.get(VERSION_HEADER)!r}")
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        for name in parse_qs(parts.query):
            if name not in declared:
                problems.append(f"query parameter {name!r} is not declared")
        schema = self._json_schema(operation.get("requestBody"))
        if body is not None:
            if schema is None:
                problems.append("a body was sent to an operation that takes none")
            else:
                problems.extend(self._errors(schema, body, write=True))
        elif schema is not None and (operation.get("requestBody") or {}).get("required"):
            problems.append("the operation requires a body")
        return str(operation["operationId"]), problems

    def check_response(self, method: str, url: str, status: int, body: Any) -> list[str]:
        """Problems with one response body (exceptions as documented above)."""
        path = SERVER.match(url.split("?", 1)[0])
        assert path is not None, url
        operation = self.operation(method, path.group(1))
        assert operation is not None
        op_id = operation["operationId"]
        if status >= 400:
            return _drf_problems(body)
        declared = (operation.get("responses") or {}).get(str(status))
        if declared is None:
            return [f"{op_id}: status {status} is not declared"]
        schema = self._json_schema(declared)
        if schema is None:
            return [] if body in (None, "") else [f"{op_id}: a body where none is declared"]
        if op_id == "ordersFulfillmentOrdersRetrieve" and isinstance(body, list):
            return [p for item in body for p in self._errors(schema, item, write=False)]
        if op_id == "availableLocationsRetrieve" and isinstance(
            (body or {}).get("available_locations"), list
        ):
            return self._errors(GUIDE_LOCATIONS, body, write=False)
        body = _tolerate(op_id, body)
        return self._errors(schema, body, write=False)


def _tolerate(op_id: str, body: Any) -> Any:
    body = copy.deepcopy(body)

    def fix(order: Any) -> None:
        if isinstance(order, dict) and order.get("fulfillment_status") == "partially_fulfilled":
            order["fulfillment_status"] = "unfulfilled"  # any enum member: the value is tolerated

    if isinstance(body, dict):
        fix(body)
        for item in body.get("results") or []:
            fix(item)
        if op_id == "transactionsList":
            for item in body.get("results") or []:
                if isinstance(item, dict) and item.get("subscription") is None:
                    # a one-off payment's subscription is null; the spec types it an object
                    item["subscription"] = {"id": 0, "billing_cycle": None}
        if op_id == "fulfillmentRequestSend" and body.get("unrequested_fulfillment_order") is None:
            body["unrequested_fulfillment_order"] = body.get("requested_fulfillment_order")
    return body


def _drf_problems(body: Any) -> list[str]:
    """A DRF error body: {"detail": str}, {field: [str] | {...} | [{...}]}, or [str]."""

    def ok(value: Any) -> bool:
        if isinstance(value, str):
            return True
        if isinstance(value, list):
            return all(ok(item) for item in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and ok(v) for k, v in value.items())
        return False

    if isinstance(body, dict | list) and body and ok(body):
        return []
    return [f"not a DRF error body: {body!r}"]


@functools.cache
def _load(path: Path) -> Spec:
    with path.open() as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Spec(document)


@pytest.fixture(scope="module")
def spec(shared: Path) -> Spec:
    path = shared / "specs" / "nextcommerce" / "2024-04-01.yaml"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return _load(path)


# --- cassettes ------------------------------------------------------------------------------------
def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def _interactions(path: Path) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    data = yaml.safe_load(path.read_text())
    for interaction in data.get("interactions", []):
        yield interaction["request"], interaction["response"]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("string")
    if isinstance(value, bytes):
        value = value.decode()
    return value or None


def _headers(raw: Mapping[str, Any]) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in raw.items()}


def test_there_are_cassettes_for_every_operation_the_adapter_uses(spec: Spec) -> None:
    assert _cassettes(), f"no cassettes in {CASSETTES}"
    seen = set()
    for path in _cassettes():
        for request, _ in _interactions(path):
            op_id, _ = spec.check_request(
                request["method"], request["uri"], _headers(request["headers"]), None
            )
            seen.add(op_id)
    assert seen >= ADAPTER_OPERATIONS, f"no cassette covers {sorted(ADAPTER_OPERATIONS - seen)}"


@pytest.mark.parametrize("cassette", _cassettes(), ids=lambda p: p.stem)
def test_cassette_matches_the_spec(spec: Spec, cassette: Path) -> None:
    problems = []
    count = 0
    for request, response in _interactions(cassette):
        count += 1
        text = _text(request.get("body"))
        body = json.loads(text) if text else None
        where = f"{request['method']} {request['uri']}"
        _op_id, found = spec.check_request(
            request["method"], request["uri"], _headers(request["headers"]), body
        )
        problems += [f"{where} request: {p}" for p in found]
        answer = _text(response.get("body"))
        payload = json.loads(answer) if answer else None
        status = response["status"]["code"]
        problems += [
            f"{where} -> {status}: {p}"
            for p in spec.check_response(request["method"], request["uri"], status, payload)
        ]
    assert count, f"{cassette.name} has no interactions"
    assert not problems, "\n".join(problems[:30])


# --- the sandbox, directly ------------------------------------------------------------------------
class ValidatingEmulator(NextCommerceEmulator):
    """Checks every exchange it answers against the spec; problems collect in ``problems``."""

    def __init__(self, spec: Spec, **kw: Any) -> None:
        super().__init__(**kw)
        self.spec = spec
        self.problems: list[str] = []
        self.operations: set[str] = set()

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        status, payload, extra = super().handle(method, path, query, headers, body)
        query_string = "&".join(f"{k}={v}" for k, values in query.items() for v in values)
        url = f"https://sandbox.29next.store{path}" + (f"?{query_string}" if query_string else "")
        wire = json.loads(jsonutil.dumps(body)) if body is not None else None
        op_id, found = self.spec.check_request(method, url, headers, wire)
        self.operations.add(op_id)
        answer = json.loads(jsonutil.dumps(payload)) if payload is not None else None
        found += self.spec.check_response(method, url, status, answer)
        self.problems += [f"{method} {path} -> {status}: {p}" for p in found]
        return status, payload, extra


def _headers_for_direct() -> dict[str, str]:
    return {"authorization": "Bearer t", VERSION_HEADER: "2024-04-01"}


def test_sandbox_responses_match_the_spec(spec: Spec) -> None:
    emulator = ValidatingEmulator(spec)
    emulator.seed_orders(6)
    store = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    orders = list(store.orders.list())
    assert len(orders) == 11
    for order in orders:
        store.fulfillments.list(order.id)
    # refunds: lines (cancel, no_restock, return), shipping, two transactions, a failing gateway
    store.refunds.create(
        "10001",
        uo.RefundRequest(
            lines=[
                uo.RefundLineRequest(line_id="1001", quantity=1, restock=uo.Restock.RETURN),
                uo.RefundLineRequest(line_id="1002", quantity=1),
            ],
            shipping=uo.ShippingRefund(full=True),
        ),
    )
    store.refunds.create(
        "10002", uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1004", quantity=1)])
    )
    with pytest.raises(uo.RefundFailed):  # the declining gateway: recorded, no money moved
        store.refunds.create(
            "10005", uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1008", quantity=1)])
        )
    # fulfillment orders
    store.fulfillments.hold("303", reason=uo.HoldReason.INCORRECT_ADDRESS, note="check unit number")
    store.fulfillments.release_hold("303")
    store.fulfillments.request_fulfillment("303", lines={"3004": 1}, message="ship one now")
    store.fulfillments.available_locations("302")
    store.fulfillments.request_cancellation("302", message="address change")
    emulator.handle(
        "POST",
        "/api/admin/fulfillment-orders/302/cancellation-request/accept/",
        {},
        _headers_for_direct(),
        {},
    )
    store.fulfillments.move("302", "1")
    # orders: address, cancel with refund, create
    store.orders.update_shipping_address(
        "10003",
        uo.Address(
            first_name="Jane",
            last_name="Doe",
            line1="5 New Street",
            city="Springfield",
            country_code="US",
        ),
    )
    store.orders.cancel("10003", reason="customer asked", refund=True)
    created = store.orders.create(orders[0])
    store.fulfillments.request_fulfillment(store.fulfillments.list(created.id)[0].id)
    # errors, straight to the emulator
    for path, body in [
        ("/api/admin/fulfillment-orders/999/hold/", {"reason": "other"}),
        ("/api/admin/fulfillment-orders/305/hold/", {"reason": "other"}),
        (
            "/api/admin/orders/10001/refund/calculate/",
            {"refund_lines": [{"line_id": 1003, "quantity": 1, "restock_type": "return"}]},
        ),
        ("/api/admin/orders/10004/refund/", {"transactions": [{"id": 1, "amount": "1.00"}]}),
    ]:
        status, _, _ = emulator.handle("POST", path, {}, _headers_for_direct(), body)
        assert status >= 400
    assert {"ordersCreate", "ordersCancelCreate", "fulfillmentOrdersMove"} <= emulator.operations
    assert not emulator.problems, "\n".join(emulator.problems[:30])


def test_sandbox_currency_orders_match_the_spec(spec: Spec) -> None:
    """The BGN and KWD orders (issue 13), read and refunded, and the refund note carrying the key
    marker: every exchange is one the spec allows (two-decimal amounts included)."""
    emulator = ValidatingEmulator(spec, demo=False, currency_orders=True)
    store = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    orders = {o.id: o for o in store.orders.list()}
    assert sorted((o.id, o.currency) for o in orders.values()) == [
        ("20001", "BGN"),
        ("20002", "KWD"),
    ]
    store.refunds.create(
        "20001",
        uo.RefundRequest(
            lines=[uo.RefundLineRequest(line_id=orders["20001"].lines[1].id, quantity=1)]
        ),
        note="one mug",
        idempotency_key="contract-bgn",
    )
    store.refunds.create(
        "20002",
        uo.RefundRequest(shipping=uo.ShippingRefund(amount=Decimal("1.25"))),
        idempotency_key="contract-kwd",
    )
    assert {"ordersList", "ordersRetrieve", "ordersRefundCreate"} <= emulator.operations
    assert not emulator.problems, "\n".join(emulator.problems[:30])


def test_sandbox_shipments_match_the_spec(spec: Spec) -> None:
    """Issue 19's shipping requests: a partial shipment with two parcels (a carrier of the enum
    and another one by name, with a link), the rest, and a fulfillment-order cancel."""
    emulator = ValidatingEmulator(spec)
    store = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    store.fulfillments.create(
        "303",
        lines={"3004": 1},
        tracking=[
            uo.Tracking(company="UPS", number="1Z001"),
            uo.Tracking(company="Acme Post", number="AP2", url="https://acme.example/AP2"),
        ],
    )
    store.fulfillments.create("303")
    store.fulfillments.create("302", lines={"3002": 1}, tracking=uo.Tracking(number="S1"))
    store.fulfillments.cancel("301")
    store.orders.get("10003")
    shipping = {"fulfillmentsCreate", "fulfillmentOrdersCancel", "ordersPartialUpdate"}
    assert shipping <= emulator.operations  # the partial update keeps the key in metadata
    assert not emulator.problems, "\n".join(emulator.problems[:30])


def test_sandbox_refund_lookup_matches_the_spec(spec: Spec) -> None:
    """Issue 20's refunds.get: the refund transactions feed (``type=refund``, cursor pages) and
    the orders it names, checked against the spec."""
    emulator = ValidatingEmulator(spec)
    store = uo.connect("nextcommerce", sandbox=True, transport=emulator_transport(emulator))
    order = store.orders.get("10001")
    made = store.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
        idempotency_key="c20",
    )
    assert store.refunds.get(made.id) == made
    with pytest.raises(uo.NotFound):
        store.refunds.get("999999")
    assert {"transactionsList", "ordersRetrieve"} <= emulator.operations
    assert not emulator.problems, "\n".join(emulator.problems[:30])
