"""The HTTP layer: the only module that imports httpx.

It drives an adapter's sans-I/O operations over a sync or async httpx client and applies the
rules every platform shares:

- pacing through the adapter's token buckets (when pacing is on);
- authentication headers from the adapter, renewed once after a 401;
- retries (tenacity): 429 and platform throttles always, after ``Retry-After``; connection
  failures before sending always; timeouts, dropped connections and 5xx only for requests that are
  safe to repeat (reads, or writes the platform makes idempotent). A write whose response was lost
  raises :class:`~unified_orders.errors.ResponseLost` at once, for the exactly-once logic to decide;
- error responses become typed errors through ``adapter.error_for``;
- secrets are redacted from log lines and error messages.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, NoReturn, TypeVar

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from . import jsonutil
from .adapter import Adapter, Emulator, Op, Request, Response
from .errors import PlatformError, RateLimited, ResponseLost, UnifiedOrdersError
from .ratelimit import reserve_all

__all__ = [
    "AsyncDriver",
    "Fault",
    "FaultInjectingTransport",
    "RecordingTransport",
    "SyncDriver",
    "Transport",
    "emulator_transport",
    "redact",
]

T = TypeVar("T")
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
log = logging.getLogger("unified_orders.http")

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Retry(Exception):
    """Internal: try again after ``delay`` seconds (None: back off); raise ``final`` when out."""

    def __init__(self, final: UnifiedOrdersError, delay: float | None = None) -> None:
        super().__init__(str(final))
        self.final = final
        self.delay = delay


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret (four characters or longer) in ``text`` with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


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
        data = b"" if payload is None else jsonutil.dumps(payload).encode()
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


class FaultInjectingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps a (sandbox) transport and injects faults chosen by ``plan(method, path)``."""

    def __init__(
        self, inner: httpx.BaseTransport, plan: Callable[[str, str], Fault | None]
    ) -> None:
        self.inner = inner
        self.plan = plan
        self.injected: list[tuple[str, str, Fault]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan(request.method, request.url.path)
        if fault is not None:
            self.injected.append((request.method, request.url.path, fault))
        if fault is Fault.THROTTLE_429:
            return httpx.Response(429, headers={"retry-after": "0"}, request=request)
        if fault is Fault.TIMEOUT_BEFORE_APPLY:
            raise httpx.ReadTimeout("injected timeout", request=request)
        response = self.inner.handle_request(request)
        if fault is Fault.DROP_AFTER_APPLY:
            raise httpx.ReadTimeout("injected: response dropped after apply", request=request)
        if fault is Fault.ERROR_5XX_AFTER_APPLY:
            return httpx.Response(502, text="injected bad gateway", request=request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


class _Session:
    """What the sync and async drivers share: request building, retry rules, error mapping."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.settings = adapter.settings
        self.buckets = adapter.rate_limits() if adapter.settings.pacing else []
        backoff = adapter.settings.retry_backoff
        self._backoff = wait_exponential_jitter(multiplier=backoff, max=10.0, jitter=backoff)

    # -- building ---------------------------------------------------------------------------
    def _http_request(
        self, client: httpx.Client | httpx.AsyncClient, request: Request, auth: Mapping[str, str]
    ) -> httpx.Request:
        headers = {"accept": "application/json", **dict(auth), **dict(request.headers or {})}
        content = None
        if request.json is not None:
            content = jsonutil.dumps(request.json).encode()
            headers.setdefault("content-type", "application/json")
        return client.build_request(
            request.method, request.url, params=request.params, content=content, headers=headers
        )

    def _retrying(self) -> dict[str, Any]:
        return {
            "retry": retry_if_exception_type(_Retry),
            "stop": stop_after_attempt(self.settings.max_attempts)
            | stop_after_delay(self.settings.max_retry_seconds),
            "wait": self._wait,
            "reraise": True,
        }

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, _Retry) and error.delay is not None:
            return error.delay
        return float(self._backoff(state))

    # -- interpreting -------------------------------------------------------------------------
    def _secrets(self) -> list[str]:
        return self.adapter.secrets()

    def _fail(self, error: UnifiedOrdersError) -> NoReturn:
        secrets = self._secrets()
        error.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in error.args)
        if isinstance(error, PlatformError):
            error.message = redact(error.message, secrets)
        raise error

    def _on_exception(self, request: Request, exc: httpx.HTTPError) -> NoReturn:
        where = f"{request.method} {request.url}"
        reason = redact(f"{type(exc).__name__}: {exc}", self._secrets())
        log.warning("%s %s failed: %s", self.adapter.platform, where, reason)
        if isinstance(exc, _NOT_SENT) or request.safe_to_retry:
            raise _Retry(PlatformError(f"{where} failed: {reason}", platform=self.adapter.platform))
        raise ResponseLost(f"{where}: the response was lost ({reason})", request=request)

    def _unauthorized(self, raw: httpx.Response) -> _Retry:
        """A 401: the adapter forgets its token and the request is tried once more at once."""
        self.adapter.forget_credentials()
        headers = {k.lower(): v for k, v in raw.headers.items()}
        response = Response(raw.status_code, headers, None, raw.text, str(raw.request.url))
        return _Retry(self.adapter.error_for(response), 0.0)

    def _on_response(self, request: Request, raw: httpx.Response, elapsed: float) -> Response:
        body: Any = None
        text = raw.text
        if raw.content:
            try:
                body = jsonutil.loads(raw.content)
            except ValueError:
                body = None
        headers = {k.lower(): v for k, v in raw.headers.items()}
        response = Response(raw.status_code, headers, body, text, str(raw.request.url))
        log.debug(
            "%s %s %s -> %s (%.0f ms)",
            self.adapter.platform,
            request.method,
            raw.request.url.path,
            raw.status_code,
            elapsed * 1000,
        )
        throttle = self.adapter.observe(response)
        status = response.status
        platform = self.adapter.platform
        if status == 429 or throttle is not None:
            delay = (
                throttle
                if throttle is not None
                else retry_after_seconds(headers.get("retry-after"))
            )
            final = RateLimited("still throttled after retrying", status=status, platform=platform)
            raise _Retry(final, delay)
        if status in request.accept:
            return response
        if status >= 500:
            error = self.adapter.error_for(response)
            if request.safe_to_retry:
                raise _Retry(error)
            raise ResponseLost(
                f"{request.method} {request.url}: server error {status} after sending; "
                "the write may or may not have taken effect",
                request=request,
                response=response,
            )
        if status >= 400:
            self._fail(self.adapter.error_for(response))
        return response


class SyncDriver(_Session):
    """Runs operations over a blocking httpx client."""

    def __init__(self, adapter: Adapter, transport: Transport | None = None) -> None:
        super().__init__(adapter)
        sync_transport = transport if isinstance(transport, httpx.BaseTransport) else None
        if transport is not None and sync_transport is None:
            raise TypeError("a sync store needs a sync httpx transport")
        self._client = httpx.Client(
            base_url=adapter.base_url,
            transport=sync_transport,
            timeout=httpx.Timeout(adapter.settings.timeout),
        )
        self._auth_lock = threading.RLock()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def run(self, op: Op[T]) -> T:
        """Drive a sans-I/O operation to its result."""
        try:
            request = next(op)
            while True:
                try:
                    response = self.send(request)
                except UnifiedOrdersError as error:
                    request = op.throw(error)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    def send(self, request: Request) -> Response:
        """Send one request under the retry, pacing and authentication rules."""
        reauthenticated = False
        try:
            for attempt in Retrying(**self._retrying()):
                with attempt:
                    auth = self._authenticate() if request.authenticated else {}
                    delay = reserve_all(self.buckets, request.cost)
                    if delay > 0:
                        time.sleep(delay)
                    http_request = self._http_request(self._client, request, auth)
                    started = time.monotonic()
                    try:
                        raw = self._client.send(http_request)
                    except httpx.HTTPError as exc:
                        self._on_exception(request, exc)
                    if raw.status_code == 401 and request.authenticated and not reauthenticated:
                        reauthenticated = True
                        raise self._unauthorized(raw)
                    return self._on_response(request, raw, time.monotonic() - started)
        except _Retry as exhausted:
            self._fail(exhausted.final)
        raise AssertionError("unreachable")  # pragma: no cover

    def _authenticate(self) -> Mapping[str, str]:
        with self._auth_lock:
            return self.run(self.adapter.authenticate())


class AsyncDriver(_Session):
    """Runs operations over an asyncio httpx client."""

    def __init__(self, adapter: Adapter, transport: Transport | None = None) -> None:
        super().__init__(adapter)
        async_transport = transport if isinstance(transport, httpx.AsyncBaseTransport) else None
        if transport is not None and async_transport is None:
            raise TypeError("an async store needs an async httpx transport")
        self._client = httpx.AsyncClient(
            base_url=adapter.base_url,
            transport=async_transport,
            timeout=httpx.Timeout(adapter.settings.timeout),
        )
        self._auth_lock: asyncio.Lock | None = None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def run(self, op: Op[T]) -> T:
        """Drive a sans-I/O operation to its result."""
        try:
            request = next(op)
            while True:
                try:
                    response = await self.send(request)
                except UnifiedOrdersError as error:
                    request = op.throw(error)
                else:
                    request = op.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def send(self, request: Request) -> Response:
        """Send one request under the retry, pacing and authentication rules."""
        reauthenticated = False
        try:
            async for attempt in AsyncRetrying(**self._retrying()):
                with attempt:
                    auth = await self._authenticate() if request.authenticated else {}
                    delay = reserve_all(self.buckets, request.cost)
                    if delay > 0:
                        await asyncio.sleep(delay)
                    http_request = self._http_request(self._client, request, auth)
                    started = time.monotonic()
                    try:
                        raw = await self._client.send(http_request)
                    except httpx.HTTPError as exc:
                        self._on_exception(request, exc)
                    if raw.status_code == 401 and request.authenticated and not reauthenticated:
                        reauthenticated = True
                        raise self._unauthorized(raw)
                    return self._on_response(request, raw, time.monotonic() - started)
        except _Retry as exhausted:
            self._fail(exhausted.final)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _authenticate(self) -> Mapping[str, str]:
        if self._auth_lock is None:
            self._auth_lock = asyncio.Lock()
        async with self._auth_lock:
            return await self.run(self.adapter.authenticate())
