"""Where the stores of a sync come from when nothing is configured: the built-in sandboxes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ..config import BUILTIN_SANDBOX_PLATFORMS
from ..connect import connect_async
from ..plugins import registry
from ..store import AsyncStore

__all__ = ["sandbox_stores"]


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
