"""Refund operations: preview, create exactly once, list."""

from __future__ import annotations

from .. import planning, refund_amounts
from ..adapter import (
    Adapter,
    Capability,
    IdKind,
    Op,
    RefundOptions,
)
from ..errors import InvalidRequest, Problem, RefundFailed
from ..finding import (
    OrderRef,
    by_order_id,
    canonical,
    find_order,
    fresh,
    given_id,
)
from ..keys import check_key
from ..models import (
    Order,
    Refund,
    RefundCalculation,
    RefundRequest,
    RefundStatus,
)
from ..writes import (
    Reconciled,
    exactly_once,
    find_refund,
    finished_refund,
    new_idempotency_key,
    refunds_with_key,
)
from .gate import require


def _refund_ids(adapter: Adapter, request: RefundRequest) -> RefundRequest:
    """The request with its line and location ids in canonical spelling (GIDs unwrapped)."""
    lines = []
    for index, line in enumerate(request.lines):
        update = {
            "line_id": given_id(adapter, IdKind.LINE, line.line_id, f"lines[{index}].line_id")
        }
        if line.location_id is not None:
            path = f"lines[{index}].location_id"
            update["location_id"] = given_id(adapter, IdKind.LOCATION, line.location_id, path)
        lines.append(line.model_copy(update=update))
    return request.model_copy(update={"lines": lines})


def _prepare(adapter: Adapter, order: Order, request: RefundRequest) -> RefundRequest:
    if not adapter.refunds_by_amount and refund_amounts.by_amount(request):
        raise refund_amounts.by_amount_unsupported(adapter.platform)
    prepared = planning.prepare(
        order,
        request,
        adapter.restock_policy,
        partial_refund_needs_capture=adapter.partial_refund_needs_capture,
        platform_problems=adapter.refund_problems(order, request),
    )
    if not adapter.refunds_by_amount and refund_amounts.by_amount(prepared):
        raise refund_amounts.by_amount_unsupported(adapter.platform)  # "everything left" needs it
    return prepared


def _calculate(adapter: Adapter, order: Order, prepared: RefundRequest) -> Op[RefundCalculation]:
    # an amount-only refund has nothing for a platform to calculate: only the payments' money
    if not adapter.calculates_refunds or prepared.amount is not None:
        return planning.calculate(order, prepared)
    calculation = yield from adapter.calculate_refund(order, prepared)
    calculation = planning.apply_line_amounts(calculation, prepared)
    planning.cross_check(calculation, prepared, adapter.platform)
    return calculation


def calculate_refund(
    adapter: Adapter, ref: OrderRef, request: RefundRequest
) -> Op[RefundCalculation]:
    require(adapter, Capability.REFUNDS_CALCULATE)
    request = _refund_ids(adapter, request)
    order = yield from find_order(adapter, ref)
    prepared = _prepare(adapter, order, request)
    return (yield from _calculate(adapter, order, prepared))


def _settled(refund: Refund, key: str) -> Refund:
    """The refund with its key; :class:`RefundFailed` when the platform recorded it as failed
    (no money moved) or still pending (money may yet move)."""
    refund = refund.model_copy(update={"idempotency_key": key})
    where = f"refund {refund.id} on order {refund.order_id}"
    if refund.status is RefundStatus.FAILURE:
        raise RefundFailed(
            f"{where} failed on the platform (status failure); no money has moved. Retrying "
            f"with idempotency_key={key!r} returns this refund; issue a new refund to try again.",
            refund=refund,
        )
    if refund.status is RefundStatus.PENDING:
        raise RefundFailed(
            f"{where} is still pending on the platform (status pending): money may yet move. "
            f"Retrying with idempotency_key={key!r} reads it again (and finishes what our "
            "writer left undone, once nobody else can be finishing it); do not issue a new "
            "refund for it while it is pending.",
            refund=refund,
        )
    return refund


def create_refund(
    adapter: Adapter,
    ref: OrderRef,
    request_or_calculation: RefundRequest | RefundCalculation,
    options: RefundOptions,
    locked: str | None = None,
) -> Op[Refund]:
    """Find the refund by key, or validate, (re)calculate against a fresh read of the order, and
    write exactly once."""
    require(adapter, Capability.REFUNDS_CREATE)
    check_key(options.idempotency_key)
    key = options.idempotency_key or new_idempotency_key()
    options = RefundOptions(note=options.note, notify=options.notify, idempotency_key=key)
    request = (
        request_or_calculation.request
        if isinstance(request_or_calculation, RefundCalculation)
        else request_or_calculation
    )
    request = _refund_ids(adapter, request)
    if isinstance(ref, Order) and not refunds_with_key(ref.refunds, key):
        _prepare(adapter, ref, request)  # bad input fails here, before any request
    order = yield from fresh(adapter, ref, locked)
    done = refunds_with_key(order.refunds, key)
    if done:
        # the same key again: the refund it made, not a second one (once it is finished)
        found = yield from finished_refund(adapter, order, done[0], key, notify=options.notify)
        return _settled(found, key)
    prepared = _prepare(adapter, order, request)
    calculation = request_or_calculation
    if not isinstance(calculation, RefundCalculation) or calculation.order_id != order.id:
        calculation = yield from _calculate(adapter, order, prepared)
    else:
        planning.cross_check(calculation, prepared, adapter.platform)
    final = calculation

    def still_refundable(outcome: Reconciled[Refund]) -> None:
        if isinstance(outcome.latest, Order):
            again = _prepare(adapter, outcome.latest, request)
            if request.remaining and again != prepared:
                # "everything left" is another refund now: never send the old one blindly
                raise InvalidRequest(
                    [
                        Problem(
                            "remaining",
                            f"order {order.id} changed while this refund's answer was lost and "
                            "it was not made; what is left to refund is different now: "
                            "preview it again",
                        )
                    ],
                    operation="refund",
                )

    refund = yield from exactly_once(
        lambda: adapter.create_refund(order, final, options),
        lambda: find_refund(adapter, order, final, key),
        operation="refunds.create",
        idempotency_key=key,
        settle=adapter.settings.settle,
        before_resend=still_refundable,
    )
    return _settled(refund, key)


def list_refunds(adapter: Adapter, ref: OrderRef) -> Op[list[Refund]]:
    require(adapter, Capability.REFUNDS_LIST)
    return (yield from by_order_id(adapter, ref, adapter.list_refunds))


def get_refund(adapter: Adapter, refund_id: str) -> Op[Refund]:
    require(adapter, Capability.REFUNDS_GET)
    return (
        yield from adapter.get_refund(canonical(adapter, IdKind.REFUND, refund_id, "refund_id"))
    )
