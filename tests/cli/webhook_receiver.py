"""Helpers for the receiver tests: a Shopify sandbox store, a receiver serving it on loopback
(a real uvicorn on a free port), and deliveries signed the way Shopify signs them, computed here
with hmac independently of the library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import unified_orders as uo
from unified_orders.http import emulator_transport
from unified_orders.sync.writer import Database
from unified_orders.webhooks_server import Endpoint, Forwarder, Receiver, ReceiverServer, bind

SECRET = "test-app-secret"
STORE = "shop"
SHOP_DOMAIN = "sandbox-shop.myshopify.com"
#: A Standard Webhooks secret: whsec_ and base64 of the key bytes.
FORWARD_KEY = b"forwarding-key-of-32-bytes-long!"
FORWARD_SECRET = "whsec_" + base64.b64encode(FORWARD_KEY).decode()


def shopify_delivery(
    topic: str, payload: dict[str, Any], event_id: str, *, secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a Shopify delivery, signed: base64 HMAC-SHA256 of the raw body."""
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return body, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": SHOP_DOMAIN,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": f"webhook-{event_id}",
        "X-Shopify-Triggered-At": "2026-12-01T10:00:00Z",
    }


@dataclass
class Running:
    """A receiver on loopback, the sandbox store it reads, and the database it writes."""

    server: ReceiverServer
    store: uo.Store
    db: Database

    @property
    def url(self) -> str:
        """The shop's endpoint."""
        return self.server.endpoint(STORE)

    def inbox_rows(self) -> list[tuple[Any, ...]]:
        """(platform, store, delivery_id, processed, error) of every inbox row."""
        cursor = self.db.con.cursor()
        try:
            return cursor.execute(
                "SELECT platform, store, delivery_id, processed_at IS NOT NULL, error "
                "FROM webhook_inbox ORDER BY delivery_id"
            ).fetchall()
        finally:
            cursor.close()


def sandbox_transport(store: uo.Store) -> Any:
    """An httpx transport answering from ``store``'s emulator (to share it between stores)."""
    assert store.sandbox is not None
    return emulator_transport(store.sandbox)


@contextmanager
def receiving(
    db_path: Path,
    *,
    max_body: int = 64 * 1024,
    store: uo.Store | None = None,
    secret: str = SECRET,
    forward_to: str | None = None,
) -> Iterator[Running]:
    """A receiver for store ``shop`` (``store``, any platform's sandbox store; by default a
    Shopify sandbox) writing into ``db_path``."""
    own = store is None
    store = store or uo.connect("shopify", sandbox=True)
    transport = sandbox_transport(store)
    platform = store.platform

    def open_store() -> uo.AsyncStore:
        return uo.connect_async(platform, sandbox=True, transport=transport)

    db = Database(db_path)
    endpoints = {STORE: Endpoint(STORE, platform, secret, open_store)}
    forwarder = Forwarder(forward_to, FORWARD_SECRET) if forward_to else None
    receiver = Receiver(db, endpoints, max_body=max_body, forwarder=forwarder)
    server = ReceiverServer(receiver, bind("127.0.0.1", 0))
    server.start()
    try:
        yield Running(server, store, db)
    finally:
        server.stop()
        db.close()
        if own:
            store.close()
