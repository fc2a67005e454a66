"""Returns: Shopware Commercial ReturnManagement (``order_return``), when the shop has it.

Core Shopware has no return entity. A shop without the plugin or its licence answers 404
"No route found" on the return routes; the first such answer turns the return capabilities off
(:data:`~.base.NO_LICENCE` says what to do instead). Return state moves follow
:data:`~.states.RETURN_MOVES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, Request, Response, ReturnAction
from unified_orders.errors import (
    AmbiguousWrite,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    Problem,
    UnsupportedOperation,
)
from unified_orders.models import Order, Return, ReturnRequest

from . import translate as t
from .base import NO_LICENCE, ShopwareBase
from .platform import RETURNABLE_LINE_TYPES
from .states import RETURN_MOVES

__all__ = ["ReturnsMixin"]


class ReturnsMixin(ShopwareBase):
    """returns.list/get/create/approve/close/cancel/reopen, and adding items to a return."""

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

    def _return_raws(
        self, criteria: Mapping[str, Any], operation: Capability
    ) -> Op[list[dict[str, Any]]]:
        body = {"associations": t.RETURN_ASSOCIATIONS, **criteria}
        request = Request("POST", "search/order-return", json=body, retry_safe=True)
        response = yield from self._commercial_call(request, operation, route_only=False)
        data = response.body if isinstance(response.body, Mapping) else {}
        self._learn(data)
        return [dict(item) for item in data.get("data") or []]

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
        raws = yield from self._return_raws({"ids": [return_id]}, Capability.RETURNS_GET)
        if not raws:
            raise NotFound(f"return {return_id} not found", status=404, platform=self.platform)
        return t.return_from_platform(raws[0])

    def create_return(
        self, order: Order, request: ReturnRequest, idempotency_key: str
    ) -> Op[Return]:
        """Create a return through ``/_proxy/order/{id}/return``; a return not marked
        ``requested`` is then processed (open -> in_progress, canonical ``open``)."""
        _check_returnable(order, request)
        before = {r.id for r in (yield from self.list_returns(order.id))}
        response = yield from self._commercial_call(
            Request("POST", f"_proxy/order/{order.id}/return", json=_return_body(request)),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        created = response.body if isinstance(response.body, Mapping) else {}
        return_id = created.get("id")
        if not return_id:
            after = yield from self.list_returns(order.id)
            new = [r for r in after if r.id not in before]
            if len(new) != 1:
                raise AmbiguousWrite(
                    "the return was sent but cannot be identified", operation="returns.create"
                )
            return_id = new[0].id
        if not request.requested:
            yield from self.transition(
                "order_return", str(return_id), "in_progress", current="open"
            )
        return (yield from self.get_return(str(return_id)))

    def add_return_lines(
        self, order_id: str, return_id: str, lines: Mapping[str, int], note: str | None = None
    ) -> Op[Return]:
        """Shopware-only: add order lines to an existing return, then recalculate its price."""
        order_id = self._check_id(order_id, "order_id")
        return_id = self._check_id(return_id, "return_id")
        problems = [
            Problem(f"lines[{key}]", "quantity must be at least 1")
            for key, q in lines.items()
            if q < 1
        ]
        if not lines:
            problems.append(Problem("lines", "give at least one line"))
        if problems:
            raise InvalidRequest(problems, operation="returns.add_items")
        items = [
            {
                "orderLineItemId": self._check_id(key, "line_id"),
                "quantity": quantity,
                **({"internalComment": note} if note else {}),
            }
            for key, quantity in lines.items()
        ]
        yield from self._commercial_call(
            Request(
                "POST",
                f"_action/order/{order_id}/order-return/{return_id}/add-items",
                json={"orderLineItems": items},
            ),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        yield from self._commercial_call(
            Request("POST", f"_action/order/return/{return_id}/calculate", retry_safe=True),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        return (yield from self.get_return(return_id))

    def change_return(self, return_id: str, action: ReturnAction, note: str | None) -> Op[Return]:
        """approve: open -> in_progress; close: -> done (items marked returned); cancel: ->
        cancelled; reopen: done/cancelled -> open. Decline has no Shopware equivalent."""
        if action not in RETURN_MOVES:
            raise self._refuse(Capability.for_return_action(action))
        current = yield from self.get_return(return_id)
        sources, target = RETURN_MOVES[action]
        state = current.platform_status or "open"
        if state == target:
            return current
        if state not in sources:
            available = yield from self._available("order_return", current.id)
            actions = sorted({str(a["actionName"]) for a in available})
            raise IllegalTransition(
                f"return {current.id} is {state!r}; {action.value} needs one of "
                f"{', '.join(sorted(sources))}; possible actions: {', '.join(actions) or 'none'}",
                state=state,
                possible=actions,
                platform=self.platform,
            )
        yield from self.transition("order_return", current.id, target, current=state, comment=note)
        if action is ReturnAction.CLOSE and current.lines:
            yield from self._commercial_call(
                Request(
                    "POST",
                    "_action/order-return-line-item/state/returned",
                    json={"ids": [line.id for line in current.lines]},
                    retry_safe=True,
                ),
                Capability.RETURNS_CLOSE,
                route_only=True,
            )
        return (yield from self.get_return(current.id))


def _check_returnable(order: Order, request: ReturnRequest) -> None:
    """Refuse lines whose type Commercial returns do not take (promotions, credits ...)."""
    problems = []
    for index, wanted in enumerate(request.lines):
        line = order.line(wanted.line_id)
        kind = (line.raw or {}).get("type") if line is not None else None
        if line is not None and kind not in RETURNABLE_LINE_TYPES:
            problems.append(Problem(f"lines[{index}].line_id", f"a {kind} line cannot be returned"))
    if problems:
        raise InvalidRequest(problems, operation="return")


def _return_body(request: ReturnRequest) -> dict[str, Any]:
    """The ``/_proxy/order/{id}/return`` body: the lines, each with its note or reason."""
    body: dict[str, Any] = {
        "lineItems": [
            {
                "orderLineItemId": wanted.line_id,
                "quantity": wanted.quantity,
                **({"internalComment": c} if (c := wanted.note or wanted.reason) else {}),
            }
            for wanted in request.lines
        ]
    }
    if request.note:
        body["internalComment"] = request.note
    return body
