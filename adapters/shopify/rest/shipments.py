"""Shipments through the REST Admin API: ``POST fulfillments.json`` with tracking,
``POST fulfillments/{id}/update_tracking.json`` and ``POST fulfillment_orders/{id}/cancel.json``.

REST takes one tracking number per shipment (``tracking_info`` has ``number``, ``url``,
``company``). Shopify keeps no key on a fulfillment, so the key lives in the order's
``unified_orders.shipments`` metafield (:mod:`..shipment_keys`): read with
``GET orders/{id}/metafields.json`` (and the order's shipment ids), the intent written before
shipping and the shipment after (``POST`` the first time, ``PUT orders/{id}/metafields/{mid}.json``
after). A same-key call returns the shipment the metafield names, or raises
:class:`AmbiguousWrite` after an intent of unknown outcome.

REST has no ``compareDigest``: the guarantee is weaker than GraphQL's. Two processes racing with
one key on an order whose metafield exists can both read "no intent" and both ship; within one
process the store's per-order lock serialises them. INFERRED: creating a namespace/key the order
already has is refused (422), which stops that race while the metafield does not exist yet.
A lost answer is settled by the core re-reading the order
(:func:`unified_orders.shipments.find_shipment`); a look-alike is never adopted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from unified_orders.adapter import FulfillmentOptions, Op, Request, Response
from unified_orders.errors import NotFound, PlatformError, ResponseLost
from unified_orders.models import Fulfillment, FulfillmentOrder, Order, Tracking

from .. import shipment_keys as sk
from ..base import ShopifyAdapterBase
from ..vocabulary import PLATFORM, numeric_id
from .translate.fulfillment_orders import fulfillment_order_from_rest
from .translate.fulfillments import fulfillment_body, fulfillment_from_rest, tracking_body

__all__ = ["RestShipments"]


def _read(response: Response, key: str) -> Mapping[str, Any]:
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get(key), Mapping):
        raise PlatformError(
            f"unexpected response from {response.url or 'shopify'}: no {key!r} in the body",
            status=response.status,
            platform=PLATFORM,
            details=body,
        )
    return body[key]  # type: ignore[no-any-return]


def _written(response: Response, key: str) -> Mapping[str, Any]:
    """A write's answer without its object cannot be read, and the write may have been made."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get(key), Mapping):
        raise ResponseLost(
            f"{response.url or 'shopify'} answered {response.status} without {key!r}; the write "
            "may have taken effect",
            response=response,
        )
    return body[key]  # type: ignore[no-any-return]


class RestShipments(ShopifyAdapterBase):
    """The shipment operations of the REST dialect."""

    tracking_numbers_per_shipment: ClassVar[int | None] = 1
    #: The dialect's check of a fulfillment order's ``supported_actions`` (one read).
    _gate: Callable[[int, str], Op[dict[str, Any]]]

    def _key_ledger(self, order_id: int) -> Op[sk.Ledger]:
        """The order's shipment-key metafield and its shipments' ids (two reads)."""
        response = yield Request(
            "GET",
            f"orders/{order_id}/metafields.json",
            params={"namespace": sk.NAMESPACE, "key": sk.KEY},
        )
        body = response.body if isinstance(response.body, Mapping) else {}
        found = [
            m
            for m in body.get("metafields") or []
            if isinstance(m, Mapping)
            and (m.get("namespace"), m.get("key")) == (sk.NAMESPACE, sk.KEY)
        ]
        field = found[0] if found else {}
        response = yield Request(
            "GET", f"orders/{order_id}.json", params={"fields": "id,fulfillments"}
        )
        order = _read(response, "order")
        return sk.Ledger(
            entries=sk.entries_from(field.get("value")),
            metafield_id=str(field["id"]) if field.get("id") else None,
            shipments=tuple(str(f.get("id")) for f in order.get("fulfillments") or []),
        )

    def _key_write(self, order_id: int) -> sk.Write:
        def write(ledger: sk.Ledger, value: str) -> Op[sk.Ledger]:
            """Create the metafield (a 422 for a key the order already has is a conflict), or
            replace its value by id (no compare-and-set on REST)."""
            metafield = {"namespace": sk.NAMESPACE, "key": sk.KEY, "type": sk.TYPE, "value": value}
            if ledger.metafield_id is not None:
                path = f"orders/{order_id}/metafields/{ledger.metafield_id}.json"
                yield Request("PUT", path, json={"metafield": {"value": value, "type": sk.TYPE}})
                return ledger.written(value, None, ledger.metafield_id)
            try:
                response = yield Request(
                    "POST", f"orders/{order_id}/metafields.json", json={"metafield": metafield}
                )
            except PlatformError as error:
                if error.status == 422 and "unique" in str(error):
                    raise sk.KeyConflict(str(error)) from error
                raise
            made = _written(response, "metafield")
            return ledger.written(value, None, str(made["id"]) if made.get("id") else None)

        return write

    def shipment_by_key(self, order: Order, key: str) -> Op[Fulfillment | None]:
        """The shipment the order's key ledger names for ``key`` (one read more), even once its
        fulfillment order has nothing left to ship."""
        ledger = yield from self._key_ledger(int(order.id))
        return (
            yield from sk.shipment_named(
                ledger, key, lambda made, fo: self._shipment_by_id(made, int(order.id), fo)
            )
        )

    def _attempts(self) -> set[str]:
        """The intents this adapter wrote (a same-key resend of its own may ship)."""
        return sk.attempts_of(self)

    def _shipment_by_id(self, shipment_id: str, order_id: int, fo_id: str) -> Op[Fulfillment]:
        """A shipment the key ledger names, read from its order."""
        response = yield Request(
            "GET", f"orders/{order_id}.json", params={"fields": "fulfillments"}
        )
        for found in _read(response, "order").get("fulfillments") or []:
            if str(found.get("id")) == shipment_id:
                return fulfillment_from_rest(found, fo_id)
        raise NotFound(
            f"shipment {shipment_id} of order {order_id} was not found",
            status=404,
            platform=PLATFORM,
        )

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``GET fulfillment_orders/{id}.json``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        response = yield Request("GET", f"fulfillment_orders/{fid}.json")
        return fulfillment_order_from_rest(_read(response, "fulfillment_order"))

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[Tracking],
        options: FulfillmentOptions,
    ) -> Op[Fulfillment]:
        """``POST fulfillments.json`` of exactly ``lines`` (every remaining unit when None); with
        a key, once per key through the order's key ledger (five reads and two writes more)."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        body = fulfillment_body(fid, lines, tracking, options.notify)
        fo = yield from self._gate(fid, "create_fulfillment")
        order_id = int(fo["order_id"])

        def send() -> Op[Fulfillment]:
            response = yield Request("POST", "fulfillments.json", json=body)
            return fulfillment_from_rest(_written(response, "fulfillment"), fulfillment_order_id)

        return (
            yield from sk.ship_once(
                lambda: self._key_ledger(order_id),
                self._key_write(order_id),
                key=options.idempotency_key,
                fo_id=fulfillment_order_id,
                units=lines,
                mine=self._attempts(),
                order_id=str(order_id),
                made_before=lambda made: self._shipment_by_id(made, order_id, fulfillment_order_id),
                send=send,
            )
        )

    def update_tracking(
        self, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
    ) -> Op[Fulfillment]:
        """``POST fulfillments/{id}/update_tracking.json``: the tracking replaced."""
        number = numeric_id(fulfillment_id, "fulfillment_id")
        body = {
            "fulfillment": {"notify_customer": notify, "tracking_info": tracking_body(tracking)}
        }
        response = yield Request(
            "POST", f"fulfillments/{number}/update_tracking.json", json=body, retry_safe=True
        )
        return fulfillment_from_rest(_written(response, "fulfillment"))

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/cancel.json``; the replacement's id in ``replaced_by``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        yield from self._gate(fid, "cancel_fulfillment_order")
        response = yield Request("POST", f"fulfillment_orders/{fid}/cancel.json", json={})
        cancelled = _written(response, "fulfillment_order")
        replacement = (response.body or {}).get("replacement_fulfillment_order") or {}
        others = [str(replacement["id"])] if replacement.get("id") else []
        return fulfillment_order_from_rest(cancelled, replaced_by=others)
