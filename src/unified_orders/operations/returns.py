"""Return operations: open exactly once, read, list, move through the lifecycle."""

from __future__ import annotations

from collections.abc import Sequence

from ..adapter import (
    Adapter,
    Capability,
    IdKind,
    Op,
    ReturnAction,
    ReturnProcessOptions,
)
from ..errors import InvalidRequest, Problem
from ..finding import (
    OrderRef,
    by_order_id,
    canonical,
    fresh,
    given_id,
)
from ..models import (
    Order,
    Refund,
    RefundCalculation,
    Return,
    ReturnLineRequest,
    ReturnRequest,
)
from ..writes import (
    exactly_once,
    find_return,
    new_idempotency_key,
)
from .gate import require


def _check_return(order: Order, request: ReturnRequest) -> None:
    problems: list[Problem] = []
    if not request.lines:
        problems.append(Problem("lines", "a return needs at least one line"))
    seen: set[str] = set()
    for index, wanted in enumerate(request.lines):
        path = f"lines[{index}]"
        if wanted.line_id in seen:
            problems.append(Problem(f"{path}.line_id", f"line {wanted.line_id!r} appears twice"))
        seen.add(wanted.line_id)
        line = order.line(wanted.line_id)
        if wanted.quantity < 1:
            problems.append(Problem(f"{path}.quantity", "must be at least 1"))
        if line is None:
            problems.append(
                Problem(f"{path}.line_id", f"order {order.id} has no line {wanted.line_id!r}")
            )
        elif wanted.quantity > line.fulfilled_quantity:
            problems.append(
                Problem(
                    f"{path}.quantity",
                    f"only {line.fulfilled_quantity} unit(s) of line {line.id} were fulfilled; "
                    f"nothing unfulfilled can be returned (asked for {wanted.quantity})",
                )
            )
    if problems:
        raise InvalidRequest(problems, operation="return")


def create_return(
    adapter: Adapter, ref: OrderRef, request: ReturnRequest, idempotency_key: str | None
) -> Op[Return]:
    require(adapter, Capability.RETURNS_CREATE)
    key = idempotency_key or new_idempotency_key()
    lines = [
        line.model_copy(
            update={"line_id": given_id(adapter, IdKind.LINE, line.line_id, f"lines[{i}].line_id")}
        )
        for i, line in enumerate(request.lines)
    ]
    request = request.model_copy(update={"lines": lines})
    if isinstance(ref, Order):
        _check_return(ref, request)
    order = yield from fresh(adapter, ref, None)
    _check_return(order, request)
    before = yield from adapter.list_returns(order.id)
    return (
        yield from exactly_once(
            lambda: adapter.create_return(order, request, key),
            lambda: find_return(adapter, before, order, request),
            operation="returns.create",
            idempotency_key=key,
        )
    )


def get_return(adapter: Adapter, return_id: str) -> Op[Return]:
    require(adapter, Capability.RETURNS_GET)
    return (
        yield from adapter.get_return(canonical(adapter, IdKind.RETURN, return_id, "return_id"))
    )


def list_returns(adapter: Adapter, ref: OrderRef) -> Op[list[Return]]:
    require(adapter, Capability.RETURNS_LIST)
    return (yield from by_order_id(adapter, ref, adapter.list_returns))


def change_return(
    adapter: Adapter, return_id: str, action: ReturnAction, note: str | None
) -> Op[Return]:
    require(adapter, Capability.for_return_action(action))
    return_id = canonical(adapter, IdKind.RETURN, return_id, "return_id")
    return (yield from adapter.change_return(return_id, action, note))


def add_return_items(
    adapter: Adapter, return_id: str, lines: Sequence[ReturnLineRequest]
) -> Op[Return]:
    require(adapter, Capability.RETURNS_ADD_ITEMS)
    ret = yield from adapter.get_return(canonical(adapter, IdKind.RETURN, return_id, "return_id"))
    return (yield from adapter.add_return_items(ret, lines))


def calculate_return(adapter: Adapter, return_id: str) -> Op[RefundCalculation]:
    require(adapter, Capability.RETURNS_CALCULATE)
    ret = yield from adapter.get_return(canonical(adapter, IdKind.RETURN, return_id, "return_id"))
    order = yield from adapter.get_order(ret.order_id)
    return (yield from adapter.calculate_return(ret, order))


def process_return(
    adapter: Adapter, return_id: str, options: ReturnProcessOptions
) -> Op[tuple[Return, Refund | None]]:
    require(adapter, Capability.RETURNS_PROCESS)
    ret = yield from adapter.get_return(canonical(adapter, IdKind.RETURN, return_id, "return_id"))
    order = yield from adapter.get_order(ret.order_id)
    calculation = (yield from adapter.calculate_return(ret, order)) if options.refund else None
    return (yield from adapter.process_return(ret, order, calculation, options))
