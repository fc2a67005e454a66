"""Shipments once per idempotency key on Shopify, both dialects: the key kept in the order's
``unified_orders.shipments`` metafield (intent before shipping, the shipment after). The same key
again ships nothing more; after a lost answer a new store finds the shipment, or raises
AmbiguousWrite when the intent names none; two racing callers make one shipment (``compareDigest``,
through ``graphql.json`` on both dialects); the metafield shows nowhere but in the order's
metafields."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from shopify_helpers import API, TOKEN, connect
from test_shopify_shipments import UPS, Faults, open_fo
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.sandbox.metafields import digest

import unified_orders as uo
from unified_orders.http import emulator_transport
from unified_orders.testing import Fault, RecordingTransport


def ledger(emulator: ShopifyEmulator, order_id: str) -> dict[str, Any]:
    """The order's shipment-key ledger as the sandbox keeps it ({} when absent)."""
    kept = emulator.state.data.get("metafields", {}).get(order_id, {})
    found = kept.get("unified_orders.shipments")
    return json.loads(found["value"]) if found else {}


def shipments(emulator: ShopifyEmulator, order_id: str) -> list[dict[str, Any]]:
    return list(emulator.state.order(order_id).get("fulfillments") or [])


def store_over(transport: httpx.BaseTransport, api: str) -> uo.Store:
    """A store in dialect ``api`` whose requests go through ``transport``; no waits."""
    return uo.connect(
        "shopify",
        shop="acme",
        access_token=TOKEN,
        api=api,
        rate_limit=False,
        settle_seconds=(0.0,),
        retry_backoff=0,
        transport=transport,
    )


def store_with(emulator: ShopifyEmulator, api: str, plan: Any) -> uo.Store:
    """A store over ``emulator`` whose requests pass the fault ``plan(method, path, body)``."""
    return store_over(Faults(emulator_transport(emulator), plan), api)


def _ship(m: str, p: str, b: bytes) -> bool:
    return p.endswith("/fulfillments.json") or b"mutation FulfillmentCreate" in b


def _ledger_write(m: str, p: str, b: bytes) -> bool:
    return (m in ("POST", "PUT") and "/metafields" in p) or b'"ShipmentKeysSet"' in b


# --- the same key twice ---------------------------------------------------------------------------
@pytest.mark.parametrize("api", API)
def test_the_same_key_twice_ships_once(emulator: ShopifyEmulator, api: str) -> None:
    store = connect(emulator, api)
    order, fo, line = open_fo(store)
    first = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS, idempotency_key="K")
    again = store.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS, idempotency_key="K")
    assert again.id == first.id
    assert (first.idempotency_key, again.idempotency_key) == ("K", "K")
    assert [(x.line_id, x.quantity) for x in again.lines] == [(line.line_id, 1)]
    assert [str(f["id"]) for f in shipments(emulator, order.id)] == [first.id]
    entry = ledger(emulator, order.id)["K"]
    assert (entry["fulfillment"], entry["fo"], entry["units"]) == (first.id, fo.id, {line.id: 1})
    # the other dialect (another process) with the key: that shipment, not a second
    other = connect(emulator, "rest" if api == "graphql" else "graphql")
    assert other.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="K").id == first.id
    # another key ships again, each kept apart
    second = store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="K2")
    assert second.id != first.id
    assert ledger(emulator, order.id)["K2"]["fulfillment"] == second.id
    assert len(shipments(emulator, order.id)) == 2


@pytest.mark.parametrize("api", API)
def test_the_same_key_after_everything_shipped_returns_the_shipment(
    emulator: ShopifyEmulator, api: str
) -> None:
    store = connect(emulator, api)
    order, fo, _ = open_fo(store)
    first = store.fulfillments.create(fo.id, tracking=UPS, idempotency_key="ALL")  # all left
    again = connect(emulator, api).fulfillments.create(fo.id, idempotency_key="ALL")
    assert (again.id, again.idempotency_key) == (first.id, "ALL")
    assert len(shipments(emulator, order.id)) == 1


# --- lost answers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("api", API)
def test_a_lost_ship_answer_then_the_key_from_a_new_store_is_ambiguous(
    emulator: ShopifyEmulator, api: str
) -> None:
    once = iter([Fault.DROP_AFTER_APPLY])
    lossy = store_with(emulator, api, lambda m, p, b: next(once, None) if _ship(m, p, b) else None)
    order, fo, line = open_fo(lossy)
    with pytest.raises(uo.AmbiguousWrite):
        lossy.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS, idempotency_key="L")
    [made] = shipments(emulator, order.id)
    assert ledger(emulator, order.id)["L"]["fulfillment"] is None  # the intent only
    fresh = connect(emulator, api)
    with pytest.raises(uo.AmbiguousWrite) as ambiguous:
        fresh.fulfillments.create(fo.id, lines={line.id: 1}, tracking=UPS, idempotency_key="L")
    assert ambiguous.value.operation == "fulfillments.create"
    assert ambiguous.value.idempotency_key == "L"
    assert ambiguous.value.candidates == [str(made["id"])]
    assert len(shipments(emulator, order.id)) == 1  # never a second shipment


@pytest.mark.parametrize("api", API)
def test_a_lost_ledger_answer_then_the_key_from_a_new_store_finds_the_shipment(
    emulator: ShopifyEmulator, api: str
) -> None:
    writes = iter([None, Fault.DROP_AFTER_APPLY])  # the intent lands; the shipment's answer is lost
    lossy = store_with(
        emulator, api, lambda m, p, b: next(writes, None) if _ledger_write(m, p, b) else None
    )
    order, fo, line = open_fo(lossy)
    shipped = lossy.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="M")
    assert ledger(emulator, order.id)["M"]["fulfillment"] == shipped.id
    fresh = connect(emulator, api)
    again = fresh.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="M")
    assert (again.id, again.idempotency_key) == (shipped.id, "M")
    assert len(shipments(emulator, order.id)) == 1


@pytest.mark.parametrize("api", API)
def test_an_intent_that_never_shipped_is_ambiguous_elsewhere_and_ships_where_it_was_written(
    emulator: ShopifyEmulator, api: str
) -> None:
    """A ship lost before it landed, every time: another store cannot tell it never shipped
    (it may be under way), so it raises with no candidates; the store that wrote the intent
    knows it did not ship and ships once."""
    lossy = store_with(
        emulator, api, lambda m, p, b: Fault.TIMEOUT_BEFORE_APPLY if _ship(m, p, b) else None
    )
    order, fo, line = open_fo(lossy)
    with pytest.raises(uo.AmbiguousWrite):
        lossy.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="N")
    assert shipments(emulator, order.id) == []
    fresh = connect(emulator, api)
    with pytest.raises(uo.AmbiguousWrite) as ambiguous:
        fresh.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="N")
    assert ambiguous.value.candidates == []
    assert shipments(emulator, order.id) == []


@pytest.mark.parametrize("api", API)
def test_a_resend_after_a_ship_that_never_landed_ships_once(
    emulator: ShopifyEmulator, api: str
) -> None:
    once = iter([Fault.TIMEOUT_BEFORE_APPLY])
    store = store_with(emulator, api, lambda m, p, b: next(once, None) if _ship(m, p, b) else None)
    order, fo, line = open_fo(store)
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="O")
    assert [str(f["id"]) for f in shipments(emulator, order.id)] == [shipped.id]
    assert ledger(emulator, order.id)["O"]["fulfillment"] == shipped.id


# --- racing callers -----------------------------------------------------------------------------------
class Racing(httpx.BaseTransport):
    """Holds each caller's first ledger write until both callers read the order and wrote."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.barrier = threading.Barrier(2, timeout=30)
        self.local = threading.local()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ledger_write = b'"ShipmentKeysSet"' in request.read() or (
            request.method in ("POST", "PUT") and "/metafields" in request.url.path
        )  # the GraphQL mutation, or a REST metafield write (what REST once used)
        if ledger_write and not getattr(self.local, "held", False):
            self.local.held = True
            self.barrier.wait()
        return self.inner.handle_request(request)


@pytest.mark.parametrize("api", API)
@pytest.mark.parametrize("ledger_exists", [False, True], ids=["new ledger", "ledger exists"])
def test_two_callers_racing_with_one_key_make_one_shipment(
    emulator: ShopifyEmulator, api: str, ledger_exists: bool
) -> None:
    """Two stores (each locking on its own: two machines) read the ledger, then both write their
    intent: ``compareDigest`` lets one through, on either dialect (REST writes the ledger through
    ``graphql.json``), whether or not the order's metafield existed before."""
    order, fo, line = open_fo(connect(emulator, "graphql"))
    if ledger_exists:
        _set_ledger(emulator, order.id, "{}", None)
    transport = Racing(emulator_transport(emulator))
    outcomes: list[object] = []

    def caller() -> None:
        store = uo.connect("shopify", sandbox=True, api=api, transport=transport)
        try:
            outcomes.append(
                store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="R")
            )
        except uo.UnifiedOrdersError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=caller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    [made] = shipments(emulator, order.id)
    shipped = [o for o in outcomes if isinstance(o, uo.Fulfillment)]
    assert shipped
    assert all(s.id == str(made["id"]) for s in shipped)
    assert all(isinstance(o, uo.Fulfillment | uo.AmbiguousWrite) for o in outcomes), outcomes
    assert len(outcomes) == 2


def _set_ledger(emulator: ShopifyEmulator, order_id: str, value: str, compare: str | None) -> Any:
    """``metafieldsSet`` of the order's ledger straight on the sandbox: its payload."""
    body = {
        "query": "mutation S($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) "
        "{ metafields { compareDigest } userErrors { field message code } } }",
        "variables": {
            "m": [
                {
                    "ownerId": f"gid://shopify/Order/{order_id}",
                    "namespace": "unified_orders",
                    "key": "shipments",
                    "type": "json",
                    "value": value,
                    "compareDigest": compare,
                }
            ]
        },
    }
    return emulator.graphql.handle(body, "2026-04")[1]["data"]["metafieldsSet"]


def test_a_stale_digest_is_refused(emulator: ShopifyEmulator) -> None:
    """The sandbox's compare-and-set: null needs an absent metafield, a digest the current one."""
    order_id = str(next(iter(emulator.state.data["orders"])))

    def set_(value: str, compare: str | None) -> Any:
        return _set_ledger(emulator, order_id, value, compare)

    assert set_("{}", None)["metafields"][0]["compareDigest"] == digest("{}")
    [refused] = set_('{"a":{}}', None)["userErrors"]
    assert refused["code"] == "STALE_OBJECT"
    assert set_('{"a":{}}', digest("{}"))["userErrors"] == []
    assert set_("{}", digest("{}"))["userErrors"][0]["code"] == "STALE_OBJECT"


def test_graphql_costs_two_reads_and_two_writes_more(emulator: ShopifyEmulator) -> None:
    recorder = RecordingTransport(emulator_transport(emulator))
    store = uo.connect(
        "shopify", shop="acme", access_token=TOKEN, rate_limit=False, transport=recorder
    )
    _, fo, line = open_fo(store)
    start = len(recorder.exchanges)
    store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="C")
    names = [x.body["operationName"] for x in recorder.exchanges[start:]]
    assert names.count("ShipmentKeys") == 2  # the key looked up, then claimed
    assert names.count("ShipmentKeysSet") == 2
    assert names.index("ShipmentKeysSet") < names.index("FulfillmentCreate")
    assert names[-1] == "ShipmentKeysSet"


# --- nothing leaks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("api", API)
def test_the_ledger_shows_only_in_the_orders_metafields(
    emulator: ShopifyEmulator, api: str
) -> None:
    recorder = RecordingTransport(emulator_transport(emulator))
    store = uo.connect(
        "shopify", shop="acme", access_token=TOKEN, api=api, rate_limit=False, transport=recorder
    )
    order, fo, line = open_fo(store)
    before = emulator.state.order(order.id)
    note, tags = before.get("note"), before.get("tags")
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="secret-key")
    assert "secret-key" in json.dumps(emulator.state.data["metafields"][order.id])
    after = emulator.state.order(order.id)
    assert (after.get("note"), after.get("tags")) == (note, tags)
    raw = json.dumps(after, default=str)
    assert "secret-key" not in raw
    assert "unified_orders" not in raw
    read = store.orders.get(order.id)
    assert "secret-key" not in read.model_dump_json()
    assert "unified_orders" not in read.model_dump_json()
    assert [f.id for f in read.fulfillments if f.id == shipped.id] == [shipped.id]
    # the order reads (orders.get / list) ask for no metafield: their request bodies are unchanged
    reads = [
        x
        for x in recorder.exchanges
        if x.method == "GET" or (x.body or {}).get("operationName") in ("OrderGet", "OrdersPage")
    ]
    for exchange in reads:
        if "/metafields" in exchange.path:
            continue  # the ledger read of the shipment itself
        assert "metafield" not in json.dumps(exchange.body or {})


# --- throttled ledger calls -------------------------------------------------------------------------
THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {
        "cost": {
            "requestedQueryCost": 10,
            "actualQueryCost": None,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": 0,
                "restoreRate": 1000.0,
            },
        }
    },
}


class ThrottleOnce(httpx.BaseTransport):
    """Answers the ``nth`` ledger write ``THROTTLED`` without passing it on (Shopify ran
    nothing), then passes everything on."""

    def __init__(self, inner: Any, nth: int) -> None:
        self.inner = inner
        self.nth = nth
        self.writes = 0
        self.throttled = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _ledger_write(request.method, request.url.path, request.read()):
            self.writes += 1
            if self.writes == self.nth:
                self.throttled += 1
                return httpx.Response(200, json=THROTTLED)
        response: httpx.Response = self.inner.handle_request(request)
        return response


@pytest.mark.parametrize("api", API)
@pytest.mark.parametrize("nth", [1, 2], ids=["intent", "after-the-shipment"])
def test_a_throttled_ledger_write_is_waited_out_and_sent_again(
    emulator: ShopifyEmulator, api: str, nth: int
) -> None:
    throttle = ThrottleOnce(emulator_transport(emulator), nth)
    store = store_over(throttle, api)
    order, fo, line = open_fo(store)
    shipped = store.fulfillments.create(fo.id, lines={line.id: 1}, idempotency_key="T")
    assert throttle.throttled == 1
    assert ledger(emulator, order.id)["T"]["fulfillment"] == shipped.id  # the key is kept
    again = connect(emulator, api).fulfillments.create(
        fo.id, lines={line.id: 1}, idempotency_key="T"
    )
    assert again.id == shipped.id
    assert len(shipments(emulator, order.id)) == 1
