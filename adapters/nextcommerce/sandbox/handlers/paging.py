"""Cursor pages as the Admin API answers them: ``next``/``previous`` links and ``results``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from unified_orders.sandbox import SandboxRequest

from ...rules import API_ROOT
from ..state import detail

__all__ = ["cursor_page"]

T = TypeVar("T")


def cursor_page(
    request: SandboxRequest,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    path: str,
    prefix: str,
    size: int,
) -> dict[str, Any]:
    """The page of ``items`` the request's ``cursor`` (``{prefix}{offset}``) points at."""
    offset = 0
    cursor = request.arg("cursor")
    if cursor:
        match = re.fullmatch(rf"{prefix}(\d+)", cursor)
        if match is None:
            raise detail("Invalid cursor", 404)
        offset = int(match.group(1))
    host = request.headers.get("host", "sandbox.29next.store")
    base = f"https://{host}{API_ROOT}{path}"
    more = offset + size < len(items)
    return {
        "next": f"{base}?cursor={prefix}{offset + size}" if more else None,
        "previous": f"{base}?cursor={prefix}{max(offset - size, 0)}" if offset else None,
        "results": [render(item) for item in items[offset : offset + size]],
    }
