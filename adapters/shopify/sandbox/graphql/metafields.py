"""Order metafields over GraphQL: ``Order.metafield(namespace:, key:)`` and ``metafieldsSet``
(with ``compareDigest``); the records live in :mod:`..metafields`, shared with REST."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..metafields import bad_value, digest, find_metafield, set_metafield
from .values import Obj, UserErrors, gid, gid_number

if TYPE_CHECKING:
    from ..state import ShopifyState

__all__ = ["MetafieldResolvers", "order_metafield_view"]


def _view(record: Obj) -> Obj:
    return {
        "__typename": "Metafield",
        "id": gid("Metafield", record["id"]),
        "namespace": record["namespace"],
        "key": record["key"],
        "type": record.get("type"),
        "value": record.get("value"),
        "compareDigest": digest(str(record.get("value") or "")),
        "createdAt": record.get("created_at"),
        "updatedAt": record.get("updated_at"),
    }


def order_metafield_view(state: ShopifyState, order_id: Any) -> Callable[[Mapping[str, Any]], Any]:
    """``Order.metafield(namespace:, key:)`` of one order (None when it has no such metafield)."""

    def metafield(args: Mapping[str, Any]) -> Obj | None:
        found = find_metafield(state, order_id, args.get("namespace"), args.get("key"))
        return _view(found) if found is not None else None

    return metafield


class MetafieldResolvers:
    """The ``metafieldsSet`` mutation (order owners)."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def mutations(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        return {"metafieldsSet": self.metafields_set}

    def _refusal(self, index: int, item: Mapping[str, Any]) -> Obj | None:
        """Why input ``index`` cannot be set (a ``userError``), or None."""
        where = ["metafields", str(index)]
        oid = gid_number(item.get("ownerId"), "Order")
        if oid is None or str(oid) not in self.state.data["orders"]:
            return {
                "field": [*where, "ownerId"],
                "message": "Owner does not exist.",
                "code": "INVALID",
            }
        namespace, key, value = item.get("namespace"), item.get("key"), item.get("value")
        if not isinstance(key, str) or not 2 <= len(key) <= 64:
            return {"field": [*where, "key"], "message": "Key is invalid.", "code": "INVALID"}
        if not isinstance(namespace, str) or not 3 <= len(namespace) <= 255:
            return {
                "field": [*where, "namespace"],
                "message": "Namespace is too short (minimum is 3 characters).",
                "code": "TOO_SHORT",
            }
        found = find_metafield(self.state, oid, namespace, key)
        kind = item.get("type") or (found or {}).get("type")
        if not kind:
            return {"field": [*where, "type"], "message": "Type can't be blank.", "code": "BLANK"}
        problem = bad_value(value, kind)
        if problem:
            return {"field": [*where, "value"], "message": problem, "code": "INVALID_VALUE"}
        if "compareDigest" in item:
            wanted = item["compareDigest"]
            current = digest(str(found.get("value") or "")) if found is not None else None
            if wanted != current:
                return {
                    "field": [*where, "compareDigest"],
                    "message": "The resource has been updated since it was loaded. Try again "
                    "with an updated `compareDigest` value.",
                    "code": "STALE_OBJECT",
                }
        return None

    def metafields_set(self, args: Mapping[str, Any]) -> Obj:
        """``metafieldsSet``: all inputs set, or none (userErrors)."""
        items = list(args.get("metafields") or [])
        if len(items) > 25:
            raise UserErrors(
                [
                    {
                        "field": ["metafields"],
                        "message": "Exceeded the maximum of 25.",
                        "code": "LESS_THAN_OR_EQUAL_TO",
                    }
                ]
            )
        errors = [e for i, item in enumerate(items) if (e := self._refusal(i, item))]
        if errors:
            raise UserErrors(errors)
        made = []
        for item in items:
            oid = gid_number(item["ownerId"], "Order")
            made.append(
                _view(
                    set_metafield(
                        self.state,
                        oid,
                        item["namespace"],
                        item["key"],
                        item["value"],
                        item.get("type"),
                    )
                )
            )
        return {"metafields": made, "userErrors": []}
