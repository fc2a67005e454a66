"""Webhooks in the sandbox: the ``/webhooks/`` endpoints and signed deliveries.

Subscriptions live in the state (``webhooks``), shaped like the 2024-04-01 ``Webhook`` schema.
After each write :class:`NextCommerceWebhooks` compares the orders with the last look and posts,
to every active subscription naming the event:

- ``order.created`` for a new order, ``order.updated`` for any change to one (status, refunds,
  fulfillments, transactions: the platform's "order.updated is noisy");
- ``transaction.created`` for a new transaction (a refund is ``type: refund``: there is no
  refund event on this platform).

The body is the documented envelope ``{api_version, event_id, event_type, object, data,
webhook}`` serialised with Python's default ``json.dumps`` separators, and
``X-29Next-Signature`` is the hex HMAC-SHA256 of ``json.dumps(json.loads(body))`` keyed with the
subscription's ``secret_key`` (so the raw body and its re-serialisation verify alike).
Fulfillment orders have no events on this platform; their holds are not emitted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from unified_orders.sandbox import EmulatorError, SandboxRequest
from unified_orders.sandbox.outbox import Change, ChangeWatcher, Delivery, Outbox

from ..rules import API_VERSION
from .render import render_order, render_transaction
from .state import Json, NextCommerceBackend, bad_request

if TYPE_CHECKING:
    from unified_orders.sandbox.outbox import Facts

__all__ = ["EVENTS", "SIGNATURE_HEADER", "NextCommerceWebhooks", "WebhookHandlers", "sign"]

SIGNATURE_HEADER = "X-29Next-Signature"
#: The events the sandbox accepts on a subscription (the documented list; it emits the order ones).
EVENTS = frozenset(
    {
        "app.uninstalled", "cart.abandoned", "customer.created", "customer.updated",
        "dispute.created", "dispute.updated", "export.created", "fulfillment.created",
        "fulfillment.updated", "gateway.created", "gateway.updated", "order.created",
        "order.updated", "product.created", "product.updated", "product.deleted",
        "store.updated", "subscription.created", "subscription.updated", "ticket.created",
        "ticket.updated", "transaction.created", "transaction.updated",
    }
)  # fmt: skip


def sign(body: bytes, secret: str) -> str:
    """The ``X-29Next-Signature`` value: hex HMAC-SHA256 of the re-serialised JSON body."""
    canonical = json.dumps(json.loads(body)).encode()
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


def _subscriptions(data: Json) -> dict[str, Json]:
    found: dict[str, Json] = data.get("webhooks") or {}
    return found


def _render(hook: Json) -> Json:
    return {key: value for key, value in hook.items()}


class WebhookHandlers:
    """``webhooksList``/``Create``/``Retrieve``/``PartialUpdate``/``Destroy`` on ``/webhooks/``."""

    backend: NextCommerceBackend
    webhooks: NextCommerceWebhooks

    def list_webhooks(self, request: SandboxRequest) -> tuple[int, Any]:
        """Every subscription, one page (``next`` null)."""
        hooks = _subscriptions(self.backend.data).values()
        return 200, {"next": None, "previous": None, "results": [_render(h) for h in hooks]}

    def create_webhook(self, request: SandboxRequest) -> tuple[int, Any]:
        """A new subscription: ``target`` (a URL up to 255 characters) and ``events`` required."""
        hook = self._checked(request.body, partial=False)
        now = self.backend.now()
        counters = self.backend.data["counters"]
        counters["webhook"] = hook_id = int(counters.get("webhook", 0)) + 1
        hook = {
            "id": hook_id,
            "name": hook.get("name"),
            "target": hook["target"],
            "events": list(hook["events"]),
            "active": hook.get("active", True),
            "api_version": hook.get("api_version") or API_VERSION,
            "secret_key": hook.get("secret_key") or uuid.uuid4().hex,
            "created_at": now,
            "updated_at": now,
            "next_check_date": None,
            "warning_count": 0,
        }
        self.backend.data.setdefault("webhooks", {})[str(hook_id)] = hook
        return 201, _render(hook)

    def get_webhook(self, request: SandboxRequest, hook_id: str) -> tuple[int, Any]:
        """One subscription."""
        return 200, _render(self._hook(hook_id))

    def update_webhook(self, request: SandboxRequest, hook_id: str) -> tuple[int, Any]:
        """Change the given fields of a subscription."""
        hook = self._hook(hook_id)
        hook.update(self._checked(request.body, partial=True))
        hook["updated_at"] = self.backend.now()
        return 200, _render(hook)

    def delete_webhook(self, request: SandboxRequest, hook_id: str) -> tuple[int, Any]:
        """Remove a subscription (204, no body)."""
        self._hook(hook_id)
        del _subscriptions(self.backend.data)[hook_id]
        return 204, None

    def _hook(self, hook_id: str) -> Json:
        hook = _subscriptions(self.backend.data).get(hook_id)
        if hook is None:
            raise EmulatorError(404, {"detail": "Not found."})
        return hook

    @staticmethod
    def _checked(body: Any, *, partial: bool) -> Json:
        if not isinstance(body, Mapping):
            raise bad_request({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        errors: dict[str, list[str]] = {}
        target = body.get("target")
        if target is not None or not partial:
            if not isinstance(target, str) or not target.startswith(("http://", "https://")):
                errors["target"] = ["Enter a valid URL."]
            elif len(target) > 255:
                errors["target"] = ["Ensure this field has no more than 255 characters."]
        events = body.get("events")
        if events is not None or not partial:
            if not isinstance(events, list) or not events:
                errors["events"] = ["This field is required."]
            elif unknown := [e for e in events if e not in EVENTS]:
                errors["events"] = [f'"{unknown[0]}" is not a valid choice.']
        if errors:
            raise bad_request(errors)
        allowed = ("name", "target", "events", "active", "api_version", "secret_key")
        return {key: body[key] for key in allowed if key in body}


class NextCommerceWebhooks:
    """Turns the store's changes into signed deliveries to its subscriptions."""

    def __init__(self, backend_of: Any, store: str = "sandbox") -> None:
        #: The emulator (its ``backend`` is replaced when the state is loaded).
        self.emulator = backend_of
        self.store = store
        self.outbox = Outbox()
        self.watcher = ChangeWatcher(self._facts)

    @property
    def backend(self) -> NextCommerceBackend:
        """The emulator's current store."""
        backend: NextCommerceBackend = self.emulator.backend
        return backend

    def changed(self) -> None:
        """Emit what changed since the last call (the emulator's ``changed`` hook); with no
        subscription nothing is compared, and the first one starts from the state it sees."""
        for change in self.watcher.changes_while(bool(_subscriptions(self.backend.data))):
            self._emit(change)

    def _facts(self) -> Facts:
        facts: Facts = {}
        for number, order in self.backend.data["orders"].items():
            facts[("order", number)] = (
                order["status"],
                order.get("updated_at"),
                len(order["refunds"]),
                len(order["fulfillments"]),
                len(order["transactions"]),
            )
            for txn in order["transactions"]:
                facts[("transaction", f"{number}:{txn['id']}")] = txn.get("type")
        return facts

    def _emit(self, change: Change) -> None:
        if change.after is None:
            return  # orders are never deleted on this platform; transactions neither
        if change.kind == "order":
            order = self.backend.data["orders"][change.id]
            event = "order.created" if change.before is None else "order.updated"
            self._deliver(event, "order", render_order(self.backend, order))
        elif change.before is None:
            number, txn_id = change.id.split(":")
            order = self.backend.data["orders"][number]
            txn = self.backend.transaction(order, int(txn_id))
            if txn is not None:
                data = {**render_transaction(self.backend, order, txn), "order": number}
                self._deliver("transaction.created", "transaction", data)

    def _deliver(self, event: str, kind: str, data: Json) -> None:
        for hook in list(_subscriptions(self.backend.data).values()):
            if not hook.get("active", True) or event not in hook["events"]:
                continue
            envelope = {
                "api_version": hook.get("api_version") or API_VERSION,
                "event_id": str(uuid.uuid4()),
                "event_type": event,
                "object": kind,
                "data": data,
                "webhook": {
                    "id": hook["id"],
                    "store": self.store,
                    "events": hook["events"],
                    "target": hook["target"],
                },
            }
            body = json.dumps(envelope, default=str).encode()
            secret = str(hook.get("secret_key") or "")
            if self.outbox.bad_signature:
                secret += "-wrong"
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
            self.outbox.post(Delivery(hook["target"], body, headers))
