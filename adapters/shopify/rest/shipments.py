"""Shipments through the REST Admin API: ``POST fulfillments.json`` with tracking,
``POST fulfillments/{id}/update_tracking.json`` and ``POST fulfillment_orders/{id}/cancel.json``.

REST takes one tracking number per shipment (``tracking_info`` has ``number``, ``url``,
``company``). Shopify keeps no key on a fulfillment, so the key lives in the order's
``unified_orders.shipments`` metafield (:mod:`..shipment_keys`). REST has no compare-and-set for
metafields, so the ledger is read and written through ``graphql.json`` with ``compareDigest``,
exactly as the GraphQL dialect does (:mod:`..key_ledger`): two processes racing with one
key, on any machines, cannot both ship. A same-key call returns the shipment the metafield
names, or raises :class:`AmbiguousWrite` after an intent of unknown outcome. A lost answer is
settled by the core re-reading the order (:func:`unified_orders.shipments.find_shipment`); a
look-alike is never adopted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from unified_orders.adapter import FulfillmentOptions, Op, Request, Response
from unified_orders.errors import NotFound, PlatformError, ResponseLost
from unified_orders.models import Fulfillment, FulfillmentOrder, Order, Tracking

from .. import key_ledger
from .. import shipment_keys as sk
from ..answers import graphql_data
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


def _order_gid(order_id: int) -> str:
    return f"gid://shopify/Order/{order_id}"


class RestShipments(ShopifyAdapterBase):
    """The shipment operations of the REST dialect."""

    tracking_numbers_per_shipment: ClassVar[int | None] = 1
    #: The dialect's check of a fulfillment order's ``supported_actions`` (one read).
    _gate: Callable[[int, str], Op[dict[str, Any]]]

    def _key_exchange(
        self, name: str, variables: Mapping[str, Any], write: bool
    ) -> Op[tuple[Mapping[str, Any], int]]:
        """A key-ledger document sent to ``graphql.json``: one request of the REST bucket."""
        response = yield key_ledger.request(name, variables, write=write)
        return graphql_data(name, response, write=write), response.status

    def _key_ledger(self, order_id: int) -> Op[sk.Ledger]:
        """The order's shipment-key metafield and its shipments' ids (one GraphQL read)."""
        return (yield from key_ledger.read(self._key_exchange, _order_gid(order_id)))

    def _key_write(self, order_id: int) -> sk.Write:
        """``metafieldsSet`` with ``compareDigest``, through ``graphql.json``."""
        return key_ledger.writer(self._key_exchange, _order_gid(order_id))

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
        a key, once per key through the order's key ledger (two reads and two writes more, through ``graphql.json``)."""
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
