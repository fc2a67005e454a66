"""Return operations: open exactly once, read, list, move through the lifecycle, add units,
calculate and process into a refund exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from .. import planning
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
from ..keys import check_key
from ..models import (
    Order,
    Refund,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    Return,
    ReturnLineRequest,
    ReturnLineStatus,
    ReturnRequest,
    ReturnStatus,
)
from ..writes import (
    Reconciled,
    exactly_once,
    find_return,
    finished_refund,
    new_idempotency_key,
    refunds_with_key,
)
from .gate import require
from .refunds import _prepare, _settled


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


#: Return statuses whose units can still be added to, calculated and processed.
PROCESSABLE = (ReturnStatus.OPEN, ReturnStatus.IN_PROGRESS)
#: Line statuses whose units are done with (nothing left to process).
_SETTLED_LINES = (ReturnLineStatus.PROCESSED, ReturnLineStatus.CANCELED, ReturnLineStatus.DECLINED)
#: Return statuses whose units no longer count as taken by a return.
_INACTIVE = (ReturnStatus.CANCELED, ReturnStatus.DECLINED)


def unprocessed(ret: Return) -> dict[str, int]:
    """Order line id -> units of the return not yet processed (refunded, restocked, disposed)."""
    left: dict[str, int] = {}
    for line in ret.lines:
        if line.status in _SETTLED_LINES:
            continue
        units = line.quantity - (line.processed_quantity or 0)
        if units > 0:
            left[line.line_id] = left.get(line.line_id, 0) + units
    return left


def process_key(platform: str, return_id: str) -> str:
    """The default idempotency key of processing a return: derived from the return, so a re-run
    without a key finds the refund the first run made instead of making a second."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"unified-orders:{platform}:returns.process:{return_id}")
    )


#: The operation each refusal names, by the verb its message uses.
_OPERATIONS = {"added to": "add_items", "calculated": "calculate", "processed": "process"}


def _not_processable(ret: Return, operation: str) -> InvalidRequest | None:
    if ret.status not in PROCESSABLE:
        what = ret.status.value
        if ret.platform_status and ret.platform_status.lower() != what:
            what = f"{what} ({ret.platform_status})"
        fix = " (approve it first)" if ret.status is ReturnStatus.REQUESTED else ""
        return InvalidRequest(
            [
                Problem(
                    "return_id",
                    f"return {ret.id} is {what}; only an open return can be {operation}{fix}",
                )
            ],
            operation=f"returns.{_OPERATIONS[operation]}",
        )
    return None


def _check_processable(ret: Return, operation: str) -> dict[str, int]:
    """The return's unprocessed units; InvalidRequest when it is not open or has none."""
    refused = _not_processable(ret, operation)
    if refused is not None:
        raise refused
    left = unprocessed(ret)
    if not left:
        raise InvalidRequest(
            [Problem("return_id", f"return {ret.id} has no unprocessed units left")],
            operation=f"returns.{_OPERATIONS[operation]}",
        )
    return left


def _refund_request(left: dict[str, int]) -> RefundRequest:
    """The refund of a return's unprocessed units (the restock is the return's own business)."""
    return RefundRequest(
        lines=[RefundLineRequest(line_id=line, quantity=units) for line, units in left.items()]
    )


def _check_items(
    order: Order, returns: Sequence[Return], lines: Sequence[ReturnLineRequest]
) -> None:
    """Units to add: order lines, at least one unit each, no more than shipped and not yet in a
    return (canceled and declined returns hold none)."""
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem("lines", "give at least one line to add"))
    taken: dict[str, int] = {}
    for other in returns:
        if other.status in _INACTIVE:
            continue
        for held in other.lines:
            if held.status not in (ReturnLineStatus.CANCELED, ReturnLineStatus.DECLINED):
                taken[held.line_id] = taken.get(held.line_id, 0) + held.quantity
    seen: set[str] = set()
    for index, wanted in enumerate(lines):
        path = f"lines[{index}]"
        if wanted.line_id in seen:
            problems.append(Problem(f"{path}.line_id", f"line {wanted.line_id!r} appears twice"))
        seen.add(wanted.line_id)
        if wanted.quantity < 1:
            problems.append(Problem(f"{path}.quantity", "must be at least 1"))
        line = order.line(wanted.line_id)
        if line is None:
            problems.append(
                Problem(f"{path}.line_id", f"order {order.id} has no line {wanted.line_id!r}")
            )
            continue
        left = line.fulfilled_quantity - taken.get(line.id, 0)
        if wanted.quantity > left:
            problems.append(
                Problem(
                    f"{path}.quantity",
                    f"line {line.id} has {max(left, 0)} shipped unit(s) not yet in a return "
                    f"(asked for {wanted.quantity})",
                )
            )
    if problems:
        raise InvalidRequest(problems, operation="returns.add_items")


def _quantities(ret: Return) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in ret.lines:
        found[line.line_id] = found.get(line.line_id, 0) + line.quantity
    return found


def _find_added(
    adapter: Adapter, before: Return, lines: Sequence[ReturnLineRequest]
) -> Op[Reconciled[Return]]:
    """Re-read the return: exactly the units asked for added is our write; the return as it was
    is no write; anything else cannot be told apart from another caller's."""
    after = yield from adapter.get_return(before.id)
    was, now = _quantities(before), _quantities(after)
    wanted = dict(was)
    for line in lines:
        wanted[line.line_id] = wanted.get(line.line_id, 0) + line.quantity
    if now == wanted:
        return Reconciled(found=after)
    if now == was:
        return Reconciled(latest=after)
    return Reconciled(undecidable="the return's units changed, but not as asked", latest=after)


def add_return_items(
    adapter: Adapter, return_id: str, lines: Sequence[ReturnLineRequest], locked: str | None = None
) -> Op[Return]:
    """Add units of order lines to an open return, checked against the order and its other
    returns first; a lost answer is settled by re-reading the return's quantities."""
    require(adapter, Capability.RETURNS_ADD_ITEMS)
    return_id = canonical(adapter, IdKind.RETURN, return_id, "return_id")
    lines = [
        line.model_copy(
            update={"line_id": given_id(adapter, IdKind.LINE, line.line_id, f"lines[{i}].line_id")}
        )
        for i, line in enumerate(lines)
    ]
    if not lines:
        raise InvalidRequest(
            [Problem("lines", "give at least one line to add")], operation="returns.add_items"
        )
    ret = yield from adapter.get_return(return_id)
    refused = _not_processable(ret, "added to")
    if refused is not None:
        raise refused
    order = yield from fresh(adapter, ret.order_id, locked)
    returns = yield from adapter.list_returns(order.id)
    _check_items(order, returns, lines)
    return (
        yield from exactly_once(
            lambda: adapter.add_return_items(ret, lines),
            lambda: _find_added(adapter, ret, lines),
            operation="returns.add_items",
            idempotency_key=f"return {ret.id}",
        )
    )


def _calculate(adapter: Adapter, ret: Return, order: Order) -> Op[RefundCalculation]:
    """The platform's calculation of refunding the return's unprocessed units, validated like a
    refund of them (refundable, paid) and cross-checked against them."""
    left = _check_processable(ret, "calculated")
    prepared = _prepare(adapter, order, _refund_request(left))
    calculation = yield from adapter.calculate_return(ret, order)
    planning.cross_check(calculation, prepared, adapter.platform)
    return calculation


def calculate_return(adapter: Adapter, return_id: str) -> Op[RefundCalculation]:
    """Preview the refund of an open return's unprocessed units."""
    require(adapter, Capability.RETURNS_CALCULATE)
    ret = yield from adapter.get_return(canonical(adapter, IdKind.RETURN, return_id, "return_id"))
    _check_processable(ret, "calculated")
    order = yield from adapter.get_order(ret.order_id)
    return (yield from _calculate(adapter, ret, order))


def _return_refunds(order: Order, return_id: str) -> list[Refund]:
    return [refund for refund in order.refunds if refund.return_id == return_id]


def _find_processed(
    adapter: Adapter, before: Return, order: Order, key: str, refund: bool
) -> Op[Reconciled[tuple[Return, Refund | None]]]:
    """Re-read the order and the return: the refund carrying our key is ours; a return processed
    without a refund carrying our key cannot be proven ours (never adopted)."""
    after = yield from adapter.get_order(order.id)
    ret = yield from adapter.get_return(before.id)
    ours = refunds_with_key(after.refunds, key)
    if len(ours) > 1:
        return Reconciled(
            undecidable=f"{len(ours)} refunds carry this key",
            latest=after,
            candidates=tuple(r.id for r in ours),
        )
    if ours:
        return Reconciled(found=(ret, ours[0]), latest=after)
    moved = unprocessed(ret) != unprocessed(before) or ret.status is not before.status
    if not refund:
        return Reconciled(found=(ret, None) if moved else None, latest=after)
    known = {r.id for r in order.refunds}
    new = [r for r in _return_refunds(after, before.id) if r.id not in known]
    if moved or new:
        return Reconciled(
            undecidable=(
                f"return {before.id} changed (processed or refunded), but no refund carries this "
                "key, so it may be someone else's; nothing was adopted"
            ),
            latest=after,
            candidates=tuple(r.id for r in new),
        )
    return Reconciled(latest=after)


def _finish_after_refund(
    adapter: Adapter, ret: Return, order: Order, options: ReturnProcessOptions
) -> Op[Return]:
    """A return whose refund was made but which a crash left open: process what is left of it
    without a second refund (the platform's own step closes it), or close it."""
    if ret.status not in (ReturnStatus.OPEN, ReturnStatus.IN_PROGRESS):
        return ret
    if unprocessed(ret):
        closed, _ = yield from adapter.process_return(ret, order, None, options)
        return closed
    if Capability.RETURNS_CLOSE in adapter.capabilities:
        return (yield from adapter.change_return(ret.id, ReturnAction.CLOSE, None))
    return ret


def process_return(
    adapter: Adapter, return_id: str, options: ReturnProcessOptions, locked: str | None = None
) -> Op[tuple[Return, Refund | None]]:
    """Process an open return's unprocessed units and refund what the platform calculates for
    them, exactly once: the key (given, or derived from the return) travels with the refund, a
    re-run with it returns the refund it made, and a lost answer is settled by re-reading."""
    require(adapter, Capability.RETURNS_PROCESS)
    check_key(options.idempotency_key)
    return_id = canonical(adapter, IdKind.RETURN, return_id, "return_id")
    key = options.idempotency_key or process_key(adapter.platform, return_id)
    options = replace(options, idempotency_key=key)
    ret = yield from adapter.get_return(return_id)
    order = yield from fresh(adapter, ret.order_id, locked)
    done = refunds_with_key(order.refunds, key)
    if done:
        if done[0].return_id not in (None, ret.id):
            raise InvalidRequest(
                [
                    Problem(
                        "idempotency_key",
                        f"refund {done[0].id} of return {done[0].return_id} already carries "
                        f"{key!r}: give this return's processing another key",
                    )
                ],
                operation="returns.process",
            )
        # processed before with this key: the refund it made, never a second one
        found = yield from finished_refund(adapter, order, done[0], key, notify=options.notify)
        refund = _settled(found, key)
        if refund.return_id is None:
            refund = refund.model_copy(update={"return_id": ret.id})
        ret = yield from _finish_after_refund(adapter, ret, order, options)
        return ret, refund
    if not options.refund and ret.status is ReturnStatus.CLOSED and not unprocessed(ret):
        return ret, None  # processed (and closed) already, and no refund asked
    _check_processable(ret, "processed")
    calculation = None
    if options.refund:
        calculation = yield from _calculate(adapter, ret, order)
    outcome = yield from exactly_once(
        lambda: adapter.process_return(ret, order, calculation, options),
        lambda: _find_processed(adapter, ret, order, key, options.refund),
        operation="returns.process",
        idempotency_key=key,
        settle=adapter.settings.settle,
    )
    processed, made = outcome
    if made is None:
        return processed, None
    if made.return_id is None:
        made = made.model_copy(update={"return_id": processed.id})
    return processed, _settled(made, key)
