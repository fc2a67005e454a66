"""``Store`` and ``AsyncStore``: the facade callers use, one per connected store.

Both run the same sans-I/O operations (:mod:`unified_orders.operations`); the only difference is
the driver, so the sync and async namespaces below are one-line wrappers kept side by side.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

from . import operations as ops
from .adapter import (
    Adapter,
    CancelOptions,
    Capability,
    Emulator,
    Op,
    OrderQuery,
    Page,
    RefundOptions,
    ReturnAction,
)
from .errors import PlatformError
from .http import AsyncDriver, SyncDriver
from .locks import order_lock, order_lock_async
from .models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Order,
    OrderStatus,
    Refund,
    RefundCalculation,
    RefundRequest,
    Return,
    ReturnRequest,
)
from .webhooks.subscriptions import AsyncWebhooks, Webhooks

__all__ = ["AsyncStore", "Store"]

T = TypeVar("T")


def _store_key(adapter: Adapter) -> str:
    """What identifies a store for locking: its platform and API root (for a sandbox, the
    ``sandbox serve`` store it goes to, else the emulator of this process)."""
    if adapter.settings.sandbox:
        if adapter.sandbox_served_by is not None:
            return f"{adapter.platform}:served:{adapter.sandbox_served_by}"
        return f"{adapter.platform}:sandbox:{id(adapter)}"
    return f"{adapter.platform}:{adapter.base_url}"


def _refuse_short(page: Page[Order]) -> None:
    """A listing never ends short without a word: orders it could not read fail it, by name
    (``pages()`` hands them over as ``Page.failures`` instead)."""
    if page.failures:
        named = "; ".join(f"{f.id}: {f.error}" for f in page.failures[:5])
        more = f" (and {len(page.failures) - 5} more)" if len(page.failures) > 5 else ""
        raise PlatformError(f"{len(page.failures)} order(s) could not be read: {named}{more}")


#: A write on one order: ``(order reference, id of the order locked) -> operation``.
Write = Callable[[ops.OrderRef, str], Op[T]]


class _Base:
    def __init__(self, adapter: Adapter, emulator: Emulator | None) -> None:
        self.adapter = adapter
        self.sandbox = emulator

    @property
    def platform(self) -> str:
        """The platform name, e.g. ``"shopify"``."""
        return self.adapter.platform

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this store can do; any other operation raises ``UnsupportedOperation``."""
        return self.adapter.capabilities

    def __repr__(self) -> str:
        kind = " sandbox" if self.sandbox is not None else ""
        return f"<{type(self).__name__} {self.platform}{kind}>"


class Store(_Base):
    """A connected store (blocking). Use ``uo.connect(...)`` to make one."""

    def __init__(self, adapter: Adapter, driver: SyncDriver, emulator: Emulator | None = None):
        super().__init__(adapter, emulator)
        self._driver = driver
        self.orders = Orders(self)
        self.refunds = Refunds(self)
        self.returns = Returns(self)
        self.fulfillments = Fulfillments(self)
        self.webhooks = Webhooks(self)

    def run(self, op: Op[T]) -> T:
        """Run an adapter-specific operation (one outside the canonical namespaces), e.g.
        ``store.run(store.adapter.process_return(...))``, with the store's retries and pacing."""
        return self._driver.run(op)

    def close(self) -> None:
        """Close the store's connections."""
        self._driver.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncStore(_Base):
    """A connected store for asyncio. Use ``uo.connect_async(...)`` to make one."""

    def __init__(self, adapter: Adapter, driver: AsyncDriver, emulator: Emulator | None = None):
        super().__init__(adapter, emulator)
        self._driver = driver
        self.orders = AsyncOrders(self)
        self.refunds = AsyncRefunds(self)
        self.returns = AsyncReturns(self)
        self.fulfillments = AsyncFulfillments(self)
        self.webhooks = AsyncWebhooks(self)

    async def run(self, op: Op[T]) -> T:
        """Run an adapter-specific operation (one outside the canonical namespaces)."""
        return await self._driver.run(op)

    def download_lines(self, url: str) -> AsyncIterator[bytes]:
        """Stream the lines of a result file on another host (a bulk export's), credentials
        never sent along."""
        return self._driver.download_lines(url)

    async def aclose(self) -> None:
        """Close the store's connections."""
        await self._driver.aclose()

    async def __aenter__(self) -> AsyncStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _Namespace:
    def __init__(self, store: Store) -> None:
        self._adapter = store.adapter
        self._run = store._driver.run

    def _locked(self, capability: Capability, ref: ops.OrderRef, write: Write[T]) -> T:
        """Run a write under its order's lock: an order number is looked up first, and a
        reference first tried as an id that names another order is locked again by that id."""
        ops.require(self._adapter, capability)
        key = ops.lock_id(self._adapter, ref)
        if key is None:
            ref = self._run(ops.find_order(self._adapter, ref))
            key = ref.id
        store = _store_key(self._adapter)
        try:
            with order_lock(store, key):
                return self._run(write(ref, key))
        except ops.OrderElsewhere as moved:
            with order_lock(store, moved.order.id):
                return self._run(write(moved.order, moved.order.id))


class _AsyncNamespace:
    def __init__(self, store: AsyncStore) -> None:
        self._adapter = store.adapter
        self._run = store._driver.run

    async def _locked(self, capability: Capability, ref: ops.OrderRef, write: Write[T]) -> T:
        """The awaitable twin of :meth:`_Namespace._locked`."""
        ops.require(self._adapter, capability)
        key = ops.lock_id(self._adapter, ref)
        if key is None:
            ref = await self._run(ops.find_order(self._adapter, ref))
            key = ref.id
        store = _store_key(self._adapter)
        try:
            async with order_lock_async(store, key):
                return await self._run(write(ref, key))
        except ops.OrderElsewhere as moved:
            async with order_lock_async(store, moved.order.id):
                return await self._run(write(moved.order, moved.order.id))


def _query(**kw: Any) -> OrderQuery:
    return OrderQuery(**kw)


# --- orders ----------------------------------------------------------------------------------
class Orders(_Namespace):
    """``store.orders``: read, list, create, cancel, change the shipping address."""

    def get(self, order_id: ops.OrderRef) -> Order:
        """Read one order: by id, GID (Shopify ``gid://shopify/Order/N``) or order number as the
        shop shows it (``#1001``; a leading ``#`` is always a number, an id-shaped reference is
        tried as an id first)."""
        return self._run(ops.get_order(self._adapter, order_id))

    def list(
        self,
        *,
        created_since: datetime | None = None,
        updated_since: datetime | None = None,
        created_until: datetime | None = None,
        updated_until: datetime | None = None,
        number: str | None = None,
        email: str | None = None,
        status: OrderStatus | str | None = None,
    ) -> Iterator[Order]:
        """Every matching order, following every page; pages are fetched as you iterate.

        ``number`` (``#`` optional), ``email`` (any case) and ``status`` (open, closed,
        canceled) filter on the platform where it can, and exactly here in any case."""
        query = _query(
            created_since=created_since,
            updated_since=updated_since,
            created_until=created_until,
            updated_until=updated_until,
            number=number,
            email=email,
            status=status,
        )
        for page in self.pages(query):
            yield from page.items
            _refuse_short(page)

    def page(self, query: OrderQuery, cursor: str | None = None) -> Page[Order]:
        """One page of the listing: its orders and the cursor of the next page (None at the end)."""
        return self._run(ops.list_orders_page(self._adapter, query, cursor))

    def pages(
        self, query: OrderQuery | None = None, cursor: str | None = None
    ) -> Iterator[Page[Order]]:
        """The listing page by page, from ``cursor`` on; each page carries the next cursor, so a
        reader can save it and resume later."""
        query = query or OrderQuery()
        while True:
            page = self.page(query, cursor)
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def create(self, order: Order) -> Order:
        """Create an order from a canonical one (migration)."""
        return self._run(ops.create_order(self._adapter, order))

    def cancel(
        self,
        order_id: ops.OrderRef,
        *,
        reason: str,
        refund: bool = False,
        restock: bool = False,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Order:
        """Cancel an order; exactly once. Customer notification is off unless ``notify``."""
        options = CancelOptions(reason, refund, restock, notify, idempotency_key)
        return self._locked(
            Capability.ORDERS_CANCEL,
            order_id,
            lambda ref, key: ops.cancel_order(self._adapter, ref, options, key),
        )

    def update_shipping_address(self, order_id: ops.OrderRef, address: Address) -> Order:
        """Change the shipping address: the fields ``address`` sets; a new country without a
        province clears the old province."""
        return self._run(ops.update_shipping_address(self._adapter, order_id, address))


class AsyncOrders(_AsyncNamespace):
    """``astore.orders``: the awaitable twin of :class:`Orders`."""

    async def get(self, order_id: ops.OrderRef) -> Order:
        """Read one order: by id, GID or order number (see :meth:`Orders.get`)."""
        return await self._run(ops.get_order(self._adapter, order_id))

    async def list(
        self,
        *,
        created_since: datetime | None = None,
        updated_since: datetime | None = None,
        created_until: datetime | None = None,
        updated_until: datetime | None = None,
        number: str | None = None,
        email: str | None = None,
        status: OrderStatus | str | None = None,
    ) -> AsyncIterator[Order]:
        """Every matching order, following every page (filters as in :meth:`Orders.list`)."""
        query = _query(
            created_since=created_since,
            updated_since=updated_since,
            created_until=created_until,
            updated_until=updated_until,
            number=number,
            email=email,
            status=status,
        )
        async for page in self.pages(query):
            for order in page.items:
                yield order
            _refuse_short(page)

    async def page(self, query: OrderQuery, cursor: str | None = None) -> Page[Order]:
        """One page of the listing: its orders and the cursor of the next page (None at the end)."""
        return await self._run(ops.list_orders_page(self._adapter, query, cursor))

    async def pages(
        self, query: OrderQuery | None = None, cursor: str | None = None
    ) -> AsyncIterator[Page[Order]]:
        """The listing page by page, from ``cursor`` on; each page carries the next cursor, so a
        reader can save it and resume later."""
        query = query or OrderQuery()
        while True:
            page = await self.page(query, cursor)
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def create(self, order: Order) -> Order:
        """Create an order from a canonical one (migration)."""
        return await self._run(ops.create_order(self._adapter, order))

    async def cancel(
        self,
        order_id: ops.OrderRef,
        *,
        reason: str,
        refund: bool = False,
        restock: bool = False,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Order:
        """Cancel an order; exactly once. Customer notification is off unless ``notify``."""
        options = CancelOptions(reason, refund, restock, notify, idempotency_key)
        return await self._locked(
            Capability.ORDERS_CANCEL,
            order_id,
            lambda ref, key: ops.cancel_order(self._adapter, ref, options, key),
        )

    async def update_shipping_address(self, order_id: ops.OrderRef, address: Address) -> Order:
        """Change the shipping address (see :meth:`Orders.update_shipping_address`)."""
        return await self._run(ops.update_shipping_address(self._adapter, order_id, address))


# --- refunds ---------------------------------------------------------------------------------
class Refunds(_Namespace):
    """``store.refunds``: calculate (preview), create, list."""

    def calculate(self, order_id: ops.OrderRef, request: RefundRequest) -> RefundCalculation:
        """Preview a refund: validated lines, amounts, restock and transaction allocations."""
        return self._run(ops.calculate_refund(self._adapter, order_id, request))

    def create(
        self,
        order_id: ops.OrderRef,
        request_or_calculation: RefundRequest | RefundCalculation,
        *,
        note: str | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Refund:
        """Create a refund exactly once; the key used is on the result's ``idempotency_key``."""
        options = RefundOptions(note, notify, idempotency_key)
        return self._locked(
            Capability.REFUNDS_CREATE,
            order_id,
            lambda ref, key: ops.create_refund(
                self._adapter, ref, request_or_calculation, options, key
            ),
        )

    def list(self, order_id: ops.OrderRef) -> builtins.list[Refund]:
        """Refunds of one order."""
        return self._run(ops.list_refunds(self._adapter, order_id))


class AsyncRefunds(_AsyncNamespace):
    """``astore.refunds``: the awaitable twin of :class:`Refunds`."""

    async def calculate(self, order_id: ops.OrderRef, request: RefundRequest) -> RefundCalculation:
        """Preview a refund: validated lines, amounts, restock and transaction allocations."""
        return await self._run(ops.calculate_refund(self._adapter, order_id, request))

    async def create(
        self,
        order_id: ops.OrderRef,
        request_or_calculation: RefundRequest | RefundCalculation,
        *,
        note: str | None = None,
        notify: bool = False,
        idempotency_key: str | None = None,
    ) -> Refund:
        """Create a refund exactly once; the key used is on the result's ``idempotency_key``."""
        options = RefundOptions(note, notify, idempotency_key)
        return await self._locked(
            Capability.REFUNDS_CREATE,
            order_id,
            lambda ref, key: ops.create_refund(
                self._adapter, ref, request_or_calculation, options, key
            ),
        )

    async def list(self, order_id: ops.OrderRef) -> builtins.list[Refund]:
        """Refunds of one order."""
        return await self._run(ops.list_refunds(self._adapter, order_id))


# --- returns ---------------------------------------------------------------------------------
class Returns(_Namespace):
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


class AsyncReturns(_AsyncNamespace):
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


# --- fulfillment orders ------------------------------------------------------------------------
class Fulfillments(_Namespace):
    """``store.fulfillments``: fulfillment orders, holds, requests and moves."""

    def list(self, order_id: ops.OrderRef) -> builtins.list[FulfillmentOrder]:
        """Fulfillment orders of one order."""
        return self._run(ops.list_fulfillment_orders(self._adapter, order_id))

    def hold(self, fo_id: str, *, reason: HoldReason, note: str | None = None) -> FulfillmentOrder:
        """Put a fulfillment order on hold."""
        return self._run(ops.hold(self._adapter, fo_id, reason, note))

    def release_hold(self, fo_id: str) -> FulfillmentOrder:
        """Release the holds on a fulfillment order."""
        return self._run(ops.release_hold(self._adapter, fo_id))

    def request_fulfillment(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        message: str | None = None,
        notify: bool = False,
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to ship; ``lines`` maps fulfillment-order line ids to units."""
        return self._run(ops.request_fulfillment(self._adapter, fo_id, lines, message, notify))

    def request_cancellation(self, fo_id: str, *, message: str | None = None) -> FulfillmentOrder:
        """Ask the fulfillment service to cancel."""
        return self._run(ops.request_cancellation(self._adapter, fo_id, message))

    def available_locations(self, fo_id: str) -> builtins.list[Location]:
        """Where the fulfillment order could move."""
        return self._run(ops.available_locations(self._adapter, fo_id))

    def move(
        self, fo_id: str, location_id: str, *, lines: Mapping[str, int] | None = None
    ) -> FulfillmentOrder:
        """Move (some lines of) a fulfillment order to another location."""
        return self._run(ops.move(self._adapter, fo_id, location_id, lines))


class AsyncFulfillments(_AsyncNamespace):
    """``astore.fulfillments``: the awaitable twin of :class:`Fulfillments`."""

    async def list(self, order_id: ops.OrderRef) -> builtins.list[FulfillmentOrder]:
        """Fulfillment orders of one order."""
        return await self._run(ops.list_fulfillment_orders(self._adapter, order_id))

    async def hold(
        self, fo_id: str, *, reason: HoldReason, note: str | None = None
    ) -> FulfillmentOrder:
        """Put a fulfillment order on hold."""
        return await self._run(ops.hold(self._adapter, fo_id, reason, note))

    async def release_hold(self, fo_id: str) -> FulfillmentOrder:
        """Release the holds on a fulfillment order."""
        return await self._run(ops.release_hold(self._adapter, fo_id))

    async def request_fulfillment(
        self,
        fo_id: str,
        *,
        lines: Mapping[str, int] | None = None,
        message: str | None = None,
        notify: bool = False,
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to ship; ``lines`` maps fulfillment-order line ids to units."""
        op = ops.request_fulfillment(self._adapter, fo_id, lines, message, notify)
        return await self._run(op)

    async def request_cancellation(
        self, fo_id: str, *, message: str | None = None
    ) -> FulfillmentOrder:
        """Ask the fulfillment service to cancel."""
        return await self._run(ops.request_cancellation(self._adapter, fo_id, message))

    async def available_locations(self, fo_id: str) -> builtins.list[Location]:
        """Where the fulfillment order could move."""
        return await self._run(ops.available_locations(self._adapter, fo_id))

    async def move(
        self, fo_id: str, location_id: str, *, lines: Mapping[str, int] | None = None
    ) -> FulfillmentOrder:
        """Move (some lines of) a fulfillment order to another location."""
        return await self._run(ops.move(self._adapter, fo_id, location_id, lines))
