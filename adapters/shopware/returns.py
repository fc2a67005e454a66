"""Returns: Shopware Commercial ReturnManagement (``order_return``), when the shop has it.

Reading them and the licence check are in :mod:`.return_reads`; adding items, the return
calculator and processing a return into a refund in :mod:`.return_refunds`. Return state moves
follow :data:`~.states.RETURN_MOVES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, Request, ReturnAction
from unified_orders.errors import (
    AmbiguousWrite,
    IllegalTransition,
    InvalidRequest,
    Problem,
)
from unified_orders.models import Order, Return, ReturnRequest

from .platform import RETURNABLE_LINE_TYPES
from .return_refunds import ReturnRefundsMixin
from .states import RETURN_MOVES

__all__ = ["ReturnsMixin"]


class ReturnsMixin(ReturnRefundsMixin):
    """returns.create/approve/close/cancel/reopen (and every return operation of the mixins)."""

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
            yield from self._lines_returned(
                [line.id for line in current.lines], Capability.RETURNS_CLOSE
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
