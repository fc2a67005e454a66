"""Shopware webhooks: the hex signature under the per-shop app secret, ``source.eventId``,
entity-written payloads (ids only) and state-machine transitions."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from unified_orders_adapters.shopware import webhooks

import unified_orders as uo
from unified_orders.webhooks import EventType

#: Each shop's secret, as the app assigned it at registration (looked up by source.shopId).
SHOP_SECRETS = {"shopA": "shop-a-secret", "shopB": "shop-b-secret"}
ORDER = "0190a3c5d2a97a1c9a6c4e8f2b1d0e77"
OTHER = "0190a3c5d2a97a1c9a6c4e8f2b1d0e78"
EVENT_ID = "7b04ebe416db4ebc93de4d791325e1d9"
LIVE = "0fa91ce3e96a4bc2be4bd9ce752c3425"
STAMP = 1767323045  # 2026-01-02T03:04:05Z


def sign(body: bytes, secret: str) -> str:
    """Shopware's hex signature, computed here independently of the library."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(
    event: str, payload: Any, shop: str = "shopA", **extra: Any
) -> tuple[dict[str, str], bytes]:
    envelope = {
        "data": {"payload": payload, "event": event},
        "source": {
            "url": "https://shop.test",
            "appVersion": "1.0.0",
            "shopId": shop,
            "eventId": EVENT_ID,
        },
        "timestamp": STAMP,
    }
    envelope.update(extra)
    body = json.dumps(envelope).encode()
    return {"shopware-shop-signature": sign(body, SHOP_SECRETS[shop])}, body


def receive(headers: dict[str, str], body: bytes) -> list[uo.Event]:
    """Route by shop id to that shop's secret, then verify and parse, as a receiver does."""
    shop = uo.webhooks.route("shopware", headers, body)
    assert shop is not None
    return uo.webhooks.receive("shopware", headers, body, SHOP_SECRETS[shop], f"store-{shop}")


# --- the signature ---------------------------------------------------------------------------


def test_a_known_vector_verifies() -> None:
    # computed outside Python: printf '%s' BODY | openssl dgst -sha256 -hmac shop-a-secret
    body = b'{"source":{"shopId":"shopA"}}'
    signature = "1e1381360da162078605bd96b8775f70c7607065c13b494e07aac5bc3f134cb3"
    assert sign(body, "shop-a-secret") == signature
    webhooks.verify({"Shopware-Shop-Signature": signature}, body, "shop-a-secret")


def test_each_shop_signs_with_its_own_secret() -> None:
    headers_a, body_a = delivery("checkout.order.placed", {"order": {"id": ORDER}}, shop="shopA")
    headers_b, body_b = delivery("checkout.order.placed", {"order": {"id": ORDER}}, shop="shopB")
    assert receive(headers_a, body_a)[0].store == "store-shopA"
    assert receive(headers_b, body_b)[0].store == "store-shopB"
    with pytest.raises(uo.WebhookSignatureError, match="wrong shopware-shop-signature"):
        webhooks.verify(headers_a, body_a, SHOP_SECRETS["shopB"])
    with pytest.raises(uo.WebhookSignatureError):
        webhooks.verify(headers_b, body_b, SHOP_SECRETS["shopA"])


def test_a_tampered_body_is_refused() -> None:
    headers, body = delivery("checkout.order.placed", {"order": {"id": ORDER}})
    with pytest.raises(uo.WebhookSignatureError):
        receive(headers, body.replace(ORDER.encode(), OTHER.encode()))


def test_a_missing_signature_is_refused() -> None:
    _, body = delivery("checkout.order.placed", {"order": {"id": ORDER}})
    with pytest.raises(uo.WebhookSignatureError, match="has no shopware-shop-signature") as caught:
        receive({}, body)
    assert caught.value.missing


def test_without_an_app_secret_verification_is_refused_honestly() -> None:
    headers, body = delivery("checkout.order.placed", {"order": {"id": ORDER}})
    with pytest.raises(uo.ConfigurationError, match="installed app") as caught:
        webhooks.verify(headers, body, "")
    assert "integration credentials cannot receive webhooks" in str(caught.value)


def test_a_signed_body_that_is_not_json_is_an_invalid_request() -> None:
    headers = {"shopware-shop-signature": sign(b"<xml/>", "shop-a-secret")}
    with pytest.raises(uo.InvalidRequest, match="is not JSON"):
        uo.webhooks.receive("shopware", headers, b"<xml/>", "shop-a-secret", "s")


# --- de-duplication, routing, time ------------------------------------------------------------


def test_the_delivery_id_is_the_source_event_id_else_the_header() -> None:
    headers, body = delivery("checkout.order.placed", {"order": {"id": ORDER}})
    assert uo.webhooks.delivery_id("shopware", headers, body) == EVENT_ID
    assert uo.webhooks.topic("shopware", headers, body) == "checkout.order.placed"
    _, bare = delivery(
        "checkout.order.placed", {"order": {"id": ORDER}}, source={"shopId": "shopA"}
    )
    assert webhooks.delivery_id({"x-shopware-event-id": "h-1"}, bare) == "h-1"
    with pytest.raises(uo.InvalidRequest, match="source.eventId"):
        webhooks.delivery_id({}, bare)
    assert webhooks.route({}, delivery("order.written", [], source=None)[1]) is None


def test_occurred_at_is_the_timestamp() -> None:
    (event,) = receive(*delivery("checkout.order.placed", {"order": {"id": ORDER}}))
    assert event.occurred_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    headers, body = delivery("checkout.order.placed", {"order": {"id": ORDER}}, timestamp=None)
    before = datetime.now(UTC)
    (event,) = receive(headers, body)
    assert before <= event.occurred_at <= datetime.now(UTC)


# --- order events ----------------------------------------------------------------------------------


def test_an_order_placed_in_the_storefront_is_created() -> None:
    (event,) = receive(
        *delivery("checkout.order.placed", {"order": {"id": ORDER, "orderNumber": "10001"}})
    )
    assert (event.type, event.order_id, event.id) == (EventType.ORDER_CREATED, ORDER, EVENT_ID)
    assert (event.platform, event.topic) == ("shopware", "checkout.order.placed")


def written(key: Any, operation: str, **extra: Any) -> dict[str, Any]:
    return {
        "entity": "order",
        "operation": operation,
        "primaryKey": key,
        "updatedFields": [],
        **extra,
    }


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        ("insert", EventType.ORDER_CREATED),
        ("update", EventType.ORDER_UPDATED),
        ("delete", EventType.ORDER_DELETED),
    ],
)
def test_order_written_names_the_order_by_id(operation: str, kind: EventType) -> None:
    (event,) = receive(*delivery("order.written", [written(ORDER, operation, versionId=LIVE)]))
    assert (event.type, event.order_id, event.id) == (kind, ORDER, EVENT_ID)


def test_order_written_gives_one_event_per_live_order() -> None:
    payload = [
        written({"id": ORDER, "versionId": LIVE}, "update"),
        written(ORDER, "update"),  # the same order again: one event
        written(OTHER, "insert"),
        written({"id": "draft", "versionId": "ffffffffffffffffffffffffffffffff"}, "update"),
        {"entity": "order_line_item", "operation": "update", "primaryKey": "line"},
    ]
    events = receive(*delivery("order.written", payload))
    assert [(e.id, e.type, e.order_id) for e in events] == [
        (f"{EVENT_ID}:{ORDER}", EventType.ORDER_UPDATED, ORDER),
        (f"{EVENT_ID}:{OTHER}", EventType.ORDER_CREATED, OTHER),
    ]


def test_order_deleted_is_deleted() -> None:
    (event,) = receive(*delivery("order.deleted", [written(ORDER, "delete")]))
    assert (event.type, event.order_id) == (EventType.ORDER_DELETED, ORDER)


# --- state transitions -----------------------------------------------------------------------------

STATE_CASES = [
    ("order.state", "cancelled", EventType.ORDER_CANCELLED),
    ("order.state", "in_progress", EventType.ORDER_UPDATED),
    ("order.state", "completed", EventType.ORDER_UPDATED),
    ("order_transaction.state", "refunded", EventType.REFUND_CREATED),
    ("order_transaction.state", "refunded_partially", EventType.REFUND_CREATED),
    ("order_transaction.state", "paid", EventType.ORDER_UPDATED),
    ("order_delivery.state", "returned", EventType.RETURN_CLOSED),
    ("order_delivery.state", "returned_partially", EventType.RETURN_CLOSED),
    ("order_delivery.state", "shipped", EventType.ORDER_UPDATED),
    ("order_delivery.state", "cancelled", EventType.ORDER_UPDATED),
    ("order_transaction_capture_refund.state", "completed", EventType.ORDER_UPDATED),
    ("order_transaction_capture.state", "completed", EventType.ORDER_UPDATED),
    ("order_return.state", "open", EventType.RETURN_REQUESTED),
    ("order_return.state", "in_progress", EventType.RETURN_APPROVED),
    ("order_return.state", "done", EventType.RETURN_CLOSED),
    ("order_return.state", "cancelled", EventType.RETURN_CANCELLED),
]


def test_every_mapped_state_is_tested() -> None:
    assert set(webhooks.STATE_EVENTS) <= {(machine, state) for machine, state, _ in STATE_CASES}


@pytest.mark.parametrize(("machine", "state", "kind"), STATE_CASES)
def test_each_state_entered_becomes_its_canonical_event(
    machine: str, state: str, kind: EventType
) -> None:
    name = f"state_enter.{machine}.{state}"
    (event,) = receive(*delivery(name, {"order": {"id": ORDER, "orderNumber": "10001"}}))
    assert (event.type, event.order_id, event.topic, event.id) == (kind, ORDER, name, EVENT_ID)


@pytest.mark.parametrize(
    "payload",
    [
        {"orderTransaction": {"id": "t1", "orderId": ORDER}},
        {"orderDelivery": {"id": "d1", "orderId": ORDER}},
        {"orderReturn": {"id": "r1", "orderId": ORDER}},
    ],
)
def test_a_state_payload_may_name_the_order_through_its_entity(payload: dict[str, Any]) -> None:
    (event,) = receive(*delivery("state_enter.order_transaction.state.refunded", payload))
    assert (event.type, event.order_id) == (EventType.REFUND_CREATED, ORDER)


@pytest.mark.parametrize(
    "event",
    [
        "state_leave.order_transaction.state.paid",
        "state_enter.product_review.state.open",
        "product.written",
        "customer.written",
    ],
)
def test_events_with_no_canonical_meaning_give_no_event(event: str) -> None:
    assert receive(*delivery(event, {"order": {"id": ORDER}})) == []


@pytest.mark.parametrize(
    ("event", "payload", "where"),
    [
        ("checkout.order.placed", {"customer": {}}, "body.data.payload"),
        ("state_enter.order.state.cancelled", {"order": {"id": ""}}, "body.data.payload"),
        ("order.written", {"primaryKey": ORDER}, "body.data.payload"),
        ("order.written", ["x"], "body.data.payload[0]"),
        (
            "order.written",
            [{"entity": "order", "operation": "update"}],
            "body.data.payload[0].primaryKey",
        ),
    ],
)
def test_a_payload_shopware_does_not_document_is_an_invalid_request(
    event: str, payload: Any, where: str
) -> None:
    with pytest.raises(uo.InvalidRequest) as caught:
        receive(*delivery(event, payload))
    assert caught.value.problems[0].path == where


@pytest.mark.parametrize(
    ("envelope", "where"),
    [
        ({"data": "x"}, "body.data"),
        ({"data": {"payload": []}}, "body.data.event"),
        ({"timestamp": "x"}, "body.timestamp"),
    ],
)
def test_an_envelope_shopware_does_not_document_is_an_invalid_request(
    envelope: dict[str, Any], where: str
) -> None:
    headers, body = delivery("checkout.order.placed", {"order": {"id": ORDER}}, **envelope)
    with pytest.raises(uo.InvalidRequest) as caught:
        receive(headers, body)
    assert caught.value.problems[0].path == where
