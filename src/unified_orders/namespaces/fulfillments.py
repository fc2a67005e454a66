"""``store.fulfillments`` and its awaitable twin."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence

from .. import operations as ops
from ..adapter import Capability, FulfillmentOptions
from ..models import (
    Fulfillment,
    FulfillmentOrder,
    HoldReason,
    Location,
    Tracking,
)
from ..operations.fulfillments import check_shipment, fulfillment_order_owner
from .base import AsyncNamespace, Namespace


def _tracking(tracking: Tracking | Sequence[Tracking] | None) -> list[Tracking]:
    if tracking is None:
        return []
    return [tracking] if isinstance(tracking, Tracking) else list(tracking)


class Fulfillments(Namespace):
    """``store.fulfillments``: fulfillment orders, holds, requests and moves."""

    def list(self, order_id: ops.OrderRef) -> builtins.list[FulfillmentOrder]:
        """Fulfillment orders of one order."""
        return self._run(ops.list_fulfillment_orders(self._adapter, order_id))

    def hold(self, fo_id: str, *, reason: HoldReason, note: str | None = None) -> FulfillmentOrder:
        """Put a fulfillment order on hold."""
        return self._run(ops.hold(self._adapter, fo_id, reason, note))

    def release_hold(self, fo_id: str) -> FulfillmentOrder:
        """Release the holds on a fulfillment order."""
        return self._run(ops.release_hold(self._adapter, fo_id))

    def request_fulfillment(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        message: str | None = None,
        notify: bool = False,
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to ship; ``lines`` maps fulfillment-order line ids to units."""
        return self._run(ops.request_fulfillment(self._adapter, fo_id, lines, message, notify))

    def request_cancellation(self, fo_id: str, *, message: str | None = None) -> FulfillmentOrder:
        """Ask the fulfillment service to cancel."""
        return self._run(ops.request_cancellation(self._adapter, fo_id, message))

    def available_locations(self, fo_id: str) -> builtins.list[Location]:
        """Where the fulfillment order could move."""
        return self._run(ops.available_locations(self._adapter, fo_id))

    def move(
        self, fo_id: str, location_id: str, *, lines: Mapping[str, int] | None = None
    ) -> FulfillmentOrder:
        """Move (some lines of) a fulfillment order to another location."""
        return self._run(ops.move(self._adapter, fo_id, location_id, lines))

    def create(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        tracking: Tracking | Sequence[Tracking] | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Fulfillment:
        """Ship (some lines of) a fulfillment order with its tracking; exactly once. ``lines``
        maps fulfillment-order line ids to units (None: all that is left); partial lines are
        honoured or refused, never widened."""
        options = FulfillmentOptions(notify, idempotency_key)
        tracks = _tracking(tracking)
        check_shipment(self._adapter, fo_id, lines, tracks, options)  # before any request
        order_id = self._run(fulfillment_order_owner(self._adapter, fo_id))
        return self._locked(
            Capability.FULFILLMENTS_CREATE,
            order_id,
            lambda _, key: ops.create_fulfillment(
                self._adapter, fo_id, lines, tracks, options, key
            ),
        )

    def update_tracking(
        self,
        fulfillment_id: str,
        tracking: Tracking | Sequence[Tracking],
        *,
        notify: bool = False,
    ) -> Fulfillment:
        """Replace a shipment's tracking (not under the order's lock: finding the order would
        cost a read, and a replacement ends the same whoever writes it last)."""
        op = ops.update_tracking(self._adapter, fulfillment_id, _tracking(tracking), notify)
        return self._run(op)

    def cancel(self, fo_id: str) -> FulfillmentOrder:
        """Cancel a fulfillment order, where the platform has such a cancel; exactly once."""
        ops.require(self._adapter, Capability.FULFILLMENTS_CANCEL)
        order_id = self._run(fulfillment_order_owner(self._adapter, fo_id))
        return self._locked(
            Capability.FULFILLMENTS_CANCEL,
            order_id,
            lambda _, key: ops.cancel_fulfillment_order(self._adapter, fo_id, key),
        )


class AsyncFulfillments(AsyncNamespace):
    """``astore.fulfillments``: the awaitable twin of :class:`Fulfillments`."""

    async def list(self, order_id: ops.OrderRef) -> builtins.list[FulfillmentOrder]:
        """Fulfillment orders of one order."""
        return await self._run(ops.list_fulfillment_orders(self._adapter, order_id))

    async def hold(
        self, fo_id: str, *, reason: HoldReason, note: str | None = None
    ) -> FulfillmentOrder:
        """Put a fulfillment order on hold."""
        return await self._run(ops.hold(self._adapter, fo_id, reason, note))

    async def release_hold(self, fo_id: str) -> FulfillmentOrder:
        """Release the holds on a fulfillment order."""
        return await self._run(ops.release_hold(self._adapter, fo_id))

    async def request_fulfillment(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        message: str | None = None,
        notify: bool = False,
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to ship; ``lines`` maps fulfillment-order line ids to units."""
        op = ops.request_fulfillment(self._adapter, fo_id, lines, message, notify)
        return await self._run(op)

    async def request_cancellation(
        self, fo_id: str, *, message: str | None = None
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to cancel."""
        return await self._run(ops.request_cancellation(self._adapter, fo_id, message))

    async def available_locations(self, fo_id: str) -> builtins.list[Location]:
        """Where the fulfillment order could move."""
        return await self._run(ops.available_locations(self._adapter, fo_id))

    async def move(
        self, fo_id: str, location_id: str, *, lines: Mapping[str, int] | None = None
    ) -> FulfillmentOrder:
        """Move (some lines of) a fulfillment order to another location."""
        return await self._run(ops.move(self._adapter, fo_id, location_id, lines))

    async def create(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        tracking: Tracking | Sequence[Tracking] | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Fulfillment:
        """Ship (some lines of) a fulfillment order (see :meth:`Fulfillments.create`)."""
        options = FulfillmentOptions(notify, idempotency_key)
        tracks = _tracking(tracking)
        check_shipment(self._adapter, fo_id, lines, tracks, options)  # before any request
        order_id = await self._run(fulfillment_order_owner(self._adapter, fo_id))
        return await self._locked(
            Capability.FULFILLMENTS_CREATE,
            order_id,
            lambda _, key: ops.create_fulfillment(
                self._adapter, fo_id, lines, tracks, options, key
            ),
        )

    async def update_tracking(
        self,
        fulfillment_id: str,
        tracking: Tracking | Sequence[Tracking],
        *,
        notify: bool = False,
    ) -> Fulfillment:
        """Replace a shipment's tracking (not under the order's lock: finding the order would
        cost a read, and a replacement ends the same whoever writes it last)."""
        op = ops.update_tracking(self._adapter, fulfillment_id, _tracking(tracking), notify)
        return await self._run(op)

    async def cancel(self, fo_id: str) -> FulfillmentOrder:
        """Cancel a fulfillment order, where the platform has such a cancel; exactly once."""
        ops.require(self._adapter, Capability.FULFILLMENTS_CANCEL)
        order_id = await self._run(fulfillment_order_owner(self._adapter, fo_id))
        return await self._locked(
            Capability.FULFILLMENTS_CANCEL,
            order_id,
            lambda _, key: ops.cancel_fulfillment_order(self._adapter, fo_id, key),
        )
