"""``store.returns`` and its awaitable twin."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from .. import operations as ops
from ..adapter import (
    ReturnAction,
    ReturnProcessOptions,
)
from ..models import (
    Refund,
    RefundCalculation,
    Restock,
    Return,
    ReturnLineRequest,
    ReturnRequest,
)
from .base import AsyncNamespace, Namespace


class Returns(Namespace):
    """``store.returns``: the return lifecycle."""

    def create(
        self, order_id: ops.OrderRef, request: ReturnRequest, *, idempotency_key: str | None = None
    ) -> Return:
        """Open a return (or a customer request, with ``request.requested``); exactly once."""
        return self._run(ops.create_return(self._adapter, order_id, request, idempotency_key))

    def get(self, return_id: str) -> Return:
        """Read one return."""
        return self._run(ops.get_return(self._adapter, return_id))

    def list(self, order_id: ops.OrderRef) -> builtins.list[Return]:
        """Returns of one order."""
        return self._run(ops.list_returns(self._adapter, order_id))

    def _change(self, return_id: str, action: ReturnAction, note: str | None) -> Return:
        return self._run(ops.change_return(self._adapter, return_id, action, note))

    def approve(self, return_id: str, *, note: str | None = None) -> Return:
        """Approve a requested return."""
        return self._change(return_id, ReturnAction.APPROVE, note)

    def decline(self, return_id: str, *, note: str | None = None) -> Return:
        """Decline a requested return."""
        return self._change(return_id, ReturnAction.DECLINE, note)

    def close(self, return_id: str, *, note: str | None = None) -> Return:
        """Close a return."""
        return self._change(return_id, ReturnAction.CLOSE, note)

    def cancel(self, return_id: str, *, note: str | None = None) -> Return:
        """Cancel a return."""
        return self._change(return_id, ReturnAction.CANCEL, note)

    def reopen(self, return_id: str, *, note: str | None = None) -> Return:
        """Reopen a closed return."""
        return self._change(return_id, ReturnAction.REOPEN, note)

    def add_items(self, return_id: str, lines: Sequence[ReturnLineRequest]) -> Return:
        """Add units of order lines to an open return."""
        return self._run(ops.add_return_items(self._adapter, return_id, lines))

    def calculate(self, return_id: str) -> RefundCalculation:
        """Preview the refund of a return's units."""
        return self._run(ops.calculate_return(self._adapter, return_id))

    def process(
        self,
        return_id: str,
        *,
        refund: bool = True,
        restock: Restock | None = None,
        notify: bool = False,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Return, Refund | None]:
        """Close a return and refund what it calculates, exactly once: the return and its refund."""
        options = ReturnProcessOptions(refund, restock, notify, note, idempotency_key)
        return self._run(ops.process_return(self._adapter, return_id, options))


class AsyncReturns(AsyncNamespace):
    """``astore.returns``: the awaitable twin of :class:`Returns`."""

    async def create(
        self, order_id: ops.OrderRef, request: ReturnRequest, *, idempotency_key: str | None = None
    ) -> Return:
        """Open a return (or a customer request, with ``request.requested``); exactly once."""
        return await self._run(ops.create_return(self._adapter, order_id, request, idempotency_key))

    async def get(self, return_id: str) -> Return:
        """Read one return."""
        return await self._run(ops.get_return(self._adapter, return_id))

    async def list(self, order_id: ops.OrderRef) -> builtins.list[Return]:
        """Returns of one order."""
        return await self._run(ops.list_returns(self._adapter, order_id))

    async def _change(self, return_id: str, action: ReturnAction, note: str | None) -> Return:
        return await self._run(ops.change_return(self._adapter, return_id, action, note))

    async def approve(self, return_id: str, *, note: str | None = None) -> Return:
        """Approve a requested return."""
        return await self._change(return_id, ReturnAction.APPROVE, note)

    async def decline(self, return_id: str, *, note: str | None = None) -> Return:
        """Decline a requested return."""
        return await self._change(return_id, ReturnAction.DECLINE, note)

    async def close(self, return_id: str, *, note: str | None = None) -> Return:
        """Close a return."""
        return await self._change(return_id, ReturnAction.CLOSE, note)

    async def cancel(self, return_id: str, *, note: str | None = None) -> Return:
        """Cancel a return."""
        return await self._change(return_id, ReturnAction.CANCEL, note)

    async def reopen(self, return_id: str, *, note: str | None = None) -> Return:
        """Reopen a closed return."""
        return await self._change(return_id, ReturnAction.REOPEN, note)

    async def add_items(self, return_id: str, lines: Sequence[ReturnLineRequest]) -> Return:
        """Add units of order lines to an open return."""
        return await self._run(ops.add_return_items(self._adapter, return_id, lines))

    async def calculate(self, return_id: str) -> RefundCalculation:
        """Preview the refund of a return's units."""
        return await self._run(ops.calculate_return(self._adapter, return_id))

    async def process(
        self,
        return_id: str,
        *,
        refund: bool = True,
        restock: Restock | None = None,
        notify: bool = False,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Return, Refund | None]:
        """Close a return and refund what it calculates (see :meth:`Returns.process`)."""
        options = ReturnProcessOptions(refund, restock, notify, note, idempotency_key)
        return await self._run(ops.process_return(self._adapter, return_id, options))
