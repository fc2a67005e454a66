"""The one error type emulator handlers raise: a complete HTTP error answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["EmulatorError"]


class EmulatorError(Exception):
    """An error answer: HTTP ``status``, the platform-shaped ``body`` and extra ``headers``.

    Each emulator builds the body in its platform's own error shape (DRF ``detail``, Shopify
    ``errors``, Shopware JSON:API ``errors[]``) with small helpers of its own; the shell in
    :class:`~unified_orders.sandbox.BaseEmulator` turns the exception into the answer.
    """

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
