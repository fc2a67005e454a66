"""Conformance scenarios for returns that end in money: a return, its calculation, and processing
it into a refund exactly once. Mixed into :class:`~.conformance.AdapterConformance`.

An adapter without ``returns.process`` passes by refusing it with
:class:`~unified_orders.UnsupportedOperation` and a hint, before any request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest

import unified_orders as uo

from ..adapter import Capability
from ..http import RecordingTransport
from ..store import Store

__all__ = ["ReturnRefundConformance"]


class ReturnRefundConformance:
    """The "return then refund" scenario."""

    platform: ClassVar[str]

    def returnable(self, store: Store) -> tuple[uo.Order, uo.LineItem]:
        """A paid order with a shipped line that still has a refundable unit."""
        for order in store.orders.list():
            if not order.captured_payments:
                continue
            for line in order.lines:
                if line.fulfilled_quantity > 0 and line.refundable_quantity > 0:
                    return order, line
        pytest.skip(
            f"the {self.platform} sandbox has no paid order with a shipped, unrefunded line"
        )

    def test_return_then_refund(self, recorder: tuple[Store, RecordingTransport]) -> None:
        store, transport = recorder
        if Capability.RETURNS_PROCESS not in store.capabilities:
            with pytest.raises(uo.UnsupportedOperation) as caught:
                store.returns.process("1")
            assert caught.value.hint, "returns.process is refused without a hint"
            assert transport.exchanges == []
            return
        order, line = self.returnable(store)
        request = uo.ReturnRequest(lines=[uo.ReturnLineRequest(line_id=line.id, quantity=1)])
        ret = store.returns.create(order.id, request)
        assert ret.status in (uo.ReturnStatus.OPEN, uo.ReturnStatus.IN_PROGRESS)

        calculation = store.returns.calculate(ret.id)
        assert [(x.line_id, x.quantity) for x in calculation.lines] == [(line.id, 1)]
        assert calculation.total.amount > 0
        allocated = sum((t.amount.amount for t in calculation.transactions), Decimal(0))
        assert allocated == calculation.total.amount

        processed, refund = store.returns.process(ret.id, idempotency_key="conformance-return-1")
        assert refund is not None
        assert processed.id == ret.id
        assert processed.status is uo.ReturnStatus.CLOSED
        assert refund.idempotency_key == "conformance-return-1"
        assert refund.return_id == ret.id
        assert refund.total.amount == calculation.total.amount
        after = store.orders.get(order.id)
        again = after.line(line.id)
        assert again is not None
        assert again.refunded_quantity == line.refunded_quantity + 1

        # the same key again: the same refund, never a second one
        sent = len(after.refunds)
        _, same = store.returns.process(ret.id, idempotency_key="conformance-return-1")
        assert same is not None
        assert same.id == refund.id
        assert len(store.orders.get(order.id).refunds) == sent
        if Capability.REFUNDS_GET in store.capabilities:
            read = store.refunds.get(refund.id)
            assert (read.id, read.order_id, read.total) == (refund.id, order.id, refund.total)

    def test_bad_return_processing_is_refused_before_any_request(
        self, recorder: tuple[Store, RecordingTransport]
    ) -> None:
        store, transport = recorder
        if Capability.RETURNS_PROCESS not in store.capabilities:
            pytest.skip(f"{self.platform} refuses returns.process (see test_return_then_refund)")
        with pytest.raises(uo.InvalidRequest):
            store.returns.process("1", idempotency_key="not a key")
        assert transport.exchanges == []
