"""``webhooks serve``'s receiver on a real uvicorn on loopback: signed deliveries are kept once
(duplicates, retries and concurrent copies included), everything else is refused with its
status, and nothing secret or customer-owned reaches the logs."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from webhook_receiver import SECRET, STORE, Running, receiving, shopify_delivery

from unified_orders.sync.writer import Database
from unified_orders.webhooks_server import Delivery, Inbox

SANDBOX_ORDER = 820982911946154511  # order #1001 of the Shopify sandbox's demo data
ORDER_PAYLOAD = {"id": 450789469, "email": "jane.customer@example.com", "total_price": "10.00"}


@pytest.fixture
def running(tmp_path: Path) -> Any:
    with receiving(tmp_path / "db.duckdb", max_body=4096) as served:
        yield served


def post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=10)


def wait_processed(running: Running, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = running.inbox_rows()
        if len(rows) >= count and all(row[3] for row in rows):
            return
        time.sleep(0.05)
    raise AssertionError(f"not processed in time: {running.inbox_rows()}")


def test_a_signed_delivery_is_accepted_and_a_duplicate_is_kept_once(running: Running) -> None:
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-1")
    first = post(running.url, body, headers)
    second = post(running.url, body, headers)
    assert (first.status_code, first.json()) == (200, {"accepted": True, "duplicate": False})
    assert (second.status_code, second.json()) == (200, {"accepted": True, "duplicate": True})
    wait_processed(running, 1)
    rows = running.inbox_rows()
    assert [row[:3] for row in rows] == [("shopify", STORE, "evt-1")]


def test_a_retry_with_a_new_webhook_id_is_the_same_event(running: Running) -> None:
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-2")
    assert post(running.url, body, headers).json()["duplicate"] is False
    wait_processed(running, 1)
    retry = {**headers, "X-Shopify-Webhook-Id": "another-delivery-of-evt-2"}
    assert post(running.url, body, retry).json()["duplicate"] is True
    assert len(running.inbox_rows()) == 1


def test_concurrent_copies_of_one_delivery_are_stored_once(running: Running) -> None:
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-3")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(running.url, body, headers), range(24)))
    assert {a.status_code for a in answers} == {200}
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    wait_processed(running, 1)
    assert len(running.inbox_rows()) == 1


@pytest.mark.parametrize("how", ["wrong secret", "missing", "tampered body"])
def test_a_bad_signature_is_401_and_nothing_is_kept(running: Running, how: str) -> None:
    body, headers = shopify_delivery(
        "orders/updated",
        ORDER_PAYLOAD,
        "evt-4",
        secret="not-" + SECRET if how == "wrong secret" else SECRET,
    )
    if how == "missing":
        del headers["X-Shopify-Hmac-Sha256"]
    if how == "tampered body":
        body = body.replace(b"10.00", b"0.01")
    answer = post(running.url, body, headers)
    assert answer.status_code == 401
    assert answer.json()["accepted"] is False
    assert running.inbox_rows() == []


def test_a_body_over_the_limit_is_413(running: Running) -> None:
    payload = {**ORDER_PAYLOAD, "note": "x" * 5000}
    body, headers = shopify_delivery("orders/updated", payload, "evt-5")
    assert post(running.url, body, headers).status_code == 413
    # without a Content-Length too (chunked): the limit holds while reading
    chunked = httpx.post(
        running.url, content=iter([body[:3000], body[3000:]]), headers=headers, timeout=10
    )
    assert chunked.status_code == 413
    assert running.inbox_rows() == []


def test_an_unknown_store_is_404_and_other_methods_405(running: Running) -> None:
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-6")
    unknown = running.server.endpoint("nobody")
    assert post(unknown, body, headers).status_code == 404
    assert httpx.get(running.url, timeout=10).status_code == 405
    assert httpx.put(running.url, content=body, headers=headers, timeout=10).status_code == 405
    assert running.inbox_rows() == []


def test_a_delivery_missing_its_event_ids_is_400(running: Running) -> None:
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-7")
    del headers["X-Shopify-Event-Id"], headers["X-Shopify-Webhook-Id"]
    assert post(running.url, body, headers).status_code == 400
    assert running.inbox_rows() == []


def test_the_logs_hold_no_secret_and_no_payload(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, headers = shopify_delivery("orders/updated", ORDER_PAYLOAD, "evt-8")
    post(running.url, body, headers)
    bad = {**headers, "X-Shopify-Hmac-Sha256": "AAAA"}
    post(running.url, body.replace(b"evt", b"xyz"), bad)
    wait_processed(running, 1)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "evt-8" in text  # the delivery id is logged (it is how to find a delivery)
    for secret_or_payload in (SECRET, headers["X-Shopify-Hmac-Sha256"], "jane.customer", "10.00"):
        assert secret_or_payload not in text
    assert json.dumps(ORDER_PAYLOAD) not in text


def test_a_delivery_accepted_before_a_stop_is_processed_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    body, headers = shopify_delivery("orders/updated", {"id": SANDBOX_ORDER}, "evt-9")
    db = Database(path)
    inbox = Inbox(db)
    inbox.record(Delivery("shopify", STORE, "evt-9", "orders/updated", headers, body))
    inbox.close()
    db.close()  # as a server stopped (or killed) between the answer and the processing leaves it
    with receiving(path) as running:
        wait_processed(running, 1)
        assert running.inbox_rows() == [("shopify", STORE, "evt-9", True, None)]
        assert running.db.counts(STORE)["orders"] == 1
