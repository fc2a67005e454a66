"""Helpers shared by the Shopware adapter tests: recorded sandbox stores, demo-order lookups."""

from __future__ import annotations

from typing import Any

from unified_orders_adapters.shopware.sandbox import ShopwareEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport
from unified_orders.testing import instrumented_sandbox


class Recorded:
    """A sandbox store, the transport recording its exchanges, and the emulator behind it."""

    def __init__(self, **settings: Any) -> None:
        holder: list[RecordingTransport] = []

        def wrap(transport: Any) -> RecordingTransport:
            holder.append(RecordingTransport(transport))
            return holder[0]

        store = instrumented_sandbox("shopware", wrap, **settings)
        assert isinstance(store, uo.Store)
        self.store = store
        self.transport = holder[0]
        assert isinstance(store.sandbox, ShopwareEmulator)
        self.emulator: ShopwareEmulator = store.sandbox

    @property
    def sent(self) -> list[tuple[str, str]]:
        """(method, path) of every exchange so far."""
        return [(e.method, e.path) for e in self.transport.exchanges]

    def order(self, number: str) -> uo.Order:
        """A demo order by its order number."""
        for order in self.store.orders.list():
            if order.number == number:
                return order
        raise AssertionError(f"no demo order {number}")
