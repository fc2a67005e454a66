"""Order operations: read, list, create, cancel (exactly once), change the address."""

from __future__ import annotations

from ..adapter import (
    Adapter,
    CancelOptions,
    Capability,
    Op,
    OrderCreateOptions,
    OrderQuery,
    Page,
    SourceMarker,
)
from ..countries import address_problems, settled_address
from ..errors import InvalidRequest, Problem
from ..finding import (
    OrderRef,
    check_query,
    find_order,
    fresh,
)
from ..models import (
    Address,
    Order,
)
from ..writes import (
    Reconciled,
    exactly_once,
    find_cancellation,
    new_idempotency_key,
)
from .gate import require


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


def create_order(
    adapter: Adapter, order: Order, options: OrderCreateOptions | None = None
) -> Op[Order]:
    require(adapter, Capability.ORDERS_CREATE)
    options = options or OrderCreateOptions()
    problems = []
    marker = options.marker
    if marker is not None and (not marker.value or marker.value != marker.value.strip()):
        problems.append(Problem("source_marker", "a marker is non-empty text without spaces"))
    if not order.lines:
        problems.append(Problem("lines", "an order needs at least one line"))
    for name in ("shipping_address", "billing_address"):
        address = getattr(order, name)
        if address is not None:
            problems += address_problems(address.country_code, address.province_code, name)
    if problems:
        raise InvalidRequest(problems, operation="orders.create")
    if marker is None:
        return (yield from adapter.create_order(order, options))
    return (
        yield from exactly_once(
            lambda: adapter.create_order(order, options),
            lambda: _find_created(adapter, marker),
            operation="orders.create",
            idempotency_key=marker.value,
        )
    )


def _find_created(adapter: Adapter, marker: SourceMarker) -> Op[Reconciled[Order]]:
    """Re-read the target for the marker: one order carrying it is the one we created."""
    found = yield from adapter.find_orders_by_marker(marker)
    if len(found) == 1:
        return Reconciled(found=found[0])
    if found:
        return Reconciled(
            undecidable=f"{len(found)} orders carry the marker {marker.value}",
            candidates=tuple(o.id for o in found),
        )
    return Reconciled()


def find_orders_by_marker(adapter: Adapter, marker: SourceMarker) -> Op[list[Order]]:
    """The orders created with ``marker``: exactly those whose marker the adapter read back."""
    require(adapter, Capability.ORDERS_GET)
    if not marker.value:
        raise InvalidRequest([Problem("marker", "give a marker")], operation="orders.find")
    return (yield from adapter.find_orders_by_marker(marker))


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
