"""Sandbox stores whose transport is wrapped, so tests can count requests or inject faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..adapter import Emulator
from ..connect import _adapter
from ..errors import ConfigurationError
from ..http import AsyncDriver, SyncDriver, Transport, emulator_transport
from ..store import AsyncStore, Store

__all__ = ["instrumented_sandbox", "unwrapped"]


def _build(platform: str, settings: dict[str, Any]) -> tuple[Any, Emulator, Any]:
    adapter = _adapter(platform, {**settings, "sandbox": True})
    emulator = adapter.emulator()
    if emulator is None:
        raise ConfigurationError(f"{platform} has no sandbox")
    return adapter, emulator, emulator_transport(emulator)


def instrumented_sandbox(
    platform: str,
    wrap: Callable[[Any], Transport] = lambda transport: transport,
    *,
    asynchronous: bool = False,
    **settings: Any,
) -> Store | AsyncStore:
    """A sandbox store whose emulator transport is passed through ``wrap`` first.

    ``wrap=RecordingTransport`` records every exchange; ``wrap=lambda t:
    FaultInjectingTransport(t, plan)`` injects faults. ``store.sandbox`` is the emulator.
    """
    adapter, emulator, transport = _build(platform, settings)
    if asynchronous:
        return AsyncStore(adapter, AsyncDriver(adapter, wrap(transport)), emulator)
    return Store(adapter, SyncDriver(adapter, wrap(transport)), emulator)


def unwrapped(store: Store | AsyncStore) -> Store:
    """A plain sync store over the same emulator state: for checking what really happened."""
    if store.sandbox is None:
        raise ConfigurationError("not a sandbox store")
    adapter = store.adapter
    return Store(adapter, SyncDriver(adapter, emulator_transport(store.sandbox)), store.sandbox)
