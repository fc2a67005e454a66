"""The webhook core: canonical events, the verify-then-parse seam, and the shared delivery rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest

import unified_orders as uo
from unified_orders.webhooks import Event, EventType, WebhookRules
from unified_orders.webhooks.delivery import (
    body_json,
    header,
    parse_time,
    require_secret,
    require_signature,
    signature_base64,
    signature_hex,
    signatures_match,
)

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def an_event(**changes: object) -> Event:
    fields: dict[str, object] = {
        "id": "d-1",
        "type": EventType.REFUND_CREATED,
        "platform": "toy",
        "store": "main",
        "order_id": "1001",
        "occurred_at": WHEN,
        "topic": "refunds/create",
        "object_id": "9",
        "raw": {"id": 9},
    }
    fields.update(changes)
    return Event.model_validate(fields)


# --- the public names -------------------------------------------------------------------------


def test_the_public_names_are_the_webhook_ones() -> None:
    assert uo.Event is Event
    assert uo.EventType is EventType
    assert uo.WebhookSignatureError is uo.webhooks.WebhookSignatureError
    assert issubclass(uo.WebhookSignatureError, uo.UnifiedOrdersError)
    assert callable(uo.webhooks.receive)


def test_every_builtin_adapter_has_webhook_rules() -> None:
    for platform in ("nextcommerce", "shopify", "shopware"):
        rules = uo.webhooks.rules(platform)
        assert rules.__name__ == f"unified_orders_adapters.{platform}.webhooks"  # type: ignore[attr-defined]


def test_an_unknown_platform_is_a_configuration_error() -> None:
    with pytest.raises(uo.ConfigurationError, match="unknown platform"):
        uo.webhooks.rules("acme")


# --- the event model --------------------------------------------------------------------------


def test_the_event_types_are_a_closed_set_of_dotted_names() -> None:
    assert EventType("refund.created") is EventType.REFUND_CREATED
    assert {t.value.partition(".")[0] for t in EventType} == {
        "order",
        "refund",
        "return",
        "fulfillment_order",
    }
    with pytest.raises(ValueError, match="is not a valid EventType"):
        EventType("refund.updated")
    with pytest.raises(pydantic.ValidationError):
        an_event(type="order.exploded")


def test_raw_is_left_out_of_equality_and_dumps() -> None:
    assert an_event(raw={"a": 1}) == an_event(raw={"b": 2})
    assert an_event() != an_event(order_id="1002")
    assert "raw" not in an_event().model_dump()
    assert an_event(raw={"a": 1}).raw == {"a": 1}


def test_occurred_at_must_be_timezone_aware() -> None:
    with pytest.raises(pydantic.ValidationError):
        an_event(occurred_at=datetime(2026, 1, 2, 3, 4, 5))  # naive
    offset = an_event(occurred_at=WHEN.astimezone(timezone(timedelta(hours=-5))))
    assert offset.occurred_at == WHEN


def test_events_are_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        an_event().order_id = "2"  # type: ignore[misc]


# --- verify, then parse ----------------------------------------------------------------------


class ToyRules:
    """Rules that record what was called, so the order of verify and parse is visible."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def verify(self, headers: object, body: bytes, secret: str | bytes) -> None:
        self.calls.append("verify")
        expected = signature_hex(secret, body)
        given = require_signature("toy", headers, "X-Toy-Signature")  # type: ignore[arg-type]
        if not signatures_match(expected, given):
            raise uo.WebhookSignatureError("toy", "X-Toy-Signature")

    def parse(self, headers: object, body: bytes, store: str) -> list[Event]:
        self.calls.append("parse")
        return [an_event(store=store)]

    def delivery_id(self, headers: object, body: bytes) -> str:
        return "d-1"

    def route(self, headers: object, body: bytes) -> str | None:
        return "toy-shop"

    def topic(self, headers: object, body: bytes) -> str:
        return "refunds/create"


def test_receive_verifies_before_it_parses() -> None:
    toy = ToyRules()
    rules: WebhookRules = toy
    body = b'{"id": 9}'
    good = {"x-toy-signature": hmac.new(b"k", body, hashlib.sha256).hexdigest()}
    assert uo.webhooks.receive(rules, good, body, "k", "main") == [an_event(store="main")]
    assert toy.calls == ["verify", "parse"]
    toy.calls.clear()
    with pytest.raises(uo.WebhookSignatureError):
        uo.webhooks.receive(rules, {"x-toy-signature": "00"}, body, "k", "main")
    assert toy.calls == ["verify"]  # a bad signature is never parsed
    assert uo.webhooks.delivery_id(rules, good, body) == "d-1"
    assert uo.webhooks.route(rules, good, body) == "toy-shop"
    assert uo.webhooks.topic(rules, good, body) == "refunds/create"


# --- the shared delivery rules ---------------------------------------------------------------


def test_headers_are_read_case_insensitively_from_mappings_and_pairs() -> None:
    assert header({"X-Shopify-Topic": "orders/create"}, "x-shopify-topic") == "orders/create"
    assert header([("x-shopify-topic", "orders/create")], "X-Shopify-Topic") == "orders/create"
    assert header({"Shopify-Topic": "a"}, "X-Shopify-Topic", "Shopify-Topic") == "a"
    assert header({}, "X-Shopify-Topic") is None


def test_signatures_match_independent_hmac() -> None:
    body = b'{"id":1}'
    digest = hmac.new(b"secret", body, hashlib.sha256)
    assert signature_hex("secret", body) == digest.hexdigest()
    assert signature_hex(b"secret", body) == digest.hexdigest()
    assert signature_base64("secret", body) == base64.b64encode(digest.digest()).decode()
    assert signatures_match(digest.hexdigest(), f" {digest.hexdigest()} ")
    assert not signatures_match(digest.hexdigest(), digest.hexdigest()[:-1] + "0")
    assert not signatures_match(digest.hexdigest(), "é" * 64)  # non-ASCII: no match, no crash


def test_a_missing_or_empty_signature_is_a_signature_error() -> None:
    for headers in ({}, {"X-Sig": "  "}):
        with pytest.raises(uo.WebhookSignatureError, match="has no X-Sig") as caught:
            require_signature("toy", headers, "X-Sig")
        assert caught.value.missing
        assert caught.value.platform == "toy"


def test_an_empty_secret_is_a_configuration_error() -> None:
    for secret in ("", b""):
        with pytest.raises(uo.ConfigurationError, match="no webhook secret"):
            require_secret("toy", secret, "say which")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "is not JSON"),
        (b"\xff\xfe", "is not JSON"),
        (b"[1, 2]", "is not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_an_invalid_request(body: bytes, message: str) -> None:
    with pytest.raises(uo.InvalidRequest, match=message) as caught:
        body_json("toy", body)
    assert caught.value.operation == "toy webhook"


def test_times_are_made_timezone_aware() -> None:
    assert parse_time("toy", "2026-01-02T03:04:05Z", "t") == WHEN
    assert parse_time("toy", "2026-01-02T03:04:05", "t") == WHEN  # naive: UTC
    assert parse_time("toy", "2026-01-01T22:04:05-05:00", "t") == WHEN
    assert parse_time("toy", int(WHEN.timestamp()), "t") == WHEN
    for bad in ("yesterday", True, None, [1]):
        with pytest.raises(uo.InvalidRequest, match="is not a time"):
            parse_time("toy", bad, "t")
