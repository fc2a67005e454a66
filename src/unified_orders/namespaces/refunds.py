"""``store.refunds`` and its awaitable twin."""

from __future__ import annotations

import builtins

from .. import operations as ops
from ..adapter import (
    Capability,
    RefundOptions,
)
from ..models import (
    Refund,
    RefundCalculation,
    RefundRequest,
)
from .base import AsyncNamespace, Namespace


class Refunds(Namespace):
    """``store.refunds``: calculate (preview), create, list."""

    def calculate(self, order_id: ops.OrderRef, request: RefundRequest) -> RefundCalculation:
        """Preview a refund: validated lines, amounts, restock and transaction allocations."""
        return self._run(ops.calculate_refund(self._adapter, order_id, request))

    def create(
        self,
        order_id: ops.OrderRef,
        request_or_calculation: RefundRequest | RefundCalculation,
        *,
        note: str | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Refund:
        """Create a refund exactly once; the key used is on the result's ``idempotency_key``."""
        options = RefundOptions(note, notify, idempotency_key)
        return self._locked(
            Capability.REFUNDS_CREATE,
            order_id,
            lambda ref, key: ops.create_refund(
                self._adapter, ref, request_or_calculation, options, key
            ),
        )

    def list(self, order_id: ops.OrderRef) -> builtins.list[Refund]:
        """Refunds of one order."""
        return self._run(ops.list_refunds(self._adapter, order_id))

    def get(self, refund_id: str) -> Refund:
        """Read one refund by its id."""
        return self._run(ops.get_refund(self._adapter, refund_id))


class AsyncRefunds(AsyncNamespace):
    """``astore.refunds``: the awaitable twin of :class:`Refunds`."""

    async def calculate(self, order_id: ops.OrderRef, request: RefundRequest) -> RefundCalculation:
        """Preview a refund: validated lines, amounts, restock and transaction allocations."""
        return await self._run(ops.calculate_refund(self._adapter, order_id, request))

    async def create(
        self,
        order_id: ops.OrderRef,
        request_or_calculation: RefundRequest | RefundCalculation,
        *,
        note: str | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Refund:
        """Create a refund exactly once; the key used is on the result's ``idempotency_key``."""
        options = RefundOptions(note, notify, idempotency_key)
        return await self._locked(
            Capability.REFUNDS_CREATE,
            order_id,
            lambda ref, key: ops.create_refund(
                self._adapter, ref, request_or_calculation, options, key
            ),
        )

    async def list(self, order_id: ops.OrderRef) -> builtins.list[Refund]:
        """Refunds of one order."""
        return await self._run(ops.list_refunds(self._adapter, order_id))

    async def get(self, refund_id: str) -> Refund:
        """Read one refund by its id."""
        return await self._run(ops.get_refund(self._adapter, refund_id))
