"""``Store`` and ``AsyncStore``: the facade callers use, one per connected store.

Both run the same sans-I/O operations (:mod:`unified_orders.operations`); the only difference is
the driver, so the sync and async namespaces (:mod:`unified_orders.namespaces`, one module each)
are one-line wrappers kept side by side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from .adapter import Adapter, Capability, Emulator, Op
from .http import AsyncDriver, SyncDriver
from .namespaces.fulfillments import AsyncFulfillments, Fulfillments
from .namespaces.orders import AsyncOrders, Orders
from .namespaces.refunds import AsyncRefunds, Refunds
from .namespaces.returns import AsyncReturns, Returns
from .webhooks.subscriptions import AsyncWebhooks, Webhooks

__all__ = ["AsyncStore", "Store"]

T = TypeVar("T")


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
        ``store.run(store.adapter.get_order_refund(order_id, refund_id))`` on Shopify REST, with the
        store's retries and pacing."""
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
