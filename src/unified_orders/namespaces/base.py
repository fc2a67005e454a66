"""What every namespace shares: the store's driver, the store's lock key, and writes run under
their order's lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .. import operations as ops
from ..adapter import (
    Adapter,
    Capability,
    Op,
    OrderQuery,
    Page,
)
from ..errors import PlatformError
from ..locks import order_lock, order_lock_async
from ..models import (
    Order,
)

if TYPE_CHECKING:
    from ..store import AsyncStore, Store


__all__ = ["AsyncNamespace", "Namespace", "order_query", "refuse_short", "store_key"]

T = TypeVar("T")


def store_key(adapter: Adapter) -> str:
    """What identifies a store for locking: its platform and API root (for a sandbox, the
    ``sandbox serve`` store it goes to, else the emulator of this process)."""
    if adapter.settings.sandbox:
        if adapter.sandbox_served_by is not None:
            return f"{adapter.platform}:served:{adapter.sandbox_served_by}"
        return f"{adapter.platform}:sandbox:{id(adapter)}"
    return f"{adapter.platform}:{adapter.base_url}"


def refuse_short(page: Page[Order]) -> None:
    """A listing never ends short without a word: orders it could not read fail it, by name
    (``pages()`` hands them over as ``Page.failures`` instead)."""
    if page.failures:
        named = "; ".join(f"{f.id}: {f.error}" for f in page.failures[:5])
        more = f" (and {len(page.failures) - 5} more)" if len(page.failures) > 5 else ""
        raise PlatformError(f"{len(page.failures)} order(s) could not be read: {named}{more}")


#: A write on one order: ``(order reference, id of the order locked) -> operation``.
Write = Callable[[ops.OrderRef, str], Op[T]]


class Namespace:
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
        store = store_key(self._adapter)
        try:
            with order_lock(store, key):
                return self._run(write(ref, key))
        except ops.OrderElsewhere as moved:
            with order_lock(store, moved.order.id):
                return self._run(write(moved.order, moved.order.id))


class AsyncNamespace:
    def __init__(self, store: AsyncStore) -> None:
        self._adapter = store.adapter
        self._run = store._driver.run

    async def _locked(self, capability: Capability, ref: ops.OrderRef, write: Write[T]) -> T:
        """The awaitable twin of :meth:`Namespace._locked`."""
        ops.require(self._adapter, capability)
        key = ops.lock_id(self._adapter, ref)
        if key is None:
            ref = await self._run(ops.find_order(self._adapter, ref))
            key = ref.id
        store = store_key(self._adapter)
        try:
            async with order_lock_async(store, key):
                return await self._run(write(ref, key))
        except ops.OrderElsewhere as moved:
            async with order_lock_async(store, moved.order.id):
                return await self._run(write(moved.order, moved.order.id))


def order_query(**kw: Any) -> OrderQuery:
    return OrderQuery(**kw)
