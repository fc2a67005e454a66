"""Webhook subscriptions on Shopware (issue 18): refused honestly through the Admin API (webhooks
need an installed app), and the sandbox's app webhooks, configured directly, delivering
``shopware-shop-signature`` deliveries (hex HMAC of the raw body with the per-shop secret,
computed here independently) with ``source.eventId``; the fault hooks do what they say."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport, emulator_transport
from unified_orders.testing.receiver import LoopbackReceiver, ReceivedDelivery

SHOP_SECRET = "per-shop-secret-from-registration"


@pytest.fixture
def shop() -> Iterator[tuple[uo.Store, RecordingTransport, ShopwareEmulator]]:
    emulator = ShopwareEmulator()
    transport = RecordingTransport(emulator_transport(emulator))
    with uo.connect("shopware", sandbox=True, transport=transport) as store:
        yield store, transport, emulator


@pytest.fixture
def receiver() -> Iterator[LoopbackReceiver]:
    with LoopbackReceiver() as running:
        yield running


def verifies(delivery: ReceivedDelivery, secret: str = SHOP_SECRET) -> bool:
    expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, delivery.headers.get("shopware-shop-signature", ""))


def events(got: list[ReceivedDelivery]) -> list[str]:
    return [json.loads(d.body)["data"]["event"] for d in got]


def first_order(store: uo.Store) -> str:
    return next(iter(store.orders.list())).id


@pytest.mark.parametrize("call", ["subscribe", "list", "unsubscribe"])
def test_every_subscription_operation_is_refused_with_the_app_hint(
    shop: tuple[uo.Store, RecordingTransport, ShopwareEmulator], call: str
) -> None:
    store, transport, _ = shop
    args = {"subscribe": ("https://h.example.com",), "list": (), "unsubscribe": ("x",)}[call]
    with pytest.raises(uo.UnsupportedOperation) as refused:
        getattr(store.webhooks, call)(*args)
    assert "installed app" in refused.value.hint
    assert "shopware-shop-signature" in refused.value.hint
    assert transport.exchanges == []


def test_the_async_store_refuses_too() -> None:
    async def main() -> None:
        async with uo.connect_async("shopware", sandbox=True) as store:
            await store.webhooks.list()

    with pytest.raises(uo.UnsupportedOperation):
        asyncio.run(main())


def test_a_cancel_with_refund_is_delivered_signed_with_the_shop_secret(
    shop: tuple[uo.Store, RecordingTransport, ShopwareEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    emulator.webhooks.install(
        receiver.url, ["order.written", "state_enter.*"], shop_secret=SHOP_SECRET, shop_id="shopA"
    )
    order_id = first_order(store)
    store.orders.cancel(order_id, reason="customer", refund=True)
    emulator.webhooks.outbox.flush()
    got = receiver.wait(3)
    assert "state_enter.order_transaction.state.refunded" in events(got)
    assert "state_enter.order.state.cancelled" in events(got)
    assert all(verifies(d) for d in got)
    bodies = [json.loads(d.body) for d in got]
    assert all(b["source"]["shopId"] == "shopA" and b["source"]["eventId"] for b in bodies)
    assert len({b["source"]["eventId"] for b in bodies}) == len(bodies)
    states = [b["data"]["payload"] for b in bodies if b["data"]["event"].startswith("state_enter.")]
    assert states
    assert all(p["order"]["id"] == order_id for p in states)  # capture refunds too
    (written,) = [b for b in bodies if b["data"]["event"] == "order.written"]
    assert written["data"]["payload"] == [
        {"entity": "order", "primaryKey": order_id, "operation": "update"}
    ]


def test_each_shop_signs_with_its_own_secret(
    shop: tuple[uo.Store, RecordingTransport, ShopwareEmulator], receiver: LoopbackReceiver
) -> None:
    store, _, emulator = shop
    emulator.webhooks.install(receiver.url, ["order.written"], shop_secret="a", shop_id="A")
    emulator.webhooks.install(receiver.url, ["order.written"], shop_secret="b", shop_id="B")
    store.orders.cancel(first_order(store), reason="customer")
    emulator.webhooks.outbox.flush()
    got = receiver.wait(2)
    by_shop = {json.loads(d.body)["source"]["shopId"]: d for d in got}
    assert verifies(by_shop["A"], "a")
    assert not verifies(by_shop["A"], "b")
    assert verifies(by_shop["B"], "b")
    assert not verifies(by_shop["B"], "a")


def test_a_new_order_is_placed_and_written(
    shop: tuple[uo.Store, RecordingTransport, ShopwareEmulator], receiver: LoopbackReceiver
) -> None:
    _, _, emulator = shop
    emulator.webhooks.install(receiver.url, shop_secret=SHOP_SECRET)
    emulator.seed_orders(1)
    emulator.webhooks.outbox.flush()
    assert events(receiver.wait(2)) == ["checkout.order.placed", "order.written"]


def test_fault_hooks(
    shop: tuple[uo.Store, RecordingTransport, ShopwareEmulator], receiver: LoopbackReceiver
) -> None:
    _, _, emulator = shop
    emulator.webhooks.install(receiver.url, shop_secret=SHOP_SECRET)
    outbox = emulator.webhooks.outbox
    outbox.out_of_order = True
    emulator.seed_orders(1)
    outbox.flush()
    assert events(receiver.wait(2)) == ["order.written", "checkout.order.placed"]
    outbox.out_of_order, outbox.duplicate, outbox.bad_signature = False, True, True
    emulator.seed_orders(1)
    outbox.flush()
    again = receiver.wait(6)[2:]
    assert len(again) == 4
    assert not any(verifies(d) for d in again)
    ids = [json.loads(d.body)["source"]["eventId"] for d in again]
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert ids[0] != ids[2]
