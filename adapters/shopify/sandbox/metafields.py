"""Order metafields in the Shopify sandbox: GraphQL ``Order.metafield(namespace:, key:)`` and
``metafieldsSet`` with ``compareDigest``; REST ``orders/{id}/metafields.json`` (list, create) and
``orders/{id}/metafields/{metafield_id}.json`` (update).

Only order owners are kept (what the adapter writes). ``metafieldsSet`` is atomic (every input is
checked before any is set) and does compare-and-set as documented for 2024-07+: with
``compareDigest`` given, the metafield is set only if its value's digest matches, and a null
``compareDigest`` requires that it does not exist yet; omitted, it is set regardless. INFERRED:
the digest is a SHA-256 of the value (Shopify's is opaque), a mismatch is ``STALE_OBJECT``, and a
REST create of a namespace/key the order already has is refused with 422 (REST has no compare).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from unified_orders.sandbox import SandboxRequest

from .errors import ShopifyError

if TYPE_CHECKING:
    from .state import ShopifyState

__all__ = ["MetafieldHandlers", "bad_value", "digest", "find_metafield", "set_metafield"]

Obj = dict[str, Any]


def digest(value: str) -> str:
    """The ``compareDigest`` of a value."""
    return hashlib.sha256(value.encode()).hexdigest()


def _table(state: ShopifyState, order_id: Any) -> dict[str, Obj]:
    kept: dict[str, dict[str, Obj]] = state.data.setdefault("metafields", {})
    return kept.setdefault(str(order_id), {})


def find_metafield(state: ShopifyState, order_id: Any, namespace: Any, key: Any) -> Obj | None:
    return _table(state, order_id).get(f"{namespace}.{key}")


def set_metafield(
    state: ShopifyState, order_id: Any, namespace: str, key: str, value: str, kind: Any
) -> Obj:
    """Create or update one order metafield; returns the record."""
    found = find_metafield(state, order_id, namespace, key)
    now = state.now()
    if found is None:
        found = {
            "id": state.new_id(),
            "namespace": namespace,
            "key": key,
            "owner_id": int(order_id),
            "owner_resource": "order",
            "created_at": now,
        }
        _table(state, order_id)[f"{namespace}.{key}"] = found
    found.update({"value": value, "type": kind or found.get("type"), "updated_at": now})
    return found


def bad_value(value: Any, kind: Any) -> str | None:
    if not isinstance(value, str):
        return "Value can't be blank."
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            return "Value is invalid JSON."
    return None


def _rest(record: Obj) -> Obj:
    return {k: v for k, v in record.items()} | {
        "admin_graphql_api_id": f"gid://shopify/Metafield/{record['id']}"
    }


def _body(request: SandboxRequest) -> dict[str, Any]:
    body = request.body
    if not isinstance(body, dict) or not isinstance(body.get("metafield"), dict):
        raise ShopifyError(400, {"errors": {"metafield": "Required parameter missing or invalid"}})
    return body["metafield"]  # type: ignore[no-any-return]


class MetafieldHandlers:
    """The REST order-metafield handlers (mixed into the emulator)."""

    state: ShopifyState

    def list_order_metafields(self, request: SandboxRequest, order_id: str) -> tuple[int, Any]:
        """``GET orders/{id}/metafields.json`` (``namespace`` and ``key`` filters)."""
        self.state.order(order_id)
        namespace, key = request.arg("namespace"), request.arg("key")
        found = [
            _rest(r)
            for r in _table(self.state, order_id).values()
            if namespace in (None, r["namespace"]) and key in (None, r["key"])
        ]
        return 200, {"metafields": found}

    def create_order_metafield(self, request: SandboxRequest, order_id: str) -> tuple[int, Any]:
        """``POST orders/{id}/metafields.json``: a namespace/key the order has is refused."""
        self.state.order(order_id)
        body = _body(request)
        namespace, key, value = body.get("namespace"), body.get("key"), body.get("value")
        errors: dict[str, list[str]] = {}
        if not isinstance(namespace, str) or len(namespace) < 3:
            errors["namespace"] = ["is too short (minimum is 3 characters)"]
        if not isinstance(key, str) or not 2 <= len(key) <= 64:
            errors["key"] = ["is invalid"]
        elif find_metafield(self.state, order_id, namespace, key) is not None:
            errors["key"] = ["must be unique within this namespace on this resource"]
        if not body.get("type"):
            errors["type"] = ["can't be blank"]
        problem = bad_value(value, body.get("type"))
        if problem:
            errors["value"] = [problem]
        if errors:
            raise ShopifyError(422, {"errors": errors})
        record = set_metafield(
            self.state, order_id, str(namespace), str(key), str(value), body["type"]
        )
        return 201, {"metafield": _rest(record)}

    def update_order_metafield(
        self, request: SandboxRequest, order_id: str, metafield_id: str
    ) -> tuple[int, Any]:
        """``PUT orders/{id}/metafields/{metafield_id}.json``: the value replaced."""
        self.state.order(order_id)
        body = _body(request)
        found = next(
            (r for r in _table(self.state, order_id).values() if str(r["id"]) == str(metafield_id)),
            None,
        )
        if found is None:
            raise ShopifyError(404, {"errors": "Not Found"})
        problem = bad_value(body.get("value"), body.get("type") or found.get("type"))
        if problem:
            raise ShopifyError(422, {"errors": {"value": [problem]}})
        record = set_metafield(
            self.state, order_id, found["namespace"], found["key"], body["value"], body.get("type")
        )
        return 200, {"metafield": _rest(record)}
