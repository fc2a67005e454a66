"""Webhook subscriptions on Shopify (``webhookSubscriptionCreate`` / ``webhookSubscriptions`` /
``webhookSubscriptionDelete``) and the sandbox's signed deliveries (issue 18): the documents
validate against the 2026-04 schema, subscribing is idempotent, and every delivery verifies with
a base64 HMAC of the raw body computed here, with the X-Shopify-* headers Shopify sends."""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import GraphQLSchema, NoDeprecatedCustomRule, build_client_schema, parse, validate
from graphql.validation import specified_rules
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.sandbox.webhooks import APP_SECRET
from unified_orders_adapters.shopify.subscriptions import DOCUMENTS

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.testing.receiver import LoopbackReceiver, ReceivedDelivery

UNFULFILLED = "820982911946154523"


@pytest.fixture(scope="module")
def schema(shared: Path) -> GraphQLSchema:
    with gzip.open(shared / "specs" / "shopify" / "admin_2026-04.json.gz") as handle:
        built = build_client_schema(json.load(handle)["data"])
    built._validation_errors = []  # the schema's own inconsistency (see the contract test)
    return built


@pytest.fixture(params=["graphql", "rest"])
def shop(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[uo.Store, RecordingTransport, ShopifyEmulator]]:
    emulator = ShopifyEmulator(shop="acme.myshopify.com")
    transport = RecordingTransport(emulator_transport(emulator))
    with uo.connect(
        "shopify", shop="acme", access_token="shpat-test", api=request.param, transport=transport
    ) as store:
        yield store, transport, emulator


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as running:
        yield running


def verifies(delivery: ReceivedDelivery, secret: str = APP_SECRET) -> bool:
    """The documented check: base64 HMAC-SHA256 of the raw body with the app's secret."""
    digest = hmac.new(secret.encode(), delivery.body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    return hmac.compare_digest(expected, delivery.headers.get("x-shopify-hmac-sha256", ""))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_documents_validate_against_the_admin_schema(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(DOCUMENTS[name]), [*specified_rules, NoDeprecatedCustomRule])
    assert errors == []


def test_subscribe_makes_one_subscription_per_topic_and_is_idempotent(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator],
) -> None:
    store, transport, _ = shop
    url = "https://hooks.example.com/shopify"
    subs = store.webhooks.subscribe(url, ["refund.created", "orders/create"])
    assert [s.platform_topics for s in subs] == [("REFUNDS_CREATE",), ("ORDERS_CREATE",)]
    assert [s.topics for s in subs] == [
        (uo.EventType.REFUND_CREATED,),
        (uo.EventType.ORDER_CREATED,),
    ]
    assert all(s.id.startswith("gid://shopify/WebhookSubscription/") for s in subs)
    assert all(s.api_version == store.adapter.settings.api_version for s in subs)
    creates = len(transport.exchanges)
    again = store.webhooks.subscribe(url, ["refund.created"])
    assert [s.id for s in again] == [subs[0].id]
    assert len(transport.exchanges) == creates + 1  # the listing only


def test_every_mapped_topic_by_default_and_unsubscribe(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator],
) -> None:
    store, _, _ = shop
    subs = store.webhooks.subscribe("https://hooks.example.com/all")
    assert len(subs) == len(uo.EventType)
    store.webhooks.unsubscribe(subs[0].id)
    assert len(store.webhooks.list()) == len(subs) - 1
    with pytest.raises(uo.NotFound):
        store.webhooks.unsubscribe(subs[0].id)
    store.webhooks.unsubscribe(subs[1].id.rsplit("/", 1)[1])  # the number alone
    assert len(store.webhooks.list()) == len(subs) - 2


@pytest.mark.parametrize(
    ("topics", "secret", "path"),
    [(["no such thing!"], None, "topics[0]"), (["order.created"], "s", "secret")],
)
def test_bad_input_is_refused_before_any_request(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator],
    topics: list[str],
    secret: str | None,
    path: str,
) -> None:
    store, transport, _ = shop
    with pytest.raises(uo.InvalidRequest) as refused:
        store.webhooks.subscribe("https://h.example.com", topics, secret=secret)
    assert [p.path for p in refused.value.problems] == [path]
    assert transport.exchanges == []


def test_a_cancel_with_refund_is_delivered_signed_with_shopify_headers(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    store.webhooks.subscribe(receiver.url, ["refund.created", "order.cancelled"])
    store.orders.cancel(UNFULFILLED, reason="customer", refund=True)
    emulator.webhooks.outbox.flush()
    got = receiver.wait(2)
    assert sorted(d.headers["x-shopify-topic"] for d in got) == [
        "orders/cancelled",
        "refunds/create",
    ]
    assert all(verifies(d) for d in got)
    for delivery in got:
        assert delivery.headers["x-shopify-shop-domain"] == "acme.myshopify.com"
        assert delivery.headers["x-shopify-api-version"] == store.adapter.settings.api_version
        assert delivery.headers["x-shopify-event-id"]
        assert delivery.headers["x-shopify-webhook-id"]
    (refund,) = [
        json.loads(d.body) for d in got if d.headers["x-shopify-topic"] == "refunds/create"
    ]
    assert str(refund["order_id"]) == UNFULFILLED


def test_holds_and_deletes_are_delivered(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    store.webhooks.subscribe(
        receiver.url, ["fulfillment_order.held", "fulfillment_order.released", "order.deleted"]
    )
    (fo,) = [
        f
        for f in store.fulfillments.list(UNFULFILLED)
        if f.status == uo.FulfillmentOrderStatus.OPEN
    ]
    store.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="check stock")
    store.fulfillments.release_hold(fo.id)
    emulator.delete_order(UNFULFILLED)
    emulator.webhooks.outbox.flush()
    topics = [d.headers["x-shopify-topic"] for d in receiver.wait(3)]
    assert topics == [
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "orders/delete",
    ]


def test_fault_hooks_duplicate_and_bad_signature(
    shop: tuple[uo.Store, RecordingTransport, ShopifyEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    store.webhooks.subscribe(receiver.url, ["refund.created"])
    emulator.webhooks.outbox.duplicate = True
    emulator.webhooks.outbox.bad_signature = True
    store.orders.cancel(UNFULFILLED, reason="customer", refund=True)
    emulator.webhooks.outbox.flush()
    got = receiver.wait(2)
    assert len(got) == 2
    assert got[0].body == got[1].body
    assert {d.headers["x-shopify-event-id"] for d in got} == {got[0].headers["x-shopify-event-id"]}
    assert not any(verifies(d) for d in got)
