"""Helpers for the Shopify tests: fixture loading and a sans-I/O driver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from unified_orders import jsonutil
from unified_orders.adapter import Op, Request, Response

T = TypeVar("T")
PREFIX = "/admin/api/2026-07/"


def load(shared: Path, name: str) -> Any:
    """A fixture parsed like a response body (floats as Decimal)."""
    return jsonutil.loads((shared / "fixtures" / "shopify" / name).read_text())


def wire(value: Any) -> Any:
    """A request body as it goes over the wire and is read back (floats as Decimal)."""
    return jsonutil.loads(jsonutil.dumps(value))


def drive(op: Op[T], answer: Callable[[Request], Any]) -> tuple[list[Request], T]:
    """Run an operation, answering each request with ``answer(request)`` (a body, status 200)."""
    sent: list[Request] = []
    try:
        request = next(op)
        while True:
            sent.append(request)
            body = answer(request)
            request = op.send(Response(200, {}, body, jsonutil.dumps(body)))
    except StopIteration as stop:
        return sent, stop.value
