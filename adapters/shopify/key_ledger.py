"""The shipment-key ledger (:mod:`.shipment_keys`) read and written over GraphQL, by both
dialects: REST has no compare-and-set for metafields, so the REST dialect sends these two
documents to ``graphql.json`` too (as it does for webhook subscriptions).

``ShipmentKeys`` reads the order's ``unified_orders.shipments`` metafield with its
``compareDigest`` and the order's shipment ids; ``ShipmentKeysSet`` writes it with
``metafieldsSet`` and ``compareDigest`` (null: the metafield must not exist yet), so two callers
racing with one key, in any processes on any machines, cannot both write the intent. Each
dialect sends the documents its own way (an :data:`Exchange`); the GraphQL dialect registers
them with its documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from unified_orders.adapter import Op, Request
from unified_orders.errors import NotFound, PlatformError, ResponseLost

from . import shipment_keys as sk
from .vocabulary import PLATFORM, legacy_id

__all__ = ["KEY_DOCUMENTS", "STALE", "Exchange", "read", "request", "writer"]

KEY_DOCUMENTS = {
    "ShipmentKeys": """
query ShipmentKeys($id: ID!, $namespace: String!, $key: String!) {
  order(id: $id) {
    id
    metafield(namespace: $namespace, key: $key) { id value compareDigest }
    fulfillments { id }
  }
}
""",
    "ShipmentKeysSet": """
mutation ShipmentKeysSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id compareDigest }
    userErrors { field message code }
  }
}
""",
}
_TEXTS = {name: text.strip() + "\n" for name, text in KEY_DOCUMENTS.items()}

#: ``metafieldsSet`` codes meaning the metafield changed since it was read (INFERRED: Shopify
#: documents the codes, not which one a digest mismatch gives; both are treated as one).
STALE = frozenset({"STALE_OBJECT", "INVALID_COMPARE_DIGEST"})

#: Sends document ``name`` with ``variables`` (``write``: the mutation) and answers its
#: ``data`` (top-level ``errors`` raise) and HTTP status.
Exchange = Callable[[str, Mapping[str, Any], bool], Op[tuple[Mapping[str, Any], int]]]


def request(name: str, variables: Mapping[str, Any], *, write: bool) -> Request:
    """Document ``name`` as a ``graphql.json`` request of one unit of the caller's bucket (the
    REST dialect's: its GraphQL calls never draw on the REST bucket's points)."""
    return Request(
        "POST",
        "graphql.json",
        json={"query": _TEXTS[name], "variables": dict(variables), "operationName": name},
        retry_safe=not write,
        write=write,
    )


def read(exchange: Exchange, order_gid: str) -> Op[sk.Ledger]:
    """``ShipmentKeys``: the order's shipment-key metafield and its shipments' ids."""
    data, _ = yield from exchange(
        "ShipmentKeys", {"id": order_gid, "namespace": sk.NAMESPACE, "key": sk.KEY}, False
    )
    order = data.get("order")
    if not isinstance(order, Mapping):
        raise NotFound(f"order {legacy_id(order_gid)} was not found", status=404, platform=PLATFORM)
    field = order.get("metafield") or {}
    return sk.Ledger(
        entries=sk.entries_from(field.get("value")),
        digest=field.get("compareDigest") if field else None,
        metafield_id=legacy_id(field.get("id")),
        shipments=tuple(str(legacy_id(f.get("id"))) for f in order.get("fulfillments") or []),
    )


def writer(exchange: Exchange, order_gid: str) -> sk.Write:
    """The ledger's write: ``metafieldsSet`` with ``compareDigest`` (null: the metafield must not
    exist). A digest conflict is :class:`~.shipment_keys.KeyConflict`; other ``userErrors`` are
    Shopify's refusal (nothing written); a missing payload is a lost response."""

    def write(ledger: sk.Ledger, value: str) -> Op[sk.Ledger]:
        metafield = {
            "ownerId": order_gid,
            "namespace": sk.NAMESPACE,
            "key": sk.KEY,
            "type": sk.TYPE,
            "value": value,
            "compareDigest": ledger.digest,
        }
        data, status = yield from exchange("ShipmentKeysSet", {"metafields": [metafield]}, True)
        payload = data.get("metafieldsSet")
        if not isinstance(payload, Mapping):
            raise ResponseLost("metafieldsSet: no payload in the answer; it may have taken effect")
        errors = [e for e in payload.get("userErrors") or [] if isinstance(e, Mapping)]
        if errors:
            codes = {str(e.get("code")) for e in errors}
            text = "; ".join(str(e.get("message")) for e in errors)
            if codes & STALE:
                raise sk.KeyConflict(f"metafieldsSet: {text}")
            raise PlatformError(
                f"metafieldsSet: {text}",
                status=status,
                platform=PLATFORM,
                code=next(iter(sorted(codes))),
            )
        done = (payload.get("metafields") or [{}])[0] or {}
        return ledger.written(value, done.get("compareDigest"), legacy_id(done.get("id")))

    return write
