"""End to end: a refund in the Shopify sandbox -> the sandbox's signed delivery to a subscribed
receiver (a real uvicorn on loopback) -> verified -> inbox -> order re-read -> the refund is in
``report refunds``; the sandbox's duplicate and bad-signature faults along the way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner
from webhook_receiver import FORWARD_KEY, Running, receiving, sandbox_transport

import unified_orders as uo
from unified_orders.cli import app
from unified_orders.sync import run_sync

#: The secret each sandbox signs with: Shopify's app client secret (the sandbox's own), Next
#: Commerce's the subscription's ``secret_key`` (given when subscribing).
SECRETS = {"shopify": "sandbox-app-secret", "nextcommerce": "next-commerce-hook-secret"}
SANDBOX_SECRET = SECRETS["shopify"]


def subscribe(store: uo.Store, url: str) -> None:
    """Subscribe ``url`` to refunds through the store's own API (the sandbox keeps it)."""
    secret = SECRETS[store.platform] if store.platform == "nextcommerce" else None
    assert store.webhooks.subscribe(url, "refund.created", secret=secret)


def refunds_report(db: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.splitlines()[0])


def wait_until(check: Any, timeout: float = 20.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError("timed out")


def refund_one_unit(store: uo.Store) -> uo.Refund:
    """Refund one unit of the first paid order line not refunded yet."""
    order, line = next(
        (o, ln)
        for o in store.orders.list()
        if o.financial_status.value == "paid"
        for ln in o.lines
        if ln.quantity > ln.refunded_quantity
    )
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
    return store.refunds.create(order.id, request)


@pytest.mark.parametrize("platform", ["shopify", "nextcommerce"])
def test_a_refund_reaches_the_report_through_a_delivery(tmp_path: Path, platform: str) -> None:
    db = tmp_path / "reports.duckdb"
    store = uo.connect(platform, sandbox=True)
    transport = sandbox_transport(store)
    summary = run_sync(
        {"shop": lambda: uo.connect_async(platform, sandbox=True, transport=transport)}, db
    )
    assert summary.ok
    before = refunds_report(db)
    with receiving(db, store=store, secret=SECRETS[platform]) as running:
        subscribe(store, running.url)
        assert store.sandbox is not None
        outbox = store.sandbox.webhooks.outbox  # type: ignore[attr-defined]
        outbox.duplicate = True
        refunded_at = time.monotonic()
        refund_one_unit(store)
        outbox.flush()
        wait_until(lambda: _processed(running) == len(running.inbox_rows()))
        seconds = time.monotonic() - refunded_at
        assert outbox.sent
        assert [d.status for d in outbox.sent] == [200] * len(outbox.sent)
        rows = running.inbox_rows()
        assert len(rows) == len(outbox.sent) // 2, rows  # each duplicate stored once
        assert [row[4] for row in rows] == [None] * len(rows)  # processed without an error
        assert seconds < 10
    after = refunds_report(db)
    assert after["refunds"] == before["refunds"] + 1
    assert after["units"] == before["units"] + 1


def test_a_delivery_with_a_bad_signature_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "reports.duckdb"
    store = uo.connect("shopify", sandbox=True)
    with receiving(db, store=store, secret=SANDBOX_SECRET) as running:
        subscribe(store, running.url)
        assert store.sandbox is not None
        outbox = store.sandbox.webhooks.outbox  # type: ignore[attr-defined]
        outbox.bad_signature = True
        refund_one_unit(store)
        wait_until(lambda: bool(outbox.sent) and outbox.sent[-1].status is not None)
        assert [d.status for d in outbox.sent] == [401]
        assert running.inbox_rows() == []


def _processed(running: Running) -> int:
    return sum(1 for row in running.inbox_rows() if row[3])


class _Capture(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_canonical_events_are_forwarded_signed_the_standard_webhooks_way(tmp_path: Path) -> None:
    capture = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=capture.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{capture.server_address[1]}/events"
    store = uo.connect("shopify", sandbox=True)
    try:
        with receiving(
            tmp_path / "db.duckdb", store=store, secret=SANDBOX_SECRET, forward_to=target
        ) as running:
            subscribe(store, running.url)
            refund = refund_one_unit(store)
            wait_until(lambda: bool(_Capture.seen))
    finally:
        capture.shutdown()
    headers, body = _Capture.seen[0]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(FORWARD_KEY, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    event = json.loads(body)
    assert event["type"] == "refund.created"
    assert event["store"] == "shop"
    assert event["object_id"] == refund.id
    assert headers["webhook-id"] == event["id"]
