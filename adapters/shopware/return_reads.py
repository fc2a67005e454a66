"""Reading Commercial returns (``order_return``), and the licence check every return call makes.

Core Shopware has no return entity. A shop without the plugin or its licence answers 404
"No route found" on the return routes; the first such answer turns the return capabilities off
(:data:`~.base.NO_LICENCE` says what to do instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, Request, Response
from unified_orders.errors import IllegalTransition, NotFound, UnsupportedOperation
from unified_orders.models import Return

from . import states
from . import translate as t
from .base import NO_LICENCE, ShopwareBase

__all__ = ["ReturnReadsMixin"]


class ReturnReadsMixin(ShopwareBase):
    """returns.list and returns.get, and the Commercial request every return operation sends."""

    def _commercial_call(
        self, request: Request, operation: Capability, route_only: bool
    ) -> Op[Response]:
        """Send a Commercial request; a missing route means no licence (capabilities drop)."""
        try:
            response = yield request
        except NotFound as error:
            detail = str(error.message)
            if not route_only or "No route found" in detail:
                with self._lock:
                    self._commercial = False
                raise UnsupportedOperation(self.platform, operation.value, NO_LICENCE) from error
            raise
        with self._lock:
            if self._commercial is None:
                self._commercial = True
        return response

    def _lines_returned(self, line_ids: list[str], operation: Capability) -> Op[None]:
        """Move return lines to ``returned`` (one call for all); a refusal names their state."""
        request = Request(
            "POST",
            "_action/order-return-line-item/state/returned",
            json={"ids": line_ids},
            retry_safe=True,
        )
        try:
            yield from self._commercial_call(request, operation, route_only=True)
        except IllegalTransition as refused:
            raise (yield from self._state_named(refused, states.LINE_ITEM_MACHINE)) from None

    def _return_raws(
        self, criteria: Mapping[str, Any], operation: Capability
    ) -> Op[list[dict[str, Any]]]:
        body = {"associations": t.RETURN_ASSOCIATIONS, **criteria}
        request = Request("POST", "search/order-return", json=body, retry_safe=True, write=False)
        response = yield from self._commercial_call(request, operation, route_only=False)
        data = response.body if isinstance(response.body, Mapping) else {}
        return [dict(item) for item in data.get("data") or []]

    def _return_raw(self, return_id: str, operation: Capability) -> Op[dict[str, Any]]:
        """One ``order_return`` as the shop holds it (price, amounts, items with their state)."""
        raws = yield from self._return_raws({"ids": [return_id]}, operation)
        if not raws:
            raise NotFound(f"return {return_id} not found", status=404, platform=self.platform)
        return raws[0]

    def list_returns(self, order_id: str) -> Op[list[Return]]:
        """Returns of one order (``search/order-return``)."""
        order_id = self._check_id(order_id, "order_id")
        raws = yield from self._return_raws(
            {
                "filter": [{"type": "equals", "field": "orderId", "value": order_id}],
                "sort": [{"field": "createdAt", "order": "ASC"}],
            },
            Capability.RETURNS_LIST,
        )
        return [t.return_from_platform(r) for r in raws]

    def get_return(self, return_id: str) -> Op[Return]:
        """One return."""
        return_id = self._check_id(return_id, "return_id")
        raw = yield from self._return_raw(return_id, Capability.RETURNS_GET)
        return t.return_from_platform(raw)
