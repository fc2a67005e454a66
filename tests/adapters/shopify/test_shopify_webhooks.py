"""Shopify webhooks: the base64 signature of the raw body, de-duplication, routing, every topic."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from unified_orders_adapters.shopify import webhooks

import unified_orders as uo
from unified_orders.webhooks import EventType

SECRET = "shopify-app-secret"
ORDER_ID = 820982911946154508  # beyond 2**53: must stay exact


def sign(body: bytes, secret: str = SECRET) -> str:
    """Shopify's signature, computed here independently of the library."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery(topic: str, payload: Any, **extra: str) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body),
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2026-01-02T03:04:05.123Z",
        "X-Shopify-API-Version": "2026-01",
    }
    headers.update(extra)
    return headers, body


# --- the signature ---------------------------------------------------------------------------


def test_a_known_vector_verifies() -> None:
    # computed outside Python: printf '%s' BODY | openssl dgst -sha256 -hmac hush -binary | base64
    body = b'{"id":820982911946154508,"updated_at":"2026-01-02T03:04:05-05:00"}'
    signature = "Uno2eXNThX+reIHZh4yg+eAd/jYK/Gs8/rpCJvt+84Y="
    assert sign(body, "hush") == signature
    webhooks.verify({"X-Shopify-Hmac-Sha256": signature}, body, "hush")
    webhooks.verify({"X-Shopify-Hmac-Sha256": signature}, body, b"hush")


@pytest.mark.parametrize(
    "name",
    [
        "X-Shopify-Hmac-Sha256",
        "x-shopify-hmac-sha256",
        "X-SHOPIFY-HMAC-SHA256",
        "Shopify-Hmac-Sha256",
    ],
)
def test_the_signature_header_is_read_in_any_case_and_both_spellings(name: str) -> None:
    body = b'{"id": 1}'
    webhooks.verify({name: sign(body)}, body, SECRET)
    webhooks.verify([(name, sign(body))], body, SECRET)


def test_a_wrong_secret_is_refused() -> None:
    headers, body = delivery("orders/create", {"id": ORDER_ID})
    with pytest.raises(uo.WebhookSignatureError, match="wrong X-Shopify-Hmac-Sha256") as caught:
        webhooks.verify(headers, body, "another-secret")
    assert not caught.value.missing
    assert SECRET not in str(caught.value)
    assert headers["X-Shopify-Hmac-Sha256"] not in str(caught.value)


def test_a_tampered_body_is_refused() -> None:
    headers, body = delivery("refunds/create", {"id": 1, "order_id": ORDER_ID})
    with pytest.raises(uo.WebhookSignatureError):
        webhooks.verify(headers, body.replace(b'"id": 1', b'"id": 2'), SECRET)


def test_the_signature_is_of_the_raw_bytes_not_the_json() -> None:
    body = b'{"id":1}'
    headers = {"X-Shopify-Hmac-Sha256": sign(json.dumps(json.loads(body)).encode())}
    with pytest.raises(uo.WebhookSignatureError):
        webhooks.verify(headers, body, SECRET)


def test_a_hex_signature_is_refused() -> None:
    body = b'{"id":1}'
    hexed = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with pytest.raises(uo.WebhookSignatureError):
        webhooks.verify({"X-Shopify-Hmac-Sha256": hexed}, body, SECRET)


def test_a_missing_signature_is_refused() -> None:
    headers, body = delivery("orders/create", {"id": ORDER_ID})
    del headers["X-Shopify-Hmac-Sha256"]
    with pytest.raises(uo.WebhookSignatureError, match="has no X-Shopify-Hmac-Sha256") as caught:
        uo.webhooks.receive("shopify", headers, body, SECRET, "main")
    assert caught.value.missing


def test_no_secret_is_a_configuration_error() -> None:
    headers, body = delivery("orders/create", {"id": ORDER_ID})
    with pytest.raises(uo.ConfigurationError, match="client secret"):
        webhooks.verify(headers, body, "")


def test_receive_refuses_a_bad_signature_before_reading_the_body() -> None:
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": sign(b"other")}
    with pytest.raises(uo.WebhookSignatureError):
        uo.webhooks.receive("shopify", headers, b"not json at all", SECRET, "main")


def test_a_signed_body_that_is_not_json_is_an_invalid_request() -> None:
    headers, _ = delivery("orders/create", {})
    headers["X-Shopify-Hmac-Sha256"] = sign(b"not json")
    with pytest.raises(uo.InvalidRequest, match="is not JSON"):
        uo.webhooks.receive("shopify", headers, b"not json", SECRET, "main")


# --- de-duplication, routing, time ------------------------------------------------------------


def test_the_delivery_id_is_the_event_id_then_the_webhook_id() -> None:
    headers, body = delivery("orders/create", {"id": ORDER_ID})
    assert (
        uo.webhooks.delivery_id("shopify", headers, body) == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    )
    del headers["X-Shopify-Event-Id"]
    assert webhooks.delivery_id(headers, body) == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    del headers["X-Shopify-Webhook-Id"]
    with pytest.raises(uo.InvalidRequest, match="X-Shopify-Webhook-Id"):
        webhooks.delivery_id(headers, body)


def test_the_shop_domain_routes() -> None:
    headers, body = delivery("orders/create", {"id": ORDER_ID})
    assert uo.webhooks.route("shopify", headers, body) == "acme.myshopify.com"
    assert webhooks.route({}, body) is None


def test_occurred_at_is_the_trigger_time_else_the_payload_time() -> None:
    headers, body = delivery(
        "orders/updated", {"id": ORDER_ID, "updated_at": "2025-05-05T05:05:05-04:00"}
    )
    (event,) = webhooks.parse(headers, body, "main")
    assert event.occurred_at == datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
    del headers["X-Shopify-Triggered-At"]
    (event,) = webhooks.parse(headers, body, "main")
    assert event.occurred_at == datetime(2025, 5, 5, 9, 5, 5, tzinfo=UTC)
    headers, body = delivery("orders/delete", {"id": ORDER_ID})
    del headers["X-Shopify-Triggered-At"]
    before = datetime.now(UTC)
    (event,) = webhooks.parse(headers, body, "main")
    assert before <= event.occurred_at <= datetime.now(UTC)


# --- every topic ---------------------------------------------------------------------------------

ORDER = {"id": ORDER_ID, "admin_graphql_api_id": f"gid://shopify/Order/{ORDER_ID}"}
REFUND = {"id": 509562969, "order_id": ORDER_ID, "created_at": "2026-01-02T03:04:05Z"}
RETURN = {
    "id": 1009,
    "admin_graphql_api_id": "gid://shopify/Return/1009",
    "status": "requested",
    "order": ORDER,
}
RETURN_ALONE = {"id": 1009, "admin_graphql_api_id": "gid://shopify/Return/1009"}
FULFILLMENT_ORDER = {
    "fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1046000", "status": "on_hold"}
}
FO_MOVED = {
    "original_fulfillment_order": {
        "id": "gid://shopify/FulfillmentOrder/1046000",
        "status": "closed",
    },
    "moved_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1046001", "status": "open"},
}

TOPIC_CASES = [
    ("orders/create", ORDER, EventType.ORDER_CREATED, str(ORDER_ID), None),
    ("orders/updated", ORDER, EventType.ORDER_UPDATED, str(ORDER_ID), None),
    ("orders/edited", ORDER, EventType.ORDER_UPDATED, str(ORDER_ID), None),
    ("orders/paid", ORDER, EventType.ORDER_UPDATED, str(ORDER_ID), None),
    ("orders/fulfilled", ORDER, EventType.ORDER_UPDATED, str(ORDER_ID), None),
    ("orders/partially_fulfilled", ORDER, EventType.ORDER_UPDATED, str(ORDER_ID), None),
    ("orders/cancelled", ORDER, EventType.ORDER_CANCELLED, str(ORDER_ID), None),
    ("orders/delete", {"id": ORDER_ID}, EventType.ORDER_DELETED, str(ORDER_ID), None),
    ("refunds/create", REFUND, EventType.REFUND_CREATED, str(ORDER_ID), "509562969"),
    ("returns/request", RETURN, EventType.RETURN_REQUESTED, str(ORDER_ID), "1009"),
    ("returns/approve", RETURN, EventType.RETURN_APPROVED, str(ORDER_ID), "1009"),
    ("returns/decline", RETURN_ALONE, EventType.RETURN_DECLINED, None, "1009"),
    ("returns/update", RETURN, EventType.RETURN_UPDATED, str(ORDER_ID), "1009"),
    ("returns/process", RETURN, EventType.RETURN_UPDATED, str(ORDER_ID), "1009"),
    ("returns/close", RETURN_ALONE, EventType.RETURN_CLOSED, None, "1009"),
    ("returns/cancel", RETURN_ALONE, EventType.RETURN_CANCELLED, None, "1009"),
    ("returns/reopen", RETURN_ALONE, EventType.RETURN_REOPENED, None, "1009"),
    (
        "fulfillment_orders/placed_on_hold",
        FULFILLMENT_ORDER,
        EventType.FULFILLMENT_ORDER_HELD,
        None,
        "1046000",
    ),
    (
        "fulfillment_orders/hold_released",
        FULFILLMENT_ORDER,
        EventType.FULFILLMENT_ORDER_RELEASED,
        None,
        "1046000",
    ),
    ("fulfillment_orders/moved", FO_MOVED, EventType.FULFILLMENT_ORDER_MOVED, None, "1046000"),
    (
        "fulfillment_orders/cancellation_request_submitted",
        FULFILLMENT_ORDER,
        EventType.FULFILLMENT_ORDER_CANCELLATION_REQUESTED,
        None,
        "1046000",
    ),
    (
        "fulfillment_orders/cancelled",
        FULFILLMENT_ORDER,
        EventType.FULFILLMENT_ORDER_CANCELLED,
        None,
        "1046000",
    ),
]


def test_every_mapped_topic_is_tested() -> None:
    assert {case[0] for case in TOPIC_CASES} == set(webhooks.TOPICS)


@pytest.mark.parametrize(("topic", "payload", "kind", "order_id", "object_id"), TOPIC_CASES)
def test_each_topic_becomes_its_canonical_event(
    topic: str,
    payload: dict[str, Any],
    kind: EventType,
    order_id: str | None,
    object_id: str | None,
) -> None:
    headers, body = delivery(topic, payload)
    (event,) = uo.webhooks.receive("shopify", headers, body, SECRET, "main")
    assert event.type is kind
    assert (event.order_id, event.object_id) == (order_id, object_id)
    assert event.topic == topic
    assert (event.platform, event.store) == ("shopify", "main")
    assert event.id == "98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert event.raw == payload
    assert event.occurred_at.tzinfo is not None


def test_an_order_id_in_a_fulfillment_order_payload_is_kept() -> None:
    payload = {
        "fulfillment_order": {
            "id": "gid://shopify/FulfillmentOrder/7",
            "order_id": "gid://shopify/Order/5",
        }
    }
    headers, body = delivery("fulfillment_orders/placed_on_hold", payload)
    (event,) = webhooks.parse(headers, body, "main")
    assert (event.order_id, event.object_id) == ("5", "7")


def test_a_topic_with_no_canonical_meaning_gives_no_event() -> None:
    headers, body = delivery("products/update", {"id": 1})
    assert uo.webhooks.receive("shopify", headers, body, SECRET, "main") == []


def test_the_topic_header_is_required() -> None:
    headers, body = delivery("orders/create", ORDER)
    del headers["X-Shopify-Topic"]
    with pytest.raises(uo.InvalidRequest, match="X-Shopify-Topic"):
        webhooks.parse(headers, body, "main")


@pytest.mark.parametrize(
    ("topic", "payload", "where"),
    [
        ("orders/create", {"name": "#1001"}, "body.id"),
        ("orders/create", {"id": 1.5}, "body.id"),
        ("refunds/create", {"id": 1}, "body.order_id"),
        ("fulfillment_orders/moved", {"id": 1}, "body.fulfillment_order"),
        (
            "fulfillment_orders/placed_on_hold",
            {"fulfillment_order": {}},
            "body.fulfillment_order.id",
        ),
        ("orders/create", [ORDER], "body"),
    ],
)
def test_a_payload_shopify_does_not_document_is_an_invalid_request(
    topic: str, payload: Any, where: str
) -> None:
    headers, body = delivery(topic, payload)
    with pytest.raises(uo.InvalidRequest) as caught:
        uo.webhooks.receive("shopify", headers, body, SECRET, "main")
    assert caught.value.problems[0].path == where
