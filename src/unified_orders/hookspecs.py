"""The plugin hooks. An adapter package implements ``unified_orders_adapters``."""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from .adapter import AdapterSpec

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("unified_orders")
hookimpl = pluggy.HookimplMarker("unified_orders")


@hookspec
def unified_orders_adapters() -> Iterable[AdapterSpec]:  # type: ignore[empty-body]
    """Return the adapters this plugin provides, one ``AdapterSpec`` per platform."""
