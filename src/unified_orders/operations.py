"""The canonical operations, sans-I/O: capability gate, validation, then the adapter's exchanges.

``Store`` and ``AsyncStore`` are thin: each method runs one of these generators with a sync or an
async driver. Checks that need no platform state run before the first request.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import planning, refund_amounts
from .adapter import (
    Adapter,
    CancelOptions,
    Capability,
    IdKind,
    Op,
    OrderQuery,
    Page,
    RefundOptions,
    ReturnAction,
)
from .countries import address_problems, settled_address
from .errors import InvalidRequest, Problem, RefundFailed, UnsupportedOperation
from .finding import (
    OrderElsewhere,
    OrderRef,
    by_order_id,
    canonical,
    check_query,
    find_order,
    fresh,
    given_id,
    lock_id,
)
from .keys import check_key
from .models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Order,
    Refund,
    RefundCalculation,
    RefundRequest,
    RefundStatus,
    Return,
    ReturnRequest,
)
from .writes import (
    Reconciled,
    exactly_once,
    find_cancellation,
    find_refund,
    find_return,
    finished_refund,
    new_idempotency_key,
    refunds_with_key,
)

__all__ = ["OrderElsewhere", "OrderRef", "find_order", "lock_id", "require"]


def require(adapter: Adapter, capability: Capability) -> None:
    """Refuse, before any request, an operation the store does not support."""
    if capability not in adapter.capabilities:
        raise UnsupportedOperation(adapter.platform, capability.value, adapter.hint(capability))


# --- orders --------------------------------------------------------------------------------
def get_order(adapter: Adapter, ref: OrderRef) -> Op[Order]:
    require(adapter, Capability.ORDERS_GET)
    if isinstance(ref, Order):
        return (yield from adapter.get_order(ref.id))
    return (yield from find_order(adapter, ref))


def list_orders_page(adapter: Adapter, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
    require(adapter, Capability.ORDERS_LIST)
    query = check_query(query)
    page = yield from adapter.list_orders(query, cursor)
    if not query.narrows:
        return page
    # the platform's filters narrow what is read; what matches is decided here, exactly
    return Page(
        [order for order in page.items if query.matches(order)],
        page.next_cursor,
        page.failures,
        page.details,
    )


def create_order(adapter: Adapter, order: Order) -> Op[Order]:
    require(adapter, Capability.ORDERS_CREATE)
    problems = []
    if not order.lines:
        problems.append(Problem("lines", "an order needs at least one line"))
    for name in ("shipping_address", "billing_address"):
        address = getattr(order, name)
        if address is not None:
            problems += address_problems(address.country_code, address.province_code, name)
    if problems:
        raise InvalidRequest(problems, operation="orders.create")
    return (yield from adapter.create_order(order))


def cancel_order(
    adapter: Adapter, ref: OrderRef, options: CancelOptions, locked: str | None = None
) -> Op[Order]:
    require(adapter, Capability.ORDERS_CANCEL)
    if not options.reason:
        raise InvalidRequest([Problem("reason", "give a cancellation reason")])
    key = options.idempotency_key or new_idempotency_key()
    options = CancelOptions(
        reason=options.reason,
        refund=options.refund,
        restock=options.restock,
        notify=options.notify,
        idempotency_key=key,
    )
    before = yield from fresh(adapter, ref, locked)
    return (
        yield from exactly_once(
            lambda: adapter.cancel_order(before, options),
            lambda: find_cancellation(adapter, before),
            operation="orders.cancel",
            idempotency_key=key,
        )
    )


def update_shipping_address(adapter: Adapter, ref: OrderRef, address: Address) -> Op[Order]:
    """Change the shipping address: the fields ``address`` sets, the platform's way (Shopify and
    Shopware keep the fields left unset, Next Commerce takes a whole address). A new country
    without a province clears the old province: a province belongs to its country."""
    require(adapter, Capability.ORDERS_UPDATE_SHIPPING_ADDRESS)
    problems = address_problems(address.country_code, address.province_code)
    if problems:
        raise InvalidRequest(problems, operation="address")
    order = yield from find_order(adapter, ref)
    address = settled_address(order.shipping_address, address)
    return (yield from adapter.update_shipping_address(order, address))


# --- refunds -------------------------------------------------------------------------------
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
    """The refund with its key; :class:`RefundFailed` when the platform recorded no money moving."""
    refund = refund.model_copy(update={"idempotency_key": key})
    if refund.status in (RefundStatus.FAILURE, RefundStatus.PENDING):
        what = "failed" if refund.status is RefundStatus.FAILURE else "is still pending"
        raise RefundFailed(
            f"refund {refund.id} on order {refund.order_id} {what} on the platform "
            f"(status {refund.status.value}); no money has moved. Retrying with "
            f"idempotency_key={key!r} returns this refund; issue a new refund to try again.",
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
        return _settled((yield from finished_refund(adapter, order.id, done[0], key)), key)
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


# --- returns -------------------------------------------------------------------------------
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


# --- fulfillment orders ----------------------------------------------------------------------
def _lines(adapter: Adapter, lines: Mapping[str, int] | None) -> Mapping[str, int] | None:
    """Fulfillment-order lines by canonical id; a line given twice (in two spellings) is refused."""
    if lines is None:
        return None
    problems = [
        Problem(f"lines[{key}]", "quantity must be at least 1")
        for key, qty in lines.items()
        if qty < 1
    ]
    if not lines:
        problems.append(Problem("lines", "give at least one line, or None for all lines"))
    checked: dict[str, int] = {}
    for key, qty in lines.items():
        line_id = canonical(adapter, IdKind.FULFILLMENT_ORDER_LINE, str(key), f"lines[{key}]")
        if line_id in checked:
            problems.append(Problem(f"lines[{key}]", f"line {line_id} is given twice"))
        checked[line_id] = qty
    if problems:
        raise InvalidRequest(problems)
    return checked


def _fo(adapter: Adapter, fo_id: object) -> str:
    return canonical(adapter, IdKind.FULFILLMENT_ORDER, fo_id, "fulfillment_order_id")


def list_fulfillment_orders(adapter: Adapter, ref: OrderRef) -> Op[list[FulfillmentOrder]]:
    require(adapter, Capability.FULFILLMENTS_LIST)
    return (yield from by_order_id(adapter, ref, adapter.list_fulfillment_orders))


def hold(
    adapter: Adapter, fo_id: str, reason: HoldReason, note: str | None
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_HOLD)
    try:
        reason = HoldReason(reason)
    except ValueError:
        choices = ", ".join(r.value for r in HoldReason)
        raise InvalidRequest([Problem("reason", f"{reason!r} is not one of {choices}")]) from None
    return (yield from adapter.hold_fulfillment_order(_fo(adapter, fo_id), reason, note))


def release_hold(adapter: Adapter, fo_id: str) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_RELEASE_HOLD)
    return (yield from adapter.release_fulfillment_hold(_fo(adapter, fo_id)))


def request_fulfillment(
    adapter: Adapter,
    fo_id: str,
    lines: Mapping[str, int] | None,
    message: str | None,
    notify: bool,
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_REQUEST_FULFILLMENT)
    fulfillment_order_id = _fo(adapter, fo_id)
    checked = _lines(adapter, lines)
    return (yield from adapter.request_fulfillment(fulfillment_order_id, checked, message, notify))


def request_cancellation(adapter: Adapter, fo_id: str, message: str | None) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_REQUEST_CANCELLATION)
    return (yield from adapter.request_fulfillment_cancellation(_fo(adapter, fo_id), message))


def available_locations(adapter: Adapter, fo_id: str) -> Op[list[Location]]:
    require(adapter, Capability.FULFILLMENTS_AVAILABLE_LOCATIONS)
    return (yield from adapter.available_locations(_fo(adapter, fo_id)))


def move(
    adapter: Adapter, fo_id: str, location_id: str, lines: Mapping[str, int] | None
) -> Op[FulfillmentOrder]:
    require(adapter, Capability.FULFILLMENTS_MOVE)
    fulfillment_order_id = _fo(adapter, fo_id)
    location = canonical(adapter, IdKind.LOCATION, location_id, "location_id")
    checked = _lines(adapter, lines)
    return (yield from adapter.move_fulfillment_order(fulfillment_order_id, location, checked))
