"""The stores of a sync: what may be given (:data:`StoreSource`), how it is connected, and the
built-in sandboxes used when nothing is configured."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from ..config import BUILTIN_SANDBOX_PLATFORMS
from ..connect import connect_async
from ..plugins import registry
from ..store import AsyncStore

__all__ = ["StoreSource", "connect_source", "sandbox_stores"]

StoreSource = AsyncStore | Callable[[], AsyncStore | Awaitable[AsyncStore]]
"""A store to sync: an ``AsyncStore``, or a factory (sync or async) that connects one."""


async def connect_source(source: StoreSource) -> AsyncStore:
    """The store ``source`` names: itself, or what its factory makes (awaited if need be)."""
    if isinstance(source, AsyncStore):
        return source
    made = source()
    if inspect.isawaitable(made):
        made = await made
    if not isinstance(made, AsyncStore):
        raise TypeError(f"a store factory returned {type(made).__name__}, not an AsyncStore")
    return made


def sandbox_stores(
    platforms: tuple[str, ...] = BUILTIN_SANDBOX_PLATFORMS, **settings: Any
) -> dict[str, Callable[[], AsyncStore]]:
    """``{"sandbox-<platform>": factory}`` for each of ``platforms`` whose adapter is registered.

    The names match the stores the CLI config offers when there is no config file.
    """
    known = registry()
    return {
        f"sandbox-{platform}": partial(connect_async, platform, sandbox=True, **settings)
        for platform in platforms
        if platform in known
    }
