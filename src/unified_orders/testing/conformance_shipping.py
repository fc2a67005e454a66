"""The shipping scenarios of the conformance suite (mixed into
:class:`~.conformance.AdapterConformance`): ship with tracking and read it back on the order,
never more than is left, bad tracking refused before any request. Each skips, saying why, where
the adapter cannot ship or its sandbox has nothing to ship."""

from __future__ import annotations

from typing import ClassVar

import pytest

import unified_orders as uo

from ..adapter import Capability
from ..http import RecordingTransport
from ..store import Store

__all__ = ["ShippingConformance"]

NUMBER = "CONF1Z0001"


class ShippingConformance:
    """Shipping scenarios every adapter with ``fulfillments.create`` passes."""

    platform: ClassVar[str]

    def shippable(self, store: Store) -> tuple[uo.Order, uo.FulfillmentOrder]:
        """An order with an open fulfillment order that has units left to ship."""
        if Capability.FULFILLMENTS_CREATE not in store.capabilities:
            pytest.skip(f"{self.platform} cannot ship (no fulfillments.create)")
        for order in store.orders.list():
            for fo in store.fulfillments.list(order.id):
                left = sum(line.fulfillable_quantity for line in fo.lines)
                if fo.status is uo.FulfillmentOrderStatus.OPEN and left and not fo.holds:
                    return order, fo
        pytest.skip(f"the {self.platform} sandbox has no open fulfillment order to ship")

    def test_ship_with_tracking_and_read_it_back(self, store: Store) -> None:
        order, fo = self.shippable(store)
        line = next(x for x in fo.lines if x.fulfillable_quantity > 0)
        tracking = uo.Tracking(number=NUMBER)
        units = {line.line_id: 1}
        hint: str | None = None
        try:
            shipped = store.fulfillments.create(
                fo.id, lines={line.id: 1}, tracking=tracking, idempotency_key="ship-1"
            )
        except uo.UnsupportedOperation as refused:  # partial lines refused, never widened
            hint = refused.hint
            shipped = store.fulfillments.create(fo.id, tracking=tracking, idempotency_key="ship-1")
            units = {x.line_id: x.fulfillable_quantity for x in fo.lines if x.fulfillable_quantity}
        if hint is not None:
            assert hint, "a refused partial shipment says what to do instead"
        assert {x.line_id: x.quantity for x in shipped.lines} == units
        assert shipped.order_id == order.id
        assert NUMBER in [t.number for t in shipped.tracking]
        after = store.orders.get(order.id)
        [read] = [f for f in after.fulfillments if f.id == shipped.id]
        assert {x.line_id: x.quantity for x in read.lines} == units
        assert NUMBER in [t.number for t in read.tracking]
        for line_id, quantity in units.items():
            before, now = order.line(line_id), after.line(line_id)
            assert before is not None
            assert now is not None
            assert now.fulfilled_quantity == before.fulfilled_quantity + quantity

    def test_more_than_is_left_is_refused_before_any_write(self, store: Store) -> None:
        order, fo = self.shippable(store)
        line = next(x for x in fo.lines if x.fulfillable_quantity > 0)
        with pytest.raises(uo.InvalidRequest):
            store.fulfillments.create(fo.id, lines={line.id: line.fulfillable_quantity + 1})
        assert store.orders.get(order.id).fulfillments == order.fulfillments

    def test_bad_tracking_is_refused_before_any_request(
        self, recorder: tuple[Store, RecordingTransport]
    ) -> None:
        store, transport = recorder
        if Capability.FULFILLMENTS_CREATE not in store.capabilities:
            pytest.skip(f"{self.platform} cannot ship (no fulfillments.create)")
        with pytest.raises(uo.InvalidRequest) as caught:
            store.fulfillments.create("1", tracking=uo.Tracking(company="Carrier"))
        assert "tracking[0]" in {p.path for p in caught.value.problems}
        assert transport.exchanges == []
