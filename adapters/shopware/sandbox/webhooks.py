"""App webhooks in the sandbox: signed deliveries as an installed app receives them.

Shopware sends webhooks only to apps (manifest ``<webhooks>``), signed with the secret the app
assigned to the shop at registration; the Admin API an integration uses cannot subscribe. So
the sandbox is configured directly, as if an app were installed:
``emulator.webhooks.install(url, events, shop_secret=..., shop_id=...)``.

After each write :class:`ShopwareWebhooks` compares the orders and the state-machine states of
orders, transactions, deliveries, refunds and returns with the last look and posts:
``checkout.order.placed`` and ``order.written`` (insert) for a new order, ``order.written``
(update) for a changed order row, ``order.deleted`` for a vanished one, and
``state_enter.<machine>.<state>`` for each state entered (e.g.
``state_enter.order_transaction.state.refunded_partially``).

The body is ``{data: {payload, event}, source: {url, appVersion, shopId, eventId}, timestamp}``
and ``shopware-shop-signature`` the hex HMAC-SHA256 of the raw body with the shop secret.
``order.written`` carries ids only, as documented; the ``state_enter`` payload (``order``, and
the entity that moved under its camel-case name, e.g. ``orderTransaction``) is INFERRED.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from unified_orders.sandbox.outbox import Change, ChangeWatcher, Delivery, Facts, Outbox

__all__ = ["SIGNATURE_HEADER", "ShopwareWebhooks", "sign"]

SIGNATURE_HEADER = "shopware-shop-signature"
SHOP_URL = "http://shopware.sandbox"
_MACHINES = {
    "order": "order.state",
    "order_transaction": "order_transaction.state",
    "order_delivery": "order_delivery.state",
    "order_transaction_capture_refund": "order_transaction_capture_refund.state",
    "order_return": "order_return.state",
}
Json = dict[str, Any]


def sign(body: bytes, shop_secret: str) -> str:
    """The ``shopware-shop-signature`` value: hex HMAC-SHA256 of the raw body."""
    return hmac.new(shop_secret.encode(), body, hashlib.sha256).hexdigest()


class ShopwareWebhooks:
    """An installed app's webhooks: configuration and signed deliveries."""

    def __init__(self, state: Callable[[], Json]) -> None:
        self.state_of = state
        self.outbox = Outbox()
        self.watcher = ChangeWatcher(self._facts)

    def install(
        self,
        url: str,
        events: Sequence[str] = ("checkout.order.placed", "order.written", "order.deleted"),
        *,
        shop_secret: str = "sandbox-shop-secret",
        shop_id: str = "sandboxShop01",
        name: str = "unified-orders",
    ) -> Json:
        """Register an app webhook (what the app's manifest and registration would do).

        An event ending in ``*`` (``state_enter.*``) matches every event with that prefix.
        """
        hook = {
            "name": name,
            "url": url,
            "events": list(events),
            "shop_secret": shop_secret,
            "shop_id": shop_id,
        }
        self.state_of().setdefault("app_webhooks", []).append(hook)
        return hook

    def uninstall(self) -> None:
        """Remove every app webhook."""
        self.state_of().pop("app_webhooks", None)

    def _hooks(self) -> list[Json]:
        hooks: list[Json] = self.state_of().get("app_webhooks") or []
        return hooks

    def changed(self) -> None:
        """Emit what changed since the last call (the emulator's ``changed`` hook)."""
        for change in self.watcher.changes_while(bool(self._hooks())):
            for event, payload in self._events(change):
                self._deliver(event, payload)

    def _facts(self) -> Facts:
        tables = self.state_of()["tables"]
        facts: dict[tuple[str, str], Hashable] = {}
        for key, row in tables.get("order", {}).items():
            facts[("order", key)] = json.dumps(row, sort_keys=True, default=str)
        for table in _MACHINES:
            for key, row in tables.get(table, {}).items():
                facts[(f"state:{table}", key)] = row.get("stateId")
        return facts

    def _state_name(self, state_id: Any) -> str:
        row = self.state_of()["tables"].get("state_machine_state", {}).get(str(state_id))
        return str(row["technicalName"]) if row else "unknown"

    def _order_id(self, table: str, row: Json) -> str:
        """The order a row belongs to (a capture refund through its capture and transaction)."""
        tables = self.state_of()["tables"]
        if table == "order":
            return str(row["id"])
        if table == "order_transaction_capture_refund":
            capture = tables.get("order_transaction_capture", {}).get(str(row.get("captureId")), {})
            row = tables.get("order_transaction", {}).get(
                str(capture.get("orderTransactionId")), {}
            )
        return str(row.get("orderId"))

    def _events(self, change: Change) -> list[tuple[str, Any]]:
        tables = self.state_of()["tables"]
        if change.kind == "order":
            written = {"entity": "order", "primaryKey": change.id}
            if change.after is None:
                return [("order.deleted", [{**written, "operation": "delete"}])]
            if change.before is None:
                row = tables["order"][change.id]
                return [
                    ("checkout.order.placed", {"order": row}),
                    ("order.written", [{**written, "operation": "insert"}]),
                ]
            return [("order.written", [{**written, "operation": "update"}])]
        table = change.kind.removeprefix("state:")
        if change.after is None or (change.before is None and table == "order"):
            return []
        if change.before is None and table != "order":
            return []  # a new row starts in its machine's initial state: no transition
        row = tables[table][change.id]
        order = tables["order"].get(self._order_id(table, row), {})
        event = f"state_enter.{_MACHINES[table]}.{self._state_name(change.after)}"
        entity = "".join(p.capitalize() for p in table.split("_"))
        payload = {"order": order, entity[0].lower() + entity[1:]: row}
        return [(event, payload)]

    def _deliver(self, event: str, payload: Any) -> None:
        for hook in self._hooks():
            if not any(_matches(event, wanted) for wanted in hook["events"]):
                continue
            body = {
                "data": {"payload": payload, "event": event},
                "source": {
                    "url": SHOP_URL,
                    "appVersion": "1.0.0",
                    "shopId": hook["shop_id"],
                    "eventId": uuid.uuid4().hex,
                },
                "timestamp": int(time.time()),
            }
            raw = json.dumps(body, default=str).encode()
            secret = str(hook["shop_secret"]) + ("-wrong" if self.outbox.bad_signature else "")
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}
            self.outbox.post(Delivery(str(hook["url"]), raw, headers))


def _matches(event: str, wanted: str) -> bool:
    return event.startswith(wanted[:-1]) if wanted.endswith("*") else event == wanted
