"""Shipments through the GraphQL Admin API: ``fulfillmentCreate`` with tracking,
``fulfillmentTrackingInfoUpdate`` and ``fulfillmentOrderCancel``.

Each write is gated on the fulfillment order's ``supportedActions`` first (one read). Shopify keeps
no key on a fulfillment and ``fulfillmentCreate`` does not document ``@idempotent`` (the directive
is honoured only where a mutation documents it), so the key lives in the order's
``unified_orders.shipments`` metafield (:mod:`..shipment_keys`): read with ``ShipmentKeys``, the
intent written before shipping and the shipment after with ``metafieldsSet`` and
``compareDigest`` (null while the metafield does not exist), so two callers racing with one key
cannot both ship. A same-key call returns the shipment the metafield names; after an intent of
unknown outcome it raises :class:`AmbiguousWrite`. A lost answer is settled by the core re-reading
the order (:func:`unified_orders.shipments.find_shipment`): the order read carries no key, so a
look-alike is never adopted (``stores_shipment_keys`` stays false).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from unified_orders.adapter import FulfillmentOptions, Op
from unified_orders.errors import InvalidRequest, Problem, ResponseLost
from unified_orders.models import Fulfillment, FulfillmentOrder, Order, Tracking

from .. import key_ledger
from .. import shipment_keys as sk
from ..vocabulary import unwrap_gid
from . import translate as tg
from .documents import DOCUMENTS
from .fragments import FULFILLMENT, FULFILLMENT_LINE
from .fulfillments import FulfillmentOperations
from .translate.fulfillments import fulfillment_from_graphql, tracking_input

__all__ = ["SHIPMENT_DOCUMENTS", "ShipmentOperations"]

#: The shipment read by id (the key ledger's documents are in :mod:`.key_ledger`).
SHIPMENT_DOCUMENTS = {
    "ShipmentGet": f"""
query ShipmentGet($id: ID!) {{ fulfillment(id: $id) {{ ...FulfillmentParts order {{ id }} }} }}
{FULFILLMENT}{FULFILLMENT_LINE}""",
}
DOCUMENTS.update(
    {
        name: text.strip() + "\n"
        for name, text in {**key_ledger.KEY_DOCUMENTS, **SHIPMENT_DOCUMENTS}.items()
    }
)


def _fulfillment_gid(fulfillment_id: str) -> str:
    number = unwrap_gid(fulfillment_id, ("Fulfillment",), "fulfillment_id")
    if not number.isdigit():
        raise InvalidRequest(
            [Problem("fulfillment_id", f"{fulfillment_id!r} is not a Shopify id (digits expected)")]
        )
    return tg.gid("Fulfillment", number, "fulfillment_id")


class ShipmentOperations(FulfillmentOperations):
    """The shipment operations of the GraphQL dialect."""

    #: ``FulfillmentTrackingInput.numbers``: one shipment, several parcels (one carrier).
    tracking_numbers_per_shipment: ClassVar[int | None] = None

    def _key_exchange(
        self, name: str, variables: Mapping[str, Any], write: bool
    ) -> Op[tuple[Mapping[str, Any], int]]:
        return (yield from self._exchange(name, variables, retry_safe=not write, write=write))

    def _key_ledger(self, order_gid: str) -> Op[sk.Ledger]:
        """``ShipmentKeys``: the order's shipment-key metafield and its shipments' ids."""
        return (yield from key_ledger.read(self._key_exchange, order_gid))

    def _key_write(self, order_gid: str) -> sk.Write:
        return key_ledger.writer(self._key_exchange, order_gid)

    def shipment_by_key(self, order: Order, key: str) -> Op[Fulfillment | None]:
        """The shipment the order's key ledger names for ``key`` (one read more), even once its
        fulfillment order has nothing left to ship."""
        ledger = yield from self._key_ledger(tg.gid("Order", order.id))
        return (
            yield from sk.shipment_named(
                ledger, key, lambda made, fo: self._shipment_by_id(made, order.id, fo)
            )
        )

    def _attempts(self) -> set[str]:
        """The intents this adapter wrote (a same-key resend of its own may ship)."""
        return sk.attempts_of(self)

    def _shipment_by_id(self, shipment_id: str, order_id: str, fo_id: str) -> Op[Fulfillment]:
        """``ShipmentGet``: a shipment the key ledger names."""
        data = yield from self._gql("ShipmentGet", {"id": _fulfillment_gid(shipment_id)})
        node = self._found(data, "fulfillment", "shipment", shipment_id)
        done = yield from self._complete(node, "fulfillment")
        return fulfillment_from_graphql(done, order_id, fo_id)

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrder(id:)``, every line read."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        data = yield from self._gql("FulfillmentOrderGet", {"id": fid})
        node = self._found(data, "fulfillmentOrder", "fulfillment order", fulfillment_order_id)
        return tg.fulfillment_order_from_graphql(
            (yield from self._complete(node, "fulfillmentOrder"))
        )

    def _shipment(
        self, payload: Mapping[str, Any], order_id: str, fo_id: str | None = None
    ) -> Op[Fulfillment]:
        node = payload.get("fulfillment")
        if not isinstance(node, Mapping) or not node.get("id"):
            raise ResponseLost("the answer carries no fulfillment; it may have been made")
        done = yield from self._complete(node, "fulfillment")
        return fulfillment_from_graphql(done, order_id, fo_id)

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[Tracking],
        options: FulfillmentOptions,
    ) -> Op[Fulfillment]:
        """``fulfillmentCreate`` of exactly ``lines`` (every remaining unit when None, which is
        what Shopify does without ``fulfillmentOrderLineItems``), with the tracking; with a key,
        exactly once through the order's key ledger (two reads and two writes more)."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        group: dict[str, Any] = {"fulfillmentOrderId": fid}
        items = self._fo_lines(lines)
        if items is not None:
            group["fulfillmentOrderLineItems"] = items
        fulfillment: dict[str, Any] = {
            "lineItemsByFulfillmentOrder": [group],
            "notifyCustomer": options.notify,
        }
        info = tracking_input(tracking)
        if info is not None:
            fulfillment["trackingInfo"] = info
        fo = yield from self._gate(fulfillment_order_id, "create_fulfillment")
        order_gid = str(fo.get("orderId"))
        order_id = str(tg.legacy(order_gid))

        def send() -> Op[Fulfillment]:
            payload = yield from self._mutate(
                "FulfillmentCreate", "fulfillmentCreate", {"fulfillment": fulfillment}
            )
            return (yield from self._shipment(payload, order_id, fulfillment_order_id))

        return (
            yield from sk.ship_once(
                lambda: self._key_ledger(order_gid),
                self._key_write(order_gid),
                key=options.idempotency_key,
                fo_id=fulfillment_order_id,
                units=lines,
                mine=self._attempts(),
                order_id=order_id,
                made_before=lambda made: self._shipment_by_id(made, order_id, fulfillment_order_id),
                send=send,
            )
        )

    def update_tracking(
        self, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
    ) -> Op[Fulfillment]:
        """``fulfillmentTrackingInfoUpdate``: the shipment's tracking replaced."""
        variables = {
            "fulfillmentId": _fulfillment_gid(fulfillment_id),
            "trackingInfoInput": tracking_input(tracking) or {},
            "notifyCustomer": notify,
        }
        payload = yield from self._mutate(
            "FulfillmentTrackingInfoUpdate",
            "fulfillmentTrackingInfoUpdate",
            variables,
            retry_safe=True,  # a replacement: sent twice, the shipment ends the same
        )
        order = (payload.get("fulfillment") or {}).get("order") or {}
        return (yield from self._shipment(payload, str(tg.legacy(order.get("id")))))

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderCancel``: for a fulfillment order submitted to a service (cancelled at
        once) or whose cancellation was requested; the replacement's id is in ``replaced_by``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        yield from self._gate(fulfillment_order_id, "cancel_fulfillment_order")
        payload = yield from self._mutate(
            "FulfillmentOrderCancel", "fulfillmentOrderCancel", {"id": fid}
        )
        return (yield from self._answer(payload, "fulfillmentOrder", "replacementFulfillmentOrder"))
