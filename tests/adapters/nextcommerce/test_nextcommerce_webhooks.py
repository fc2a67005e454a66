"""Next Commerce webhooks: the hex signature of the re-serialised JSON (or the raw body), the
envelope's event id and store, and refunds derived from refund transactions."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from unified_orders_adapters.nextcommerce import webhooks

import unified_orders as uo
from unified_orders.webhooks import EventType

SECRET = "nc-webhook-secret"
EVENT_ID = "a7a26ff2-e851-45b6-9634-d595f45458b7"


def sign(message: bytes, secret: str = SECRET) -> str:
    """Next Commerce's hex signature, computed here independently of the library."""
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def envelope(event_type: str, data: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "api_version": "2024-04-01",
        "event_id": EVENT_ID,
        "event_type": event_type,
        "object": event_type.partition(".")[0],
        "data": data,
        "webhook": {
            "id": 1,
            "store": "example",
            "events": [event_type],
            "target": "https://x.test/",
        },
    }
    body.update(extra)
    return body


def delivery(event_type: str, data: Any, **extra: Any) -> tuple[dict[str, str], bytes]:
    """A delivery as Next Commerce's example sends it: compact bytes, the re-serialised form signed."""
    payload = envelope(event_type, data, **extra)
    body = json.dumps(payload, separators=(",", ":")).encode()
    return {"X-29Next-Signature": sign(json.dumps(payload).encode())}, body


# --- the signature ---------------------------------------------------------------------------


def test_known_vectors_of_the_reserialised_and_the_raw_body() -> None:
    # computed outside Python: printf '%s' BODY | openssl dgst -sha256 -hmac nc-secret
    raw = b'{"event_id":"e-1","event_type":"order.created"}'
    reserialised = b'{"event_id": "e-1", "event_type": "order.created"}'
    assert json.dumps(json.loads(raw)).encode() == reserialised
    of_reserialised = "f4224ca653a5cc6cca30f4a2228c38409f3b4586659feb5b8e2fe714272d4b6c"
    of_raw = "9b5dfafccfd87bb746f1e9c505d92690f2fcc1c07d166d20da1c7afc1daaf670"
    assert sign(reserialised, "nc-secret") == of_reserialised
    assert sign(raw, "nc-secret") == of_raw
    assert webhooks.reserialised(raw) == reserialised
    webhooks.verify({"X-29Next-Signature": of_reserialised}, raw, "nc-secret")
    webhooks.verify({"x-29next-signature": of_raw}, raw, "nc-secret")


def test_the_reserialisation_escapes_non_ascii_as_python_does() -> None:
    raw = '{"data":{"note":"Café"}}'.encode()
    expected = b'{"data": {"note": "Caf\\u00e9"}}'
    assert webhooks.reserialised(raw) == expected
    webhooks.verify({"X-29Next-Signature": sign(expected)}, raw, SECRET)
    with pytest.raises(uo.WebhookSignatureError):  # the UTF-8 form is neither signed form
        webhooks.verify(
            {"X-29Next-Signature": sign('{"data": {"note": "Café"}}'.encode())}, raw, SECRET
        )


def test_a_wrong_secret_is_refused() -> None:
    headers, body = delivery("order.created", {"number": "1001"})
    with pytest.raises(uo.WebhookSignatureError, match="wrong X-29Next-Signature"):
        webhooks.verify(headers, body, "another-secret")


def test_a_tampered_body_is_refused() -> None:
    headers, body = delivery("transaction.created", {"id": 7, "type": "refund", "order": "1001"})
    with pytest.raises(uo.WebhookSignatureError):
        uo.webhooks.receive(
            "nextcommerce", headers, body.replace(b'"1001"', b'"1002"'), SECRET, "s"
        )


def test_a_missing_signature_is_refused() -> None:
    _, body = delivery("order.created", {"number": "1001"})
    with pytest.raises(uo.WebhookSignatureError, match="has no X-29Next-Signature") as caught:
        uo.webhooks.receive("nextcommerce", {}, body, SECRET, "s")
    assert caught.value.missing


def test_no_secret_is_a_configuration_error() -> None:
    headers, body = delivery("order.created", {"number": "1001"})
    with pytest.raises(uo.ConfigurationError, match="secret_key"):
        webhooks.verify(headers, body, "")


def test_a_body_that_is_not_json_is_refused_unless_its_raw_bytes_are_signed() -> None:
    with pytest.raises(uo.WebhookSignatureError):
        webhooks.verify({"X-29Next-Signature": sign(b"{}")}, b"not json", SECRET)
    headers = {"X-29Next-Signature": sign(b"not json")}
    webhooks.verify(headers, b"not json", SECRET)  # signed as it is: a signature matter settled
    with pytest.raises(uo.InvalidRequest, match="is not JSON"):
        uo.webhooks.receive("nextcommerce", headers, b"not json", SECRET, "s")


# --- de-duplication, routing ---------------------------------------------------------------------


def test_the_delivery_id_is_the_event_id_and_the_store_routes() -> None:
    headers, body = delivery("order.created", {"number": "1001"})
    assert uo.webhooks.delivery_id("nextcommerce", headers, body) == EVENT_ID
    assert uo.webhooks.route("nextcommerce", headers, body) == "example"
    assert uo.webhooks.topic("nextcommerce", headers, body) == "order.created"
    _, bare = delivery("order.created", {"number": "1001"}, webhook=None)
    assert webhooks.route({}, bare) is None


def test_a_delivery_without_an_event_id_is_an_invalid_request() -> None:
    headers, body = delivery("order.created", {"number": "1001"}, event_id=None)
    with pytest.raises(uo.InvalidRequest, match="event_id"):
        webhooks.delivery_id(headers, body)


# --- every event ---------------------------------------------------------------------------------

ORDER = {"id": None, "number": "1001", "status": "open", "updated_at": "2026-01-02T03:04:05Z"}
REFUND_TXN = {"id": 77, "type": "refund", "order": "1001", "date_created": "2026-01-02T03:04:05Z"}
DEBIT_TXN = {"id": 76, "type": "debit", "order": "1001", "date_created": "2026-01-02T03:04:05Z"}
FULFILLMENT = {"id": 5, "order_number": "1001", "created_at": "2026-01-02T03:04:05Z"}

EVENT_CASES = [
    ("order.created", ORDER, EventType.ORDER_CREATED, None),
    ("order.updated", ORDER, EventType.ORDER_UPDATED, None),
    ("transaction.created", REFUND_TXN, EventType.REFUND_CREATED, "77"),
    ("transaction.created", DEBIT_TXN, EventType.ORDER_UPDATED, None),
    ("transaction.updated", REFUND_TXN, EventType.ORDER_UPDATED, None),
    ("fulfillment.created", FULFILLMENT, EventType.ORDER_UPDATED, None),
    ("fulfillment.updated", FULFILLMENT, EventType.ORDER_UPDATED, None),
]


@pytest.mark.parametrize(("event_type", "data", "kind", "object_id"), EVENT_CASES)
def test_each_event_becomes_its_canonical_event(
    event_type: str, data: dict[str, Any], kind: EventType, object_id: str | None
) -> None:
    headers, body = delivery(event_type, data)
    (event,) = uo.webhooks.receive("nextcommerce", headers, body, SECRET, "main")
    assert event.type is kind
    assert (event.order_id, event.object_id) == ("1001", object_id)
    assert (event.id, event.topic, event.platform, event.store) == (
        EVENT_ID,
        event_type,
        "nextcommerce",
        "main",
    )
    assert event.occurred_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert event.raw == json.loads(body)


@pytest.mark.parametrize("event_type", ["product.created", "customer.updated", "app.uninstalled"])
def test_events_with_no_canonical_meaning_give_no_event(event_type: str) -> None:
    headers, body = delivery(event_type, {"id": 1})
    assert uo.webhooks.receive("nextcommerce", headers, body, SECRET, "main") == []


def test_an_order_without_a_time_is_dated_when_read() -> None:
    headers, body = delivery("order.updated", {"number": "1001"})
    before = datetime.now(UTC)
    (event,) = webhooks.parse(headers, body, "main")
    assert before <= event.occurred_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("event_type", "data", "where"),
    [
        ("order.updated", None, "body.data"),
        ("order.updated", {"status": "open"}, "body.data.number"),
        ("transaction.created", {"id": 77, "type": "refund", "order": None}, "body.data.order"),
        ("transaction.created", {"type": "refund", "order": "1001"}, "body.data.id"),
        ("fulfillment.created", {"id": 5}, "body.data.order_number"),
        ("order.updated", {"number": "1001", "updated_at": "soon"}, "body.data.updated_at"),
    ],
)
def test_a_payload_next_commerce_does_not_document_is_an_invalid_request(
    event_type: str, data: Any, where: str
) -> None:
    headers, body = delivery(event_type, data)
    with pytest.raises(uo.InvalidRequest) as caught:
        uo.webhooks.receive("nextcommerce", headers, body, SECRET, "main")
    assert caught.value.problems[0].path == where
