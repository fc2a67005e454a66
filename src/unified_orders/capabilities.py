"""What a store can do (:class:`Capability`) and what a platform allows on restock."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .models import Restock
from .options import ReturnAction

__all__ = ["Capability", "RestockPolicy"]


class Capability(StrEnum):
    """An operation a store can perform; values are the facade's ``namespace.method`` names."""

    ORDERS_GET = "orders.get"
    ORDERS_LIST = "orders.list"
    ORDERS_CREATE = "orders.create"
    ORDERS_CANCEL = "orders.cancel"
    ORDERS_UPDATE_SHIPPING_ADDRESS = "orders.update_shipping_address"
    REFUNDS_CALCULATE = "refunds.calculate"
    REFUNDS_CREATE = "refunds.create"
    REFUNDS_LIST = "refunds.list"
    REFUNDS_GET = "refunds.get"
    RETURNS_CREATE = "returns.create"
    RETURNS_GET = "returns.get"
    RETURNS_LIST = "returns.list"
    RETURNS_APPROVE = "returns.approve"
    RETURNS_DECLINE = "returns.decline"
    RETURNS_CLOSE = "returns.close"
    RETURNS_CANCEL = "returns.cancel"
    RETURNS_REOPEN = "returns.reopen"
    RETURNS_ADD_ITEMS = "returns.add_items"
    RETURNS_CALCULATE = "returns.calculate"
    RETURNS_PROCESS = "returns.process"
    FULFILLMENTS_LIST = "fulfillments.list"
    FULFILLMENTS_HOLD = "fulfillments.hold"
    FULFILLMENTS_RELEASE_HOLD = "fulfillments.release_hold"
    FULFILLMENTS_REQUEST_FULFILLMENT = "fulfillments.request_fulfillment"
    FULFILLMENTS_REQUEST_CANCELLATION = "fulfillments.request_cancellation"
    FULFILLMENTS_AVAILABLE_LOCATIONS = "fulfillments.available_locations"
    FULFILLMENTS_MOVE = "fulfillments.move"
    FULFILLMENTS_CREATE = "fulfillments.create"
    FULFILLMENTS_UPDATE_TRACKING = "fulfillments.update_tracking"
    FULFILLMENTS_CANCEL = "fulfillments.cancel"
    WEBHOOKS_SUBSCRIBE = "webhooks.subscribe"
    WEBHOOKS_LIST = "webhooks.list"
    WEBHOOKS_UNSUBSCRIBE = "webhooks.unsubscribe"

    @classmethod
    def for_return_action(cls, action: ReturnAction) -> Capability:
        """The capability behind a return lifecycle action."""
        return cls(f"returns.{action.value}")


@dataclass(frozen=True)
class RestockPolicy:
    """Which restock types a platform allows, by the state of the refunded units.

    ``unfulfilled`` / ``fulfilled`` / ``fulfilled_digital`` are the types allowed for units in that
    state; a refund of ``n`` units with a given type needs ``n`` units in a state that allows it.
    ``location_required`` lists types that need a location. ``infer_unfulfilled`` and
    ``infer_fulfilled`` fill in a type the caller left out.
    """

    unfulfilled: frozenset[Restock]
    fulfilled: frozenset[Restock]
    fulfilled_digital: frozenset[Restock]
    location_required: frozenset[Restock] = frozenset()
    infer_unfulfilled: Restock = Restock.CANCEL
    infer_fulfilled: Restock = Restock.NO_RESTOCK
