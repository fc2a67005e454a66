"""Shopify Bulk Operations at the adapter: the documents against the schema, the job's life in
the sandbox (submit, poll, cancel, busy), and orders rebuilt from the JSONL file equal to the
paged read's orders."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    build_client_schema,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoDeprecatedCustomRule
from unified_orders_adapters.shopify.graphql import bulk as bulk_ops
from unified_orders_adapters.shopify.graphql.bulk_query import (
    BULK_DOCUMENTS,
    BULK_FULFILLMENT_ORDER,
    BULK_RETURN,
    bulk_orders_query,
    bulk_returns_query,
)
from unified_orders_adapters.shopify.graphql.bulk_rebuild import CHILD_CAP, OrderRebuilder
from unified_orders_adapters.shopify.graphql.fragments import FULFILLMENT_ORDER, RETURN
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.sandbox.bulk import DOWNLOAD_HOST

import unified_orders as uo
from unified_orders.bulk import BulkBusy, BulkJob, BulkMismatch, BulkOrder, BulkStatus
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.lookup import OrderQuery

TOKEN = "shpat-bulk-test-token"
RULES = [*specified_rules, NoDeprecatedCustomRule]


@pytest.fixture(scope="module")
def schema(shared: Path) -> GraphQLSchema:
    with gzip.open(shared / "specs" / "shopify" / "admin_2026-04.json.gz") as handle:
        built = build_client_schema(json.load(handle)["data"])
    built._validation_errors = []  # the schema's own inconsistency (see the contract test)
    return built


@pytest.fixture
def shop() -> Iterator[tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport]]:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    recorder = RecordingTransport(emulator_transport(emulator))
    store = uo.connect_async(
        "shopify", shop="acme", access_token=TOKEN, job_poll_interval=0, transport=recorder
    )
    yield store, emulator, recorder
    asyncio.run(store.aclose())


def run(store: uo.AsyncStore, op: Any) -> Any:
    return asyncio.run(store.run(op))


def export_of(store: uo.AsyncStore) -> bulk_ops.ShopifyBulkExport:
    export = store.adapter.bulk_export()
    assert isinstance(export, bulk_ops.ShopifyBulkExport)
    return export


def bulk_read(
    store: uo.AsyncStore, query: OrderQuery | None = None
) -> tuple[BulkJob, list[BulkOrder]]:
    """Submit, wait, download and rebuild: the job and every order of its file."""
    export = export_of(store)

    async def go() -> tuple[BulkJob, list[BulkOrder]]:
        job = await store.run(export.start(query or OrderQuery()))
        job = await store.run(export.wait(job.id))
        assert job.url is not None
        reader = export.reader()
        found: list[BulkOrder] = []
        async for line in store.download_lines(job.url):
            found += reader.feed(line)
        found += reader.finish()
        assert (reader.lines, reader.roots) == (job.objects, job.roots)
        return job, found

    return asyncio.run(go())


def without_raw(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_raw(v) for k, v in value.items() if k != "raw"}
    if isinstance(value, list):
        return [without_raw(v) for v in value]
    return value


# --- the documents --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BULK_DOCUMENTS))
def test_each_bulk_document_validates_against_the_schema(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(BULK_DOCUMENTS[name]), RULES)
    assert [e.message for e in errors] == []


def test_the_exported_orders_query_validates_and_holds_five_connections(
    schema: GraphQLSchema,
) -> None:
    text = bulk_orders_query("created_at:<='2026-01-01T00:00:00Z' name:\"#1001\"")
    assert [e.message for e in validate(schema, parse(text), RULES)] == []
    assert text.count("edges {") == 5  # the root, lines, shipping, fulfillment orders + lines
    assert "first:" not in text
    assert "pageInfo" not in text


def test_the_exported_returns_query_validates_and_holds_three_connections(
    schema: GraphQLSchema,
) -> None:
    text = bulk_returns_query("created_at:<='2026-01-01T00:00:00Z'")
    assert [e.message for e in validate(schema, parse(text), RULES)] == []
    assert text.count("edges {") == 3


def test_the_bulk_fulfillment_order_fields_follow_the_paged_fragment() -> None:
    def fields(text: str) -> set[str]:
        fragment = parse(text).definitions[0]
        assert isinstance(fragment, FragmentDefinitionNode)
        return {s.name.value for s in fragment.selection_set.selections if isinstance(s, FieldNode)}

    assert fields(BULK_FULFILLMENT_ORDER) == fields(FULFILLMENT_ORDER) - {"lineItems"}
    assert fields(BULK_RETURN) == fields(RETURN) - {"returnLineItems"}


# --- the job --------------------------------------------------------------------------------
def test_rebuilt_orders_equal_the_paged_read_and_the_rest_are_sent_to_it(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    emulator.seed_orders(20)
    job, found = bulk_read(store)
    assert job.status is BulkStatus.COMPLETED
    assert job.roots == len(found) == len(emulator.state.orders())
    rebuilt = [b for b in found if b.order is not None]
    again = [b for b in found if b.order is None]
    assert rebuilt
    assert again
    for item in rebuilt:
        paged = asyncio.run(store.orders.get(item.order_id))
        assert item.order is not None
        assert without_raw(item.order.model_dump()) == without_raw(paged.model_dump())
        fos = asyncio.run(store.fulfillments.list(item.order_id))
        assert item.details.fulfillment_orders is not None
        assert without_raw([f.model_dump() for f in item.details.fulfillment_orders]) == (
            without_raw([f.model_dump() for f in fos])
        )
        assert item.details.returns is None  # not in the file: the sync reads them
    for item in again:
        order = next(o for o in emulator.state.orders() if str(o["id"]) == item.order_id)
        assert item.reason is not None
        assert order.get("refunds") or order.get("fulfillments"), item.reason


def test_a_connection_at_the_cap_sends_the_order_to_the_paged_read(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    big = emulator.seed_large_order("warehouse")  # 180 lines
    emulator.bulk.faults.child_cap = CHILD_CAP  # cut silently, as Shopify reportedly does
    _, found = bulk_read(store)
    item = next(b for b in found if b.order_id == big)
    assert item.order is None
    assert item.reason is not None
    assert "line items" in item.reason
    assert item.details.fulfillment_orders is not None  # 6 fulfillment orders: not at the cap


def test_the_download_goes_to_the_foreign_host_without_credentials(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, recorder = shop
    job, _ = bulk_read(store)
    assert job.url is not None
    assert job.url.startswith(f"https://{DOWNLOAD_HOST}/")
    [download] = emulator.bulk.downloads
    assert download["host"] == DOWNLOAD_HOST
    assert "x-shopify-access-token" not in download
    assert "authorization" not in download
    admin = [e for e in recorder.exchanges if e.path.endswith("graphql.json")]
    assert admin
    assert all(e.headers["x-shopify-access-token"] == TOKEN for e in admin)
    assert TOKEN not in json.dumps(emulator.bulk.downloads)


def test_a_slow_job_is_polled_with_a_pause_between_polls() -> None:
    emulator = ShopifyEmulator()
    emulator.bulk.faults.polls = 3
    store = uo.connect_async("shopify", sandbox=True, job_poll_interval=0)
    export = export_of(store)
    op = export.wait("gid://shopify/BulkOperation/1")
    # drive the operation by hand against an emulator that has the job
    answer = emulator.graphql.handle(
        {"query": BULK_DOCUMENTS["BulkOrdersRun"], "variables": {"query": bulk_orders_query(None)}},
        "2026-04",
    )
    assert answer[1]["data"]["bulkOperationRunQuery"]["userErrors"] == []
    kinds = []
    request = next(op)
    while True:
        kinds.append(request.method)
        if request.method == "PAUSE":
            response = uo.Response(204, {}, None, "")
        else:
            status, body = emulator.graphql.handle(request.json, "2026-04")
            response = uo.Response(status, {}, body, json.dumps(body, default=str))
        try:
            request = op.send(response)
        except StopIteration as stop:
            job = stop.value
            break
    assert kinds == ["POST", "PAUSE", "POST", "PAUSE", "POST", "PAUSE", "POST"]
    assert job.status is BulkStatus.COMPLETED


def test_a_busy_shop_is_waited_out_then_a_typed_error(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    emulator.bulk.faults.busy = 2
    job = run(store, export_of(store).start(OrderQuery()))
    assert job.status is BulkStatus.CREATED
    emulator.bulk.faults.busy = bulk_ops.BUSY_PAUSES + 1
    with pytest.raises(BulkBusy, match="already in progress"):
        run(store, export_of(store).start(OrderQuery()))


def test_cancel_stops_a_running_job_and_an_unknown_job_is_none(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    emulator.bulk.faults.polls = 10
    export = export_of(store)
    job = run(store, export.start(OrderQuery()))
    canceling = run(store, export.cancel(job.id))
    assert canceling is not None
    assert canceling.status is BulkStatus.CANCELING
    assert run(store, export.wait(job.id)).status is BulkStatus.CANCELED
    assert run(store, export.status("gid://shopify/BulkOperation/999")) is None


def test_the_sandbox_refuses_what_shopify_refuses_in_a_bulk_query(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    _, emulator, _ = shop
    six = bulk_orders_query(None).replace(
        "fulfillments { id }", "fulfillments { id }\n returns { edges { node { id } } }"
    )
    in_list = bulk_orders_query(None).replace(
        "refunds { id }", "refunds { id refundLineItems { edges { node { id } } } }"
    )
    for query, message in ((six, "more than 5"), (in_list, "within a list field")):
        _, body = emulator.graphql.handle(
            {"query": BULK_DOCUMENTS["BulkOrdersRun"], "variables": {"query": query}}, "2026-04"
        )
        [error] = body["data"]["bulkOperationRunQuery"]["userErrors"]
        assert message in error["message"]
        assert error["code"] == "INVALID"


def test_orders_count_reads_the_same_search(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    emulator.seed_orders(3)
    count = run(store, export_of(store).count(OrderQuery()))
    assert count == len(emulator.state.orders())


# --- the rebuild, line by line --------------------------------------------------------------
def _line(node: dict[str, Any]) -> bytes:
    return json.dumps(node).encode()


def test_a_child_of_another_order_is_a_broken_file() -> None:
    reader = OrderRebuilder()
    reader.feed(_line({"id": "gid://shopify/Order/1"}))
    reader.feed(_line({"id": "gid://shopify/Order/2"}))
    with pytest.raises(BulkMismatch, match="not grouped by order"):
        reader.feed(
            _line({"id": "gid://shopify/LineItem/7", "__parentId": "gid://shopify/Order/1"})
        )


def test_a_line_cut_in_half_is_a_broken_file() -> None:
    reader = OrderRebuilder()
    reader.feed(_line({"id": "gid://shopify/Order/1"}))
    with pytest.raises(BulkMismatch, match="not JSON"):
        reader.feed(b'{"id": "gid://shopify/LineItem/7", "__par')


def test_each_order_is_handed_on_when_the_next_begins() -> None:
    reader = OrderRebuilder()
    assert reader.feed(_line({"id": "gid://shopify/Order/1", "refunds": [{"id": "r"}]})) == []
    assert (
        reader.feed(
            _line({"id": "gid://shopify/LineItem/7", "__parentId": "gid://shopify/Order/1"})
        )
        == []
    )
    [first] = reader.feed(_line({"id": "gid://shopify/Order/2", "refunds": [{"id": "r"}]}))
    assert (first.order_id, first.lines, first.order) == ("1", 2, None)
    [second] = reader.finish()
    assert (second.order_id, second.lines) == ("2", 1)
    assert (reader.lines, reader.roots) == (3, 2)


def test_the_returns_job_gives_each_order_its_returns_as_the_paged_read_does(
    shop: tuple[uo.AsyncStore, ShopifyEmulator, RecordingTransport],
) -> None:
    store, emulator, _ = shop
    shipped = emulator.seed_large_order("shipped")  # 11 returns of 30 lines
    export = export_of(store)

    async def go() -> dict[str, Any]:
        job = await store.run(export.start_returns(OrderQuery()))
        job = await store.run(export.wait(job.id))
        assert job.url is not None
        reader = export.returns_reader()
        async for line in store.download_lines(job.url):
            reader.feed(line)
        reader.finish()
        assert (reader.lines, reader.roots) == (job.objects, job.roots)
        return reader.returns

    found = asyncio.run(go())
    assert set(found) == {shipped}  # only orders that have returns are kept
    paged = asyncio.run(store.returns.list(shipped))
    got = found[shipped]
    assert got is not None
    assert len(got) == 11
    assert without_raw([r.model_dump() for r in got]) == without_raw(
        [r.model_dump() for r in paged]
    )
