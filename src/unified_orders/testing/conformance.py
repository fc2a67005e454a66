"""The adapter conformance suite: the same canonical scenarios, run against every adapter's sandbox.

An adapter's tests get the whole suite by subclassing::

    from unified_orders.testing.conformance import AdapterConformance

    class TestShopifyConformance(AdapterConformance):
        platform = "shopify"
        settings = {"api": "rest"}

Scenarios find their own data in the sandbox (an order with a refundable line, and so on) and skip,
saying why, where the sandbox has none or the adapter lacks the capability.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import pytest

import unified_orders as uo

from ..adapter import OPEN_FULFILLMENT_ORDER_STATUSES, Capability, ReadLimits
from ..http import RecordingTransport
from ..store import Store
from .conformance_returns import ReturnRefundConformance
from .conformance_shipping import ShippingConformance
from .sandbox import instrumented_sandbox

__all__ = ["AdapterConformance"]


def _call_for(capability: Capability, store: Store) -> Any:
    """Invoke the facade method behind ``capability`` with throwaway arguments."""
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1", quantity=1)])
    calls: dict[Capability, Any] = {
        Capability.ORDERS_GET: lambda: store.orders.get("1"),
        Capability.ORDERS_LIST: lambda: next(iter(store.orders.list()), None),
        Capability.ORDERS_CANCEL: lambda: store.orders.cancel("1", reason="other"),
        Capability.ORDERS_UPDATE_SHIPPING_ADDRESS: lambda: store.orders.update_shipping_address(
            "1", uo.Address(city="x")
        ),
        Capability.REFUNDS_CALCULATE: lambda: store.refunds.calculate("1", request),
        Capability.REFUNDS_CREATE: lambda: store.refunds.create("1", request),
        Capability.REFUNDS_LIST: lambda: store.refunds.list("1"),
        Capability.RETURNS_CREATE: lambda: store.returns.create(
            "1", uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id="1", quantity=1)])
        ),
        Capability.RETURNS_GET: lambda: store.returns.get("1"),
        Capability.RETURNS_LIST: lambda: store.returns.list("1"),
        Capability.RETURNS_APPROVE: lambda: store.returns.approve("1"),
        Capability.RETURNS_DECLINE: lambda: store.returns.decline("1"),
        Capability.RETURNS_CLOSE: lambda: store.returns.close("1"),
        Capability.RETURNS_CANCEL: lambda: store.returns.cancel("1"),
        Capability.RETURNS_REOPEN: lambda: store.returns.reopen("1"),
        Capability.FULFILLMENTS_LIST: lambda: store.fulfillments.list("1"),
        Capability.FULFILLMENTS_HOLD: lambda: store.fulfillments.hold(
            "1", reason=uo.HoldReason.OTHER
        ),
        Capability.FULFILLMENTS_RELEASE_HOLD: lambda: store.fulfillments.release_hold("1"),
        Capability.FULFILLMENTS_REQUEST_FULFILLMENT: lambda: store.fulfillments.request_fulfillment(
            "1"
        ),
        Capability.FULFILLMENTS_REQUEST_CANCELLATION: lambda: (
            store.fulfillments.request_cancellation("1")
        ),
        Capability.FULFILLMENTS_AVAILABLE_LOCATIONS: lambda: store.fulfillments.available_locations(
            "1"
        ),
        Capability.FULFILLMENTS_MOVE: lambda: store.fulfillments.move("1", "2"),
        Capability.FULFILLMENTS_CREATE: lambda: store.fulfillments.create("1"),
        Capability.FULFILLMENTS_UPDATE_TRACKING: lambda: store.fulfillments.update_tracking(
            "1", uo.Tracking(number="1Z")
        ),
        Capability.FULFILLMENTS_CANCEL: lambda: store.fulfillments.cancel("1"),
        Capability.RETURNS_ADD_ITEMS: lambda: store.returns.add_items(
            "1", [uo.ReturnLineRequest(line_id="1", quantity=1)]
        ),
        Capability.RETURNS_CALCULATE: lambda: store.returns.calculate("1"),
        Capability.RETURNS_PROCESS: lambda: store.returns.process("1"),
        Capability.REFUNDS_GET: lambda: store.refunds.get("1"),
        Capability.WEBHOOKS_SUBSCRIBE: lambda: store.webhooks.subscribe("https://h.example.com"),
        Capability.WEBHOOKS_LIST: lambda: store.webhooks.list(),
        Capability.WEBHOOKS_UNSUBSCRIBE: lambda: store.webhooks.unsubscribe("1"),
    }
    return calls[capability]()


class AdapterConformance(ShippingConformance, ReturnRefundConformance):
    """Canonical scenarios every adapter passes against its sandbox."""

    platform: ClassVar[str]
    settings: ClassVar[dict[str, Any]] = {}

    # --- fixtures ------------------------------------------------------------------------------
    @pytest.fixture
    def recorder(self) -> Iterator[tuple[Store, RecordingTransport]]:
        holder: list[RecordingTransport] = []

        def wrap(transport: Any) -> RecordingTransport:
            holder.append(RecordingTransport(transport))
            return holder[0]

        store = instrumented_sandbox(self.platform, wrap, **self.settings)
        assert isinstance(store, Store)
        yield store, holder[0]
        store.close()

    @pytest.fixture
    def store(self, recorder: tuple[Store, RecordingTransport]) -> Store:
        return recorder[0]

    def refundable(self, store: Store) -> tuple[uo.Order, uo.LineItem]:
        """An order with a captured payment and a line with a refundable unit."""
        for order in store.orders.list():
            if not order.captured_payments:
                continue
            for line in order.lines:
                if line.refundable_quantity > 0:
                    return order, line
        pytest.skip(f"the {self.platform} sandbox has no order with a refundable, paid line")

    # --- scenarios -----------------------------------------------------------------------------
    def test_registered_through_entry_points(self) -> None:
        info = uo.adapters()[self.platform]
        assert info.error is None
        assert Capability.ORDERS_GET in info.capabilities

    def test_absent_capabilities_refused_before_any_request(
        self, recorder: tuple[Store, RecordingTransport]
    ) -> None:
        store, transport = recorder
        absent = [c for c in Capability if c not in store.capabilities]
        for capability in absent:
            with pytest.raises(uo.UnsupportedOperation) as caught:
                _call_for(capability, store)
            assert caught.value.platform == self.platform
            assert caught.value.operation == capability.value
            assert caught.value.hint, f"{capability} is refused without a hint"
        assert transport.exchanges == []

    def test_list_then_get_gives_equal_canonical_orders(self, store: Store) -> None:
        orders = list(store.orders.list())
        assert orders, "the sandbox should be seeded with demo orders"
        assert len({o.id for o in orders}) == len(orders), "list yields each order once"
        for order in orders:
            assert isinstance(order.id, str)
            assert order.platform == self.platform
            assert isinstance(order.total.amount, Decimal)
            assert all(isinstance(line.id, str) for line in order.lines)
            assert store.orders.get(order.id) == order

    def test_orders_survive_a_json_round_trip(self, store: Store) -> None:
        for order in store.orders.list():
            again = uo.Order.model_validate_json(order.model_dump_json())
            assert again == order
            assert '"amount":"' in order.model_dump_json(), "money is written as decimal strings"

    def test_refund_calculate_then_create(self, store: Store) -> None:
        order, line = self.refundable(store)
        request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
        calculation = store.refunds.calculate(order.id, request)
        assert [(x.line_id, x.quantity) for x in calculation.lines] == [(line.id, 1)]
        assert calculation.total.amount > 0
        allocated = sum((t.amount.amount for t in calculation.transactions), Decimal(0))
        assert allocated == calculation.total.amount
        refund = store.refunds.create(order.id, calculation, idempotency_key="conformance-1")
        assert refund.idempotency_key == "conformance-1"
        assert refund.total.amount == calculation.total.amount
        assert refund.order_id == order.id
        after = store.orders.get(order.id)
        refreshed = after.line(line.id)
        assert refreshed is not None
        assert refreshed.refunded_quantity == line.refunded_quantity + 1
        if Capability.REFUNDS_LIST in store.capabilities:
            assert refund.id in {r.id for r in store.refunds.list(order.id)}

    def test_bad_refunds_are_refused_before_any_request(
        self, recorder: tuple[Store, RecordingTransport]
    ) -> None:
        store, transport = recorder
        order, line = self.refundable(store)
        sent = len(transport.exchanges)
        request = uo.RefundRequest(
            lines=[
                uo.RefundLineRequest(line_id="no-such-line", quantity=1),
                uo.RefundLineRequest(line_id=line.id, quantity=line.refundable_quantity + 1),
            ],
            shipping=uo.ShippingRefund(amount=order.shipping_with_tax.amount + 1),
            currency="XTS" if order.currency != "XTS" else "USD",
        )
        with pytest.raises(uo.InvalidRequest) as caught:
            store.refunds.create(order, request)
        paths = {p.path for p in caught.value.problems}
        assert {"lines[0].line_id", "lines[1].quantity", "shipping.amount", "currency"} <= paths
        assert len(transport.exchanges) == sent, "nothing may be sent for a bad request"

    def test_fulfillment_orders_belong_to_their_order(self, store: Store) -> None:
        if Capability.FULFILLMENTS_LIST not in store.capabilities:
            pytest.skip(f"{self.platform} has no fulfillment orders")
        seen = 0
        for order in store.orders.list():
            for fo in store.fulfillments.list(order.id):
                seen += 1
                assert fo.order_id == order.id
                assert {fl.line_id for fl in fo.lines} <= {line.id for line in order.lines}
        assert seen, "the sandbox should have fulfillment orders"

    def test_open_fulfillment_orders_are_the_open_ones_of_every_order(self, store: Store) -> None:
        """Where declared, ``open_fulfillment_orders`` pages to exactly the fulfillment orders
        in ``OPEN_FULFILLMENT_ORDER_STATUSES`` that the per-order reads give (a sync compares them
        with the stored ones, so one left out would hide a change)."""
        if not store.adapter.lists_open_fulfillment_orders:
            pytest.skip(f"{self.platform} does not list its open fulfillment orders")
        expected = {
            fo.id: fo
            for order in store.orders.list()
            for fo in store.fulfillments.list(order.id)
            if fo.status in OPEN_FULFILLMENT_ORDER_STATUSES
        }
        listed: dict[str, uo.FulfillmentOrder] = {}
        cursor = None
        while True:
            page = store.run(store.adapter.open_fulfillment_orders(cursor))
            assert not page.failures
            for fo in page.items:
                assert fo.id not in listed, f"fulfillment order {fo.id} listed twice"
                listed[fo.id] = fo
            cursor = page.next_cursor
            if cursor is None:
                break
        assert expected, "the sandbox should have open fulfillment orders"
        assert listed == expected

    def test_a_sandbox_with_every_grant_hides_nothing(self, store: Store) -> None:
        """``read_limits`` reads as a ``ReadLimits`` of plain texts; the built-in sandbox grants
        every permission, so nothing is hidden there (a sync would otherwise stop marking
        deletions and say so on every run)."""
        limits = store.run(store.adapter.read_limits())
        assert isinstance(limits, ReadLimits)
        assert dict(limits.orders) == {}
        assert dict(limits.details) == {}
