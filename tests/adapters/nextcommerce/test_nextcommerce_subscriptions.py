"""Webhook subscriptions on Next Commerce (``/webhooks/``) and the sandbox's signed deliveries
(issue 18): subscriptions pinned to 2024-04-01 with our own secret, idempotent, checked against
the spec; every delivery verifies with an HMAC computed here, independently of the library, and
the fault hooks (duplicate, out of order, bad signature) do what they say."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.testing.receiver import LoopbackReceiver, ReceivedDelivery

SECRET = "our-own-signing-secret"
HEADERS = {"authorization": "Bearer t", "x-29next-api-version": "2024-04-01"}


@pytest.fixture
def shop() -> Iterator[tuple[uo.Store, RecordingTransport, NextCommerceEmulator]]:
    emulator = NextCommerceEmulator()
    transport = RecordingTransport(emulator_transport(emulator))
    with uo.connect("nextcommerce", sandbox=True, transport=transport) as store:
        yield store, transport, emulator


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as running:
        yield running


def verifies(delivery: ReceivedDelivery, secret: str = SECRET) -> bool:
    """The documented check: hex HMAC-SHA256 of ``json.dumps(json.loads(body))``."""
    signed = json.dumps(json.loads(delivery.body)).encode()
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, delivery.headers.get("x-29next-signature", ""))


def event_types(deliveries: list[ReceivedDelivery]) -> list[str]:
    return [json.loads(d.body)["event_type"] for d in deliveries]


# --- subscription management ---------------------------------------------------------------------
def test_subscribe_pins_the_api_version_and_sets_our_own_secret(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator], shared: Path
) -> None:
    store, transport, _ = shop
    (sub,) = store.webhooks.subscribe(
        "https://hooks.example.com/nc", ["refund.created"], secret=SECRET
    )
    assert sub.api_version == "2024-04-01"
    assert set(sub.platform_topics) == {"transaction.created", "order.updated"}
    assert uo.EventType.REFUND_CREATED in sub.topics
    (sent,) = [e for e in transport.exchanges if e.method == "POST"]
    assert sent.path.endswith("/webhooks/")
    assert sent.body["api_version"] == "2024-04-01"
    assert sent.body["secret_key"] == SECRET
    spec = yaml.safe_load((shared / "specs" / "nextcommerce" / "2024-04-01.yaml").read_text())
    schema = spec["components"]["schemas"]["Webhook"]
    assert set(sent.body) <= set(schema["properties"])
    jsonschema.validate(sub.raw, schema)  # the sandbox answers the spec's Webhook


def test_subscribing_again_creates_nothing_and_adds_only_missing_events(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, transport, _ = shop
    url = "https://hooks.example.com/nc"
    store.webhooks.subscribe(url, ["order.created"], secret=SECRET)
    store.webhooks.subscribe(url, ["order.created"], secret=SECRET)
    assert len([e for e in transport.exchanges if e.method == "POST"]) == 1
    store.webhooks.subscribe(url, ["order.created", "transaction.created"], secret=SECRET)
    listed = store.webhooks.list()
    assert [s.platform_topics for s in listed] == [("order.created",), ("transaction.created",)]


@pytest.mark.parametrize(
    ("url", "topics", "secret", "path"),
    [
        ("https://h.example.com", ["return.requested"], SECRET, "topics[0]"),
        ("https://h.example.com", ["orders/create"], SECRET, "topics[0]"),
        ("https://h.example.com", ["order.created"], None, "secret"),
        ("ftp://h.example.com", ["order.created"], SECRET, "url"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
    url: str,
    topics: list[str],
    secret: str | None,
    path: str,
) -> None:
    store, transport, _ = shop
    with pytest.raises(uo.InvalidRequest) as refused:
        store.webhooks.subscribe(url, topics, secret=secret)
    assert [p.path for p in refused.value.problems] == [path]
    assert transport.exchanges == []


def test_unsubscribe_removes_it_and_an_unknown_id_is_not_found(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
) -> None:
    store, _, _ = shop
    (sub,) = store.webhooks.subscribe(
        "https://hooks.example.com/nc", "order.created", secret=SECRET
    )
    store.webhooks.unsubscribe(sub.id)
    assert store.webhooks.list() == []
    with pytest.raises(uo.NotFound):
        store.webhooks.unsubscribe(sub.id)
    with pytest.raises(uo.InvalidRequest):
        store.webhooks.unsubscribe("gid://nope")


def test_the_sandbox_refuses_a_webhook_without_target_or_events() -> None:
    emulator = NextCommerceEmulator()
    status, body, _ = emulator.handle("POST", "/api/admin/webhooks/", {}, HEADERS, {"name": "x"})
    assert status == 400
    assert set(body) == {"target", "events"}


def test_the_async_store_manages_subscriptions_too() -> None:
    async def main() -> None:
        async with uo.connect_async("nextcommerce", sandbox=True) as store:
            url = "https://h.example.com/a"
            (sub,) = await store.webhooks.subscribe(url, "order.created", secret=SECRET)
            assert [s.id for s in await store.webhooks.list()] == [sub.id]
            await store.webhooks.unsubscribe(sub.id)
            assert await store.webhooks.list() == []

    asyncio.run(main())


# --- emission ------------------------------------------------------------------------------------
def _cancel_with_refund(store: uo.Store) -> None:
    store.orders.cancel("10001", reason="customer changed their mind", refund=True)


def test_a_refund_is_delivered_as_order_updated_and_a_refund_transaction(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    (sub,) = store.webhooks.subscribe(receiver.url, ["refund.created"], secret=SECRET)
    _cancel_with_refund(store)
    emulator.webhooks.outbox.flush()
    got = receiver.wait(2)
    assert sorted(event_types(got)) == ["order.updated", "transaction.created"]
    assert all(verifies(d) for d in got)
    bodies = [json.loads(d.body) for d in got]
    assert all(
        b["api_version"] == "2024-04-01" and b["webhook"]["id"] == int(sub.id) for b in bodies
    )
    (txn,) = [b["data"] for b in bodies if b["event_type"] == "transaction.created"]
    assert txn["type"] == "refund"
    assert txn["order"] == "10001"
    (order,) = [b["data"] for b in bodies if b["event_type"] == "order.updated"]
    assert order["number"] == "10001"
    assert order["status"] == "canceled"
    assert len({b["event_id"] for b in bodies}) == 2


def test_no_subscription_no_delivery_and_unsubscribed_events_stay_home(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    _cancel_with_refund(store)
    emulator.webhooks.outbox.flush()
    assert emulator.webhooks.outbox.sent == []
    store.webhooks.subscribe(receiver.url, ["order.created"], secret=SECRET)
    store.orders.cancel("10002", reason="other")
    emulator.webhooks.outbox.flush()
    assert receiver.deliveries == []


def _faulty(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
    receiver: LoopbackReceiver,
    **fault: Any,
) -> list[ReceivedDelivery]:
    store, _, emulator = shop
    store.webhooks.subscribe(receiver.url, ["transaction.created", "order.updated"], secret=SECRET)
    for name, value in fault.items():
        setattr(emulator.webhooks.outbox, name, value)
    _cancel_with_refund(store)
    emulator.webhooks.outbox.flush()
    return receiver.wait(len(emulator.webhooks.outbox.sent))


def test_the_duplicate_fault_sends_every_delivery_twice_with_the_same_event_id(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator], receiver: LoopbackReceiver
) -> None:
    got = _faulty(shop, receiver, duplicate=True)
    ids = [json.loads(d.body)["event_id"] for d in got]
    assert len(ids) == 4
    assert len(set(ids)) == 2
    assert all(ids.count(i) == 2 for i in ids)
    assert all(verifies(d) for d in got)


def test_the_out_of_order_fault_swaps_deliveries(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator],
    receiver: LoopbackReceiver,
) -> None:
    in_order = _faulty(shop, receiver)
    with LoopbackReceiver() as second:
        other = NextCommerceEmulator()
        transport = RecordingTransport(emulator_transport(other))
        with uo.connect("nextcommerce", sandbox=True, transport=transport) as store:
            swapped = _faulty((store, transport, other), second, out_of_order=True)
    assert event_types(swapped) == list(reversed(event_types(in_order)))
    assert all(verifies(d) for d in swapped)


def test_the_bad_signature_fault_signs_with_another_key(
    shop: tuple[uo.Store, RecordingTransport, NextCommerceEmulator], receiver: LoopbackReceiver
) -> None:
    got = _faulty(shop, receiver, bad_signature=True)
    assert len(got) == 2
    assert not any(verifies(d) for d in got)
