"""Transports: an emulator behind httpx, and the recording and fault-injecting wrappers tests use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx

from .. import jsonutil
from ..adapter import Emulator

__all__ = [
    "SLOW_APPLY_AFTER",
    "Exchange",
    "Fault",
    "FaultInjectingTransport",
    "RecordingTransport",
    "emulator_transport",
]


def emulator_transport(emulator: Emulator) -> httpx.MockTransport:
    """An httpx transport answering from an in-memory emulator (a sandbox store).

    It is an ``httpx.MockTransport``, so cassette recorders that patch httpx transports see it.
    """

    def handle(request: httpx.Request) -> httpx.Response:
        content = request.read()
        body = jsonutil.loads(content) if content else None
        query: dict[str, list[str]] = {}
        for key, value in request.url.params.multi_items():
            query.setdefault(key, []).append(value)
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, payload, extra = emulator.handle(
            request.method, request.url.path, query, headers, body
        )
        out = {"content-type": "application/json", **dict(extra)}
        if isinstance(payload, bytes):  # a file the emulator serves as is (a bulk export's)
            data = payload
        else:
            data = b"" if payload is None else jsonutil.encode(payload)
        return httpx.Response(status, content=data, headers=out)

    return httpx.MockTransport(handle)


@dataclass
class Exchange:
    """One request seen by a :class:`RecordingTransport`: method, path, query, JSON body, status."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int | None = None


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a transport and records every exchange (tests count requests with it)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    def _record(self, request: httpx.Request) -> Exchange:
        content = request.read()
        exchange = Exchange(
            request.method,
            request.url.path,
            dict(request.url.params.items()),
            jsonutil.loads(content) if content else None,
            {k.lower(): v for k, v in request.headers.items()},
        )
        self.exchanges.append(exchange)
        return exchange

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = self._record(request)
        response = self.inner.handle_request(request)
        exchange.status = response.status_code
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


class Fault(Enum):
    """A failure a :class:`FaultInjectingTransport` can inject into one exchange."""

    DROP_AFTER_APPLY = "drop_after_apply"  # the platform applies the request; the response is lost
    TIMEOUT_BEFORE_APPLY = "timeout_before_apply"  # times out before the platform sees it
    ERROR_5XX_AFTER_APPLY = "error_5xx_after_apply"  # applied, then answered 502
    THROTTLE_429 = "throttle_429"  # not applied; 429 with Retry-After: 0
    # applied, then a 200 whose body cannot be read:
    HTML_AFTER_APPLY = "html_after_apply"  # an HTML error page from a proxy
    TRUNCATED_AFTER_APPLY = "truncated_after_apply"  # the JSON cut in half
    EMPTY_AFTER_APPLY = "empty_after_apply"  # no body at all
    NULL_AFTER_APPLY = "null_after_apply"  # the JSON literal null
    DEEP_AFTER_APPLY = "deep_after_apply"  # JSON nested deeper than any parser's recursion limit
    # times out, and the platform applies it later: after the next ``SLOW_APPLY_AFTER`` requests
    SLOW_APPLY = "slow_apply"


#: How many later requests pass before a ``Fault.SLOW_APPLY`` write reaches the platform.
SLOW_APPLY_AFTER = 2

_UNREADABLE: dict[Fault, Callable[[bytes], bytes]] = {
    Fault.HTML_AFTER_APPLY: lambda _: b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    Fault.TRUNCATED_AFTER_APPLY: lambda body: body[: max(len(body) // 2, 1)],
    Fault.EMPTY_AFTER_APPLY: lambda _: b"",
    Fault.NULL_AFTER_APPLY: lambda _: b"null",
    Fault.DEEP_AFTER_APPLY: lambda _: b"[" * 100_000 + b"]" * 100_000,
}


class FaultInjectingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a (sandbox) transport and injects faults chosen by ``plan(method, path)``."""

    def __init__(
        self, inner: httpx.BaseTransport, plan: Callable[[str, str], Fault | None]
    ) -> None:
        self.inner = inner
        self.plan = plan
        self.injected: list[tuple[str, str, Fault]] = []
        self._held: list[list[Any]] = []  # [requests still to pass, request] of slow applies

    def _release_held(self) -> None:
        for held in list(self._held):
            held[0] -= 1
            if held[0] < 0:
                self._held.remove(held)
                self.inner.handle_request(held[1])

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._release_held()
        fault = self.plan(request.method, request.url.path)
        if fault is not None:
            self.injected.append((request.method, request.url.path, fault))
        if fault is Fault.THROTTLE_429:
            return httpx.Response(429, headers={"retry-after": "0"}, request=request)
        if fault is Fault.TIMEOUT_BEFORE_APPLY:
            raise httpx.ReadTimeout("injected timeout", request=request)
        if fault is Fault.SLOW_APPLY:
            request.read()
            self._held.append([SLOW_APPLY_AFTER, request])
            raise httpx.ReadTimeout("injected: slow apply", request=request)
        response = self.inner.handle_request(request)
        if fault is Fault.DROP_AFTER_APPLY:
            raise httpx.ReadTimeout("injected: response dropped after apply", request=request)
        if fault is Fault.ERROR_5XX_AFTER_APPLY:
            return httpx.Response(502, text="injected bad gateway", request=request)
        if fault is not None and fault in _UNREADABLE and 200 <= response.status_code < 300:
            body = _UNREADABLE[fault](response.read())
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            return httpx.Response(200, content=body, headers=headers, request=request)
        return response

    def settle(self) -> None:
        """Apply every held slow write now (the platform caught up)."""
        for _, request in self._held:
            self.inner.handle_request(request)
        self._held.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)
