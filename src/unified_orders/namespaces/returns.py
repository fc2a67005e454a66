"""``store.returns`` and its awaitable twin."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from .. import operations as ops
from ..adapter import (
    Capability,
    ReturnAction,
    ReturnProcessOptions,
)
from ..keys import check_key
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
        """Add units of order lines to an open return (a line already in it grows), checked
        against what was shipped and is not yet in a return; under the order's lock."""
        ops.require(self._adapter, Capability.RETURNS_ADD_ITEMS)
        ret = self._run(ops.get_return(self._adapter, return_id))
        return self._locked(
            Capability.RETURNS_ADD_ITEMS,
            ret.order_id,
            lambda _, key: ops.add_return_items(self._adapter, return_id, lines, key),
        )

    def calculate(self, return_id: str) -> RefundCalculation:
        """Preview the refund of an open return's unprocessed units (the platform's calculator,
        cross-checked like ``refunds.calculate``)."""
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
        """Process an open return's units (``restock``: the platform's restock of them; None
        leaves it to the platform, see the platform's notes) and refund what it calculates,
        exactly once: the return and its refund (None with ``refund=False``).

        The key (default: derived from the return, so a re-run finds the first refund) travels
        with the refund and is on the result's ``idempotency_key``; under the order's lock."""
        options = ReturnProcessOptions(refund, restock, notify, note, idempotency_key)
        ops.require(self._adapter, Capability.RETURNS_PROCESS)
        check_key(idempotency_key)
        ret = self._run(ops.get_return(self._adapter, return_id))
        return self._locked(
            Capability.RETURNS_PROCESS,
            ret.order_id,
            lambda _, key: ops.process_return(self._adapter, return_id, options, key),
        )


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
        """Add units of order lines to an open return (see :meth:`Returns.add_items`)."""
        ops.require(self._adapter, Capability.RETURNS_ADD_ITEMS)
        ret = await self._run(ops.get_return(self._adapter, return_id))
        return await self._locked(
            Capability.RETURNS_ADD_ITEMS,
            ret.order_id,
            lambda _, key: ops.add_return_items(self._adapter, return_id, lines, key),
        )

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
        """Process a return and refund what it calculates (see :meth:`Returns.process`)."""
        options = ReturnProcessOptions(refund, restock, notify, note, idempotency_key)
        ops.require(self._adapter, Capability.RETURNS_PROCESS)
        check_key(idempotency_key)
        ret = await self._run(ops.get_return(self._adapter, return_id))
        return await self._locked(
            Capability.RETURNS_PROCESS,
            ret.order_id,
            lambda _, key: ops.process_return(self._adapter, return_id, options, key),
        )
